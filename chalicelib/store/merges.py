"""Merges whose supporters are still to move: one item each in one partition, written in the transaction that
merges the idea and deleted once every ballot of its product has been seen. Merges are rare, so the partition is
small and never hot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from chalicelib.domain.ideas import Idea
from chalicelib.domain.text import iso
from chalicelib.observability import traced
from chalicelib.store import keys
from chalicelib.store.schema import PARTITION_KEY, SORT_KEY
from chalicelib.store.table import ConditionFailed, Expression, Item, Put, Table


class MergeJob(NamedTuple):
    idea_id: str  # the merged idea
    product_id: str
    start: Mapping[str, str] | None  # where in the product's ballots the move goes on; None: from the first
    moved: int  # up-votes moved so far
    released: int  # other votes released so far


def _job(item: Item) -> MergeJob:
    return MergeJob(
        idea_id=item[SORT_KEY],
        product_id=item["product_id"],
        start=item.get("start"),
        moved=int(item.get("moved", 0)),
        released=int(item.get("released", 0)),
    )


@traced
class MergeJobs:
    def __init__(self, table: Table) -> None:
        self.table = table

    @staticmethod
    def entry(merged: Idea) -> Put:
        """The job of moving `merged`'s supporters, for the transaction that merges it (with when it merged: how
        long a job has waited is there to see)."""
        return Put({**keys.merge(merged.idea_id), "product_id": merged.product_id, "merged_at": iso(merged.updated_at)})

    def pending(self) -> list[MergeJob]:
        """Every merge still moving its supporters, in idea id order, read consistently."""
        partition = Expression("#pk = :merges", {"#pk": PARTITION_KEY}, {":merges": keys.MERGES_PARTITION})
        return [_job(item) for item in self.table.query_all(partition, consistent=True)]

    def advance(self, job: MergeJob, start: Mapping[str, str] | None, moved: int, released: int) -> MergeJob | None:
        """Record how far the move has gone, adding what this run moved and released since: a run that stops goes on
        from `start` (None: every ballot was seen). The job as recorded now; None when another run finished it."""
        text = "ADD moved :moved, released :released"
        values: dict[str, Any] = {":moved": moved, ":released": released}
        if start is not None:
            text = f"SET #start = :start {text}"
            values[":start"] = dict(start)
        try:
            item = self.table.update(
                keys.merge(job.idea_id),
                Expression(text, {"#start": "start"} if start is not None else {}, values),
                condition=Expression("attribute_exists(PK)"),
                returns="ALL_NEW",
            )
        except ConditionFailed:
            return None
        return _job(item)

    def finish(self, job: MergeJob) -> None:
        self.table.delete(keys.merge(job.idea_id))
