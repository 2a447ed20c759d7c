"""The API described in OpenAPI 3.1, generated from the route table, the pydantic models and their examples.

Requests are described as they are validated, answers as they are serialised (a field the server always sends
is required). Each error status of an operation lists the codes it carries and what each means.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from chalicelib import errors
from chalicelib.errors import DomainError
from chalicelib.examples import bodies
from chalicelib.http import IDEMPOTENCY_KEY, MAX_BODY_BYTES, STATUS, Access, Problem, Route, Text

SECURITY_SCHEME = "cognito"
_PARAMETER = re.compile(r"{(\w+)}")
_REF = "#/components/schemas/"
_SUCCESS = {
    200: "OK",
    201: "Created",
    202: "Accepted: done within minutes",
    204: "No content",
    303: "Too large to answer here: the Location header links to it, for five minutes",
}
SERVERS = [
    {"url": "http://127.0.0.1:8000", "description": "the local stack (make run)"},
    {
        "url": "https://{api}.execute-api.{region}.amazonaws.com/api",
        "description": "a deployed stage (make deploy prints its address)",
        "variables": {"api": {"default": "your-api-id"}, "region": {"default": "us-east-1"}},
    },
]


def refusals(route: Route) -> list[type[DomainError]]:
    """Every domain error the route may answer with: its own, and those of every route of its kind."""
    kinds: list[type[DomainError]] = []
    if route.body is not None:
        kinds += [errors.InvalidInput, errors.PayloadTooLarge, errors.UnsupportedMediaType]
    if route.query is not None:
        kinds.append(errors.InvalidInput)
    if _PARAMETER.search(route.path):
        kinds.append(errors.NotFound)
    if route.access is not Access.PUBLIC:
        kinds.append(errors.Unauthenticated)
        if route.method not in ("GET", "HEAD"):
            kinds.append(errors.RateLimited)
    if route.access is Access.PRODUCT_TEAM:
        kinds.append(errors.Forbidden)
    if route.idempotent:
        kinds += [errors.RequestInProgress, errors.IdempotencyKeyReused]
    return list(dict.fromkeys([*kinds, *route.refusals]))


def _error_answers(route: Route) -> dict[str, Any]:
    by_status: dict[int, list[type[DomainError]]] = {}
    for kind in refusals(route):
        by_status.setdefault(STATUS[kind][0], []).append(kind)
    answers = {}
    for status, kinds in sorted(by_status.items()):
        codes = "\n".join(f"- `{STATUS[k][1].value}`: {(k.__doc__ or '').strip()}" for k in kinds)
        example = Problem(Code=STATUS[kinds[0]][1], Message=(kinds[0].__doc__ or "").strip())
        answer: dict[str, Any] = {
            "description": codes,
            "content": {"application/json": {"schema": {"$ref": f"{_REF}Problem"}, "example": example.model_dump()}},
        }
        if status == 429:
            answer["headers"] = {
                "Retry-After": {"description": "seconds to wait before writing again", "schema": {"type": "integer"}}
            }
        answers[str(status)] = answer
    return answers


def _schemas(routes: Sequence[Route]) -> tuple[dict[Any, Any], dict[str, Any]]:
    """Each model's schema (a reference to it) in the mode it is used in, and the components they refer to."""
    used: set[tuple[type[BaseModel], JsonSchemaMode]] = {(Problem, "serialization")}
    for route in routes:
        used |= {(m, "validation") for m in (route.body, route.query) if m is not None}
        used |= {(m, "serialization") for m in route.responses.values() if isinstance(m, type)}
    by_model, components = models_json_schema(
        sorted(used, key=lambda pair: (pair[0].__name__, pair[1])), ref_template=_REF + "{model}"
    )
    return by_model, components.get("$defs", {})


def _parameters(route: Route, components: dict[str, Any]) -> list[dict[str, Any]]:
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
        query = components[route.query.__name__]
        parameters += [
            {"name": name, "in": "query", "required": False, "schema": schema}
            for name, schema in query["properties"].items()
        ]
    return parameters


def _content(model: type[BaseModel], schema: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = {"schema": schema}
    named = bodies().get(model)
    if named is not None and len(named) == 1:
        content["example"] = next(iter(named.values()))
    elif named is not None:
        content["examples"] = {name: {"value": value} for name, value in named.items()}
    return content


def _operation(route: Route, by_model: dict[Any, Any], components: dict[str, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, body in sorted(route.responses.items()):
        answer: dict[str, Any] = {"description": _SUCCESS[status]}
        if status == 303:
            answer["headers"] = {"Location": {"description": "a short-lived link", "schema": {"type": "string"}}}
        if isinstance(body, Text):
            answer["content"] = {body.media_type: {"schema": {"type": "string"}}}
        elif body is not None:
            answer["content"] = {"application/json": _content(body, by_model[(body, "serialization")])}
            if route.csv:
                answer["content"]["text/csv"] = {"schema": {"type": "string"}}
        responses[str(status)] = answer
    responses |= _error_answers(route)
    operation: dict[str, Any] = {
        "operationId": route.name,
        "summary": route.summary,
        "security": [] if route.access is Access.PUBLIC else [{SECURITY_SCHEME: []}],
        "responses": responses,
    }
    if route.access is Access.PRODUCT_TEAM:
        operation["description"] = "For members of the Cognito group product-team."
    if parameters := _parameters(route, components):
        operation["parameters"] = parameters
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "description": f"JSON, at most {MAX_BODY_BYTES // 1024} KiB",
            "content": {"application/json": _content(route.body, by_model[(route.body, "validation")])},
        }
    return operation


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"].removeprefix(_REF)
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def _used(paths: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """The components the paths refer to, and those they refer to in turn: no others."""
    kept: set[str] = set()
    pending = list(_references(paths))
    while pending:
        name = pending.pop()
        if name not in kept:
            kept.add(name)
            pending += _references(components[name])
    return {name: components[name] for name in sorted(kept)}


def document(routes: Sequence[Route], version: str) -> dict[str, Any]:
    by_model, components = _schemas(routes)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, by_model, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "cocreate",
            "version": version,
            "description": "Customers ask, the community votes, product teams answer. The contract: API.md.",
        },
        "servers": SERVERS,
        "paths": paths,
        "components": {
            "schemas": _used(paths, components),
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
