"""The HTTP edge without AWS: how a body or a query that is wrong is told to the client, field by field, and how
a refusal is shaped. (tests/integration/test_bad_input.py sends the same through the API; these are quicker.)"""

from types import SimpleNamespace

import pytest

from chalicelib import errors
from chalicelib.domain.ideas import IdeaDraft
from chalicelib.domain.notifications import PreferencesBody, ReadNotifications
from chalicelib.domain.similar import SimilarQuery
from chalicelib.http import error_response, parse_body, parse_query, to_response

LONG = "x" * 121


def refusal(parse, *arguments) -> str:
    with pytest.raises(errors.InvalidInput) as refused:
        parse(*arguments)
    return str(refused.value)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('{"title": "t"}', "kind: is required"),  # the field that picks the body's shape
        ('{"kind": "poem", "title": "t"}', "kind: must be one of: 'customisation', 'suggestion'"),
        ('{"kind": "suggestion", "description": "d"}', "title: is required"),  # named without the shape's name
        (f'{{"kind": "suggestion", "title": "{LONG}", "description": "d"}}', "title: must be at most 120 characters"),
        ('{"kind": "suggestion", "title": " ", "description": "d"}', "title: must not be empty"),
        ('{"kind": "suggestion", "title": "t", "description": "d", "by": "x"}', "by: is not part of this request"),
        ('{"kind": "suggestion", "title": 7, "description": "d"}', "title: Input should be a valid string"),
    ],
)
def test_each_problem_of_a_body_names_its_field_and_what_is_wrong(body, says):
    assert refusal(parse_body, json_request(body), IdeaDraft) == says


def json_request(body: str) -> SimpleNamespace:
    return SimpleNamespace(headers={"content-type": "application/json"}, raw_body=body.encode())


def test_a_field_within_a_field_is_named_by_its_path_and_a_rule_of_the_whole_body_names_the_body():
    wish = '{"email": {"address": "ada@example.com", "events": ["gossip"]}}'
    assert refusal(parse_body, json_request(wish), PreferencesBody).startswith("email.events.0: Input should be ")
    twice = '{"email": {"address": "ada@example.com", "events": ["merged", "merged"]}}'
    assert refusal(parse_body, json_request(twice), PreferencesBody) == "email: events names a kind twice"
    both = '{"notification_ids": ["n1"], "all": true}'
    assert refusal(parse_body, json_request(both), ReadNotifications) == (
        "body: name notification_ids, or all: true, not both"
    )


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({}, "q: is required"),
        ({"q": "ab"}, "q: String should have at least 3 characters"),  # pydantic's words past the first
        ({"q": "roof", "limit": "21"}, "limit: Input should be less than or equal to 20"),
        ({"q": "roof", "page": "2"}, "page: is not part of this request"),
    ],
)
def test_each_problem_of_a_query_names_its_parameter_and_what_is_wrong(query, says):
    assert refusal(parse_query, SimpleNamespace(query_params=query), SimilarQuery) == says


def test_a_refusal_carries_its_code_and_message_and_a_rate_limit_says_when_to_retry():
    limited = error_response(errors.RateLimited("too many writes", retry_after_seconds=42))
    assert (limited.status_code, limited.body) == (429, {"Code": "TooManyRequestsError", "Message": "too many writes"})
    assert limited.headers == {"Retry-After": "42"}

    closed = error_response(errors.IdeaClosed("the idea is closed"))
    assert (closed.status_code, closed.body["Code"], closed.headers) == (409, "IdeaClosed", {})


BODY = '{"kind": "suggestion", "title": "Cup holders", "description": "d"}'


@pytest.mark.parametrize(
    "content_type", [None, "application/json", "Application/JSON; charset=utf-8", "application/merge-patch+json"]
)
def test_a_body_is_read_as_json_when_it_says_so_or_says_nothing(content_type):
    request = SimpleNamespace(headers={"content-type": content_type} if content_type else {}, raw_body=BODY.encode())
    assert parse_body(request, IdeaDraft).root.title == "Cup holders"


@pytest.mark.parametrize("content_type", ["text/plain", "application/jsonx", "application/x-www-form-urlencoded"])
def test_a_body_of_another_media_type_is_refused(content_type):
    with pytest.raises(errors.UnsupportedMediaType):
        parse_body(SimpleNamespace(headers={"content-type": content_type}, raw_body=BODY.encode()), IdeaDraft)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('{"kind": "suggestion", "title": "t", "title": "u", "description": "d"}', "body: names a field twice"),
        ('{"kind": "suggestion", "title": "t", "description": "d", "n": NaN}', "NaN is not a JSON number"),
        ('{"kind": "suggestion", "title": "t", "description": "d", "n": -Infinity}', "-Infinity is not a JSON number"),
    ],
)
def test_json_that_python_would_read_but_a_client_means_otherwise_is_refused(body, says):
    assert says in refusal(parse_body, json_request(body), IdeaDraft)


def test_an_answer_without_a_body_has_no_body_at_all():
    assert to_response({"status": 204, "body": None, "headers": {}}).body == ""
    assert to_response({"status": 200, "body": {"a": 1}, "headers": {}}).body == {"a": 1}
