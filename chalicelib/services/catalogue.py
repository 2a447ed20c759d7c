"""The product catalogue."""

from __future__ import annotations

from chalicelib.domain.catalogue import Product, ProductDraft
from chalicelib.domain.listing import PageQuery, ProductPage
from chalicelib.errors import NotFound
from chalicelib.observability import traced
from chalicelib.services import Clock
from chalicelib.store.products import ProductStore


@traced
class CatalogueService:
    def __init__(self, products: ProductStore, clock: Clock) -> None:
        self.products = products
        self.clock = clock

    def create(self, draft: ProductDraft) -> Product:
        product = Product.from_draft(draft, self.clock())
        self.products.create(product)
        return product

    def get(self, product_id: str) -> Product:
        product = self.products.get(product_id)
        if product is None:
            raise NotFound(f"there is no product {product_id!r}")
        return product

    def page(self, query: PageQuery) -> ProductPage:
        products, next_cursor = self.products.page(query.limit, query.cursor)
        return ProductPage(items=products, next_cursor=next_cursor)
