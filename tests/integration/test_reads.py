"""What a page reads from DynamoDB: one Query of the page (and of one item more, for a list the client pages, to
know whether another page follows), however long the list; and of each item only what is used."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.ideas import IdeaStatus, SuggestionDraft
from chalicelib.domain.listing import IdeaOrder


@pytest.fixture
def ideas(services) -> list[str]:
    drafts = [SuggestionDraft(kind="suggestion", title=f"Idea {n}", description=f"d{n}") for n in range(5)]
    return [services.ideas.submit(f"author-{n}", "roadster", d).view.idea_id for n, d in enumerate(drafts)]


@pytest.fixture
def read(services) -> list[int]:
    """How many items each Query since the fixture was made read, in order."""
    counts: list[int] = []
    services.ideas.ideas.table.client.meta.events.register(
        "after-call.dynamodb.Query", lambda parsed, **_: counts.append(parsed["Count"])
    )
    return counts


def test_a_page_of_ideas_reads_the_page_and_one_idea_more(services, ideas, read):
    store = services.ideas.ideas
    page, cursor = store.page("roadster", IdeaStatus.OPEN, IdeaOrder.NEW, 2, None)
    rest, end = store.page("roadster", IdeaStatus.OPEN, IdeaOrder.NEW, 3, cursor)
    assert [i.idea_id for i in page + rest] == ideas[::-1]  # newest first
    assert (read, end) == ([3, 3], None)


def test_the_voters_and_followers_of_an_idea_are_read_a_page_at_a_time(services, ideas, read):
    """A merge moves the votes on an idea, a notice tells its followers: page by page, each a Query of its own.
    (The voters' pages are of the product's ballots: the five authors' and three fans'.)"""
    idea = ideas[0]
    for n in range(3):
        services.voting.cast(f"fan-{n}", idea, 1)
        services.following.follow(f"fan-{n}", idea)
    ballots, follows = services.voting.ballots, services.following.follows
    for name, page in {
        "voters": lambda start: ballots.voters("roadster", idea, start, 3),
        "followers": lambda start: follows.followers(idea, start, 3),
    }.items():
        read.clear()
        found, start = page(None)
        while start is not None:
            more, start = page(start)
            found += more
        customers = sorted(f if isinstance(f, str) else f[0] for f in found)
        assert customers == ["author-0", "fan-0", "fan-1", "fan-2"], name
        assert read == ([3, 3, 2] if name == "voters" else [3, 1]), name


def test_the_ideas_texts_are_read_with_only_what_a_search_uses(services, ideas):
    store = services.ideas.ideas
    texts = list(store.texts("roadster", [IdeaStatus.OPEN]))
    assert [t["idea_id"] for t in texts] == ideas
    assert {frozenset(t) for t in texts} == {frozenset({"idea_id", "title", "description", "created_at"})}
    assert texts[2]["description"] == "d2"
    since = store.get(ideas[2]).created_at - timedelta(microseconds=1)
    assert [t["idea_id"] for t in store.texts("roadster", [IdeaStatus.OPEN], since)] == ideas[2:]
