"""The recount: every idea's counts, recomputed from the facts (ballots and comments), and any difference repaired.

It runs while customers vote and comment, so the facts it reads and the counts it compares them with must be of
the same moment, which no single read gives. It lines them up through the stream:

1. the shards' checkpoints (how far counting had got) are read first, then every ballot of the product and every
   visible comment on its ideas;
2. the counts are read with the checkpoints as of one moment (a commit moves both together);
3. the stream is read from the first checkpoints on. Every write of a ballot or a comment adds one to its
   version, so for each the recount knows which of its records the fact it read already showed, and which the
   counts already hold. The fact as the counts saw it is the fact after the last record counted, or, when the
   fact it read shows records not counted yet, the fact before the first of them.

The sum of those facts is what each idea's counts must be: its votes, its committed units, committers and price
book, and its visible comments and how they feel. A count that differs is repaired, on condition it has not
changed since it was read (a repair never overwrites a concurrent commit: it is tried again next pass).
Supporters gained each day are not: when a lost vote was cast, no ballot says. The comments each answered idea
answered leave the attention queue again, in case the answer's record was lost.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from boto3.dynamodb.types import TypeDeserializer

from chalicelib.domain.comments import Feeling
from chalicelib.domain.events import CountsRecounted, RepairedCount
from chalicelib.domain.ideas import Idea, IdeaStatus
from chalicelib.domain.text import iso
from chalicelib.domain.voting import Tally, comment_change, commitment_change
from chalicelib.observability import count, logger, traced
from chalicelib.publish.events import EventPublisher
from chalicelib.services import Clock
from chalicelib.services.catalogue import CatalogueService
from chalicelib.store.ballots import BallotStore, commitments, counted_votes
from chalicelib.store.comments import CommentStore, visible_feeling
from chalicelib.store.history import StreamHistory
from chalicelib.store.ideas import IdeaStore
from chalicelib.store.keys import BALLOT_PREFIX, COMMENT_PREFIX
from chalicelib.store.schema import PARTITION_KEY, SORT_KEY, VERSION
from chalicelib.store.tallies import TallyStore

_deserializer = TypeDeserializer()
_PASSES = 3  # a repair that meets a concurrent commit is tried again, in the next pass

Fact = Mapping[str, Any]  # a ballot or a comment, as stored or as a stream image


class FactRecord(NamedTuple):
    """A stream record of one fact: where it is in the stream, the version it made, and the fact around it."""

    shard_id: str
    sequence_number: int
    version: int
    old: Fact | None
    new: Fact | None


def _image(attributes: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return {n: _deserializer.deserialize(v) for n, v in attributes.items()} if attributes else None


def fact_records(shard_id: str, records: Iterable[Mapping[str, Any]], product_id: str) -> Iterable[FactRecord]:
    """The records of the product's ballots and comments among `records`."""
    for record in records:
        stream = record["dynamodb"]
        old, new = _image(stream.get("OldImage")), _image(stream.get("NewImage"))
        key = {name: value["S"] for name, value in stream["Keys"].items()}  # the table's keys are strings
        is_ballot = key[SORT_KEY] == f"{BALLOT_PREFIX}{product_id}"
        is_comment = key[PARTITION_KEY].startswith(COMMENT_PREFIX)
        if not (is_ballot or (is_comment and (new or old or {}).get("product_id") == product_id)):
            continue
        version = int(new.get(VERSION, 0)) if new else int((old or {}).get(VERSION, 0)) + 1
        yield FactRecord(shard_id, int(stream["SequenceNumber"]), version, old, new)


def as_counted(read: Fact | None, records: Sequence[FactRecord], checkpoints: Mapping[str, int | None]) -> Fact | None:
    """The fact as the counts saw it: `read` lined up with the stream records of it since the reading began."""
    if read is not None:
        version = int(read.get(VERSION, 0))
    else:  # never made when read (0), or deleted: gone for good, so the read showed every record of it
        version = max((r.version for r in records if r.new is None), default=0)
    counted: list[FactRecord] = []
    pending: list[FactRecord] = []
    for record in records:
        checkpoint = checkpoints.get(record.shard_id)
        (counted if checkpoint is not None and record.sequence_number <= checkpoint else pending).append(record)
    last = max(counted, key=lambda r: r.version, default=None)
    if last is not None and last.version >= version:
        return last.new  # the counts hold records the fact read did not show yet
    unseen = [r for r in pending if r.version <= version]
    if unseen:
        return min(unseen, key=lambda r: r.version).old  # the fact read shows records not counted yet
    return read


def sums(facts: Iterable[Fact | None]) -> dict[str, Tally]:
    """Each idea's votes (cast and released votes both count) and commitments in the ballots among `facts`, and
    its visible comments among them."""
    found: dict[str, Tally] = {}
    for fact in facts:
        if fact and fact[PARTITION_KEY].startswith(COMMENT_PREFIX):
            found[fact["idea_id"]] = found.get(fact["idea_id"], Tally()) + comment_change(None, visible_feeling(fact))
            continue
        for idea_id, value in counted_votes(fact or {}).items():
            found[idea_id] = found.get(idea_id, Tally()) + Tally(up=int(value == 1), down=int(value == -1))
        for idea_id, committed in commitment_change({}, commitments(fact or {})).items():
            found[idea_id] = found.get(idea_id, Tally()) + committed
    return found


class Recount(NamedTuple):
    product_id: str
    ideas: int
    repaired: list[RepairedCount]
    unsettled: int  # ideas whose counts kept changing under the repair: the next recount sees them again


@traced
class RecountService:
    def __init__(
        self,
        *,
        catalogue: CatalogueService,
        ideas: IdeaStore,
        ballots: BallotStore,
        comments: CommentStore,
        tallies: TallyStore,
        history: StreamHistory,
        events: EventPublisher,
        clock: Clock,
    ) -> None:
        self.catalogue = catalogue
        self.ideas = ideas
        self.ballots = ballots
        self.comments = comments
        self.tallies = tallies
        self.history = history
        self.events = events
        self.clock = clock

    def recount_all(self) -> list[Recount]:
        """Recount every product, each on its own: one that fails is reported and the others go on."""
        done = []
        for product in self.catalogue.products.all():
            try:
                done.append(self.recount(product.product_id))
            except Exception:
                count("RecountsFailed")
                logger.exception("a product's recount failed", extra={"product_id": product.product_id})
        return done

    def recount(self, product_id: str) -> Recount:
        self.catalogue.get(product_id)
        idea_ids = [i.idea_id for i in self.ideas.summaries(product_id, list(IdeaStatus))]
        repaired: list[RepairedCount] = []
        answered: set[str] = set()  # ideas whose answered comments left the queue: once a recount is enough
        for _pass in range(_PASSES):
            repaired_now, unsettled = self._pass(product_id, idea_ids, answered)
            repaired += repaired_now
            if not unsettled:
                break
        result = Recount(product_id, len(idea_ids), repaired, unsettled)
        self._report(result)
        return result

    def _pass(self, product_id: str, idea_ids: list[str], answered: set[str]) -> tuple[list[RepairedCount], int]:
        shards = self.history.shards()
        first = dict(zip(shards, self.tallies.checkpoints(shards), strict=True))
        facts = itertools.chain(self.ballots.of_product(product_id), self.comments.of_ideas(idea_ids))
        read = {_key(fact): fact for fact in facts}
        records = self._records(product_id, first)
        # A comment hidden when its idea's thread was read is missing from it; one that changed since the first
        # checkpoints must be read, as it is now, and the stream again up to now, for the two to line up.
        hidden = [key for key in records.keys() - read.keys() if key[0].startswith(COMMENT_PREFIX)]
        if hidden:
            read |= {_key(fact): fact for fact in self.comments.read(hidden)}
            records = self._records(product_id, first)
        moving = sorted({r.shard_id for rs in records.values() for r in rs})
        steady = sums(read[k] for k in read.keys() - records.keys())
        repaired, unsettled = [], 0
        for checkpoints, midway, ideas, books in self.tallies.snapshot(moving, idea_ids):
            if midway:  # a shard was between the parts of a run: its counts are neither before nor after it
                unsettled += len(ideas)
                continue
            # The ballots with records since the reading began, as the counts of this snapshot saw them.
            expected = _add(steady, sums(as_counted(read.get(k), rs, checkpoints) for k, rs in records.items()))
            for idea in ideas:
                if idea.answered_at is not None and idea.idea_id not in answered:  # in case its record was lost
                    self.comments.answer(idea.idea_id, idea.answered_at)
                    answered.add(idea.idea_id)
                want, book = expected.get(idea.idea_id, Tally()), books.get(idea.idea_id, {})
                if counted(idea, book) == want and idea.priced == want.priced:
                    continue
                if self.tallies.repair(idea, book, want):
                    repaired.append(
                        RepairedCount(
                            idea_id=idea.idea_id,
                            up=(idea.up, want.up),
                            down=(idea.down, want.down),
                            units=(idea.units, want.units),
                            committers=(idea.committers, want.committers),
                            comments=(idea.comments, want.comments),
                        )
                    )
                else:
                    unsettled += 1
        return repaired, unsettled

    def _records(self, product_id: str, first: Mapping[str, int | None]) -> dict[tuple[str, str], list[FactRecord]]:
        """The stream records of the product's facts since the `first` checkpoints, by fact."""
        records: dict[tuple[str, str], list[FactRecord]] = {}
        for shard_id, since in first.items():
            for record in fact_records(shard_id, self.history.after(shard_id, since), product_id):
                records.setdefault(_key(record.new or record.old or {}), []).append(record)
        return records

    def _report(self, result: Recount) -> None:
        count("CountsRepaired", len(result.repaired))
        logger.info(
            "recount",
            extra={"product_id": result.product_id, "ideas": result.ideas, "repaired": len(result.repaired)},
        )
        for repair in result.repaired:
            logger.warning("a count differed from its ballots and was repaired", extra=repair.model_dump())
        if result.repaired:
            now = self.clock()
            recounted = CountsRecounted(
                event_id=f"{result.product_id}:recount:{iso(now)}",
                product_id=result.product_id,
                recounted_at=now,
                repaired=result.repaired,
            )
            self.events.publish([recounted.envelope()])


def _key(item: Mapping[str, Any]) -> tuple[str, str]:
    return item[PARTITION_KEY], item[SORT_KEY]


def _add(a: Mapping[str, Tally], b: Mapping[str, Tally]) -> dict[str, Tally]:
    return {idea_id: a.get(idea_id, Tally()) + b.get(idea_id, Tally()) for idea_id in a.keys() | b.keys()}


def counted(idea: Idea, book: Mapping[int, int]) -> Tally:
    """What the stream made of the idea's ballots and comments, in the shape of `sums`."""
    return Tally(
        up=idea.up,
        down=idea.down,
        units=idea.units,
        committers=idea.committers,
        prices=dict(book),
        comments=idea.comments,
        feelings={feeling: n for feeling in Feeling if (n := getattr(idea, feeling.value))},
    )
