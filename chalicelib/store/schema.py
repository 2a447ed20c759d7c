"""The table's shape: key attributes and indexes. What the store queries and what infra/ deploys."""

from __future__ import annotations

from typing import NamedTuple

from chalicelib.domain.listing import IdeaOrder

PARTITION_KEY = "PK"
SORT_KEY = "SK"
TTL_ATTRIBUTE = "expires_at"
# A fact's count of its writes (ballots, comments): how the recount lines what it read up with the stream.
VERSION = "version"


class Index(NamedTuple):
    name: str | None  # None: the table itself
    partition_key: str
    sort_key: str
    projection: str = "ALL"  # ALL: a page is served from the index alone; KEYS_ONLY: it lists keys to read


TABLE = Index(None, PARTITION_KEY, SORT_KEY)

# Products, in id order, all in one partition: the catalogue is small and read far more than written.
CATALOGUE = Index("catalogue", "CATALOGUE_PK", "CATALOGUE_SK")

# A product's ideas of one status, one index per order, so that a ranked page is one Query for the page alone.
LISTING = "LISTING"
RANKINGS = {order: Index(order.value, LISTING, f"{order.value.upper()}_SK") for order in IdeaOrder}

# A product's ballots, one key each: what a recount (and an erasure) reads instead of scanning the table. Keys
# only, and set once when a ballot is made, so that no vote writes the index.
BALLOTS = Index("ballots", "BALLOTS_PK", PARTITION_KEY, projection="KEYS_ONLY")

# Lists in time order: an idea's visible comments (a hidden comment loses its key), a product's attention queue, a
# customer's unread notifications and an idea's followers (each key there only while it is one). One index for
# them all: CloudFormation adds one index to a table per update.
TIMELINE = Index("timeline", "TIMELINE_PK", "TIMELINE_SK")

# What each customer wrote, ideas and comments, one key each: what their export and their erasure read, never a
# Scan. Keys only, and removed once the author has left.
AUTHORED = Index("authored", "AUTHOR_PK", PARTITION_KEY, projection="KEYS_ONLY")

INDEXES: tuple[Index, ...] = (CATALOGUE, *RANKINGS.values(), BALLOTS, TIMELINE, AUTHORED)
