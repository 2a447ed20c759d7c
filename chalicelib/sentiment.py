"""How a comment feels, scored in the function as it is written.

VADER (the default) is a lexicon of English words and rules for negation, intensifiers and punctuation: it needs
no model and no call, and reads English only. Its lexicon is loaded on the first comment a warm function scores,
so no other request pays for it. Amazon Comprehend (`COCREATE_SENTIMENT=comprehend`) reads a dozen languages,
costs a call (and a fee) per comment, and answers with probabilities rather than a compound score.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.comments import Feeling, Sentiment, feeling
from chalicelib.observability import count, logger

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

# DetectSentiment takes at most 5,000 bytes of UTF-8; a comment may be longer (2,000 characters of up to 4).
COMPREHEND_MAX_BYTES = 5000
_COMPREHEND_LABELS = {
    "POSITIVE": Feeling.POSITIVE,
    "NEGATIVE": Feeling.NEGATIVE,
    "NEUTRAL": Feeling.NEUTRAL,
    "MIXED": Feeling.NEUTRAL,  # as many reasons to be glad as not: nothing to answer first
}


class Scorer(Protocol):
    def __call__(self, text: str) -> Sentiment: ...


@functools.cache
def _analyzer() -> SentimentIntensityAnalyzer:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # 25 ms and a 430 KB lexicon: on first use

    return SentimentIntensityAnalyzer()


def vader(text: str) -> Sentiment:
    """VADER's compound score, from -1 to 1, and its label (±0.05 and beyond is a feeling)."""
    score = float(_analyzer().polarity_scores(text)["compound"])
    return Sentiment(label=feeling(score), score=score)


class Comprehend:
    """Amazon Comprehend's DetectSentiment, in one language. Its score is the probability of positive less
    that of negative; the label is Comprehend's own (mixed reads as neutral). When Comprehend fails, VADER
    scores the comment: a comment is never lost to a sentiment service."""

    def __init__(self, client: Any, language: str) -> None:
        self.client = client
        self.language = language

    def __call__(self, text: str) -> Sentiment:
        clipped = text.encode()[:COMPREHEND_MAX_BYTES].decode(errors="ignore")
        try:
            answer = self.client.detect_sentiment(Text=clipped, LanguageCode=self.language)
        except Exception as error:  # throttled, unreachable, a language it does not take: score it anyway
            count("SentimentFallbacks")
            logger.warning("Comprehend failed; VADER scored the comment", extra={"error": type(error).__name__})
            return vader(text)
        chances = answer["SentimentScore"]
        score = max(-1.0, min(1.0, float(chances["Positive"]) - float(chances["Negative"])))
        return Sentiment(label=_COMPREHEND_LABELS[answer["Sentiment"]], score=score)
