"""How well VADER labels product feedback: tests/data/sentiment.csv, 150 sentences written for this (50 each of
positive, neutral and negative, with negation, sarcasm and emoji), scored as the function scores a comment."""

from __future__ import annotations

import csv
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent.parent / "tests" / "data" / "sentiment.csv"
LABELS = ("positive", "neutral", "negative")


def labelled() -> list[dict[str, str]]:
    with DATA.open(newline="", encoding="utf-8") as rows:
        return list(csv.DictReader(rows))


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    """The mean over labels of F1 (the harmonic mean of precision and recall): each label counts alike."""
    scores = []
    for label in LABELS:
        true_positive = sum(1 for want, got in pairs if want == got == label)
        predicted = sum(1 for _, got in pairs if got == label)
        actual = sum(1 for want, _ in pairs if want == label)
        precision = true_positive / predicted if predicted else 0.0
        recall = true_positive / actual if actual else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return statistics.fmean(scores)


def measure() -> dict[str, Any]:
    started = time.perf_counter()
    from chalicelib.sentiment import _analyzer, vader

    _analyzer()
    load_ms = (time.perf_counter() - started) * 1000
    rows = labelled()
    started = time.perf_counter()
    pairs = [(row["label"], vader(row["text"]).label.value) for row in rows]
    per_comment_ms = (time.perf_counter() - started) * 1000 / len(rows)
    kinds: dict[str, list[tuple[str, str]]] = {}
    for row, pair in zip(rows, pairs, strict=True):
        kinds.setdefault(row["kind"], []).append(pair)
    return {
        "sentences": len(rows),
        "accuracy": sum(want == got for want, got in pairs) / len(pairs),
        "macro_f1": macro_f1(pairs),
        "by_kind": {kind: (sum(w == g for w, g in ps), len(ps)) for kind, ps in sorted(kinds.items())},
        "confusion": Counter(pairs),
        "load_ms": load_ms,
        "per_comment_ms": per_comment_ms,
    }
