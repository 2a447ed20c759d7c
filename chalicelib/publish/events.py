"""Events onto the bus, through one small interface."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Protocol

from chalicelib.domain.events import Envelope
from chalicelib.observability import traced

SOURCE = "cocreate"
_PER_CALL = 10  # PutEvents takes at most ten entries
_ATTEMPTS = 4


class EventPublisher(Protocol):
    def publish(self, events: Sequence[Envelope]) -> None: ...


class PublishFailed(RuntimeError):
    pass


@traced
class EventBridgePublisher:
    def __init__(self, client: Any, bus_name: str) -> None:
        self.client = client
        self.bus_name = bus_name

    def publish(self, events: Sequence[Envelope]) -> None:
        """Put every event on the bus; the entries EventBridge refuses are sent again, then PublishFailed."""
        entries = [
            {"Source": SOURCE, "DetailType": event.detail_type, "Detail": event.detail, "EventBusName": self.bus_name}
            for event in events
        ]
        for offset in range(0, len(entries), _PER_CALL):
            pending = entries[offset : offset + _PER_CALL]
            for attempt in range(_ATTEMPTS):
                results = self.client.put_events(Entries=pending)["Entries"]
                pending = [entry for entry, result in zip(pending, results, strict=True) if "EventId" not in result]
                if not pending:
                    break
                time.sleep(0.05 * 2**attempt)
            else:
                raise PublishFailed(f"EventBridge refused {len(pending)} events after {_ATTEMPTS} attempts")
