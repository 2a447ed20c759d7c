"""Demo data for the local stack, entered through the same services the API uses."""

from __future__ import annotations

from chalicelib.domain.catalogue import ProductDraft
from chalicelib.domain.commitments import CommitmentBody
from chalicelib.domain.ideas import CustomisationDraft, SuggestionDraft
from chalicelib.domain.voting import VoteValue
from chalicelib.identity import PRODUCT_TEAM, Caller
from chalicelib.wiring import Services

PRODUCT_TEAM_MEMBER = "demo-pat"
CUSTOMERS = ("demo-ada", "demo-bo", "demo-cy", "demo-dee", "demo-eli")

PRODUCTS = [
    ProductDraft(
        product_id="roadster",
        name="Roadster EV",
        description="A two-seat electric roadster.",
        options={
            "colour": ["matte green", "midnight blue", "pearl white", "signal red"],
            "interior": ["cork", "recycled leather", "wool"],
            "wheels": ["18-inch aero", "19-inch sport"],
        },
    ),
    ProductDraft(
        product_id="trail-shoe",
        name="Trail running shoe",
        options={"colour": ["moss", "slate", "sunrise"], "sole": ["grippy", "cushioned"]},
        vote_budget=5,
    ),
    ProductDraft(
        product_id="desk-lamp",
        name="Desk lamp",
        options={"finish": ["brass", "matte black", "oak"], "light": ["warm", "daylight"]},
    ),
]

# (author, product, idea)
IDEAS = [
    (
        "demo-ada",
        "roadster",
        CustomisationDraft(kind="customisation", options={"colour": "matte green", "interior": "cork"}),
    ),
    (
        "demo-bo",
        "roadster",
        CustomisationDraft(kind="customisation", options={"colour": "signal red", "wheels": "19-inch sport"}),
    ),
    (
        "demo-cy",
        "roadster",
        CustomisationDraft(
            kind="customisation",
            options={"colour": "pearl white", "interior": "wool"},
            title="A winter roadster",
            description="Wool seats stay warm with the roof down.",
        ),
    ),
    (
        "demo-dee",
        "roadster",
        SuggestionDraft(
            kind="suggestion",
            title="A roof rack for two surfboards",
            description="Weekend trips to the coast need boards.",
        ),
    ),
    (
        "demo-eli",
        "roadster",
        SuggestionDraft(
            kind="suggestion", title="Heated steering wheel", description="Cold mornings are the only downside."
        ),
    ),
    ("demo-ada", "trail-shoe", CustomisationDraft(kind="customisation", options={"colour": "moss", "sole": "grippy"})),
    (
        "demo-bo",
        "trail-shoe",
        SuggestionDraft(kind="suggestion", title="Half sizes", description="Between 42 and 43 neither fits well."),
    ),
    ("demo-cy", "desk-lamp", CustomisationDraft(kind="customisation", options={"finish": "oak", "light": "warm"})),
    (  # the roof rack again, in other words: a duplicate for the team to merge
        "demo-bo",
        "roadster",
        SuggestionDraft(
            kind="suggestion", title="Roof bars to carry a surfboard", description="Bars on the roof for my board."
        ),
    ),
]


# (voter, index into IDEAS, vote)
VOTES: list[tuple[str, int, VoteValue]] = [
    ("demo-bo", 0, 1),
    ("demo-cy", 0, 1),
    ("demo-dee", 0, 1),
    ("demo-eli", 0, -1),
    ("demo-ada", 1, -1),
    ("demo-cy", 1, 1),
    ("demo-ada", 2, 1),
    ("demo-bo", 3, 1),
    ("demo-cy", 3, 1),
    ("demo-ada", 4, 1),
    ("demo-bo", 5, 1),
    ("demo-ada", 6, 1),
    ("demo-dee", 7, 1),
    ("demo-eli", 8, 1),
]


# (supporter, index into IDEAS, units, the most they would pay for one): each beside an up-vote above.
COMMITMENTS: list[tuple[str, int, int, float | None]] = [
    ("demo-ada", 0, 1, 52000),
    ("demo-bo", 0, 2, 48500),
    ("demo-cy", 0, 1, None),
    ("demo-cy", 1, 1, 45000),
    ("demo-ada", 2, 1, None),
]


# (writer, index into IDEAS, text): the roadster's conversation. Eli's complaint waits in the attention queue;
# Cy's was answered by the team's reply after it.
COMMENTS: list[tuple[str, int, str]] = [
    ("demo-bo", 0, "Matte green with cork would look fantastic. I love it!"),
    ("demo-cy", 4, "The steering wheel is freezing every morning, this is awful."),
    (PRODUCT_TEAM_MEMBER, 4, "Thanks for telling us: we are testing a heated rim this winter."),
    ("demo-eli", 0, "Matte paint is terrible to keep clean. Disappointing choice."),
    ("demo-dee", 3, "Would the rack fit a 9-foot longboard?"),
]


def seed(services: Services) -> None:
    for product in PRODUCTS:
        services.catalogue.create(product)
    ideas = [services.ideas.submit(author, product_id, idea).view.idea_id for author, product_id, idea in IDEAS]
    for voter, idea, value in VOTES:
        services.voting.cast(voter, ideas[idea], value)
    for supporter, idea, units, price in COMMITMENTS:
        services.voting.commit(supporter, ideas[idea], CommitmentBody(quantity=units, max_unit_price=price))
    for writer, idea, text in COMMENTS:
        groups = frozenset({PRODUCT_TEAM}) if writer == PRODUCT_TEAM_MEMBER else frozenset()
        services.comments.post(Caller(writer, groups), ideas[idea], text)
