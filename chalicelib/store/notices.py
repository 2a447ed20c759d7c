"""Notices waiting to be delivered to their ideas' followers: one item per stream commit that made any, written in
the commit's transaction (so exactly once), advanced as their followers are reached page by page, and deleted once
every notice of it is delivered."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from chalicelib.domain.notifications import Notice
from chalicelib.observability import traced
from chalicelib.store import keys
from chalicelib.store.schema import PARTITION_KEY
from chalicelib.store.table import ConditionFailed, Expression, Item, Put, Table, key_of


class NoticeJob(NamedTuple):
    key: keys.Key
    notices: tuple[Notice, ...]
    done: int  # notices delivered to all their followers
    start: Mapping[str, str] | None  # where in the next notice's followers delivery goes on; None: from the first
    delivered: int  # notifications of the next notice made so far


def _job(item: Item) -> NoticeJob:
    return NoticeJob(
        key=key_of(item),
        notices=tuple(Notice.model_validate(n) for n in json.loads(item["notices"])),
        done=int(item.get("done", 0)),
        start=item.get("start"),
        delivered=int(item.get("delivered", 0)),
    )


@traced
class NoticeJobs:
    def __init__(self, table: Table) -> None:
        self.table = table

    @staticmethod
    def entry(shard_id: str, upto: int, notices: Sequence[Notice]) -> Put:
        """The write that puts a commit's notices in line, for its transaction."""
        told = json.dumps([notice.model_dump(mode="json") for notice in notices])
        return Put({**keys.notices(shard_id, upto), "notices": told})

    def pending(self) -> list[NoticeJob]:
        """Every commit's notices still to deliver, oldest first, read consistently."""
        partition = Expression("#pk = :p", {"#pk": PARTITION_KEY}, {":p": keys.NOTICES_PARTITION})
        return [_job(item) for item in self.table.query_all(partition, consistent=True)]

    def advance(self, job: NoticeJob, done: int, start: Mapping[str, str] | None, delivered: int) -> NoticeJob | None:
        """Record how far delivery went: `done` notices, the next one's followers from `start` on, `delivered` of
        its notifications made so far. None when another run finished the job meanwhile."""
        values: dict[str, Any] = {":done": done, ":delivered": delivered}
        text = "SET done = :done, delivered = :delivered"
        if start is not None:
            text += ", #start = :start"
            values[":start"] = dict(start)
        else:
            text += " REMOVE #start"
        try:
            item = self.table.update(
                job.key,
                Expression(text, {"#start": "start"}, values),
                condition=Expression("attribute_exists(PK)"),
                returns="ALL_NEW",
            )
        except ConditionFailed:
            return None
        return _job(item)

    def finish(self, job: NoticeJob) -> None:
        self.table.delete(job.key)
