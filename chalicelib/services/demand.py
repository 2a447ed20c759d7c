"""Demand reports for the supply-chain team: published on a schedule and on request."""

from __future__ import annotations

from chalicelib.domain.demand import REPORTED, DemandReport
from chalicelib.domain.events import DemandRankingPublished
from chalicelib.domain.text import iso
from chalicelib.errors import NotFound
from chalicelib.observability import count, logger, traced
from chalicelib.publish.events import EventPublisher
from chalicelib.publish.reports import Link, ReportStore
from chalicelib.services import Clock
from chalicelib.services.catalogue import CatalogueService
from chalicelib.store.ideas import IdeaStore


class PublishFailed(RuntimeError):
    """Some products' reports could not be published (the others were)."""


@traced
class DemandService:
    def __init__(
        self,
        catalogue: CatalogueService,
        ideas: IdeaStore,
        reports: ReportStore,
        events: EventPublisher,
        clock: Clock,
    ) -> None:
        self.catalogue = catalogue
        self.ideas = ideas
        self.reports = reports
        self.events = events
        self.clock = clock

    def publish(self, product_id: str) -> DemandReport:
        """Rank the product's ideas, store the report and announce it. Reads the ideas it reports, one item each,
        and the price book of each idea whose committers named prices (its median is exact)."""
        product = self.catalogue.get(product_id)
        now = self.clock()
        ideas = list(self.ideas.summaries(product_id, REPORTED, now.date()))
        prices = self.ideas.price_books([idea.idea_id for idea in ideas if idea.priced])
        report = DemandReport.build(product, ideas, now, prices)
        keys = self.reports.save(report)
        count("DemandPublished")
        published = DemandRankingPublished(
            event_id=f"{product_id}:demand:{iso(report.generated_at)}",
            product_id=product_id,
            generated_at=report.generated_at,
            keys=keys,
            summary=report.summary(),
        )
        self.events.publish([published.envelope()])
        return report

    def publish_all(self) -> int:
        """Publish every product's report, each on its own: a product that fails is reported and the others are
        published; then PublishFailed names those that failed. How many were published."""
        published, failed = 0, []
        for product in self.catalogue.products.all():
            try:
                report = self.publish(product.product_id)
            except Exception:
                failed.append(product.product_id)
                count("DemandPublishFailed")
                logger.exception("a demand report could not be published", extra={"product_id": product.product_id})
                continue
            published += 1
            logger.info(
                "demand report published",
                extra={"product_id": product.product_id, "ideas": len(report.items), "published": published},
            )
        if failed:
            raise PublishFailed(f"{len(failed)} of {len(failed) + published} reports failed: {', '.join(failed)}")
        return published

    def latest(self, product_id: str, *, csv: bool = False) -> DemandReport | Link:
        """The latest report, or a short-lived link to it (to its CSV copy, when `csv`) when it is too large to
        answer in a response."""
        self.catalogue.get(product_id)
        report = self.reports.latest(product_id, csv=csv)
        if report is None:
            raise NotFound(f"no demand report has been published for product {product_id!r} yet")
        return report
