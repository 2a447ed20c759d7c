"""Retried requests answered once: Powertools' idempotency, over its own DynamoDB table (records expire by TTL).

A request carrying an `Idempotency-Key` is run once per customer and key; a retry gets the first answer back
and writes nothing. The same key with another request is refused, and so is a retry while the first is
still running.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.errors import IdempotencyKeyReused, RequestInProgress

Answer = dict[str, Any]
EXPIRES_AFTER_SECONDS = 24 * 3600


class Idempotency:
    def __init__(self, table_name: str, client: Any) -> None:
        # Imported here: only requests that carry a key need it.
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

        self.persistence = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client)
        self.config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="request",
            expires_after_seconds=EXPIRES_AFTER_SECONDS,
        )

    def once(self, key: str, request: Mapping[str, Any], lambda_context: Any, work: Callable[[], Answer]) -> Answer:
        """`work()`'s answer, from its first run under `key`; `request` must be the same each time."""
        from aws_lambda_powertools.utilities.idempotency import idempotent_function
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        if lambda_context is not None:
            # A run that dies mid-way frees its key when the invocation would have timed out, not a day later.
            self.config.register_lambda_context(lambda_context)

        @idempotent_function(  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
            data_keyword_argument="call", persistence_store=self.persistence, config=self.config
        )
        def run(call: Mapping[str, Any]) -> Answer:
            return work()

        try:
            answer: Answer = run(call={"key": key, "request": request})
        except IdempotencyAlreadyInProgressError:
            raise RequestInProgress(
                "a request with this Idempotency-Key is still being handled; retry shortly"
            ) from None
        except IdempotencyValidationError:
            raise IdempotencyKeyReused("this Idempotency-Key was used for another request; use a new key") from None
        return answer
