"""Similar ideas: a product's ideas that still take votes, ranked by likeness to what a customer would write.

Each warm function keeps an index of the products it was asked about (chalicelib/similar.py), built from one Query
a status and then kept current: at most once every `refresh` seconds (one), a search first reads the ideas created
since the newest it holds (one Query, with a minute's overlap for writers whose clocks differ), and every `rebuild`
seconds (ten minutes) the index starts again, so that ideas that closed leave it. What a search finds is read again
before it is answered, so a closed or merged idea is never offered: the index can be a second late with new ideas
(and the table's newest-first index, which replicates in a fraction of one), never wrong about open ones.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.ideas import IdeaStatus
from chalicelib.domain.similar import SimilarIdea
from chalicelib.observability import traced
from chalicelib.services.catalogue import CatalogueService
from chalicelib.similar import Document, SimilarIndex
from chalicelib.store.ideas import IdeaStore

TAKING_VOTES = tuple(status for status in IdeaStatus if not status.closed)
OVERLAP = timedelta(minutes=1)
# The least score at which a submission is told of an idea like it: most true duplicates of the labelled set
# score more, most other ideas less (python -m bench similar).
WORTH_OFFERING = 0.4


@dataclass
class _Indexed:
    index: SimilarIndex
    built: float  # on the monotonic clock
    refreshed: float
    newest: datetime | None  # the newest idea's creation time


@traced
class SimilarService:
    _indexes: OrderedDict[str, _Indexed]  # by product, the least recently asked about first

    def __init__(
        self,
        catalogue: CatalogueService,
        ideas: IdeaStore,
        *,
        refresh: float = 1.0,
        rebuild: float = 600.0,
        products: int = 8,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.catalogue = catalogue
        self.ideas = ideas
        self.refresh = refresh
        self.rebuild = rebuild
        self.products = products
        self.monotonic = monotonic
        self._indexes = OrderedDict()

    def similar(self, product_id: str, text: str, limit: int) -> list[SimilarIdea]:
        """The product's ideas that take votes and are most like `text`, best first.

        Raises NotFound for an unknown product."""
        self.catalogue.get(product_id)
        return self.like(product_id, text, limit)

    def like(
        self, product_id: str, text: str, limit: int, exclude: Iterable[str] = (), least: float = 0.0
    ) -> list[SimilarIdea]:
        """`similar` for a product known to exist (one just read), scoring at least `least`, `exclude` left out."""
        found = [(idea_id, s) for idea_id, s in self._index(product_id).search(text, 2 * limit, exclude) if s >= least]
        current = self.ideas.many([idea_id for idea_id, _ in found])  # as they are now: some may have closed
        return [
            SimilarIdea(idea=current[idea_id].view(), score=score)
            for idea_id, score in found
            if idea_id in current and not current[idea_id].status.closed
        ][:limit]

    def _index(self, product_id: str) -> SimilarIndex:
        now = self.monotonic()
        indexed = self._indexes.get(product_id)
        if indexed is None or now - indexed.built > self.rebuild:
            indexed = _Indexed(SimilarIndex(), now, now, None)
            self._add(indexed, self.ideas.texts(product_id, TAKING_VOTES))
        elif now - indexed.refreshed > self.refresh:
            since = indexed.newest - OVERLAP if indexed.newest else None
            self._add(indexed, self.ideas.texts(product_id, [IdeaStatus.OPEN], since))  # new ideas start open
            indexed.refreshed = now
        self._indexes[product_id] = indexed
        self._indexes.move_to_end(product_id)
        while len(self._indexes) > self.products:  # the least recently asked about goes
            self._indexes.popitem(last=False)
        return indexed.index

    @staticmethod
    def _add(indexed: _Indexed, items: Iterable[dict[str, str]]) -> None:
        for item in items:
            indexed.index.add(Document(item["idea_id"], item["title"], item.get("description")))
            created = datetime.fromisoformat(item["created_at"])
            if indexed.newest is None or created > indexed.newest:
                indexed.newest = created
