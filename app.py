"""cocreate's Lambda functions. Each handler only translates: identity and input in, a service call, an answer."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from chalice.app import Chalice, CloudWatchEvent, DynamoDBEvent, Rate

from chalicelib import errors, observability
from chalicelib.domain.catalogue import Product, ProductDraft
from chalicelib.domain.comments import AttentionPage, CommentBody, CommentPage, CommentView, Moderation
from chalicelib.domain.commitments import CommitmentBody, CommitmentView
from chalicelib.domain.customers import CustomerData
from chalicelib.domain.demand import DemandQuery, DemandReport
from chalicelib.domain.ideas import IdeaDraft, IdeaView
from chalicelib.domain.lifecycle import StatusChange
from chalicelib.domain.listing import IdeaListQuery, IdeaPage, PageQuery, ProductPage
from chalicelib.domain.notifications import (
    UNSUBSCRIBED_PAGE,
    NotificationPage,
    NotificationQuery,
    Preferences,
    PreferencesBody,
    ReadNotifications,
    Unsubscribe,
)
from chalicelib.domain.similar import SimilarIdeas, SimilarQuery, SubmittedIdea
from chalicelib.domain.voting import MyVotes, MyVotesQuery, VoteBody, VoteView
from chalicelib.http import NO_CONTENT, Access, Api, Health, Reply, Text, created
from chalicelib.identity import Caller
from chalicelib.publish.reports import Link
from chalicelib.services.recount import Recount
from chalicelib.streams.handler import handle_stream_batch
from chalicelib.wiring import services

# The table's stream ARN is only known once the stack exists: the infra template puts it here (aws/chalice#1882).
TABLE_STREAM_ARN_PLACEHOLDER = "arn:aws:dynamodb:us-east-1:000000000000:table/SetByInfra/stream/1970-01-01T00:00:00.000"

API_VERSION = "1.0.0"
# The "cocreate" logger is Powertools's (observability). Chalice would take it over whenever stdout had changed since
# (as a test runner's capture does): no propagation, and nothing below ERROR.
app = Chalice(app_name="cocreate", configure_logs=False)
observability.install(app)
api = Api(
    app,
    tokens=lambda: services().tokens,
    admit_write=lambda caller: services().write_limiter.admit(caller.customer_id),
    idempotency=lambda: services().idempotency,
)


@api.route("GET", "/health", Access.PUBLIC, summary="Is the API up?", responses={200: Health})
def health() -> Health:
    return Health()


@api.route(
    "HEAD",
    "/health",
    Access.PUBLIC,
    summary="Is the API up? The answer's status, without a body",
    responses={200: None},
)
def health_head() -> Reply:
    return Reply(None)


@api.route("GET", "/openapi.json", Access.PUBLIC, summary="This API, in OpenAPI 3.1", responses={200: None})
def openapi_document() -> Reply:
    return Reply(_openapi_json(), headers={"Content-Type": "application/json"})


@functools.cache
def _openapi_json() -> str:
    from chalicelib import openapi  # only this route needs it: imported here, off the cold start

    return json.dumps(openapi.document(api.routes, version=API_VERSION))


@api.route(
    "POST",
    "/products",
    Access.PRODUCT_TEAM,
    summary="Add a product and the customisation options it offers",
    body=ProductDraft,
    responses={201: Product},
    refusals=(errors.AlreadyExists,),
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
    responses={201: SubmittedIdea, 200: SubmittedIdea},
    idempotent=True,
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


@api.route(
    "GET",
    "/products/{product_id}/ideas/similar",
    Access.PUBLIC,
    summary="The product's ideas that take votes, most like what a customer would write, best first",
    query=SimilarQuery,
    responses={200: SimilarIdeas},
)
def similar_ideas(product_id: str, query: SimilarQuery) -> SimilarIdeas:
    return SimilarIdeas(items=services().similar.similar(product_id, query.q, query.limit))


@api.route("GET", "/ideas/{idea_id}", Access.PUBLIC, summary="One idea", responses={200: IdeaView})
def get_idea(idea_id: str, caller: Caller | None) -> IdeaView:
    return services().ideas.view(idea_id, caller)


@api.route(
    "PUT",
    "/ideas/{idea_id}/vote",
    Access.CUSTOMER,
    summary="Vote for (1) or against (-1) an open idea; the same vote again changes nothing",
    body=VoteBody,
    responses={200: VoteView},
    refusals=(errors.IdeaClosed, errors.VoteBudgetExhausted, errors.BallotBusy),
    counts_own_writes=True,  # on the ballot it writes: a vote's limit costs no write of its own
)
def cast_vote(idea_id: str, body: VoteBody, caller: Caller) -> VoteView:
    return services().voting.cast(caller.customer_id, idea_id, body.value)


@api.route(
    "DELETE",
    "/ideas/{idea_id}/vote",
    Access.CUSTOMER,
    summary="Withdraw your vote, if any",
    responses={204: None},
    refusals=(errors.IdeaClosed,),
    counts_own_writes=True,
)
def retract_vote(idea_id: str, caller: Caller) -> Reply:
    services().voting.retract(caller.customer_id, idea_id)
    return NO_CONTENT


@api.route(
    "PUT",
    "/ideas/{idea_id}/commitment",
    Access.CUSTOMER,
    summary="Commit to buying units of an open idea you up-vote, at up to a price; the same again changes nothing",
    body=CommitmentBody,
    responses={200: CommitmentView},
    refusals=(errors.IdeaClosed, errors.VoteRequired, errors.BallotBusy),
    counts_own_writes=True,  # on the ballot, beside the vote it needs
)
def commit_to_idea(idea_id: str, body: CommitmentBody, caller: Caller) -> CommitmentView:
    return services().voting.commit(caller.customer_id, idea_id, body)


@api.route(
    "DELETE",
    "/ideas/{idea_id}/commitment",
    Access.CUSTOMER,
    summary="Withdraw your commitment, if any (withdrawing your vote or turning it down does too)",
    responses={204: None},
    refusals=(errors.IdeaClosed, errors.BallotBusy),
    counts_own_writes=True,
)
def withdraw_commitment(idea_id: str, caller: Caller) -> Reply:
    services().voting.withdraw_commitment(caller.customer_id, idea_id)
    return NO_CONTENT


@api.route(
    "POST",
    "/ideas/{idea_id}/comments",
    Access.CUSTOMER,
    summary="Comment on an idea (a product team member's comment is official, and answers those before it)",
    body=CommentBody,
    responses={201: CommentView},
    refusals=(errors.IdeaMerged,),
    idempotent=True,
)
def post_comment(idea_id: str, body: CommentBody, caller: Caller) -> Reply:
    return created(services().comments.post(caller, idea_id, body.body))


@api.route(
    "GET",
    "/ideas/{idea_id}/comments",
    Access.PUBLIC,
    summary="An idea's comments, oldest first (hidden ones left out)",
    query=PageQuery,
    responses={200: CommentPage},
)
def list_comments(idea_id: str, query: PageQuery) -> CommentPage:
    return services().comments.thread(idea_id, query)


@api.route(
    "DELETE",
    "/comments/{comment_id}",
    Access.CUSTOMER,
    summary="Delete a comment: its author, or the product team",
    responses={204: None},
)
def delete_comment(comment_id: str, caller: Caller) -> Reply:
    services().comments.delete(caller, comment_id)
    return NO_CONTENT


@api.route(
    "PATCH",
    "/comments/{comment_id}",
    Access.PRODUCT_TEAM,
    summary="Hide a comment from public lists and the attention queue, or show it again",
    body=Moderation,
    responses={200: CommentView},
)
def moderate_comment(comment_id: str, body: Moderation) -> CommentView:
    return services().comments.moderate(comment_id, body.hidden)


@api.route(
    "GET",
    "/products/{product_id}/attention",
    Access.PRODUCT_TEAM,
    summary="Customers' negative comments the team has not answered yet, the longest waiting first",
    query=PageQuery,
    responses={200: AttentionPage},
)
def attention_queue(product_id: str, query: PageQuery) -> AttentionPage:
    return services().comments.attention(product_id, query)


@api.route(
    "PUT",
    "/ideas/{idea_id}/subscription",
    Access.CUSTOMER,
    summary="Follow an idea: be told when its status changes, it merges, it reaches a threshold or the team answers",
    responses={204: None},
)
def follow_idea(idea_id: str, caller: Caller) -> Reply:
    services().following.follow(caller.customer_id, idea_id)
    return NO_CONTENT


@api.route(
    "DELETE",
    "/ideas/{idea_id}/subscription",
    Access.CUSTOMER,
    summary="Unfollow an idea (a later vote or comment does not make you follow it again)",
    responses={204: None},
)
def unfollow_idea(idea_id: str, caller: Caller) -> Reply:
    services().following.unfollow(caller.customer_id, idea_id)
    return NO_CONTENT


@api.route(
    "GET",
    "/me/notifications",
    Access.CUSTOMER,
    summary="Your notifications, newest first, and how many are unread",
    query=NotificationQuery,
    responses={200: NotificationPage},
)
def my_notifications(caller: Caller, query: NotificationQuery) -> NotificationPage:
    return services().notifications.notifications(caller.customer_id, query)


@api.route(
    "POST",
    "/me/notifications/read",
    Access.CUSTOMER,
    summary="Mark notifications read: some by id, or all",
    body=ReadNotifications,
    responses={204: None},
)
def read_notifications(body: ReadNotifications, caller: Caller) -> Reply:
    services().notifications.mark_read(caller.customer_id, body)
    return NO_CONTENT


@api.route(
    "GET",
    "/me/preferences",
    Access.CUSTOMER,
    summary="Whether you get email, of which notifications, and when you consented",
    responses={200: Preferences},
)
def my_preferences(caller: Caller) -> Preferences:
    return services().notifications.preferences_of(caller.customer_id)


@api.route(
    "PUT",
    "/me/preferences",
    Access.CUSTOMER,
    summary="Turn email on, with an address and the kinds you want (your consent, recorded with its time), or off",
    body=PreferencesBody,
    responses={200: Preferences},
)
def set_preferences(body: PreferencesBody, caller: Caller) -> Preferences:
    return services().notifications.set_preferences(caller.customer_id, body)


@api.route(
    "GET",
    "/unsubscribe",
    Access.PUBLIC,
    summary="One click from a mail: no more email (the link carries a signed token)",
    query=Unsubscribe,
    responses={200: Text("text/html")},
)
def unsubscribe(query: Unsubscribe) -> Reply:
    services().notifications.unsubscribe(query.token)
    return Reply(UNSUBSCRIBED_PAGE, headers={"Content-Type": "text/html; charset=utf-8"})


@api.route(
    "GET",
    "/me/export",
    Access.CUSTOMER,
    summary="Everything cocreate holds about you, in one JSON document",
    responses={200: CustomerData},
)
def export_my_data(caller: Caller) -> CustomerData:
    return services().customers.export(caller.customer_id)


@api.route(
    "DELETE",
    "/me",
    Access.CUSTOMER,
    summary="Erase your personal data, within minutes (counts stay exactly what the remaining votes say)",
    responses={202: None},
)
def erase_me(caller: Caller) -> Reply:
    services().customers.request_erasure(caller.customer_id)
    return Reply(None, status=202)


@api.route(
    "GET",
    "/me/votes",
    Access.CUSTOMER,
    summary="Your votes, and how much of each product's vote budget they hold",
    query=MyVotesQuery,
    responses={200: MyVotes},
    refusals=(errors.NotFound,),
)
def my_votes(caller: Caller, query: MyVotesQuery) -> MyVotes:
    return services().voting.mine(caller.customer_id, query)


@api.route(
    "PATCH",
    "/ideas/{idea_id}",
    Access.PRODUCT_TEAM,
    summary="Move an idea through its lifecycle, with the official answer customers see",
    body=StatusChange,
    responses={200: IdeaView},
    refusals=(errors.TransitionNotAllowed,),
)
def change_status(idea_id: str, body: StatusChange) -> IdeaView:
    return services().lifecycle.change(idea_id, body)


@api.route(
    "POST",
    "/products/{product_id}/demand",
    Access.PRODUCT_TEAM,
    summary="Publish the product's demand report now",
    responses={200: DemandReport},
)
def publish_demand(product_id: str) -> DemandReport:
    return services().demand.publish(product_id)


@api.route(
    "GET",
    "/products/{product_id}/demand",
    Access.PRODUCT_TEAM,
    summary="The product's latest demand report, as JSON (or CSV with ?format=csv)",
    query=DemandQuery,
    responses={200: DemandReport, 303: None},
    csv=True,
)
def latest_demand(product_id: str, query: DemandQuery) -> DemandReport | Reply:
    if query.format == "csv":
        return _csv(product_id)
    latest = services().demand.latest(product_id)
    return _see_other(latest) if isinstance(latest, Link) else latest


@api.route(
    "GET",
    "/products/{product_id}/demand.csv",
    Access.PRODUCT_TEAM,
    summary="The product's latest demand report, as CSV for a spreadsheet",
    responses={200: Text("text/csv"), 303: None},
)
def latest_demand_csv(product_id: str) -> Reply:
    return _csv(product_id)


def _csv(product_id: str) -> Reply:
    latest = services().demand.latest(product_id, csv=True)
    if isinstance(latest, Link):
        return _see_other(latest)
    filename = f"demand-{latest.product_id}.csv"
    headers = {"Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{filename}"'}
    return Reply(latest.csv(), headers=headers)


def _see_other(link: Link) -> Reply:
    """A report too large for a response: where to fetch it, for a while."""
    return Reply(None, status=303, headers={"Location": link.url})


@app.schedule(Rate(15, unit=Rate.MINUTES))
def publish_demand_reports(event: CloudWatchEvent) -> None:
    """Every product's demand report, every 15 minutes."""
    services().demand.publish_all()


@app.schedule(Rate(1, unit=Rate.DAYS))
def recount_counts(event: CloudWatchEvent) -> dict[str, Any]:
    """Every idea's counts, recomputed from the ballots, and any difference repaired and reported."""
    return _recounted(services().recount.recount_all())


@app.lambda_function(name="recount")
def recount(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The operator's recount: `{"product_id": "..."}` for one product, `{}` for all (see README)."""
    product_id = event.get("product_id")
    recounts = [services().recount.recount(product_id)] if product_id else services().recount.recount_all()
    return _recounted(recounts)


def _recounted(recounts: list[Recount]) -> dict[str, Any]:
    return {
        "products": [
            {"product_id": r.product_id, "ideas": r.ideas, "repaired": [c.model_dump() for c in r.repaired]}
            for r in recounts
        ]
    }


@app.schedule(Rate(5, unit=Rate.MINUTES))
def send_waiting_events(event: CloudWatchEvent) -> None:
    """Events whose commit held but whose sending failed wait in the outbox: send them."""
    services().outbox.send_pending(services().events)


@app.schedule(Rate(1, unit=Rate.MINUTES))
def move_merged_support(event: CloudWatchEvent) -> dict[str, Any]:
    """Merged ideas' supporters move to the ideas they merged into, a run a minute, each going on where the last
    stopped (one run at a time: see infra/template.py)."""
    return {"finished": services().merging.run(_seconds_left(event))}


@app.schedule(Rate(1, unit=Rate.MINUTES))
def notify_followers(event: CloudWatchEvent) -> dict[str, Any]:
    """Notices in line reach every follower of their ideas, a run a minute, each going on where the last stopped
    (one run at a time: see infra/template.py)."""
    return {"delivered": services().notifications.run(_seconds_left(event))}


@app.schedule(Rate(1, unit=Rate.MINUTES))
def erase_customers(event: CloudWatchEvent) -> dict[str, Any]:
    """Customers who asked to be forgotten are, within minutes."""
    return {"erased": services().customers.erase_requested(_seconds_left(event))}


def _seconds_left(event: CloudWatchEvent) -> Callable[[], float]:
    context: Any = event.context  # Lambda's context object, whatever Chalice's type says
    return (lambda: context.get_remaining_time_in_millis() / 1000) if context else (lambda: float("inf"))


@app.on_dynamodb_record(
    stream_arn=TABLE_STREAM_ARN_PLACEHOLDER,
    batch_size=1000,
    starting_position="TRIM_HORIZON",  # the batching window is the stage's: infra/template.py
)
def on_table_change(event: DynamoDBEvent) -> dict[str, Any]:
    """Ballot and comment changes become idea counts, ideas' and comments' changes become events, public answers
    empty the attention queue; see chalicelib/streams."""
    return handle_stream_batch(event.to_dict(), services().stream_consumer)
