"""Similar ideas: each method tried, on the labelled duplicates (tests/data), alone and among 10,000 ideas; then the
chosen one through the service, warm, against moto in-process.

The 10,000 are the labelled ideas and generated ones: titles and descriptions of words drawn at random from the
labelled ideas' own words. They share the real ideas' vocabulary without being any of them, so they are harder
to tell apart than real ideas would be: the recall among them is a floor.
"""

from __future__ import annotations

import csv
import difflib
import math
import random
import statistics
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from chalicelib.similar import Document, SimilarIndex, stem, words

DATA = Path(__file__).parent.parent / "tests" / "data"
IDEAS = 10_000
K1, B = 1.2, 0.75


class Method(Protocol):
    def search(self, text: str, limit: int) -> list[tuple[str, float]]: ...


def labelled() -> tuple[list[Document], list[tuple[str, str]]]:
    with (DATA / "ideas.csv").open() as ideas, (DATA / "duplicates.csv").open() as duplicates:
        documents = [Document(row["key"], row["title"], row["description"]) for row in csv.DictReader(ideas)]
        queries = [(row["query"], row["duplicates"]) for row in csv.DictReader(duplicates)]
    return documents, queries


def generated(documents: Sequence[Document], count: int) -> list[Document]:
    rng = random.Random(7)
    vocabulary = [w for d in documents for w in f"{d.title} {d.description}".lower().split()]

    def salad(least: int, most: int) -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(rng.randint(least, most)))

    return [Document(f"x{n:05d}", salad(2, 5).capitalize(), salad(6, 18)) for n in range(count)]


def _text(document: Document) -> str:
    return f"{document.title} {document.title} {document.description or ''}"


class Bm25:
    """BM25 over the words `tokens` makes of a text, without corrections: the baselines."""

    def __init__(self, documents: Sequence[Document], tokens: Callable[[str], list[str]]) -> None:
        self.tokens = tokens
        self.ids = [d.idea_id for d in documents]
        texts = [tokens(_text(d)) for d in documents]
        self.lengths = [len(t) for t in texts]
        self.average = sum(self.lengths) / len(texts)
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for n, text in enumerate(texts):
            for term, count in Counter(text).items():
                self.postings[term].append((n, count))

    def search(self, text: str, limit: int) -> list[tuple[str, float]]:
        scores: dict[int, float] = defaultdict(float)
        for term in set(self.tokens(text)):
            posting = self.postings.get(term, [])
            idf = math.log(1 + (len(self.ids) - len(posting) + 0.5) / (len(posting) + 0.5))
            for n, c in posting:
                scores[n] += idf * c * (K1 + 1) / (c + K1 * (1 - B + B * self.lengths[n] / self.average))
        best = sorted(scores.items(), key=lambda s: -s[1])[:limit]
        return [(self.ids[n], s) for n, s in best]


class Grams:
    """TF-IDF cosine over the character n-grams of each word."""

    def __init__(self, documents: Sequence[Document], n: int) -> None:
        self.n = n
        self.ids = [d.idea_id for d in documents]
        vectors = [self.grams(_text(d)) for d in documents]
        frequency = Counter(g for v in vectors for g in v)
        self.idf = {g: math.log(len(documents) / c) for g, c in frequency.items()}
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.norms = []
        for number, vector in enumerate(vectors):
            weights = {g: c * self.idf[g] for g, c in vector.items()}
            self.norms.append(math.sqrt(sum(w * w for w in weights.values())) or 1.0)
            for g, w in weights.items():
                self.postings[g].append((number, w))

    def grams(self, text: str) -> Counter[str]:
        found: Counter[str] = Counter()
        for word in words(text):
            padded = f" {word} "
            found.update(padded[i : i + self.n] for i in range(len(padded) - self.n + 1))
        return found

    def search(self, text: str, limit: int) -> list[tuple[str, float]]:
        scores: dict[int, float] = defaultdict(float)
        for g, c in self.grams(text).items():
            for number, w in self.postings.get(g, []):
                scores[number] += c * self.idf[g] * w
        best = sorted(((n, s / self.norms[n]) for n, s in scores.items()), key=lambda s: -s[1])[:limit]
        return [(self.ids[n], s) for n, s in best]


class FuzzyTokens:
    """Fuzzy token-set matching (difflib's ratio over the sorted words each side holds), against every idea."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self.documents = [(d.idea_id, set(words(_text(d)))) for d in documents]

    def search(self, text: str, limit: int) -> list[tuple[str, float]]:
        query = set(words(text))

        def ratio(tokens: set[str]) -> float:
            common = " ".join(sorted(query & tokens))
            a, b = f"{common} {' '.join(sorted(query - tokens))}", f"{common} {' '.join(sorted(tokens - query))}"
            return max(
                difflib.SequenceMatcher(None, common, a).ratio() if common else 0.0,
                difflib.SequenceMatcher(None, common, b).ratio() if common else 0.0,
                difflib.SequenceMatcher(None, a, b).ratio(),
            )

        scored = sorted(((idea_id, ratio(tokens)) for idea_id, tokens in self.documents), key=lambda s: -s[1])
        return scored[:limit]


METHODS: dict[str, Callable[[Sequence[Document]], Method]] = {
    "BM25, words as written": lambda d: Bm25(d, words),
    "BM25, stemmed words": lambda d: Bm25(d, lambda t: [stem(w) for w in words(t)]),
    "BM25, stemmed, misspellings read as the nearest word (chosen)": SimilarIndex,
    "character 3-grams, TF-IDF cosine": lambda d: Grams(d, 3),
    "character 4-grams, TF-IDF cosine": lambda d: Grams(d, 4),
    "fuzzy token set (difflib)": FuzzyTokens,
}
TOO_SLOW_AT_10K = {"fuzzy token set (difflib)"}


def evaluate(method: Method, queries: Sequence[tuple[str, str]]) -> dict[str, float]:
    ranks, latencies = [], []
    for query, wanted in queries:
        started = time.perf_counter()
        found = [idea_id for idea_id, _ in method.search(query, 5)]
        latencies.append((time.perf_counter() - started) * 1000)
        ranks.append(found.index(wanted) if wanted in found else None)
    latencies.sort()
    return {
        "recall_at_5": sum(r is not None for r in ranks) / len(ranks),
        "mrr": sum(1 / (r + 1) for r in ranks if r is not None) / len(ranks),
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(0.95 * len(latencies))],
    }


def built(make: Callable[[Sequence[Document]], Method], documents: Sequence[Document]) -> tuple[Method, float, float]:
    """The method's index, the seconds it took to build and the megabytes it holds (from a second build, traced:
    tracing slows building)."""
    stem.cache_clear()  # as in a cold function: every word stemmed afresh
    started = time.perf_counter()
    method = make(documents)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    again = make(documents)
    megabytes = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    del again
    return method, seconds, megabytes


def methods() -> list[dict[str, Any]]:
    documents, queries = labelled()
    many = [*documents, *generated(documents, IDEAS - len(documents))]
    stem("warm")  # the stemmer's import is a cold start's, not an index's
    rows = []
    for name, make in METHODS.items():
        row: dict[str, Any] = {"method": name, "labelled": evaluate(make(documents), queries)}
        if name not in TOO_SLOW_AT_10K:
            method, seconds, megabytes = built(make, many)
            row["at_10k"] = {**evaluate(method, queries), "build_seconds": seconds, "megabytes": megabytes}
        rows.append(row)
    return rows


def through_the_service(ideas: int = IDEAS) -> dict[str, Any]:
    """The chosen method through SimilarService at `ideas` ideas, against moto in-process: the first search (the
    index built from the table), warm ones (the product read, the search, its candidates read), and a refresh (the
    Query for new ideas, at most once a second a function: timed apart, as moto reads the whole table for it)."""
    from bench.capacity import put_all, world
    from chalicelib import wiring
    from chalicelib.domain.catalogue import ProductDraft
    from chalicelib.domain.ideas import Idea, SuggestionDraft
    from chalicelib.store.ideas import idea_item

    documents, queries = labelled()
    many = [*documents, *generated(documents, ideas - len(documents))]
    with world() as (_, meter):
        services = wiring.services()
        table = services.catalogue.products.table
        with meter.paused():
            product = services.catalogue.create(ProductDraft(product_id="p", name="P"))
            start = datetime(2026, 11, 1, tzinfo=UTC)
            items = [
                idea_item(
                    Idea.suggestion(
                        product,
                        SuggestionDraft(kind="suggestion", title=d.title[:120], description=d.description or "-"),
                        start + timedelta(seconds=n),
                    )
                )
                for n, d in enumerate(many)
            ]
            put_all(table, items)
        service = services.similar
        service.refresh = 3600.0
        started = time.perf_counter()
        service.similar("p", "roof box", 5)
        first = time.perf_counter() - started
        building = meter.take()
        latencies = []
        for query, _ in queries:
            started = time.perf_counter()
            service.similar("p", query, 5)
            latencies.append((time.perf_counter() - started) * 1000)
        searching = meter.take()
        service.refresh = 0.0
        service.similar("p", "roof box", 5)
        refreshing = meter.take()  # a search with its refresh
    latencies.sort()
    return {
        "ideas": ideas,
        "first_seconds": first,
        "first_rcu": building.read_units,
        "first_calls": dict(building.calls),
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(0.95 * len(latencies))],
        "calls_per_search": {k: v / len(queries) for k, v in sorted(searching.calls.items())},
        "rcu_per_search": searching.read_units / len(queries),
        "refresh_calls": dict(refreshing.calls),
        "refresh_rcu": refreshing.read_units,
    }
