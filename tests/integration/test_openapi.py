"""The OpenAPI document: valid OpenAPI 3.1, and the same routes, access and statuses as the app."""

import pytest
from openapi_spec_validator import validate

from tests.tokens import PRODUCT_TEAM


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


def test_every_guarded_route_names_its_security_and_public_ones_none(document):
    from app import app

    for path, methods in app.routes.items():
        for method, entry in methods.items():
            operation = document["paths"][path][method.lower()]
            if entry.authorizer is None:
                assert operation["security"] == []
            else:
                assert operation["security"] == [{"cognito": []}]
                assert {"401", "400"} & set(operation["responses"])


def test_requests_and_answers_point_at_the_models(document):
    submit = document["paths"]["/products/{product_id}/ideas"]["post"]
    body = submit["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/IdeaDraft"}
    assert set(submit["responses"]) >= {"200", "201", "400", "401", "404", "409", "413", "415", "429"}
    assert ("Idempotency-Key", "header") in {(p["name"], p["in"]) for p in submit["parameters"]}
    sorts = next(
        p for p in document["paths"]["/products/{product_id}/ideas"]["get"]["parameters"] if p["name"] == "sort"
    )
    assert document["components"]["schemas"]["IdeaOrder"]["enum"] == ["top", "hot", "confidence", "new"]
    assert sorts["schema"]["$ref"] == "#/components/schemas/IdeaOrder"


def test_the_demand_report_is_described_in_json_and_csv(api, document):
    api.post("/products", {"product_id": "p", "name": "P"}, headers=PRODUCT_TEAM)
    content = document["paths"]["/products/{product_id}/demand"]["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/csv"}
