"""Every key of the single table is built here."""

from __future__ import annotations

from chalicelib.domain.ideas import IdeaStatus
from chalicelib.store.schema import PARTITION_KEY, SORT_KEY

Key = dict[str, str]

CATALOGUE_PARTITION = "PRODUCT"


def product(product_id: str) -> Key:
    return {PARTITION_KEY: f"PRODUCT#{product_id}", SORT_KEY: "META"}


def idea(idea_id: str) -> Key:
    return {PARTITION_KEY: f"IDEA#{idea_id}", SORT_KEY: "META"}


def listing(product_id: str, status: IdeaStatus) -> str:
    return f"PRODUCT#{product_id}#STATUS#{status.value}"
