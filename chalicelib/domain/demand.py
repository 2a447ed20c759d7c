"""The demand report: what the supply-chain team should plan for, per product, ranked by supporters."""

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from chalicelib.domain.catalogue import Product
from chalicelib.domain.commitments import median_price
from chalicelib.domain.events import DemandSummary
from chalicelib.domain.ideas import Idea, IdeaKind, IdeaStatus, IdeaSummary
from chalicelib.domain.model import Model
from chalicelib.domain.text import Timestamp

# Declined and merged ideas are not demand: a merged idea's supporters are expected to move to its target.
REPORTED = tuple(s for s in IdeaStatus if s not in (IdeaStatus.DECLINED, IdeaStatus.MERGED))

CSV_COLUMNS = (
    "rank", "idea_id", "kind", "title", "options", "status", "supporters", "opponents", "net", "confidence", "hot",
    "committed_units", "committers", "median_max_unit_price", "velocity_7d",
)  # fmt: skip


class DemandQuery(Model):
    model_config = ConfigDict(extra="forbid")

    format: Literal["json", "csv"] = "json"


class DemandItem(Model):
    rank: int
    idea_id: str
    kind: IdeaKind
    title: str
    options: dict[str, str] | None
    status: IdeaStatus
    supporters: int
    opponents: int
    net: int
    confidence: float
    hot: float
    committed_units: int = Field(description="units its committers would buy")
    committers: int = Field(description="customers who committed to units")
    median_max_unit_price: float | None = Field(
        description="the median of the highest unit prices committers named (exact); null when nobody named one"
    )
    velocity_7d: int = Field(description="supporters gained over the last 7 days (UTC days, today included)")


class DemandReport(Model):
    product_id: str
    generated_at: Timestamp
    items: list[DemandItem] = Field(description="ranked by supporters, then by confidence")
    dimensions: dict[str, dict[str, int]] = Field(
        description="for each option value, the supporters of the customisation requests that choose it"
    )
    dimension_units: dict[str, dict[str, int]] = Field(
        description="for each option value, the units committed to the customisation requests that choose it"
    )

    @classmethod
    def build(
        cls,
        product: Product,
        ideas: Iterable[Idea | IdeaSummary],
        now: datetime,
        prices: Mapping[str, Mapping[int, int]] | None = None,
    ) -> "DemandReport":
        """The report of `ideas` (those of them the report counts), ranked, with their supporters and committed
        units per option; `prices`: the prices each idea's committers named (cents -> committers)."""
        dimensions = {dimension: dict.fromkeys(values, 0) for dimension, values in product.options.items()}
        dimension_units = {dimension: dict.fromkeys(values, 0) for dimension, values in product.options.items()}
        summaries = (read.summary() if isinstance(read, Idea) else read for read in ideas)
        reported = sorted(
            (idea for idea in summaries if idea.status in REPORTED),
            key=lambda idea: (-idea.up, -idea.confidence, idea.created_at, idea.idea_id),
        )
        for idea in reported:
            for dimension, value in (idea.options or {}).items():
                for sums, n in ((dimensions, idea.up), (dimension_units, idea.units)):
                    sums.setdefault(dimension, {}).setdefault(value, 0)
                    sums[dimension][value] += n
        items = [
            DemandItem(
                rank=rank,
                idea_id=idea.idea_id,
                kind=idea.kind,
                title=idea.title,
                options=idea.options,
                status=idea.status,
                supporters=idea.up,
                opponents=idea.down,
                net=idea.net,
                confidence=idea.confidence,
                hot=idea.hot,
                committed_units=idea.units,
                committers=idea.committers,
                median_max_unit_price=median_price((prices or {}).get(idea.idea_id, {})),
                velocity_7d=idea.gained_7d,
            )
            for rank, idea in enumerate(reported, start=1)
        ]
        return cls(
            product_id=product.product_id,
            generated_at=now,
            items=items,
            dimensions=dimensions,
            dimension_units=dimension_units,
        )

    def summary(self, top: int = 3) -> DemandSummary:
        return DemandSummary(
            ideas=len(self.items),
            supporters=sum(i.supporters for i in self.items),
            top=[
                {
                    "idea_id": i.idea_id,
                    "title": i.title,
                    "supporters": i.supporters,
                    "committed_units": i.committed_units,
                }
                for i in self.items[:top]
            ],
        )

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)  # excel's dialect: RFC 4180's CRLF line ends, and None written as nothing
        writer.writerow(CSV_COLUMNS)
        for item in self.items:
            options = "; ".join(f"{d}={v}" for d, v in (item.options or {}).items())
            writer.writerow(
                [
                    item.rank,
                    item.idea_id,
                    item.kind.value,
                    _cell(item.title),
                    _cell(options),
                    item.status.value,
                    item.supporters,
                    item.opponents,
                    item.net,
                    item.confidence,
                    item.hot,
                    item.committed_units,
                    item.committers,
                    item.median_max_unit_price,
                    item.velocity_7d,
                ]
            )
        return out.getvalue()


def _cell(text: str) -> str:
    """Customers write titles: a spreadsheet must not run one as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
