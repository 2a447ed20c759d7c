"""Products: one item each, listed through the catalogue index."""

from __future__ import annotations

from collections.abc import Iterator

from chalicelib.domain.catalogue import PRODUCT_ID, Product
from chalicelib.errors import AlreadyExists
from chalicelib.observability import traced
from chalicelib.store import keys, paging
from chalicelib.store.schema import CATALOGUE, SORT_KEY
from chalicelib.store.table import ConditionFailed, Expression, Item, Table

_NEW = Expression("attribute_not_exists(PK)")


def _item(product: Product) -> Item:
    return {
        **keys.product(product.product_id),
        CATALOGUE.partition_key: keys.CATALOGUE_PARTITION,
        CATALOGUE.sort_key: product.product_id,
        **product.model_dump(mode="json", exclude_none=True),
    }


@traced
class ProductStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def create(self, product: Product) -> None:
        try:
            self.table.put(_item(product), condition=_NEW)
        except ConditionFailed:
            raise AlreadyExists(f"product {product.product_id!r} already exists") from None

    def get(self, product_id: str) -> Product | None:
        if not PRODUCT_ID.match(product_id):
            return None  # it cannot exist, and would not make a valid key
        item = self.table.get(keys.product(product_id))
        return Product.model_validate(item) if item else None

    def all(self) -> Iterator[Product]:
        partition = Expression("#p = :p", {"#p": CATALOGUE.partition_key}, {":p": keys.CATALOGUE_PARTITION})
        for item in self.table.query_all(partition, index=CATALOGUE.name):
            yield Product.model_validate(item)

    def page(self, limit: int, cursor: str | None) -> tuple[list[Product], str | None]:
        fixed = {CATALOGUE.partition_key: keys.CATALOGUE_PARTITION, SORT_KEY: "META"}
        items, next_cursor = paging.page(
            self.table, CATALOGUE, keys.CATALOGUE_PARTITION, fixed=fixed, limit=limit, cursor=cursor
        )
        return [Product.model_validate(i) for i in items], next_cursor
