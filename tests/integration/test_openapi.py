"""The OpenAPI document: valid OpenAPI 3.1, the same routes, access and statuses as the app, and good enough to
generate a typed client from (tests/e2e/test_generated_client.py does)."""

import json

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from chalicelib.http import Access


@pytest.fixture
def document(api) -> dict:
    answer = api.get("/openapi.json")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    return answer.json_body


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_it_describes_exactly_the_apps_routes(document):
    from app import app

    described = {(method.upper(), path) for path, operations in document["paths"].items() for method in operations}
    assert described == {(method, path) for path, methods in app.routes.items() for method in methods}


def test_every_guarded_route_names_its_security_and_refusals_and_public_ones_none(document):
    from app import api

    for route in api.routes:
        operation = document["paths"][route.path][route.method.lower()]
        refusals = {"401", "403"} & set(operation["responses"])
        if route.access is Access.PUBLIC:
            assert (operation["security"], refusals) == ([], set()), route.name
        elif route.access is Access.CUSTOMER:
            assert (operation["security"], refusals) == ([{"cognito": []}], {"401"}), route.name
        else:
            assert (operation["security"], refusals) == ([{"cognito": []}], {"401", "403"}), route.name


def test_requests_and_answers_point_at_the_models(document):
    submit = document["paths"]["/products/{product_id}/ideas"]["post"]
    body = submit["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/IdeaDraft"}
    assert set(submit["responses"]) == {"200", "201", "400", "401", "404", "409", "413", "415", "429"}
    assert ("Idempotency-Key", "header") in {(p["name"], p["in"]) for p in submit["parameters"]}
    sorts = next(
        p for p in document["paths"]["/products/{product_id}/ideas"]["get"]["parameters"] if p["name"] == "sort"
    )
    assert document["components"]["schemas"]["IdeaOrder"]["enum"] == ["top", "hot", "confidence", "new"]
    assert sorts["schema"]["$ref"] == "#/components/schemas/IdeaOrder"


def test_the_demand_report_is_described_in_json_and_csv_and_has_an_operation_of_its_own_for_csv(document):
    content = document["paths"]["/products/{product_id}/demand"]["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/csv"}
    csv = document["paths"]["/products/{product_id}/demand.csv"]["get"]["responses"]["200"]["content"]
    assert csv == {"text/csv": {"schema": {"type": "string"}}}


def schema_of(document: dict, schema: dict) -> Draft202012Validator:
    return Draft202012Validator({**document, **schema})  # references resolve within the document


def test_every_body_in_and_out_has_an_example_that_its_schema_accepts(document):
    checked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            contents = [operation["requestBody"]["content"]] if "requestBody" in operation else []
            contents += [answer["content"] for answer in operation["responses"].values() if "content" in answer]
            for content in contents:
                if "application/json" not in content:
                    continue
                json_content = content["application/json"]
                examples = [e["value"] for e in json_content.get("examples", {}).values()]
                examples += [json_content["example"]] if "example" in json_content else []
                assert examples, f"{method} {path} has a body without an example"
                for example in examples:
                    schema_of(document, json_content["schema"]).validate(example)
                    checked += 1
    assert checked > 50


def test_answers_are_described_as_they_are_sent(document):
    schemas = document["components"]["schemas"]
    assert {"product_id", "name", "description", "options", "thresholds"} <= set(schemas["Product"]["required"])
    assert schemas["Health"]["required"] == ["status"]
    assert "my_vote" not in schemas["IdeaView"]["required"]
    assert "never in lists" in schemas["IdeaView"]["properties"]["my_vote"]["description"]


def test_a_vote_is_described_once(document):
    assert json.dumps(document).count('"enum": [1, -1]') == 1
    assert document["components"]["schemas"]["VoteValue"]["enum"] == [1, -1]


def test_error_codes_are_an_open_list_and_each_conflict_says_which_it_carries(document):
    code = document["components"]["schemas"]["Problem"]["properties"]["Code"]
    assert {"$ref": "#/components/schemas/ProblemCode"} in code["anyOf"]
    assert {"type": "string"} in code["anyOf"]  # a code this client does not know yet still parses
    assert "VoteBudgetExhausted" in document["components"]["schemas"]["ProblemCode"]["enum"]
    vote = document["paths"]["/ideas/{idea_id}/vote"]
    assert "`IdeaClosed`" in vote["put"]["responses"]["409"]["description"]
    assert "`VoteBudgetExhausted`" in vote["put"]["responses"]["409"]["description"]
    assert "`VoteBudgetExhausted`" not in vote["delete"]["responses"]["409"]["description"]
    assert vote["put"]["responses"]["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}


def test_every_schema_it_holds_is_used_and_it_names_its_servers(document):
    text = json.dumps(document["paths"]) + json.dumps(document["components"]["schemas"])
    for name in document["components"]["schemas"]:
        assert f'"#/components/schemas/{name}"' in text, f"{name} is not used"
    assert document["servers"][0]["url"] == "http://127.0.0.1:8000"


def test_a_204_is_described_without_a_body(document):
    assert "content" not in document["paths"]["/ideas/{idea_id}/vote"]["delete"]["responses"]["204"]


def test_no_example_names_an_idea_of_the_local_stacks_demo_data():
    """A client (or a fuzzer) trying the examples on `make run` must not change the demo's ideas."""
    from chalicelib.domain.ideas import customisation_id
    from chalicelib.examples import bodies
    from infra.local.seed import IDEAS

    demo = {customisation_id(product, idea.options) for _, product, idea in IDEAS if idea.kind == "customisation"}
    shown = json.dumps({model.__name__: named for model, named in bodies().items()})
    assert not [idea_id for idea_id in demo if idea_id in shown]
