"""Sentiment of a comment from VADER's lexicon, which ships inside the vaderSentiment wheel.

VADER (Hutto and Gilbert, 2014) scores a text from -1 (most negative) to +1 (most
positive) with a word list and a few rules for negation, degree words, capitals
and punctuation. It reads the lexicon from its own package folder: nothing is
downloaded and no text leaves the server.

A comment counts as clearly negative at or below NEGATIVE and clearly positive at
or above POSITIVE; in between it is mixed or neutral. The thresholds are wider
than VADER's own ±0.05 so that only plain disagreements with the score reach a
person's reading list.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import pandas as pd
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

NEGATIVE = -0.5
POSITIVE = 0.5


@functools.cache
def _analyser() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def score(text: str) -> float:
    """VADER's compound score of one text, in [-1, 1]; 0.0 for text with no scored words."""
    return float(_analyser().polarity_scores(str(text))["compound"])


def score_texts(texts: Iterable[str]) -> pd.DataFrame:
    """Scores of distinct texts as a frame with columns text and sentiment."""
    analyse = _analyser().polarity_scores
    unique = list(dict.fromkeys(texts))
    return pd.DataFrame({"text": pd.Series(unique, dtype=object),
                         "sentiment": [float(analyse(t)["compound"]) for t in unique]})


def word(sentiment: float | None) -> str:
    """The sentiment in words with a symbol, never colour alone."""
    if sentiment is None or pd.isna(sentiment):
        return ""
    if sentiment <= NEGATIVE:
        return "▼ negative"
    if sentiment >= POSITIVE:
        return "▲ positive"
    return "◆ mixed or neutral"
