"""Submitting and reading ideas over the API."""

import pytest

from chalicelib.domain.ideas import CustomisationDraft, SuggestionDraft
from tests.tokens import CUSTOMER, OTHER_CUSTOMER, PRODUCT_TEAM

ROADSTER = {
    "product_id": "roadster",
    "name": "Roadster",
    "options": {"colour": ["matte green", "red"], "interior": ["cork", "leather"]},
}


@pytest.fixture
def roadster(api):
    assert api.post("/products", ROADSTER, headers=PRODUCT_TEAM).status_code == 201
    return "/products/roadster/ideas"


GREEN_CORK = {"kind": "customisation", "options": {"colour": "matte green", "interior": "cork"}}


def test_a_customisation_request_becomes_an_open_idea(api, roadster):
    answer = api.post(roadster, {**GREEN_CORK, "description": "For autumn."}, headers=CUSTOMER)
    assert answer.status_code == 201
    idea = answer.json_body
    assert idea["kind"] == "customisation"
    assert idea["status"] == "open"
    assert idea["options"] == {"colour": "matte green", "interior": "cork"}
    assert idea["title"] == "colour: matte green, interior: cork"
    assert idea["description"] == "For autumn."
    assert idea["response"] is None
    assert idea["votes"] == {"up": 0, "down": 0, "net": 0}
    assert set(idea["scores"]) == {"confidence", "hot"}
    assert api.get(f"/ideas/{idea['idea_id']}").json_body["title"] == idea["title"]


def test_the_same_customisation_in_another_order_and_case_is_the_existing_idea(api, roadster):
    first = api.post(roadster, GREEN_CORK, headers=CUSTOMER)
    again = api.post(
        roadster,
        {"kind": "customisation", "options": {"INTERIOR": "Cork", "Colour": "MATTE GREEN"}, "title": "Mine!"},
        headers=OTHER_CUSTOMER,
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json_body["idea_id"] == first.json_body["idea_id"]
    assert again.json_body["title"] == first.json_body["title"]  # the existing idea, unchanged
    assert len(api.get(roadster + "?sort=new").json_body["items"]) == 1


def test_options_the_product_does_not_offer_are_400_naming_them(api, roadster):
    answer = api.post(
        roadster, {"kind": "customisation", "options": {"colour": "pink", "roof": "glass"}}, headers=CUSTOMER
    )
    assert answer.status_code == 400
    assert "options.colour" in answer.json_body["Message"]
    assert "options.roof" in answer.json_body["Message"]
    assert api.get(roadster + "?sort=new").json_body["items"] == []


def test_a_suggestion_needs_a_title_and_a_description(api, roadster):
    answer = api.post(roadster, {"kind": "suggestion", "title": "Cup holders"}, headers=CUSTOMER)
    assert answer.status_code == 400
    assert "description: is required" in answer.json_body["Message"]
    ok = api.post(
        roadster, {"kind": "suggestion", "title": "Cup holders", "description": "Two, please."}, headers=CUSTOMER
    )
    assert ok.status_code == 201
    assert ok.json_body["options"] is None


def test_two_suggestions_with_the_same_words_are_two_ideas(api, roadster):
    suggestion = {"kind": "suggestion", "title": "Cup holders", "description": "Two, please."}
    first = api.post(roadster, suggestion, headers=CUSTOMER).json_body
    second = api.post(roadster, suggestion, headers=OTHER_CUSTOMER).json_body
    assert first["idea_id"] != second["idea_id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "customisation", "options": {"colour": "red"}, "title": "t" * 121}, "title"),
        ({"kind": "suggestion", "title": "t", "description": "d" * 5001}, "description"),
        ({"kind": "customisation", "options": {f"d{i}": "v" for i in range(21)}}, "options"),
        ({"kind": "customisation", "options": {"c" * 61: "red"}}, "options"),
        ({"kind": "customisation", "options": ["colour", "red"]}, "options"),
        ({"kind": "suggestion", "title": 5, "description": "d"}, "title"),
        ({"kind": "ideas", "title": "t", "description": "d"}, "kind"),
        ({"title": "t", "description": "d"}, "kind"),
    ],
)
def test_malformed_ideas_are_400_naming_the_field(api, roadster, body, field):
    answer = api.post(roadster, body, headers=CUSTOMER)
    assert answer.status_code == 400
    assert answer.json_body["Message"].startswith(f"{field}")


def test_submitting_needs_a_signed_in_customer(api, roadster):
    assert api.post(roadster, GREEN_CORK).status_code == 401
    assert api.post(roadster, GREEN_CORK, headers={"Authorization": "Bearer x.y.z"}).status_code == 401


def test_ideas_for_an_unknown_product_are_404(api):
    assert api.post("/products/nope/ideas", GREEN_CORK, headers=CUSTOMER).status_code == 404
    assert api.get("/products/nope/ideas").status_code == 404


def test_a_product_without_ideas_lists_none(api, roadster):
    assert api.get(roadster).json_body == {"items": [], "next_cursor": None}


def test_newest_ideas_come_first_page_by_page(api, roadster):
    submitted = []
    for n in range(5):
        idea = {"kind": "suggestion", "title": f"Idea {n}", "description": "d"}
        submitted.append(api.post(roadster, idea, headers=CUSTOMER).json_body["idea_id"])
    first = api.get(roadster + "?sort=new&limit=3").json_body
    second = api.get(roadster + f"?sort=new&limit=3&cursor={first['next_cursor']}").json_body
    assert [i["idea_id"] for i in first["items"] + second["items"]] == submitted[::-1]
    assert second["next_cursor"] is None


def test_a_cursor_only_works_on_the_list_it_came_from(api, roadster):
    for n in range(3):
        api.post(roadster, {"kind": "suggestion", "title": f"Idea {n}", "description": "d"}, headers=CUSTOMER)
    api.post("/products", {**ROADSTER, "product_id": "coupe"}, headers=PRODUCT_TEAM)
    cursor = api.get(roadster + "?sort=new&limit=1").json_body["next_cursor"]
    for other_list in ("/products/coupe/ideas?sort=new", roadster + "?sort=top", roadster + "?sort=new&status=planned"):
        answer = api.get(f"{other_list}&cursor={cursor}")
        assert answer.status_code == 400, other_list
        assert answer.json_body["Message"].startswith("cursor:")
    assert api.get(f"/products?cursor={cursor}").status_code == 400


@pytest.mark.parametrize(
    "query", ["sort=best", "status=lost", "limit=1000", "limit=-1", "cursor=" + "A" * 40, "sortt=new"]
)
def test_bad_list_queries_are_400(api, roadster, query):
    answer = api.get(f"{roadster}?{query}")
    assert answer.status_code == 400
    assert answer.json_body["Message"].startswith(query.split("=")[0])


def test_my_vote_is_shown_to_signed_in_callers_only(api, roadster):
    idea_id = api.post(roadster, GREEN_CORK, headers=CUSTOMER).json_body["idea_id"]
    assert "my_vote" not in api.get(f"/ideas/{idea_id}").json_body
    assert "my_vote" in api.get(f"/ideas/{idea_id}", headers=OTHER_CUSTOMER).json_body
    assert all("my_vote" not in i for i in api.get(roadster).json_body["items"])


def test_a_parameter_a_route_does_not_take_is_400(api, roadster):
    answer = api.get("/ideas/cabcdefghijklmnop?utm_source=mail")
    assert answer.status_code == 400
    assert answer.json_body["Message"] == "utm_source: is not part of this request"


def test_an_unknown_idea_is_404(api):
    assert api.get("/ideas/cxxxxxxxxxxxxxxxx").status_code == 404
    assert api.get("/ideas/not-an-id").status_code == 404


def test_a_submission_is_counted_once_comes_back_with_the_submitters_vote_and_only_a_suggestion_with_similar_ideas(
    services, metrics
):

    services.similar.refresh = 0  # every search sees every idea so far
    red = CustomisationDraft(kind="customisation", options={"colour": "red"}, title="Red roadster")
    metrics()
    first = services.ideas.submit("ada", "roadster", red)
    assert (first.created, first.view.my_vote) == (True, 1)
    assert metrics()["IdeasSubmitted"] == 1
    like = services.ideas.submit(
        "bo", "roadster", SuggestionDraft(kind="suggestion", title="Red roadster", description="d")
    )
    assert [s.idea.idea_id for s in like.view.similar] == [first.view.idea_id]
    metrics()
    again = services.ideas.submit("cy", "roadster", red)  # the same customisation: the same idea, not a new one
    assert (again.created, again.view.idea_id, again.view.my_vote, again.view.similar) == (
        False,
        first.view.idea_id,
        1,
        [],
    )
    assert "IdeasSubmitted" not in metrics()
