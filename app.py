"""cocreate's Lambda functions. Each handler only translates: identity and input in, a service call, an answer."""

from __future__ import annotations

from chalice.app import Chalice
from pydantic import BaseModel

from chalicelib.domain.catalogue import Product, ProductDraft
from chalicelib.domain.ideas import IdeaDraft, IdeaView
from chalicelib.domain.listing import IdeaListQuery, IdeaPage, PageQuery, ProductPage
from chalicelib.http import Access, Api, Reply, created
from chalicelib.identity import Caller
from chalicelib.wiring import services

app = Chalice(app_name="cocreate")
api = Api(app)


class Health(BaseModel):
    status: str = "ok"


@api.route("GET", "/health", Access.PUBLIC, summary="Is the API up?", responses={200: Health})
def health() -> Health:
    return Health()


@api.route(
    "POST",
    "/products",
    Access.PRODUCT_TEAM,
    summary="Add a product and the customisation options it offers",
    body=ProductDraft,
    responses={201: Product},
)
def create_product(body: ProductDraft) -> Reply:
    return created(services().catalogue.create(body))


@api.route("GET", "/products", Access.PUBLIC, summary="The catalogue", query=PageQuery, responses={200: ProductPage})
def list_products(query: PageQuery) -> ProductPage:
    return services().catalogue.page(query)


@api.route("GET", "/products/{product_id}", Access.PUBLIC, summary="One product", responses={200: Product})
def get_product(product_id: str) -> Product:
    return services().catalogue.get(product_id)


@api.route(
    "POST",
    "/products/{product_id}/ideas",
    Access.CUSTOMER,
    summary="Submit a customisation request or a suggestion (an identical customisation is the existing idea)",
    body=IdeaDraft,
    responses={201: IdeaView, 200: IdeaView},
)
def submit_idea(product_id: str, body: IdeaDraft, caller: Caller) -> Reply:
    submission = services().ideas.submit(caller.customer_id, product_id, body.root)
    return Reply(submission.view, status=201 if submission.created else 200)


@api.route(
    "GET",
    "/products/{product_id}/ideas",
    Access.PUBLIC,
    summary="A product's ideas of one status, ranked",
    query=IdeaListQuery,
    responses={200: IdeaPage},
)
def list_ideas(product_id: str, query: IdeaListQuery) -> IdeaPage:
    return services().ideas.page(product_id, query)


@api.route("GET", "/ideas/{idea_id}", Access.PUBLIC, summary="One idea", responses={200: IdeaView})
def get_idea(idea_id: str, caller: Caller | None) -> IdeaView:
    return services().ideas.view(idea_id, caller)
