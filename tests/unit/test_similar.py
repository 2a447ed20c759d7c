"""Finding an idea by what a customer would write: the method, measured on labelled duplicates."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.similar import Document, SimilarIndex, edits, stem, words

DATA = Path(__file__).parent.parent / "data"


def labelled() -> tuple[list[Document], list[tuple[str, str]]]:
    with (DATA / "ideas.csv").open() as ideas, (DATA / "duplicates.csv").open() as duplicates:
        documents = [Document(row["key"], row["title"], row["description"]) for row in csv.DictReader(ideas)]
        queries = [(row["query"], row["duplicates"]) for row in csv.DictReader(duplicates)]
    return documents, queries


def test_the_labelled_duplicates_are_found_in_the_first_five_nine_times_in_ten_or_more():
    documents, queries = labelled()
    assert len(documents) >= 300 and len(queries) >= 60
    index = SimilarIndex(documents)
    ranks = [next((n for n, (key, _) in enumerate(index.search(q, 5)) if key == want), None) for q, want in queries]
    recall = sum(r is not None for r in ranks) / len(queries)
    mrr = sum(1 / (r + 1) for r in ranks if r is not None) / len(queries)
    assert recall >= 0.9, recall
    assert mrr >= 0.85, mrr


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("heatd seets in the bak", "Heated seats in the back"),  # a letter missing, one changed
        ("steerign wheel warmer", "Heated steering wheel"),  # two letters swapped
        ("charging chargers charged", "Faster charging"),  # one stem
        ("back the in seats heated", "Heated seats in the back"),  # any order
    ],
)
def test_misspelt_inflected_and_reordered_words_find_the_idea(query, title):
    index = SimilarIndex(
        [
            Document("a", "Heated seats in the back", "Warm rear seats."),
            Document("b", "Heated steering wheel", "Warm hands."),
            Document("c", "Faster charging", "Charge in twenty minutes."),
            Document("d", "Roof box", "For luggage."),
        ]
    )
    (best, _score), *_ = index.search(query, 5)
    assert best == {"Heated seats in the back": "a", "Heated steering wheel": "b", "Faster charging": "c"}[title]


def test_scores_run_from_nothing_in_common_to_every_word_in_the_title():
    index = SimilarIndex([Document("a", "Roof box", "Lockable."), Document("b", "Tow bar", "For a trailer.")])
    assert index.search("roof box", 5)[0] == ("a", 1.0)
    assert 0 < index.search("box lid", 5)[0][1] < 1.0  # half its words
    assert index.search("submarine periscope", 5) == []
    assert index.search("the and of", 5) == []  # only words that say nothing


def test_a_title_counts_more_than_a_description_and_excluded_ideas_are_left_out():
    index = SimilarIndex([Document("a", "Bike carrier", "Holds a roof box."), Document("b", "Roof box", "For bikes.")])
    assert [key for key, _ in index.search("roof box", 5)] == ["b", "a"]
    assert [key for key, _ in index.search("roof box", 5, exclude=["b"])] == ["a"]
    assert [key for key, _ in index.search("roof box", 1)] == ["b"]


def test_an_idea_added_twice_is_indexed_once():
    index = SimilarIndex([Document("a", "Roof box", None)])
    index.add(Document("a", "Roof box", None))
    assert len(index) == 1
    assert index.search("roof box", 5) == [("a", 1.0)]


def test_a_word_is_corrected_only_when_a_known_word_is_near_enough():
    index = SimilarIndex([Document("a", "Seats", None), Document("b", "Mirrors", None)])
    assert index.terms("seets") == {"seat"}  # one edit
    assert index.terms("mirorrs") == {"mirror"}  # two, in a longer word
    assert index.terms("soots") == {"soot"}  # two edits from seats: too many for five letters
    assert index.terms("se") == {"se"}  # too short to guess


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("seat", "seat", 0),
        ("seet", "seat", 1),
        ("steerign", "steering", 1),
        ("bak", "back", 1),
        ("ab", "ba", 1),  # a swap at the start
        ("ab", "xyz", 3),
        ("kitten", "sitting", 3),
        ("0" * 5000, "0" * 4999 + "1", 1),
    ],
)
def test_edits_count_insertions_deletions_substitutions_and_swaps(a, b, distance):
    assert edits(a, b, 5) == distance
    assert edits(a, b, distance) == distance
    if distance:
        assert edits(a, b, distance - 1) == distance  # more than it may be: said as one more


def test_words_fold_case_and_drop_what_says_nothing():
    assert words("The ROOF-box, please!") == ["roof", "box"]
    assert words("Größere Räder") == ["grössere", "räder"]  # casefold: ß is ss


def test_a_run_of_one_letter_is_found_as_it_is_and_never_corrected():
    index = SimilarIndex([Document("a", "Roof box", "0" * 5000), Document("b", "Tow bar", "0" * 31)])
    assert index.terms("0" * 4998) == {"0" * 4998}  # not a word: no edit table of 5,000 by 5,000
    assert index.terms("0" * 30) == {"0" * 30}  # one edit from one of 31, which is no correction either
    assert [key for key, _ in index.search("0" * 5000 + " box", 5)] == ["a"]


def osa(a: str, b: str) -> int:
    """The optimal string alignment distance, the whole table: what `edits` must agree with."""
    table = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
    return table[-1][-1]


@settings(max_examples=1000)
@given(a=st.text("abc", max_size=7), b=st.text("abc", max_size=7), most=st.integers(0, 4))
def test_edits_within_their_band_agree_with_the_whole_table(a, b, most):
    assert edits(a, b, most) == min(osa(a, b), most + 1)


def test_edits_past_the_band_are_one_more_than_allowed_and_a_swap_needs_two_letters_each_side():
    assert edits("aa", "bbbb", 2) == 3  # not 4: cells beyond the band count as one more than allowed
    assert edits("aaa", "a", 2) == 2  # no swap with a letter before the first


def test_how_far_a_correction_may_reach_grows_with_the_words_length():
    index = SimilarIndex(
        [
            Document("a", "Back mirror", "abcdefghijklmnopqrstuvwxyzabcd"),  # a word of 30 letters
            Document("b", "Mirrors", None),
        ]
    )
    assert index.terms("bak") == {"back"}  # three letters: one edit
    assert index.terms("mirrxx") == {"mirror"}  # six letters: two edits
    assert index.terms("mixxxrs") == {stem("mixxxrs")}  # three edits: too many
    assert index.terms("abcdefghijklmnopqrstuvwxyzabce") == {stem("abcdefghijklmnopqrstuvwxyzabcd")}  # thirty: yes


def test_of_two_words_as_near_the_more_used_is_the_correction():
    index = SimilarIndex([Document("a", "Seat", None), Document("b", "Seat covers", None), Document("c", "Sent", None)])
    assert index.terms("seet") == {"seat"}
    index = SimilarIndex([Document("a", "Seat", None), Document("b", "Sent", None), Document("c", "Sent back", None)])
    assert index.terms("seet") == {"sent"}


def test_scores_are_bm25s_over_what_a_query_could_score():
    # Titles count twice: "roof roof box box" (4 words) and "tow tow bar bar trailer" (5); the average is 4.5.
    index = SimilarIndex([Document("a", "Roof box", None), Document("b", "Tow bar", "For a trailer.")])
    # box: idf ln(1 + 1.5/1.5), twice in 4 words: ln 2 * 2 * 2.2 / (2 + 1.2 * (0.25 + 0.75 * 4 / 4.5));
    # over what both words could score, ln 2 + ln(1 + 2.5/0.5) for lid, which no idea has.
    assert index.search("box lid", 5) == [("a", 0.396)]
    assert index.search("trailer lid box", 5) == [("a", 0.31), ("b", 0.209)]


def test_an_empty_index_finds_nothing_and_what_is_left_out_leaves_room_for_the_next():
    assert SimilarIndex().search("roof box", 5) == []
    index = SimilarIndex([Document("a", "Bike carrier", "Holds a roof box."), Document("b", "Roof box", None)])
    assert [key for key, _ in index.search("roof box", 1, exclude=["b"])] == ["a"]


def test_a_misspelling_finds_its_word_among_many():
    fillers = [Document(f"f{n}", f"Thing{n:03d}", None) for n in range(80)]  # 80 words before it
    index = SimilarIndex([*fillers, Document("a", "Windscreen", None)])
    assert index.terms("windscren") == {stem("windscreen")}
