"""The catalogue: products and the customisation options they offer."""

import itertools
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from chalicelib.domain.model import Model
from chalicelib.domain.text import Description, Label, Timestamp, Title
from chalicelib.errors import FieldProblem, InvalidInput

PRODUCT_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
ProductId = Annotated[str, StringConstraints(pattern=PRODUCT_ID.pattern)]

MAX_DIMENSIONS = 20
MAX_VALUES_PER_DIMENSION = 50
DEFAULT_VOTE_BUDGET = 10
MAX_VOTE_BUDGET = 50
DEFAULT_MAX_UNITS = 10
MAX_UNITS = 1_000
DEFAULT_THRESHOLDS = (100, 1_000, 10_000)


def _distinct(names: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            raise ValueError(f"{what} {name!r} is listed twice (letter case does not matter)")
        seen.add(name.casefold())


class ProductDraft(Model):
    """A product as the product team describes it in `POST /products`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    product_id: ProductId = Field(description="a slug: lowercase letters, digits and inner hyphens")
    name: Title
    description: Description | None = None
    options: dict[Label, list[Label]] = Field(
        default_factory=dict,
        max_length=MAX_DIMENSIONS,
        description="each customisation dimension and the values customers may choose for it",
    )
    vote_budget: int = Field(
        DEFAULT_VOTE_BUDGET,
        ge=1,
        le=MAX_VOTE_BUDGET,
        description="how many open ideas of this product one customer may support at once",
    )
    max_units_per_customer: int = Field(
        DEFAULT_MAX_UNITS,
        ge=1,
        le=MAX_UNITS,
        description="how many units one customer may commit to buying of one idea",
    )
    thresholds: list[Annotated[int, Field(ge=1, le=10**9)]] = Field(
        default_factory=lambda: list(DEFAULT_THRESHOLDS),
        max_length=10,
        description="supporter counts at which an idea announces itself (IdeaThresholdReached), ascending",
    )

    @field_validator("thresholds")
    @classmethod
    def _ascending(cls, thresholds: list[int]) -> list[int]:
        if any(a >= b for a, b in itertools.pairwise(thresholds)):
            raise ValueError("must be ascending, each once")
        return thresholds

    @field_validator("options")
    @classmethod
    def _each_choice_offered_once(cls, options: dict[str, list[str]]) -> dict[str, list[str]]:
        _distinct(options, "dimension")
        for dimension, values in options.items():
            if not values:
                raise ValueError(f"dimension {dimension!r} offers no values")
            if len(values) > MAX_VALUES_PER_DIMENSION:
                raise ValueError(f"dimension {dimension!r} offers more than {MAX_VALUES_PER_DIMENSION} values")
            _distinct(values, f"{dimension!r} value")
        return options


class Product(Model):
    model_config = ConfigDict(frozen=True)

    product_id: str
    name: str
    description: str | None = None
    options: dict[str, list[str]]
    vote_budget: int
    max_units_per_customer: int = DEFAULT_MAX_UNITS  # products created before commitments read as the default
    thresholds: list[int] = Field(default_factory=lambda: list(DEFAULT_THRESHOLDS))
    created_at: Timestamp

    @classmethod
    def from_draft(cls, draft: ProductDraft, now: datetime) -> "Product":
        return cls(**draft.model_dump(), created_at=now)

    def choose(self, requested: Mapping[str, str]) -> dict[str, str]:
        """The product's own spelling of each requested dimension and value, matched ignoring letter case, in the
        product's order: the same choice reads the same whoever made it.

        Raises InvalidInput naming every dimension or value the product does not offer.
        """
        dimensions = {d.casefold(): d for d in self.options}
        chosen: dict[str, str] = {}
        problems = []
        for name, value in requested.items():
            field = f"options.{name}"
            dimension = dimensions.get(name.casefold())
            if dimension is None:
                offered = ", ".join(self.options) or "nothing"
                problems.append(FieldProblem(field, f"{self.name} has no such option; it offers: {offered}"))
                continue
            if dimension in chosen:
                problems.append(FieldProblem(field, "is given twice (letter case does not matter)"))
                continue
            canonical = {v.casefold(): v for v in self.options[dimension]}.get(value.casefold())
            if canonical is None:
                allowed = ", ".join(self.options[dimension])
                problems.append(FieldProblem(field, f"{value!r} is not offered; choose one of: {allowed}"))
                continue
            chosen[dimension] = canonical
        if problems:
            raise InvalidInput(problems)
        return {dimension: chosen[dimension] for dimension in self.options if dimension in chosen}
