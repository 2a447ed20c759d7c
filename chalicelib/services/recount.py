"""The recount: every idea's counts, recomputed from the ballots (the facts), and any difference repaired.

It runs while customers vote, so the ballots it reads and the counts it compares them with must be of the same
moment, which no single read gives. It lines them up through the stream:

1. the shards' checkpoints (how far counting had got) are read first, then every ballot of the product;
2. the counts are read with the checkpoints as of one moment (a commit moves both together);
3. the stream is read from the first checkpoints on. Every ballot write adds one to the ballot's version, so
   for each ballot the recount knows which of its records the ballot it read already showed, and which the
   counts already hold. The ballot as the counts saw it is the ballot after the last record counted, or, when
   the ballot it read shows records not counted yet, the ballot before the first of them.

The sum of those ballots is what each idea's counts must be: its votes, and its committed units, committers and
price book. A count that differs is repaired, on condition it has not changed since it was read (a repair never
overwrites a concurrent commit: it is tried again next pass). Supporters gained each day are not: when a lost vote
was cast, no ballot says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from boto3.dynamodb.types import TypeDeserializer

from chalicelib.domain.events import CountsRecounted, RepairedCount
from chalicelib.domain.ideas import Idea, IdeaStatus
from chalicelib.domain.text import iso
from chalicelib.domain.voting import Tally, commitment_change
from chalicelib.observability import count, logger, traced
from chalicelib.publish.events import EventPublisher
from chalicelib.services import Clock
from chalicelib.services.catalogue import CatalogueService
from chalicelib.store.ballots import VERSION, BallotStore, commitments, counted_votes
from chalicelib.store.history import StreamHistory
from chalicelib.store.ideas import IdeaStore
from chalicelib.store.keys import BALLOT_PREFIX
from chalicelib.store.schema import PARTITION_KEY, SORT_KEY
from chalicelib.store.tallies import TallyStore

_deserializer = TypeDeserializer()
_PASSES = 3  # a repair that meets a concurrent commit is tried again, in the next pass

Ballot = Mapping[str, Any]  # a ballot item, as stored or as a stream image


class BallotRecord(NamedTuple):
    """A stream record of one ballot: where it is in the stream, the version it made, and the ballot around it."""

    shard_id: str
    sequence_number: int
    version: int
    old: Ballot | None
    new: Ballot | None


def _image(attributes: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return {n: _deserializer.deserialize(v) for n, v in attributes.items()} if attributes else None


def ballot_records(shard_id: str, records: Iterable[Mapping[str, Any]], product_id: str) -> Iterable[BallotRecord]:
    """The records of the product's ballots among `records`."""
    for record in records:
        stream = record["dynamodb"]
        if stream["Keys"][SORT_KEY].get("S") != f"{BALLOT_PREFIX}{product_id}":
            continue
        old, new = _image(stream.get("OldImage")), _image(stream.get("NewImage"))
        version = int(new.get(VERSION, 0)) if new else int((old or {}).get(VERSION, 0)) + 1
        yield BallotRecord(shard_id, int(stream["SequenceNumber"]), version, old, new)


def as_counted(
    read: Ballot | None, records: Iterable[BallotRecord], checkpoints: Mapping[str, int | None]
) -> Ballot | None:
    """The ballot as the counts saw it: `read` lined up with the stream records of it since the reading began."""
    version = int(read.get(VERSION, 0)) if read else 0
    counted: list[BallotRecord] = []
    pending: list[BallotRecord] = []
    for record in records:
        checkpoint = checkpoints.get(record.shard_id)
        (counted if checkpoint is not None and record.sequence_number <= checkpoint else pending).append(record)
    last = max(counted, key=lambda r: r.version, default=None)
    if last is not None and last.version >= version:
        return last.new  # the counts hold records the ballot read did not show yet
    unseen = [r for r in pending if r.version <= version]
    if unseen:
        return min(unseen, key=lambda r: r.version).old  # the ballot read shows records not counted yet
    return read


def sums(ballots: Iterable[Ballot | None]) -> dict[str, Tally]:
    """Each idea's votes (cast and released votes both count) and commitments in `ballots`."""
    found: dict[str, Tally] = {}
    for ballot in ballots:
        for idea_id, value in counted_votes(ballot or {}).items():
            found[idea_id] = found.get(idea_id, Tally()) + Tally(up=int(value == 1), down=int(value == -1))
        for idea_id, committed in commitment_change({}, commitments(ballot or {})).items():
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
        tallies: TallyStore,
        history: StreamHistory,
        events: EventPublisher,
        clock: Clock,
    ) -> None:
        self.catalogue = catalogue
        self.ideas = ideas
        self.ballots = ballots
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
        for _pass in range(_PASSES):
            repaired_now, unsettled = self._pass(product_id, idea_ids)
            repaired += repaired_now
            if not unsettled:
                break
        result = Recount(product_id, len(idea_ids), repaired, unsettled)
        self._report(result)
        return result

    def _pass(self, product_id: str, idea_ids: list[str]) -> tuple[list[RepairedCount], int]:
        shards = self.history.shards()
        first = dict(zip(shards, self.tallies.checkpoints(shards), strict=True))
        read = {_key(b): b for b in self.ballots.of_product(product_id)}
        records: dict[tuple[str, str], list[BallotRecord]] = {}
        for shard_id in shards:
            for record in ballot_records(shard_id, self.history.after(shard_id, first[shard_id]), product_id):
                records.setdefault(_key(record.new or record.old or {}), []).append(record)
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
                        )
                    )
                else:
                    unsettled += 1
        return repaired, unsettled

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
    """What the stream made of the idea's ballots, in the shape of `sums`."""
    return Tally(up=idea.up, down=idea.down, units=idea.units, committers=idea.committers, prices=dict(book))
