"""The API described in OpenAPI 3.1, generated from the route table and the pydantic models."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.http import IDEMPOTENCY_KEY, Access, Problem, Route

SECURITY_SCHEME = "cognito"
_PARAMETER = re.compile(r"{(\w+)}")
_REASONS = {
    200: "OK",
    201: "Created",
    204: "No content",
    400: "Bad input: the message names the offending fields",
    401: "No identity, or an identity token that is not valid",
    403: "Not allowed for this caller",
    404: "Unknown id",
    409: "Conflicts with the current state",
    413: "Body over 32 KiB",
    415: "Body that is not JSON",
    429: "Too many writes: wait for Retry-After seconds",
}


def _error_statuses(route: Route) -> set[int]:
    statuses = {s for s in route.responses if s >= 400}
    if route.body is not None:
        statuses |= {400, 413, 415}
    if route.query is not None:
        statuses.add(400)
    if _PARAMETER.search(route.path):
        statuses.add(404)
    if route.access is not Access.PUBLIC:
        statuses.add(401)
        if route.method != "GET":
            statuses.add(429)
    if route.access is Access.PRODUCT_TEAM:
        statuses.add(403)
    return statuses


def document(routes: Sequence[Route], version: str) -> dict[str, Any]:
    models: set[type[BaseModel]] = {Problem}
    for route in routes:
        models |= {m for m in (route.body, route.query, *route.responses.values()) if m is not None}
    by_model, components = models_json_schema(
        [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )

    def schema(model: type[BaseModel]) -> dict[str, Any]:
        return by_model[(model, "validation")]

    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        parameters: list[dict[str, Any]] = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
            for name in _PARAMETER.findall(route.path)
        ]
        if route.idempotent:
            parameters.append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "description": "Your key for this request: a retry with the same key gets the first answer",
                    "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY.pattern},
                }
            )
        if route.query is not None:
            properties = components["$defs"][route.query.__name__]["properties"]
            parameters += [
                {"name": name, "in": "query", "required": False, "schema": property_schema}
                for name, property_schema in properties.items()
            ]
        responses: dict[str, Any] = {}
        for status, model in sorted(route.responses.items()):
            answer: dict[str, Any] = {"description": _REASONS.get(status, "")}
            if model is not None:
                answer["content"] = {"application/json": {"schema": schema(model)}}
                if route.csv:
                    answer["content"]["text/csv"] = {"schema": {"type": "string"}}
            responses[str(status)] = answer
        for status in sorted(_error_statuses(route) - set(route.responses)):
            responses[str(status)] = {
                "description": _REASONS[status],
                "content": {"application/json": {"schema": schema(Problem)}},
            }
        operation: dict[str, Any] = {
            "operationId": route.name,
            "summary": route.summary,
            "security": [] if route.access is Access.PUBLIC else [{SECURITY_SCHEME: []}],
            "responses": responses,
        }
        if route.access is Access.PRODUCT_TEAM:
            operation["description"] = "For members of the Cognito group product-team."
        if parameters:
            operation["parameters"] = parameters
        if route.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": schema(route.body)}},
            }
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "cocreate",
            "version": version,
            "description": "Customers ask, the community votes, product teams answer.",
        },
        "paths": paths,
        "components": {
            "schemas": components.get("$defs", {}),
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A Cognito ID token; the customer is its sub claim",
                }
            },
        },
    }
