"""Retried requests answered once: Powertools' idempotency, over its own DynamoDB table (records expire by TTL).

A request carrying an `Idempotency-Key` is run once per customer and key; a retry gets the first answer back
and writes nothing. The same key with another request is refused, and so is a retry while the first is
still running.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from chalicelib.errors import IdempotencyKeyReused, RequestInProgress

Answer = dict[str, Any]
EXPIRES_AFTER_SECONDS = 24 * 3600


def _run(call: Mapping[str, Any], work: Callable[[], Answer]) -> Answer:
    """The work, once per `call` (its key and request); `work` itself is not part of what is remembered."""
    return work()


class Idempotency:
    def __init__(self, table_name: str, client: Any) -> None:
        self.table_name = table_name
        self.client = client

    @functools.cached_property
    def _powertools(self) -> tuple[Any, Callable[..., Answer]]:
        """Powertools' config and `_run` made idempotent, built on the first request that carries a key."""
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        config = IdempotencyConfig(
            event_key_jmespath="key", payload_validation_jmespath="request", expires_after_seconds=EXPIRES_AFTER_SECONDS
        )
        persistence = DynamoDBPersistenceLayer(table_name=self.table_name, boto3_client=self.client)
        run = idempotent_function(data_keyword_argument="call", persistence_store=persistence, config=config)(_run)
        return config, run

    def once(self, key: str, request: Sequence[Any], lambda_context: Any, work: Callable[[], Answer]) -> Answer:
        """`work()`'s answer, from its first run under `key`; `request` must be the same each time."""
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        config, run = self._powertools
        if lambda_context is not None:
            # A run that dies mid-way frees its key when the invocation would have timed out, not a day later.
            config.register_lambda_context(lambda_context)
        try:
            return run(call={"key": key, "request": request}, work=work)
        except IdempotencyAlreadyInProgressError:
            raise RequestInProgress(
                "a request with this Idempotency-Key is still being handled; retry shortly"
            ) from None
        except IdempotencyValidationError:
            raise IdempotencyKeyReused("this Idempotency-Key was used for another request; use a new key") from None
