"""Every key of the single table is built here."""

from __future__ import annotations

import uuid

from chalicelib.domain.ideas import IdeaStatus
from chalicelib.store.schema import PARTITION_KEY, SORT_KEY

Key = dict[str, str]

CATALOGUE_PARTITION = "PRODUCT"


def product(product_id: str) -> Key:
    return {PARTITION_KEY: f"PRODUCT#{product_id}", SORT_KEY: "META"}


def idea(idea_id: str) -> Key:
    return {PARTITION_KEY: f"IDEA#{idea_id}", SORT_KEY: "META"}


def prices(idea_id: str) -> Key:
    """The prices an idea's committers named, each with how many named it: what its exact median needs."""
    return {PARTITION_KEY: f"IDEA#{idea_id}", SORT_KEY: "PRICES"}


def listing(product_id: str, status: IdeaStatus) -> str:
    return f"PRODUCT#{product_id}#STATUS#{status.value}"


COMMENT_PREFIX = "COMMENT#"


def comment(comment_id: str) -> Key:
    return {PARTITION_KEY: f"{COMMENT_PREFIX}{comment_id}", SORT_KEY: "META"}


def thread(idea_id: str) -> str:
    """The timeline index's partition of one idea's visible comments."""
    return f"THREAD#{idea_id}"


def attention(product_id: str) -> str:
    """The timeline index's partition of one product's attention queue."""
    return f"ATTENTION#{product_id}"


WAITING_PREFIX = "WAITING#"


def waiting(idea_id: str, position: str) -> Key:
    """A customer's negative comment the team has not answered, by idea (what an answer reads), and in its
    product's attention queue through the timeline index. `position`: the comment's time and id."""
    return {PARTITION_KEY: f"{WAITING_PREFIX}{idea_id}", SORT_KEY: position}


BALLOT_PREFIX = "BALLOT#"


CUSTOMER_PREFIX = "CUSTOMER#"


def customer(customer_id: str) -> str:
    return f"{CUSTOMER_PREFIX}{customer_id}"


def ballot(customer_id: str, product_id: str) -> Key:
    """A customer's votes on one product's ideas: spread over every customer, no item is hot."""
    return {PARTITION_KEY: customer(customer_id), SORT_KEY: f"{BALLOT_PREFIX}{product_id}"}


ERASED_PREFIX = "erased:"


def anonymous_ballot(product_id: str) -> Key:
    """Where a customer who left leaves their votes on closed ideas: in those ideas' final tallies, under a key that
    names nobody."""
    return ballot(f"{ERASED_PREFIX}{uuid.uuid4().hex}", product_id)


FOLLOW_PREFIX = "FOLLOW#"


def follow(customer_id: str, idea_id: str) -> Key:
    """Whether a customer follows an idea: following, or unfollowed (which no later vote undoes)."""
    return {PARTITION_KEY: customer(customer_id), SORT_KEY: f"{FOLLOW_PREFIX}{idea_id}"}


def followers(idea_id: str) -> str:
    """The timeline index's partition of an idea's followers."""
    return f"FOLLOWERS#{idea_id}"


NOTIFICATION_PREFIX = "NOTE#"


def notification(customer_id: str, notification_id: str) -> Key:
    return {PARTITION_KEY: customer(customer_id), SORT_KEY: f"{NOTIFICATION_PREFIX}{notification_id}"}


def unread(customer_id: str) -> str:
    """The timeline index's partition of a customer's unread notifications."""
    return f"UNREAD#{customer_id}"


PREFERENCES = "PREFERENCES"


def preferences(customer_id: str) -> Key:
    """What a customer wants to be told by email, and their consent."""
    return {PARTITION_KEY: customer(customer_id), SORT_KEY: PREFERENCES}


def author(customer_id: str) -> str:
    """The authored index's partition of what a customer wrote."""
    return f"AUTHOR#{customer_id}"


def product_ballots(product_id: str) -> str:
    """The ballots index's partition of one product."""
    return f"BALLOTS#{product_id}"


LIMITS_PREFIX = "LIMIT#"


def write_windows(customer_id: str) -> str:
    """The partition of a customer's counts of writes, a minute each."""
    return f"{LIMITS_PREFIX}{customer_id}"


def write_window(customer_id: str, window: int) -> Key:
    """A customer's count of writes in one minute."""
    return {PARTITION_KEY: write_windows(customer_id), SORT_KEY: f"WINDOW#{window}"}


def checkpoint(shard_id: str) -> Key:
    """How far the stream consumer has applied a shard of the table's stream."""
    return {PARTITION_KEY: f"STREAM#{shard_id}", SORT_KEY: "CHECKPOINT"}


def _position(shard_id: str, sequence_number: int) -> str:
    return f"{shard_id}#{sequence_number:040d}"  # zero-padded: in stream order


MERGES_PARTITION = "MERGES"


def merge(idea_id: str) -> Key:
    """A merged idea whose supporters are still to move to the idea it merged into."""
    return {PARTITION_KEY: MERGES_PARTITION, SORT_KEY: idea_id}


NOTICES_PARTITION = "NOTICES"


def notices(shard_id: str, sequence_number: int) -> Key:
    """What the commit that ends at a record tells the followers of ideas, waiting to be delivered."""
    return {PARTITION_KEY: NOTICES_PARTITION, SORT_KEY: _position(shard_id, sequence_number)}


ERASURES_PARTITION = "ERASURES"


def erasure(customer_id: str) -> Key:
    """A customer who asked to be forgotten, until they are."""
    return {PARTITION_KEY: ERASURES_PARTITION, SORT_KEY: customer_id}


OUTBOX_PARTITION = "OUTBOX"
QUARANTINE_PARTITION = "QUARANTINE"


def outbox(shard_id: str, sequence_number: int) -> Key:
    """Events of the commit that ends at a record, waiting to be sent."""
    return {PARTITION_KEY: OUTBOX_PARTITION, SORT_KEY: _position(shard_id, sequence_number)}


def quarantined(shard_id: str, sequence_number: int) -> Key:
    """A stream record that could not be read, set aside."""
    return {PARTITION_KEY: QUARANTINE_PARTITION, SORT_KEY: _position(shard_id, sequence_number)}
