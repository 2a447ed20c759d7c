"""Ideas: one item each, carrying its counts and the sort keys that rank it in its product's lists."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta

from chalicelib.domain.ideas import IDEA_ID, Idea, IdeaKind, IdeaStatus, IdeaSummary
from chalicelib.domain.listing import IdeaOrder
from chalicelib.domain.text import iso
from chalicelib.observability import traced
from chalicelib.store import keys, paging
from chalicelib.store.schema import AUTHORED, LISTING, PARTITION_KEY, RANKINGS, SORT_KEY
from chalicelib.store.table import Action, ConditionFailed, Expression, Item, Table, TransactionCancelled, Update

_NEW = Expression("attribute_not_exists(PK)")
# What a summary reads of an idea (the supporters gained each day besides).
_SUMMARY = tuple(f for f in IdeaSummary._fields if f != "gained_7d")

# An idea's supporters gained on a day (`gained:2026-11-26`), kept a week by the tally store: `velocity_7d`.
GAINED = "gained:"
VELOCITY_DAYS = timedelta(days=7)
PRICE = "cents:"  # in an idea's price book: `cents:2499990` = how many committers named 24,999.90

# Sort keys are strings that order as their numbers do: offset so they are never negative, zero-padded, and
# followed by the creation time and id, so that ties go to the newer idea and every key is unique.
_NET_OFFSET = 10**12
_HOT_OFFSET = 10**6


def ranking_attributes(idea: Idea) -> dict[str, str]:
    """The index attributes that place `idea` in its product's lists, one sort key per order."""
    newest = f"{iso(idea.created_at)}#{idea.idea_id}"
    return {
        LISTING: keys.listing(idea.product_id, idea.status),
        RANKINGS[IdeaOrder.NEW].sort_key: newest,
        RANKINGS[IdeaOrder.TOP].sort_key: f"{idea.net + _NET_OFFSET:013d}#{newest}",
        RANKINGS[IdeaOrder.CONFIDENCE].sort_key: f"{round(idea.confidence * 10**9):010d}#{newest}",
        RANKINGS[IdeaOrder.HOT].sort_key: f"{round((idea.hot + _HOT_OFFSET) * 10**7):016d}#{idea.idea_id}",
    }


def price_book(item: Item) -> dict[int, int]:
    """An idea's price book as stored: cents -> how many committers name that price now."""
    return {int(name.removeprefix(PRICE)): int(n) for name, n in item.items() if name.startswith(PRICE) and n}


def idea_item(idea: Idea) -> Item:
    """An idea as the table holds it: its attributes, its key, and the sort keys of its lists."""
    item = {**keys.idea(idea.idea_id), **idea.model_dump(mode="json", exclude_none=True), **ranking_attributes(idea)}
    return item | {AUTHORED.partition_key: keys.author(idea.author_id)} if idea.author_id else item


@traced
class IdeaStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def create(self, idea: Idea) -> tuple[Idea, bool]:
        """Store `idea` unless its id is taken; the stored idea, and whether it is the one just created."""
        try:
            self.table.put(idea_item(idea), condition=_NEW)
        except ConditionFailed as taken:
            existing = Idea.model_validate(taken.item) if taken.item else self.get(idea.idea_id)
            assert existing is not None, "an idea's id was taken by nothing"
            return existing, False
        return idea, True

    def forget_author(self, idea_id: str) -> None:
        """The idea stays, without its author."""
        self.table.update(
            keys.idea(idea_id),
            Expression("REMOVE author_id, #author", {"#author": AUTHORED.partition_key}),
            condition=Expression("attribute_exists(PK)"),
        )

    def get(self, idea_id: str, *, consistent: bool = False) -> Idea | None:
        if not IDEA_ID.match(idea_id):
            return None  # it cannot exist, and would not make a valid key
        item = self.table.get(keys.idea(idea_id), consistent=consistent)
        return Idea.model_validate(item) if item else None

    def closed(self, idea_ids: Sequence[str], *, consistent: bool = False) -> dict[str, IdeaStatus | None]:
        """Which of `idea_ids` take no more votes, with their status: the closed ones, and any that do not exist
        (None)."""
        items = self.table.batch_get(
            [keys.idea(i) for i in set(idea_ids)], consistent=consistent, attributes=("idea_id", "status")
        )
        statuses: dict[str, IdeaStatus | None] = dict.fromkeys(idea_ids)
        statuses.update((item["idea_id"], IdeaStatus(item["status"])) for item in items)
        return {idea_id: status for idea_id, status in statuses.items() if status is None or status.closed}

    def change_status(self, was: Idea, now: Idea, also: Sequence[Action] = ()) -> None:
        """Store `now`'s status, response, merge target and when it was answered, moving it between its
        product's lists, provided its status is still `was`'s, in one transaction with `also`. Raises
        ConditionFailed when the status changed meanwhile."""
        names = {"#status": "status", "#updated_at": "updated_at", "#listing": LISTING}
        values = {
            ":status": now.status.value,
            ":updated_at": iso(now.updated_at),
            ":listing": keys.listing(now.product_id, now.status),
            ":was": was.status.value,
        }
        assignments = ["#status = :status", "#updated_at = :updated_at", "#listing = :listing"]
        removals = []
        for field in ("response", "merged_into"):
            names[f"#{field}"] = field
            value = getattr(now, field)
            if value is None:
                removals.append(f"#{field}")
            else:
                assignments.append(f"#{field} = :{field}")
                values[f":{field}"] = value
        if now.answered_at != was.answered_at and now.answered_at is not None:
            names["#answered_at"] = "answered_at"
            assignments.append("#answered_at = :answered_at")
            values[":answered_at"] = iso(now.answered_at)
        text = "SET " + ", ".join(assignments) + (" REMOVE " + ", ".join(removals) if removals else "")
        change = Update(keys.idea(now.idea_id), Expression(text, names, values), Expression("#status = :was"))
        if not also:
            self.table.update(change.key, change.update, condition=change.condition)
            return
        try:
            self.table.transact([change, *also])
        except TransactionCancelled as cancelled:
            if cancelled.failed(0):
                raise ConditionFailed(cancelled.items[0]) from None
            raise

    def summaries(
        self, product_id: str, statuses: Iterable[IdeaStatus], today: date | None = None
    ) -> Iterator[IdeaSummary]:
        """Every idea of the product in one of `statuses`, summarised, with the supporters it gained over the 7
        days to `today` (when given): one Query (and its pages) per status, reading no idea of any other status,
        and of each only what a summary holds."""
        index = RANKINGS[IdeaOrder.NEW]
        week = [f"{GAINED}{today - timedelta(days=n)}" for n in range(VELOCITY_DAYS.days)] if today else []
        read = [*_SUMMARY, *week]
        for status in statuses:
            partition = Expression(f"{LISTING} = :listing", values={":listing": keys.listing(product_id, status)})
            for item in self.table.query_all(partition, index=index.name, attributes=read):
                yield IdeaSummary(
                    idea_id=item["idea_id"],
                    kind=IdeaKind(item["kind"]),
                    title=item["title"],
                    options=item.get("options"),
                    status=IdeaStatus(item["status"]),
                    up=int(item.get("up", 0)),
                    down=int(item.get("down", 0)),
                    created_at=datetime.fromisoformat(item["created_at"]),
                    units=int(item.get("units", 0)),
                    committers=int(item.get("committers", 0)),
                    priced=int(item.get("priced", 0)),
                    gained_7d=sum(int(item.get(day, 0)) for day in week),
                )

    def texts(self, product_id: str, statuses: Iterable[IdeaStatus], since: datetime | None = None) -> Iterator[Item]:
        """The id, title, description and creation time of every idea of the product in one of `statuses` (created
        after `since`, when given): one Query (and its pages) per status over the newest-first index, reading no
        idea created before `since`."""
        index = RANKINGS[IdeaOrder.NEW]
        for status in statuses:
            condition = f"{LISTING} = :listing"
            values = {":listing": keys.listing(product_id, status)}
            if since is not None:
                condition += f" AND {index.sort_key} > :since"
                values[":since"] = iso(since)
            partition = Expression(condition, values=values)
            yield from self.table.query_all(
                partition, index=index.name, attributes=("idea_id", "title", "description", "created_at")
            )

    def many(self, idea_ids: Sequence[str]) -> dict[str, Idea]:
        """The ideas of `idea_ids` that exist, by id."""
        items = self.table.batch_get([keys.idea(i) for i in set(idea_ids) if IDEA_ID.match(i)])
        return {item["idea_id"]: Idea.model_validate(item) for item in items}

    def price_books(self, idea_ids: Sequence[str]) -> dict[str, dict[int, int]]:
        """The prices each idea's committers named, in cents, with how many named each: one item an idea."""
        books = self.table.batch_get([keys.prices(i) for i in idea_ids])
        return {book[PARTITION_KEY].removeprefix("IDEA#"): price_book(book) for book in books}

    def page(
        self, product_id: str, status: IdeaStatus, order: IdeaOrder, limit: int, cursor: str | None
    ) -> tuple[list[Idea], str | None]:
        """One page of a product's ideas of one status, best first."""
        listing = keys.listing(product_id, status)
        items, next_cursor = paging.page(
            self.table,
            RANKINGS[order],
            listing,
            fixed={LISTING: listing, SORT_KEY: "META"},
            limit=limit,
            cursor=cursor,
            descending=True,
        )
        return [Idea.model_validate(i) for i in items], next_cursor
