from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from chalicelib.domain.ideas import (
    IDEA_ID,
    CustomisationDraft,
    Idea,
    IdeaDraft,
    SuggestionDraft,
    customisation_id,
    new_suggestion_id,
)
from chalicelib.domain.text import utc_now
from tests.unit.test_catalogue import roadster


def test_the_same_customisation_is_the_same_idea_whatever_the_order_and_letter_case():
    a = customisation_id("roadster", {"colour": "matte green", "interior": "cork"})
    b = customisation_id("roadster", {"Interior": "CORK", "COLOUR": "Matte Green"})
    assert a == b
    assert IDEA_ID.match(a)


def test_the_same_options_on_another_product_are_another_idea():
    options = {"colour": "red"}
    assert customisation_id("roadster", options) != customisation_id("coupe", options)


@given(st.dictionaries(st.text(min_size=1), st.text(min_size=1), min_size=1, max_size=5))
def test_customisation_ids_are_well_formed_for_any_options(options):
    assert IDEA_ID.match(customisation_id("p", options))


def test_suggestions_get_fresh_ids():
    ids = {new_suggestion_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(IDEA_ID.match(i) for i in ids)


def test_a_customisation_without_a_title_is_titled_by_its_options_in_the_products_order():
    draft = CustomisationDraft(kind="customisation", options={"interior": "cork", "colour": "red"})
    idea = Idea.customisation(roadster(), draft, utc_now())
    assert idea.title == "Colour: red, interior: cork"
    assert list(idea.options.items()) == [("Colour", "red"), ("interior", "cork")]


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "suggestion", "title": "Cup holder"},  # a suggestion needs a description
        {"kind": "suggestion", "title": " ", "description": "x"},  # blank after trimming
        {"kind": "suggestion", "title": "a\x00b", "description": "x"},  # a null byte
        {"kind": "customisation", "options": {}},  # nothing chosen
        {"kind": "customisation", "options": {"colour": 1}},  # not text
        {"kind": "customisation", "options": {"colour": "red"}, "colour": "red"},  # not a field
        {"kind": "wish", "title": "x", "description": "y"},
    ],
)
def test_malformed_ideas_are_refused(body):
    with pytest.raises(ValidationError):
        IdeaDraft.model_validate(body)


def test_line_breaks_are_allowed_in_descriptions_but_not_in_titles():
    IdeaDraft.model_validate({"kind": "suggestion", "title": "Racks", "description": "One.\nTwo.\r\n\tThree."})
    with pytest.raises(ValidationError):
        IdeaDraft.model_validate({"kind": "suggestion", "title": "Ra\ncks", "description": "x"})


def test_my_vote_is_shown_only_to_signed_in_callers():
    idea = Idea.customisation(
        roadster(), CustomisationDraft(kind="customisation", options={"colour": "red"}), utc_now()
    )
    assert "my_vote" not in idea.view().model_dump(mode="json")
    assert idea.view().for_caller(None).model_dump(mode="json")["my_vote"] is None
    assert idea.view().for_caller(1).model_dump(mode="json")["my_vote"] == 1


def test_times_are_iso_8601_utc_with_milliseconds():
    now = utc_now()
    idea = Idea.customisation(roadster(), CustomisationDraft(kind="customisation", options={"colour": "red"}), now)
    shown = idea.view().model_dump(mode="json")
    assert shown["created_at"].endswith("Z")
    assert len(shown["created_at"]) == len("2026-11-22T10:00:00.123Z")
    assert now - timedelta(seconds=1) < idea.created_at <= now


def test_a_title_made_of_many_options_is_cut_to_the_120_characters_a_title_may_have():
    from chalicelib.domain.ideas import describe

    title = describe({f"dimension {n}": "a value long enough" for n in range(10)})
    assert len(title) == 120
    assert title.startswith("dimension 0: a value long enough, dimension 1:")


def test_one_customisation_of_two_products_is_two_ideas_each_with_its_products_thresholds():
    from chalicelib.domain.catalogue import Product, ProductDraft
    from chalicelib.domain.ideas import CustomisationDraft, Idea
    from chalicelib.domain.text import utc_now

    draft = CustomisationDraft(kind="customisation", options={"colour": "red"})
    made = [
        Idea.customisation(
            Product.from_draft(
                ProductDraft(product_id=product_id, name="P", options={"colour": ["red"]}, thresholds=thresholds),
                utc_now(),
            ),
            draft,
            utc_now(),
        )
        for product_id, thresholds in (("roadster", [5]), ("coupe", [10, 100]))
    ]
    assert made[0].idea_id != made[1].idea_id
    assert [i.thresholds for i in made] == [[5], [10, 100]]


@pytest.mark.parametrize(
    ("options", "idea_id"),
    [({"colour": "red"}, "cvvwh2ndj73iweoo4"), ({"colour": "Grün", "interior": "cork"}, "c3tlwj7ebqcciziln")],
)
def test_a_customisations_id_never_changes_between_versions(options, idea_id):
    # Stored ideas carry it: were it to change, a request already made would come back as a new, split idea.
    from chalicelib.domain.ideas import customisation_id

    assert customisation_id("roadster", options) == idea_id
    assert customisation_id("roadster", {k.upper(): v.upper() for k, v in reversed(options.items())}) == idea_id


@pytest.mark.parametrize(
    "draft",
    [
        CustomisationDraft(kind="customisation", options={"colour": "red"}),
        SuggestionDraft(kind="suggestion", title="Cup holder", description="Two, in the console."),
    ],
    ids=["customisation", "suggestion"],
)
def test_an_idea_keeps_its_products_vote_budget_and_the_most_units_one_customer_may_commit_to(draft):
    from chalicelib.domain.catalogue import Product, ProductDraft

    product = Product.from_draft(
        ProductDraft(
            product_id="roadster", name="R", options={"colour": ["red"]}, vote_budget=3, max_units_per_customer=4
        ),
        utc_now(),
    )
    make = Idea.customisation if isinstance(draft, CustomisationDraft) else Idea.suggestion
    idea = make(product, draft, utc_now())
    assert (idea.vote_budget, idea.max_units_per_customer) == (3, 4)


def test_an_ideas_summary_carries_its_counts_and_a_weeks_gain_only_when_told_it():
    idea = Idea.customisation(
        roadster(), CustomisationDraft(kind="customisation", options={"colour": "red"}), utc_now()
    ).model_copy(update={"up": 5, "down": 1, "units": 7, "committers": 3, "priced": 2})
    summary = idea.summary()
    assert (summary.up, summary.down, summary.units, summary.committers, summary.priced) == (5, 1, 7, 3, 2)
    assert summary.gained_7d == 0
    assert idea.summary(gained_7d=4).gained_7d == 4


def test_an_ideas_view_shows_what_its_author_wrote_and_the_teams_response():
    draft = SuggestionDraft(kind="suggestion", title="Cup holders", description="Two, please.")
    idea = Idea.suggestion(roadster(), draft, utc_now(), author_id="ada")
    assert (idea.author_id, idea.options) == ("ada", None)
    view = idea.model_copy(update={"response": "Next spring."}).view()
    assert (view.title, view.description, view.options, view.response) == (
        "Cup holders",
        "Two, please.",
        None,
        "Next spring.",
    )
    chosen = CustomisationDraft(kind="customisation", options={"colour": "red"})
    assert Idea.customisation(roadster(), chosen, utc_now(), author_id="bo").view().options == {"Colour": "red"}
