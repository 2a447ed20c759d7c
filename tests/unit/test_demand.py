import csv
import io
from datetime import timedelta

import pytest

from chalicelib.domain.catalogue import Product, ProductDraft
from chalicelib.domain.commitments import median_price
from chalicelib.domain.demand import CSV_COLUMNS, DemandReport
from chalicelib.domain.ideas import Idea, IdeaKind, IdeaStatus, IdeaSummary
from chalicelib.domain.text import utc_now

S = IdeaStatus
NOW = utc_now()
PRODUCT = Product.from_draft(
    ProductDraft(
        product_id="roadster",
        name="Roadster",
        options={"colour": ["green", "red", "blue"], "interior": ["cork", "wool"]},
    ),
    NOW,
)


def idea(name: str, up: int, down: int, status: S, options: dict | None = None, age_days: int = 1) -> Idea:
    return Idea(
        idea_id=f"c{name * 16}"[:17],
        product_id="roadster",
        kind=IdeaKind.CUSTOMISATION if options else IdeaKind.SUGGESTION,
        title=f"Idea {name}",
        options=options,
        status=status,
        created_at=NOW - timedelta(days=age_days),
        updated_at=NOW,
        up=up,
        down=down,
        vote_budget=10,
    )


IDEAS = [
    idea("a", 10, 2, S.OPEN, {"colour": "green", "interior": "cork"}),
    idea("b", 10, 0, S.PLANNED, {"colour": "red"}),  # as many supporters as A, more surely liked
    idea("c", 5, 5, S.AVAILABLE),
    idea("d", 7, 1, S.DECLINED, {"colour": "green"}),  # declined: not demand
    idea("e", 0, 3, S.MERGED, {"colour": "blue", "interior": "wool"}),  # merged: not demand
    idea("f", 1, 0, S.UNDER_REVIEW, {"interior": "wool"}),
]


def test_ideas_rank_by_supporters_then_confidence_without_declined_or_merged_ones():
    report = DemandReport.build(PRODUCT, IDEAS, NOW)
    assert [(i.rank, i.title, i.supporters, i.opponents, i.net) for i in report.items] == [
        (1, "Idea b", 10, 0, 10),
        (2, "Idea a", 10, 2, 8),
        (3, "Idea c", 5, 5, 0),
        (4, "Idea f", 1, 0, 1),
    ]


def test_dimensions_sum_the_supporters_of_each_chosen_value_and_show_unchosen_ones():
    assert DemandReport.build(PRODUCT, IDEAS, NOW).dimensions == {
        "colour": {"green": 10, "red": 10, "blue": 0},
        "interior": {"cork": 10, "wool": 1},
    }


def test_dimensions_add_up_every_idea_that_chooses_a_value_even_one_the_product_no_longer_offers():
    more = [
        *IDEAS,
        idea("g", 4, 0, S.OPEN, {"colour": "red", "interior": "wool"}),
        idea("h", 2, 0, S.OPEN, {"colour": "purple"}),  # offered once, since withdrawn
        idea("i", 3, 1, S.OPEN, {"colour": "purple"}),
        idea("j", 6, 0, S.OPEN, {"roof": "glass"}),  # a whole dimension since withdrawn
    ]
    assert DemandReport.build(PRODUCT, more, NOW).dimensions == {
        "colour": {"green": 10, "red": 14, "blue": 0, "purple": 5},
        "interior": {"cork": 10, "wool": 5},
        "roof": {"glass": 6},
    }


def test_the_csv_has_a_row_per_ranked_idea():
    report = DemandReport.build(PRODUCT, IDEAS, NOW)
    text = report.csv()
    assert text.count("\r\n") == 1 + len(report.items) and "\n" not in text.replace("\r\n", "")  # RFC 4180
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r[:9] for r in rows[1:]] == [
        ["1", "cbbbbbbbbbbbbbbbb", "customisation", "Idea b", "colour=red", "planned", "10", "0", "10"],
        ["2", "caaaaaaaaaaaaaaaa", "customisation", "Idea a", "colour=green; interior=cork", "open", "10", "2", "8"],
        ["3", "ccccccccccccccccc", "suggestion", "Idea c", "", "available", "5", "5", "0"],
        ["4", "cffffffffffffffff", "customisation", "Idea f", "interior=wool", "under_review", "1", "0", "1"],
    ]
    assert [float(r[9]) for r in rows[1:]] == [i.confidence for i in report.items]
    assert [float(r[10]) for r in rows[1:]] == [i.hot for i in report.items]
    assert len({r[10] for r in rows[1:]}) > 1  # the ideas' ages differ: hot tells them apart


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_title_cannot_become_a_spreadsheet_formula(start):
    sneaky = idea("z", 1, 0, S.OPEN).model_copy(update={"title": f'{start}HYPERLINK("http://evil")'})
    row = list(csv.reader(io.StringIO(DemandReport.build(PRODUCT, [sneaky], NOW).csv())))[1]
    assert row[3] == f'\'{start}HYPERLINK("http://evil")'


def test_an_ordinary_title_is_left_as_written():
    plain = idea("z", 1, 0, S.OPEN).model_copy(update={"title": "Roof box, 2-in-1"})
    row = list(csv.reader(io.StringIO(DemandReport.build(PRODUCT, [plain], NOW).csv())))[1]
    assert row[3] == "Roof box, 2-in-1"


def test_the_summary_names_the_top_ideas_with_their_units():
    committed = [IDEAS[0].model_copy(update={"units": 12, "committers": 3}), *IDEAS[1:]]
    summary = DemandReport.build(PRODUCT, committed, NOW).summary()
    assert (summary.ideas, summary.supporters) == (4, 26)
    assert summary.top == [
        {"idea_id": "cbbbbbbbbbbbbbbbb", "title": "Idea b", "supporters": 10, "committed_units": 0},
        {"idea_id": "caaaaaaaaaaaaaaaa", "title": "Idea a", "supporters": 10, "committed_units": 12},
        {"idea_id": "ccccccccccccccccc", "title": "Idea c", "supporters": 5, "committed_units": 0},
    ]


def committed(name: str, up: int, units: int, options: dict | None, gained_7d: int = 0) -> IdeaSummary:
    return idea(name, up, 0, S.OPEN, options).model_copy(update={"units": units, "committers": 1}).summary(gained_7d)


def test_items_carry_their_committed_demand_and_options_their_units():
    ideas = [
        committed("a", 5, 7, {"colour": "green", "interior": "cork"}, gained_7d=3),
        committed("b", 4, 2, {"colour": "green"}),
        committed("c", 3, 9, None),  # a suggestion: units of its own, of no option
        idea("d", 9, 0, S.DECLINED, {"colour": "red"}).model_copy(update={"units": 50}),  # not demand
    ]
    prices = {"caaaaaaaaaaaaaaaa": {1000: 1, 1200: 2}}
    report = DemandReport.build(PRODUCT, ideas, NOW, prices)
    assert [(i.title, i.committed_units, i.median_max_unit_price, i.velocity_7d) for i in report.items] == [
        ("Idea a", 7, 12.0, 3),
        ("Idea b", 2, None, 0),
        ("Idea c", 9, None, 0),
    ]
    assert report.dimension_units == {"colour": {"green": 9, "red": 0, "blue": 0}, "interior": {"cork": 7, "wool": 0}}
    assert report.dimensions["colour"]["green"] == 9  # supporters, as before
    row = list(csv.reader(io.StringIO(report.csv())))[1]
    assert dict(zip(CSV_COLUMNS, row, strict=True)) | {"confidence": "", "hot": ""} == {
        "rank": "1",
        "idea_id": "caaaaaaaaaaaaaaaa",
        "kind": "customisation",
        "title": "Idea a",
        "options": "colour=green; interior=cork",
        "status": "open",
        "supporters": "5",
        "opponents": "0",
        "net": "5",
        "confidence": "",
        "hot": "",
        "committed_units": "7",
        "committers": "1",
        "median_max_unit_price": "12.0",
        "velocity_7d": "3",
    }
    assert list(csv.reader(io.StringIO(report.csv())))[2][CSV_COLUMNS.index("median_max_unit_price")] == ""


@pytest.mark.parametrize(
    ("prices", "median"),
    [
        ({}, None),
        ({2999: 0}, None),  # nobody names it any more
        ({2999: 1}, 29.99),
        ({1000: 1, 3000: 1}, 20.0),  # even: the mean of the middle two
        ({1000: 1, 1001: 1}, 10.005),  # exact, not rounded to the cent
        ({1000: 2, 5000: 1}, 10.0),  # odd: the middle one, a price named twice counting twice
        ({9000: 1, 1000: 3, 5000: 2}, 30.0),  # 10 10 10 | 50 50 90: in price order, not as listed
        ({1000: 1, 2000: 1, 900000: 1}, 20.0),  # an outlier moves a median by one place, not by its size
    ],
)
def test_the_median_price_is_exact(prices, median):
    assert median_price(prices) == median
