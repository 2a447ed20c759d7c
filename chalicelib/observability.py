"""Logs, metrics and traces, from Powertools, installed on the app as Chalice middleware.

- Logs: JSON lines, each carrying the API Gateway request id as correlation id. Requests are logged by route,
  method, status and duration; never a header, a body, a token or a customer id.
- Metrics: business counts in CloudWatch's embedded metric format (IdeasSubmitted, VotesCast, VotesRejected,
  DemandPublished), flushed at the end of each invocation.
- Traces: X-Ray subsegments for every public method of the services and stores (and, through Powertools'
  botocore patch, every AWS call). The tracer imports the X-Ray SDK, so it is made on first use, not at import.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from chalice.app import Chalice, Request, Response

SERVICE = "cocreate"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="Cocreate", service=SERVICE)

C = TypeVar("C", bound=type)


@functools.cache
def tracer() -> Tracer:
    return Tracer(service=SERVICE)


def count(metric: str, value: int = 1) -> None:
    """One more (or `value` more) of a business event."""
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=value)


def _traced(function: Callable[..., Any]) -> Callable[..., Any]:
    captured: Callable[..., Any] | None = None

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        nonlocal captured
        if captured is None:
            captured = tracer().capture_method(function)
        return captured(*args, **kwargs)

    return call


def traced(cls: C) -> C:
    """Trace every public method of `cls` as an X-Ray subsegment named after it."""
    for name, member in list(vars(cls).items()):
        if inspect.isfunction(member) and not name.startswith("_"):
            setattr(cls, name, _traced(member))
    return cls


def flush_metrics() -> None:
    if metrics.metric_set:
        metrics.flush_metrics()
    metrics.clear_metrics()  # also when metrics are switched off, which flushing does not clear


def install(app: Chalice) -> None:
    @app.middleware("http")
    def log_request(request: Request, get_response: Callable[[Request], Response]) -> Response:
        logger.set_correlation_id(request.context.get("requestId"))
        started = time.perf_counter()
        response = get_response(request)
        logger.info(
            "request",
            extra={
                "method": request.method,
                "route": request.context.get("resourcePath"),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response

    @app.middleware("all")
    def publish_metrics(event: Any, get_response: Callable[[Any], Any]) -> Any:
        try:
            return get_response(event)
        finally:
            flush_metrics()
