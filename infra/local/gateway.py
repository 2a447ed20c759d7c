"""API Gateway, as far as a local stand-in can be: Chalice's local gateway, answering as the cloud stack does.

Chalice's local gateway reads the claims of a Cognito token without checking its signature, as API.md allows
locally, but it crashes on a token it cannot decode (no dots, bad base64, not JSON), where API Gateway answers
401; and it answers an unknown route with 403 "Missing Authentication Token", which the cloud stack's gateway
responses turn into a 404. This stand-in answers both in the API's error shape, and answers HEAD without a
body. It serves both `make run` and the test client.
"""

from __future__ import annotations

import json
import threading
import uuid
import warnings
from http.server import BaseHTTPRequestHandler
from typing import Any

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    LocalChalice,
    LocalDevServer,
    LocalGateway,
    LocalGatewayAuthorizer,
    LocalGatewayException,
    NotAuthorizedError,
    RouteMatcher,
    ThreadedHTTPServer,
)
from chalice.test import Client

from infra import template

# API Gateway's answers to a token it cannot verify and to an unknown route, as the infra template shapes them.
UNAUTHORIZED = {"Code": "UnauthorizedError", "Message": template.SIGN_IN}
NO_SUCH_ROUTE = {"Code": "NotFoundError", "Message": template.NO_SUCH_ROUTE}

CONCURRENCY = 4

# Chalice warns on every request to a Cognito route that it does not check signatures; we know.
warnings.filterwarnings("ignore", message=r".*(not a supported|not supported) in local mode.*")


class _CognitoAuthorizer(LocalGatewayAuthorizer):
    def authorize(self, raw_path: str, lambda_event: Any, lambda_context: Any) -> Any:
        try:
            return super().authorize(raw_path, lambda_event, lambda_context)
        except (ValueError, IndexError, TypeError, AttributeError):  # a token Chalice could not decode
            headers = {
                "x-amzn-RequestId": lambda_context.aws_request_id,
                "x-amzn-ErrorType": "UnauthorizedException",
                "Access-Control-Allow-Origin": "*",
            }
            raise NotAuthorizedError(headers, json.dumps(UNAUTHORIZED).encode()) from None


class _NoSuchRoute(LocalGatewayException):
    CODE = 404


class ApiGateway(LocalGateway):
    def __init__(self, app: Chalice, config: Config) -> None:
        super().__init__(app, config)
        self._authorizer = _CognitoAuthorizer(app)
        self._routes = RouteMatcher(list(app.routes))

    def handle_request(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
        try:
            self._routes.match_route(path)
        except ValueError:
            cors = {"Access-Control-Allow-Origin": "*", "Content-Type": "application/json"}
            raise _NoSuchRoute(cors, json.dumps(NO_SUCH_ROUTE).encode()) from None
        return super().handle_request(method, path, headers, body)

    def _generate_lambda_event(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
        event = super()._generate_lambda_event(method, path, headers, body)
        event["requestContext"]["requestId"] = str(uuid.uuid4())  # API Gateway names every request
        return event


class _RequestHandler(ChaliceRequestHandler):
    def __init__(self, request: Any, client_address: Any, server: Any, app_object: Chalice, config: Config) -> None:
        self.local_gateway = ApiGateway(app_object, config)
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)

    def __getattr__(self, name: str) -> Any:
        # Every method reaches the app, which answers 405 for those a route does not take (the standard library
        # answers 501 for methods it has no do_ method for, which is no answer of ours).
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)

    def _generic_handle(self) -> None:
        with self.server.in_flight:
            super()._generic_handle()

    def _send_http_response(self, code: int, headers: Any, body: str | bytes | None) -> None:
        if self.command == "HEAD":  # the headers of a GET, without its body
            self.send_response(code)
            self._send_headers({**headers, "Content-Length": str(len(body or b""))})
            return
        if code == 204:  # no body, and so neither a length nor a type of one, as API Gateway answers it
            self.send_response(code)
            self._send_headers(
                {k: v for k, v in headers.items() if k.lower() not in ("content-type", "content-length")}
            )
            return
        super()._send_http_response(code, headers, body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard library's name
        pass  # the app logs each request itself, as structured JSON


class _HTTPServer(ThreadedHTTPServer):
    request_queue_size = 128  # the standard library's 5 resets connections when many customers vote at once
    # Requests handled at once; the others wait their turn here. Locally every request ends up in one moto
    # process, which serves one at a time: many at once would only queue there, in front of the event pump's
    # reads, and counts would lag the votes by seconds.
    in_flight = threading.BoundedSemaphore(CONCURRENCY)


def server(app: Chalice, config: Config, host: str, port: int) -> LocalDevServer:
    """Chalice's local HTTP server in front of `app`, one thread per connection."""
    # As `chalice local` does: the app keeps its current request per thread.
    CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
    app.__class__ = CustomLocalChalice
    return LocalDevServer(app, config, host, port, handler_cls=_RequestHandler, server_cls=_HTTPServer)


def test_client(app: Chalice, project_dir: str, stage: str) -> Client:
    """Chalice's test client, with this stand-in in front of the app."""
    client = Client(app, stage_name=stage, project_dir=project_dir)
    client.http._local_gateway = ApiGateway(app, client.http._config)
    return client
