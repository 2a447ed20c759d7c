"""What each customer wants by email, and their consent: one item in their partition. Turning email on is consent,
recorded with its time; turning it off (or unsubscribing) records when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from chalicelib.domain.notifications import NO_PREFERENCES, Consent, EmailWish, Preferences
from chalicelib.domain.text import iso
from chalicelib.observability import traced
from chalicelib.store import keys
from chalicelib.store.schema import PARTITION_KEY
from chalicelib.store.table import ConditionFailed, Expression, Item, Table


def stored_preferences(item: Item | None) -> Preferences:
    """A customer's preferences as stored (none: email off, no consent given)."""
    if not item:
        return NO_PREFERENCES
    return Preferences(
        email=EmailWish.model_validate(item["email"]) if item.get("email") else None,
        consent=Consent(given_at=item.get("consent_given_at"), withdrawn_at=item.get("consent_withdrawn_at")),
    )


@traced
class PreferenceStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, customer_id: str) -> Preferences:
        return stored_preferences(self.table.get(keys.preferences(customer_id), consistent=True))

    def set(self, customer_id: str, email: EmailWish | None, at: datetime) -> Preferences:
        """Turn email on (`email`: the customer's consent, given `at`) or off (withdrawn `at`): the preferences now."""
        if email is not None:
            update = Expression(
                "SET email = :email, consent_given_at = :at",
                values={":email": email.model_dump(mode="json"), ":at": iso(at)},
            )
        else:
            update = Expression("SET consent_withdrawn_at = :at REMOVE email", values={":at": iso(at)})
        return stored_preferences(self.table.update(keys.preferences(customer_id), update, returns="ALL_NEW"))

    def turn_off_email(self, customer_id: str, at: datetime) -> bool:
        """No more email, if it was on (an old link of someone who has left writes nothing): whether it was."""
        try:
            self.table.update(
                keys.preferences(customer_id),
                Expression("SET consent_withdrawn_at = :at REMOVE email", values={":at": iso(at)}),
                condition=Expression("attribute_exists(email)"),
            )
        except ConditionFailed:
            return False
        return True

    def many(self, customer_ids: Sequence[str]) -> dict[str, Preferences]:
        """The preferences of those of `customer_ids` who have any."""
        items = self.table.batch_get([keys.preferences(c) for c in customer_ids])
        return {item[PARTITION_KEY].removeprefix(keys.CUSTOMER_PREFIX): stored_preferences(item) for item in items}
