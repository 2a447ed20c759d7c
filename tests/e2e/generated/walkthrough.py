"""The README's walk-through, through a client generated from /openapi.json with openapi-python-client.

tests/e2e/test_generated_client.py generates the package `cocreate_client` beside this file, type-checks both
with mypy --strict, and runs `walk` against the local stack. Nothing here is cast: if the document describes an
answer wrongly, mypy or an assertion says so.
"""

from __future__ import annotations

from collections.abc import Callable

from cocreate_client import AuthenticatedClient, Client
from cocreate_client.api.default import (
    attention_queue,
    cast_vote,
    change_status,
    commit_to_idea,
    erase_me,
    export_my_data,
    get_idea,
    latest_demand_csv,
    list_comments,
    list_ideas,
    list_products,
    my_notifications,
    my_votes,
    post_comment,
    publish_demand,
    read_notifications,
    retract_vote,
    set_preferences,
    similar_ideas,
    submit_idea,
)
from cocreate_client.models import (
    AttentionPage,
    CommentBody,
    CommentPage,
    CommentView,
    CommitmentBody,
    CommitmentView,
    CustomerData,
    CustomisationDraft,
    CustomisationDraftOptions,
    DemandReport,
    EmailWish,
    Feeling,
    IdeaOrder,
    IdeaPage,
    IdeaStatus,
    IdeaView,
    MyVotes,
    NotificationKind,
    NotificationPage,
    Preferences,
    PreferencesBody,
    Problem,
    ProblemCode,
    ProductPage,
    ReadNotifications,
    SimilarIdeas,
    StatusChange,
    SubmittedIdea,
    SuggestionDraft,
    VoteBody,
    VoteValue,
    VoteView,
)


def walk(
    base_url: str,
    customer_token: str,
    team_token: str,
    drain: Callable[[], object],
    fire: Callable[[str], object],
) -> None:
    """`fire` runs a schedule now, by its function's name."""
    public = Client(base_url=base_url)
    customer = AuthenticatedClient(base_url=base_url, token=customer_token)
    team = AuthenticatedClient(base_url=base_url, token=team_token)

    products = list_products.sync(client=public)
    assert isinstance(products, ProductPage)
    assert "roadster" in [p.product_id for p in products.items]
    ranked = list_ideas.sync("roadster", client=public, sort=IdeaOrder.TOP)
    assert isinstance(ranked, IdeaPage)
    assert ranked.items

    # A customisation request: its author's up-vote comes with it.
    options = CustomisationDraftOptions.from_dict({"colour": "midnight blue", "interior": "cork"})
    idea = submit_idea.sync("roadster", client=customer, body=CustomisationDraft(kind="customisation", options=options))
    assert isinstance(idea, SubmittedIdea)
    assert idea.my_vote == VoteValue.VALUE_1
    assert idea.similar == []  # a customisation is one idea per combination already

    # Beside that up-vote, units the customer would buy, at up to a price.
    committed = commit_to_idea.sync(idea.idea_id, client=customer, body=CommitmentBody(quantity=2, max_unit_price=1200))
    assert isinstance(committed, CommitmentView)
    assert (committed.quantity, committed.max_unit_price) == (2, 1200)

    # A vote that changes something: against someone else's idea, then withdrawn.
    other = submit_idea.sync(
        "roadster",
        client=team,
        body=SuggestionDraft(kind="suggestion", title="A charging cable that winds itself", description="Tidy."),
    )
    assert isinstance(other, SubmittedIdea)
    vote = cast_vote.sync(other.idea_id, client=customer, body=VoteBody(value=VoteValue.VALUE_NEGATIVE_1))
    assert isinstance(vote, VoteView)
    assert vote.value == VoteValue.VALUE_NEGATIVE_1
    mine = my_votes.sync(client=customer, product_id="roadster")
    assert isinstance(mine, MyVotes)
    assert {(v.idea_id, v.value) for v in mine.items} >= {(other.idea_id, VoteValue.VALUE_NEGATIVE_1)}
    assert retract_vote.sync_detailed(other.idea_id, client=customer).status_code == 204
    seen = get_idea.sync(other.idea_id, client=customer)
    assert isinstance(seen, IdeaView)
    assert seen.my_vote is None

    # The product team answers in public; a declined idea refuses votes, with a typed error.
    answered = change_status.sync(
        other.idea_id, client=team, body=StatusChange(status=IdeaStatus.DECLINED, response="Not this year.")
    )
    assert isinstance(answered, IdeaView)
    assert answered.response == "Not this year."
    refused = cast_vote.sync(other.idea_id, client=customer, body=VoteBody(value=VoteValue.VALUE_1))
    assert isinstance(refused, Problem)
    assert refused.code is ProblemCode.IDEACLOSED

    # An unhappy comment waits in the team's attention queue until the team answers it.
    unhappy = post_comment.sync(
        idea.idea_id, client=customer, body=CommentBody(body="Two months of silence. I am disappointed.")
    )
    assert isinstance(unhappy, CommentView)
    assert unhappy.sentiment.label is Feeling.NEGATIVE
    drain()
    waiting = attention_queue.sync("roadster", client=team, limit=100)
    assert isinstance(waiting, AttentionPage)
    assert unhappy.comment_id in [w.comment.comment_id for w in waiting.items]
    reply = post_comment.sync(idea.idea_id, client=team, body=CommentBody(body="Sorry: we measure the roof this week."))
    assert isinstance(reply, CommentView)
    assert reply.author.official
    drain()
    waiting = attention_queue.sync("roadster", client=team, limit=100)
    assert isinstance(waiting, AttentionPage)
    assert unhappy.comment_id not in [w.comment.comment_id for w in waiting.items]
    thread = list_comments.sync(idea.idea_id, client=public)
    assert isinstance(thread, CommentPage)
    assert [c.comment_id for c in thread.items] == [unhappy.comment_id, reply.comment_id]

    # A duplicate found before it is written, and a merge that carries its supporters.
    drain()
    found = similar_ideas.sync("roadster", client=public, q="something on the roof to carry my surfboard")
    assert isinstance(found, SimilarIdeas)
    rack, duplicate = (item.idea for item in found.items[:2])
    assert {rack.title, duplicate.title} == {"A roof rack for two surfboards", "Roof bars to carry a surfboard"}
    if rack.title != "A roof rack for two surfboards":
        rack, duplicate = duplicate, rack
    supporters = rack.votes.up
    merged = change_status.sync(
        duplicate.idea_id,
        client=team,
        body=StatusChange(status=IdeaStatus.MERGED, merged_into=rack.idea_id, response="The same as the roof rack."),
    )
    assert isinstance(merged, IdeaView)
    assert merged.merged_into == rack.idea_id
    fire("move_merged_support")
    drain()
    moved = get_idea.sync(rack.idea_id, client=public)
    assert isinstance(moved, IdeaView)
    assert moved.votes.up == supporters + 1  # Eli's vote moved; Bo, who supported both, counts once

    # The demand report, as JSON and as CSV.
    report = publish_demand.sync("roadster", client=team)
    assert isinstance(report, DemandReport)
    assert report.items[0].rank == 1
    assert isinstance(report.items[0].committed_units, int)
    assert "cork" in report.dimension_units["interior"]
    csv = latest_demand_csv.sync("roadster", client=team)
    assert isinstance(csv, str)
    assert csv.startswith("rank,idea_id,")

    # Closing the loop: the author of a suggestion follows it, asks for email, and hears the team's answer in the
    # inbox; then they take out everything cocreate holds about them, and leave.
    mine_too = submit_idea.sync(
        "roadster",
        client=customer,
        body=SuggestionDraft(kind="suggestion", title="Heated seats that remember me", description="Winter."),
    )
    assert isinstance(mine_too, SubmittedIdea)
    shown = get_idea.sync(mine_too.idea_id, client=customer)
    assert isinstance(shown, IdeaView)
    assert shown.following is True
    wish = EmailWish(address="ada@example.com", events=[NotificationKind.STATUS_CHANGED])
    chosen = set_preferences.sync(client=customer, body=PreferencesBody(email=wish))
    assert isinstance(chosen, Preferences)
    assert chosen.email is not None and chosen.consent.given_at is not None
    change_status.sync(
        mine_too.idea_id, client=team, body=StatusChange(status=IdeaStatus.UNDER_REVIEW, response="Pricing it.")
    )
    drain()
    fire("notify_followers")
    inbox = my_notifications.sync(client=customer, unread=True)
    assert isinstance(inbox, NotificationPage)
    (told,) = [n for n in inbox.items if n.idea_id == mine_too.idea_id]
    assert told.kind is NotificationKind.STATUS_CHANGED and told.message.endswith("“Pricing it.”")
    assert read_notifications.sync_detailed(client=customer, body=ReadNotifications(all_=True)).status_code == 204
    data = export_my_data.sync(client=customer)
    assert isinstance(data, CustomerData)
    assert mine_too.idea_id in [i.idea_id for i in data.ideas]
    assert erase_me.sync_detailed(client=customer).status_code == 202
    fire("erase_customers")
    drain()
    gone = export_my_data.sync(client=customer)
    assert isinstance(gone, CustomerData)
    assert (gone.ideas, gone.votes, gone.comments, gone.notifications) == ([], [], [], [])
