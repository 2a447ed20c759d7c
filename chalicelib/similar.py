"""Which of a product's ideas a customer's words are most like, so that they find the existing idea before they
write a new one.

BM25 over stemmed words (Snowball's English stemmer), an idea's title counted twice beside its description. A word
of the query that no idea uses is read as the nearest word that one does use, within one edit in a short word and
two in a longer one (two letters swapped are one edit): "seets" finds seats. Chosen by measurement against
character n-grams and fuzzy token matching, on labelled duplicates: `python -m bench similar`, and the README.

The index lives in the function's memory: a product of 10,000 ideas takes under a second to index and about 10 MB.
"""

from __future__ import annotations

import functools
import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import NamedTuple

# BM25's usual constants: how soon a repeated word stops adding, and how much a long text is discounted.
K1 = 1.2
B = 0.75
TITLE_WEIGHT = 2
# A longer "word" is a code, a number or keys mashed: found as it is, never corrected, nor a correction.
LONGEST_WORD = 30

_WORD = re.compile(r"[^\W_]+")
# Words that say nothing of what an idea is about: searched for, they would only add noise.
STOP_WORDS = frozenset(
    """a an and are as at be but by can could do for from had has have i if in into is it its just like make me
    more my no not of on or our please pls should so than that the their them then there these they this those to
    us very was we were will with would you your""".split()  # noqa: SIM905 - a list literal would run to 70 lines
)


@functools.cache
def _stemmer() -> Callable[[str], str]:
    import snowballstemmer  # here: the first search loads it (16 ms, every language), not every cold start

    stem: Callable[[str], str] = snowballstemmer.stemmer("english").stemWord
    return stem


@functools.lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    return _stemmer()(word)


def words(text: str) -> list[str]:
    """The words of `text` that say something: letters and digits, folded to lower case, without stop words."""
    return [w for w in _WORD.findall(text.casefold()) if w not in STOP_WORDS]


def edits(a: str, b: str, most: int) -> int:
    """The optimal string alignment distance between `a` and `b` (insertions, deletions, substitutions and swaps of
    neighbours), or `most + 1` as soon as it is sure to be more than `most`. Only the band of `most` on each side of
    the diagonal is computed: nothing outside it can be within `most`."""
    if abs(len(a) - len(b)) > most:
        return most + 1
    far = most + 1
    before: list[int] = []
    row = [j if j <= most else far for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        earlier, before, row = before, row, [i if i <= most else far] + [far] * len(b)
        for j in range(max(1, i - most), min(len(b), i + most) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(before[j] + 1, row[j - 1] + 1, before[j - 1] + cost, far)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], earlier[j - 2] + 1)
        if min(row) > most:
            return far
    return row[-1]


def _grams(word: str) -> set[str]:
    padded = f" {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class Document(NamedTuple):
    idea_id: str
    title: str
    description: str | None


class SimilarIndex:
    """An index of ideas' words, to which ideas are added as they come; ideas are never taken out (a search's
    answer is checked against the ideas as they are, and an index is rebuilt from time to time)."""

    ideas: list[str]
    known: set[str]
    lengths: list[int]
    postings: dict[str, list[tuple[int, int]]]  # stem -> (idea number, count)
    spellings: dict[str, str]  # every word the ideas use -> its stem
    grams: dict[str, set[str]]  # three letters -> the words that hold them

    def __init__(self, documents: Iterable[Document] = ()) -> None:
        self.ideas = []
        self.known = set()
        self.lengths = []
        self.total_length = 0
        self.postings = defaultdict(list)
        self.spellings = {}
        self.grams = defaultdict(set)
        for document in documents:
            self.add(document)

    def __len__(self) -> int:
        return len(self.ideas)

    def add(self, document: Document) -> None:
        """Index an idea, once: an idea already in the index is left as it is."""
        if document.idea_id in self.known:
            return
        text = words(document.title) * TITLE_WEIGHT + words(document.description or "")
        for word in text:
            if word not in self.spellings:
                self.spellings[word] = stem(word)
                for gram in _grams(word) if len(word) <= LONGEST_WORD else ():
                    self.grams[gram].add(word)
        number = len(self.ideas)
        for term, n in Counter(self.spellings[word] for word in text).items():
            self.postings[term].append((number, n))
        self.ideas.append(document.idea_id)
        self.known.add(document.idea_id)
        self.lengths.append(len(text))
        self.total_length += len(text)

    def search(self, text: str, limit: int, exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
        """The `limit` ideas most like `text`, best first, each with a score from 0 (nothing in common) to 1 (every
        word of `text` in its title); ideas of `exclude` left out."""
        terms = self.terms(text)
        if not terms or not self.ideas:
            return []
        average = self.total_length / len(self.ideas)
        scores: dict[int, float] = defaultdict(float)
        most = 0.0  # what an idea holding each term once, at the average length, scores
        for term in terms:
            posting = self.postings.get(term, [])
            idf = math.log(1 + (len(self.ideas) - len(posting) + 0.5) / (len(posting) + 0.5))
            most += idf
            for number, n in posting:
                scores[number] += idf * n * (K1 + 1) / (n + K1 * (1 - B + B * self.lengths[number] / average))
        left_out = set(exclude)
        best = heapq.nlargest(limit + len(left_out), scores.items(), key=lambda scored: scored[1])
        found = [(self.ideas[number], min(1.0, round(score / most, 3))) for number, score in best]
        return [(idea_id, score) for idea_id, score in found if idea_id not in left_out][:limit]

    def terms(self, text: str) -> set[str]:
        """The stems `text` is searched by: its words' stems, or for a word the ideas never use, the stem of the
        nearest word they do use (when there is one near enough)."""
        terms = set()
        for word in words(text):
            term = stem(word)
            if term not in self.postings:
                term = self._nearest(word) or term
            terms.add(term)
        return terms

    def _nearest(self, word: str) -> str | None:
        """The stem of the word the ideas use that is nearest `word`: one edit away for a word of three to five
        letters, two for a longer one; the most used of those equally near."""
        if not 3 <= len(word) <= LONGEST_WORD:
            return None
        most = 1 if len(word) <= 5 else 2
        sharing = Counter(other for gram in _grams(word) for other in self.grams.get(gram, ()))
        near = [
            (distance, -len(self.postings[self.spellings[other]]), other)
            for other, _shared in sharing.most_common(50)
            if (distance := edits(word, other, most)) <= most
        ]
        return self.spellings[min(near)[2]] if near else None
