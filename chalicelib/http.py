"""The HTTP edge, in one place: who is calling, what they sent, and how the domain's answers and errors look.

Routes are declared through `Api.route`, which records each in `Api.routes` (for the authorization matrix
and the OpenAPI document), attaches the Cognito authorizer to every non-public route, and wraps the view:
identity first, then the caller's write limit, then the body and query parsed into pydantic models, then the
view (once per Idempotency-Key, on idempotent routes); domain errors become Chalice's error body with the
status `STATUS` gives them.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
from collections.abc import Callable, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple, TypeVar

from chalice.app import Chalice, CognitoUserPoolAuthorizer, CORSConfig, Request, Response
from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError

from chalicelib import errors
from chalicelib.domain.model import Model
from chalicelib.errors import DomainError, FieldProblem, InvalidInput
from chalicelib.idempotency import Idempotency
from chalicelib.identity import Caller, Tokens, caller_from_claims

MAX_BODY_BYTES = 32 * 1024

M = TypeVar("M", bound=BaseModel)
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")  # printable ASCII without spaces

# The user pool's ARN is only known once the stack exists: the infra template puts it here (aws/chalice#1882).
USER_POOL_ARN_PLACEHOLDER = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_SetByInfra"
AUTHORIZER = CognitoUserPoolAuthorizer(
    "CocreateUsers", provider_arns=[USER_POOL_ARN_PLACEHOLDER], header="Authorization"
)

# Browsers send the token in a header, never a cookie, so any origin may call.
CORS = CORSConfig(
    allow_origin="*",
    allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
    expose_headers=["Retry-After"],
    max_age=600,
)


class ProblemCode(StrEnum):
    """The `Code` of an error body. The list may grow: a client should treat a code it does not know by its
    status."""

    BAD_REQUEST = "BadRequestError"
    UNAUTHORIZED = "UnauthorizedError"
    FORBIDDEN = "ForbiddenError"
    NOT_FOUND = "NotFoundError"
    METHOD_NOT_ALLOWED = "MethodNotAllowedError"  # Chalice's, for a method the route does not take
    CONFLICT = "ConflictError"
    IDEA_CLOSED = "IdeaClosed"
    IDEA_MERGED = "IdeaMerged"
    VOTE_BUDGET_EXHAUSTED = "VoteBudgetExhausted"
    BALLOT_BUSY = "BallotBusy"
    VOTE_REQUIRED = "VoteRequired"
    TRANSITION_NOT_ALLOWED = "TransitionNotAllowed"
    REQUEST_IN_PROGRESS = "RequestInProgress"
    IDEMPOTENCY_KEY_REUSED = "IdempotencyKeyReused"
    TOO_LARGE = "RequestEntityTooLargeError"
    UNSUPPORTED_MEDIA_TYPE = "UnsupportedMediaType"
    TOO_MANY_REQUESTS = "TooManyRequestsError"
    INTERNAL = "InternalServerError"


C = ProblemCode
STATUS: dict[type[DomainError], tuple[int, ProblemCode]] = {
    errors.InvalidInput: (400, C.BAD_REQUEST),
    errors.Unauthenticated: (401, C.UNAUTHORIZED),
    errors.Forbidden: (403, C.FORBIDDEN),
    errors.NotFound: (404, C.NOT_FOUND),
    errors.AlreadyExists: (409, C.CONFLICT),
    errors.IdeaClosed: (409, C.IDEA_CLOSED),
    errors.IdeaMerged: (409, C.IDEA_MERGED),
    errors.VoteBudgetExhausted: (409, C.VOTE_BUDGET_EXHAUSTED),
    errors.BallotBusy: (409, C.BALLOT_BUSY),
    errors.VoteRequired: (409, C.VOTE_REQUIRED),
    errors.TransitionNotAllowed: (409, C.TRANSITION_NOT_ALLOWED),
    errors.RequestInProgress: (409, C.REQUEST_IN_PROGRESS),
    errors.IdempotencyKeyReused: (409, C.IDEMPOTENCY_KEY_REUSED),
    errors.PayloadTooLarge: (413, C.TOO_LARGE),
    errors.UnsupportedMediaType: (415, C.UNSUPPORTED_MEDIA_TYPE),
    errors.RateLimited: (429, C.TOO_MANY_REQUESTS),
}


class Access(StrEnum):
    PUBLIC = "public"
    CUSTOMER = "customer"  # any signed-in user
    PRODUCT_TEAM = "product-team"  # members of the Cognito group


class Reply(NamedTuple):
    """A view's answer when 200 with a JSON body is not the whole story."""

    body: BaseModel | str | None
    status: int = 200
    headers: Mapping[str, str] = MappingProxyType({})


def created(body: BaseModel) -> Reply:
    return Reply(body, status=201)


NO_CONTENT = Reply(None, status=204)


class NoQuery(Model):
    """The query of a route that takes no parameters: any parameter is a mistake worth telling the client."""

    model_config = ConfigDict(extra="forbid")


class Problem(Model):
    """Every error's body, as Chalice shapes it."""

    Code: ProblemCode | str = Field(description="what went wrong, for a program; see ProblemCode")
    Message: str = Field(description="what went wrong, for a person")


class Health(Model):
    """The answer of `GET /health`."""

    status: str = "ok"


class Text(NamedTuple):
    """A response body that is text of a media type, not JSON."""

    media_type: str


class Route(NamedTuple):
    method: str
    path: str
    access: Access
    name: str
    summary: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    # Each status the route succeeds with, and its body: a model, text, or nothing.
    responses: Mapping[int, type[BaseModel] | Text | None]
    # The domain errors it may answer with besides those every route of its kind gives (see openapi.py).
    refusals: tuple[type[DomainError], ...] = ()
    csv: bool = False  # answers text/csv too, when asked
    idempotent: bool = False  # a retry with the same Idempotency-Key header gets the first answer
    counts_own_writes: bool = False  # the service counts the caller's writes itself, in the write it makes


def error_response(error: DomainError) -> Response:
    status, code = next(STATUS[kind] for kind in type(error).__mro__ if kind in STATUS)
    headers: dict[str, str | list[str]] = {}
    if isinstance(error, errors.RateLimited):
        headers["Retry-After"] = str(error.retry_after_seconds)
    return Response(body={"Code": code.value, "Message": str(error)}, status_code=status, headers=headers)


def _problems(error: ValidationError, model: type[BaseModel]) -> list[FieldProblem]:
    problems = []
    for detail in error.errors():
        location = [str(part) for part in detail["loc"]]
        if issubclass(model, RootModel) and location:
            location = location[1:]  # pydantic names the union's member first; the client never saw it
        kind, context = detail["type"], detail.get("ctx", {})
        if kind == "missing":
            message = "is required"
        elif kind == "string_too_long":
            message = f"must be at most {context['max_length']} characters"
        elif kind == "string_too_short":
            message = "must not be empty" if context["min_length"] == 1 else detail["msg"]
        elif kind == "extra_forbidden":
            message = "is not part of this request"
        elif kind in ("union_tag_invalid", "union_tag_not_found"):  # the field that picks the body's shape
            location = [*location, context["discriminator"].strip("'")]
            message = f"must be one of: {context['expected_tags']}" if "expected_tags" in context else "is required"
        else:
            message = detail["msg"].removeprefix("Value error, ")
        problems.append(FieldProblem(".".join(location) or "body", message))
    return problems


def _reject_constant(name: str) -> None:
    raise InvalidInput.of("body", f"{name} is not a JSON number")


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise InvalidInput.of("body", "names a field twice")
    return result


def _is_json(content_type: str | None) -> bool:
    media_type = (content_type or "application/json").split(";")[0].strip().lower()  # none sent: JSON, as Chalice
    return media_type == "application/json" or media_type.endswith("+json")


def parse_body(request: Request, model: type[M]) -> M:
    if not _is_json(request.headers.get("content-type")):
        raise errors.UnsupportedMediaType("send the body as JSON, with the header Content-Type: application/json")
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode()
    if len(raw) > MAX_BODY_BYTES:
        raise errors.PayloadTooLarge(f"the request body is {len(raw)} bytes; the limit is {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        raise InvalidInput.of("body", "a JSON object is required")
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant, object_pairs_hook=_no_repeated_keys)
    except UnicodeDecodeError:
        raise InvalidInput.of("body", "is not UTF-8 text") from None
    except RecursionError:
        raise InvalidInput.of("body", "is nested too deeply") from None
    except json.JSONDecodeError as bad:
        raise InvalidInput.of("body", f"is not valid JSON: {bad.msg} at line {bad.lineno} column {bad.colno}") from None
    if not isinstance(data, dict):
        raise InvalidInput.of("body", "must be a JSON object")
    try:
        # Validated as JSON, not as the Python it parsed into: strict JSON types, enums from their strings.
        return model.model_validate_json(raw)
    except ValidationError as invalid:
        raise InvalidInput(_problems(invalid, model)) from None


def parse_query(request: Request, model: type[M]) -> M:
    try:
        return model.model_validate(request.query_params or {})
    except ValidationError as invalid:
        raise InvalidInput(_problems(invalid, model)) from None


def identify(request: Request, access: Access, tokens: Tokens) -> Caller | None:
    """The caller, from claims API Gateway verified; 401 without one on a non-public route, 403 for outsiders.

    Public routes have no authorizer: a token sent to them is checked by `tokens`, and a caller who sends none,
    or a bad one, is simply anonymous there.
    """
    claims = (request.context.get("authorizer") or {}).get("claims")
    caller = caller_from_claims(claims)
    if access is Access.PUBLIC:
        return caller or caller_from_claims(tokens.claims(request.headers.get("authorization")))
    if caller is None:
        raise errors.Unauthenticated("sign in: this request needs a valid identity token")
    if access is Access.PRODUCT_TEAM and not caller.is_product_team:
        raise errors.Forbidden("only the product team may do this")
    return caller


def answer_of(result: BaseModel | Reply | None) -> dict[str, Any]:
    """A view's result as a JSON-able answer: status, headers and body."""
    reply = result if isinstance(result, Reply) else Reply(result)
    body = reply.body.model_dump(mode="json") if isinstance(reply.body, BaseModel) else reply.body
    return {"status": reply.status, "headers": dict(reply.headers), "body": body}


def to_response(answer: Mapping[str, Any]) -> Response:
    # No body is no body at all (a 204, a 303): Chalice would send None as the JSON text "null", which a client
    # reading the next answer on the same connection takes for the start of it.
    body = "" if answer["body"] is None else answer["body"]
    return Response(body=body, status_code=answer["status"], headers={**answer["headers"]})


def idempotency_key(request: Request) -> str | None:
    key: str | None = request.headers.get("idempotency-key")
    if key is not None and not IDEMPOTENCY_KEY.match(key):
        raise InvalidInput.of("Idempotency-Key", "must be 1 to 128 printable characters without spaces")
    return key


class Api:
    # These two run as app.py is imported, before mutmut can plant a bug in them.
    # pragma: no mutate start
    def __init__(
        self,
        app: Chalice,
        tokens: Callable[[], Tokens],
        admit_write: Callable[[Caller], None],
        idempotency: Callable[[], Idempotency],
    ) -> None:
        """`tokens` checks tokens sent to public routes; `admit_write` counts a caller's write, or refuses it;
        `idempotency` runs idempotent routes once per key."""
        self.app = app
        self.tokens = tokens
        self.admit_write = admit_write
        self.idempotency = idempotency
        self.routes: list[Route] = []

    def route(
        self,
        method: str,
        path: str,
        access: Access,
        *,
        summary: str,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        responses: Mapping[int, type[BaseModel] | Text | None],
        refusals: tuple[type[DomainError], ...] = (),
        csv: bool = False,
        idempotent: bool = False,
        counts_own_writes: bool = False,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(view: Callable[..., Any]) -> Callable[..., Any]:
            route = Route(
                method,
                path,
                access,
                view.__name__,
                summary,
                body,
                query,
                responses,
                refusals,
                csv,
                idempotent,
                counts_own_writes,
            )
            self.routes.append(route)
            wants_caller = "caller" in inspect.signature(view).parameters

            @functools.wraps(view)
            def handle(**path_parameters: str) -> Response:
                return self.handle(route, view, wants_caller, path_parameters)

            authorizer = None if access is Access.PUBLIC else AUTHORIZER
            # Any content type reaches the view, which checks it after the caller's identity (parse_body), as
            # API Gateway's authorizer would; Chalice would answer 415 before anything else.
            self.app.route(path, methods=[method], authorizer=authorizer, cors=CORS, content_types=["*/*"])(handle)
            return handle

        return register

    # pragma: no mutate end

    def handle(
        self, route: Route, view: Callable[..., Any], wants_caller: bool, path_parameters: dict[str, str]
    ) -> Response:
        """One request to `route`, answered by `view` (which takes the caller when `wants_caller`)."""
        request = self.app.current_request
        assert request is not None, "Chalice sets the request before calling a view"
        try:
            caller = identify(request, route.access, self.tokens())
            if caller is not None and route.method not in ("GET", "HEAD") and not route.counts_own_writes:
                self.admit_write(caller)
            arguments: dict[str, Any] = dict(path_parameters)
            if wants_caller:
                arguments["caller"] = caller
            if route.body is not None:
                arguments["body"] = parse_body(request, route.body)
            parsed_query = parse_query(request, route.query or NoQuery)
            if route.query is not None:
                arguments["query"] = parsed_query
            key = idempotency_key(request) if route.idempotent else None
            if key is None or caller is None:
                return to_response(answer_of(view(**arguments)))
            body = arguments.get("body")
            answer = self.idempotency().once(
                # Encoded so that no customer's key reads as another's ("a:b" + "c" is not "a" + "b:c").
                key=json.dumps([caller.customer_id, key]),
                # The request as it means: the route's own path, and the body as parsed, so that a retry with
                # other whitespace or key order is the same request.
                request=[route.method, route.path, path_parameters, body and body.model_dump_json()],
                lambda_context=self.app.lambda_context,
                work=lambda: answer_of(view(**arguments)),
            )
            return to_response(answer)
        except DomainError as error:
            return error_response(error)
