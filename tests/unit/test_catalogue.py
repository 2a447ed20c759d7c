import pytest
from pydantic import ValidationError

from chalicelib.domain.catalogue import Product, ProductDraft
from chalicelib.domain.text import utc_now
from chalicelib.errors import InvalidInput


def roadster() -> Product:
    draft = ProductDraft(
        product_id="roadster",
        name="Roadster",
        options={"Colour": ["Matte Green", "red"], "interior": ["cork", "leather"]},
    )
    return Product.from_draft(draft, utc_now())


def test_chosen_options_take_the_products_spelling_whatever_the_letter_case():
    assert roadster().choose({"colour": "MATTE GREEN", "INTERIOR": "Cork"}) == {
        "Colour": "Matte Green",
        "interior": "cork",
    }


def test_chosen_options_come_in_the_products_order_whatever_order_they_were_sent_in():
    chosen = roadster().choose({"interior": "cork", "colour": "red"})
    assert list(chosen.items()) == [("Colour", "red"), ("interior", "cork")]


def test_every_option_the_product_does_not_offer_is_named():
    with pytest.raises(InvalidInput) as refused:
        roadster().choose({"wheels": "18-inch", "colour": "pink", "interior": "cork"})
    fields = [p.field for p in refused.value.problems]
    assert fields == ["options.wheels", "options.colour"]
    assert str(refused.value) == (
        "options.wheels: Roadster has no such option; it offers: Colour, interior; "
        "options.colour: 'pink' is not offered; choose one of: Matte Green, red"
    )


def test_a_product_without_options_says_it_offers_nothing():
    plain = Product.from_draft(ProductDraft(product_id="mug", name="Mug"), utc_now())
    with pytest.raises(InvalidInput, match=r"^options\.colour: Mug has no such option; it offers: nothing$"):
        plain.choose({"colour": "red"})


def test_a_dimension_given_twice_in_different_case_is_refused_beside_the_other_problems():
    with pytest.raises(InvalidInput) as refused:
        roadster().choose({"colour": "red", "COLOUR": "red", "wheels": "18-inch"})
    assert [(p.field, p.problem) for p in refused.value.problems][:1] == [
        ("options.COLOUR", "is given twice (letter case does not matter)")
    ]
    assert [p.field for p in refused.value.problems] == ["options.COLOUR", "options.wheels"]


@pytest.mark.parametrize(
    "options",
    [
        {"colour": ["red"], "Colour": ["blue"]},  # the same dimension twice
        {"colour": ["red", "RED"]},  # the same value twice
        {"colour": []},  # nothing to choose
        {f"d{i}": ["x"] for i in range(21)},  # too many dimensions
    ],
)
def test_a_product_offers_each_choice_once_and_not_too_many(options):
    with pytest.raises(ValidationError):
        ProductDraft(product_id="p1", name="P", options=options)


@pytest.mark.parametrize("product_id", ["Roadster", "-roadster", "roadster-", "road ster", "a" * 65, ""])
def test_product_ids_are_slugs(product_id):
    with pytest.raises(ValidationError):
        ProductDraft(product_id=product_id, name="P")


@pytest.mark.parametrize("budget", [0, 51])
def test_vote_budgets_lie_between_1_and_50(budget):
    with pytest.raises(ValidationError):
        ProductDraft(product_id="p1", name="P", vote_budget=budget)
