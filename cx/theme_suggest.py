"""Suggest new themes from the comments that no theme matched, offline, with NumPy alone.

The untagged comments become TF-IDF vectors over their words and two-word phrases
(common English words left out); non-negative matrix factorisation (Lee and
Seung's multiplicative updates, a fixed seed, so the same comments give the same
suggestions) finds a few groups of words that occur together. Each group is
offered with its top words as phrases, the comments it explains best as
examples and how many comments those are. An analyst accepts (and may rename or
edit) a suggestion, or rejects it (`cx.themes`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from cx.store import Store

MAX_COMMENTS = 3000
SEED = 17
_TOKEN = re.compile(r"[a-z][a-z'\-]+")
STOP_WORDS = frozenset([
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "been", "before", "being", "but", "by", "can", "could", "did", "do", "does", "doing", "don't",
    "done", "each", "even", "for", "from", "get", "got", "had", "has", "have", "having", "he", "her",
    "here", "his", "how", "i", "i'd", "i'm", "i've", "if", "in", "into", "is", "it", "it's", "its",
    "just", "me", "more", "most", "my", "no", "nor", "not", "now", "of", "off", "on", "once", "one",
    "only", "or", "other", "our", "out", "over", "own", "same", "she", "should", "so", "some", "still",
    "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those",
    "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when",
    "where", "which", "while", "who", "why", "will", "with", "would", "you", "your", "yours", "really",
    "thank", "thanks", "much", "many", "day", "days", "week", "weeks", "month", "months", "time",
    "times",
])


@dataclass(frozen=True)
class Suggestion:
    label: str
    phrases: list[str]
    examples: list[str]
    comments: int


def _terms(text: str) -> list[str]:
    words = [w.strip("'-") for w in _TOKEN.findall(text.lower())]
    words = [w for w in words if len(w) > 2 and w not in STOP_WORDS]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def tfidf(texts: list[str], counts: np.ndarray, *, min_comments: int = 3) -> tuple[np.ndarray, list[str]]:
    """A TF-IDF matrix (texts x terms, rows scaled to length 1) and its terms.

    `counts` says how many comments each distinct text stands for; terms in fewer
    than `min_comments` comments are dropped.
    """
    tokenised = [_terms(t) for t in texts]
    document_frequency: dict[str, float] = {}
    for terms, weight in zip(tokenised, counts, strict=True):
        for term in set(terms):
            document_frequency[term] = document_frequency.get(term, 0) + weight
    vocabulary = sorted(t for t, f in document_frequency.items() if f >= min_comments)
    index = {t: i for i, t in enumerate(vocabulary)}
    matrix = np.zeros((len(texts), len(vocabulary)))
    for row, terms in enumerate(tokenised):
        for term in terms:
            if term in index:
                matrix[row, index[term]] += 1.0
    total = float(counts.sum())
    idf = np.log((1 + total) / (1 + np.array([document_frequency[t] for t in vocabulary]))) + 1
    matrix *= idf
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms), vocabulary


def nmf(matrix: np.ndarray, k: int, *, iterations: int = 200,
        seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Factorise a non-negative matrix V ~ W H with k parts (multiplicative updates, Frobenius norm)."""
    rng = np.random.default_rng(seed)
    scale = np.sqrt(max(matrix.mean(), 1e-9) / k)
    w = rng.random((matrix.shape[0], k)) * scale
    h = rng.random((k, matrix.shape[1])) * scale
    for _ in range(iterations):
        h *= (w.T @ matrix) / (w.T @ w @ h + 1e-9)
        w *= (matrix @ h.T) / (w @ h @ h.T + 1e-9)
    return w, h


def suggest(untagged: pd.DataFrame, *, k: int = 8, top_terms: int = 5) -> list[Suggestion]:
    """Groups of the untagged comments (columns text, comments), biggest first.

    Returns fewer than k suggestions (or none) when there are too few comments or
    words to group; a group that explains no comment best is left out.
    """
    if len(untagged) < 2:
        return []
    texts = untagged["text"].astype(str).tolist()
    counts = untagged["comments"].to_numpy(dtype=float)
    matrix, vocabulary = tfidf(texts, counts)
    if not vocabulary:
        return []
    k = min(k, len(vocabulary), len(texts))
    weights, parts = nmf(matrix * np.log1p(counts)[:, None], k)
    best = weights.argmax(axis=1)
    explained = weights.max(axis=1) > 1e-6
    found = []
    for part in range(k):
        members = np.flatnonzero((best == part) & explained)
        if members.size == 0:
            continue
        terms = [vocabulary[i] for i in np.argsort(-parts[part])[:top_terms] if parts[part, i] > 0]
        if not terms:
            continue
        order = members[np.argsort(-weights[members, part])]
        found.append(Suggestion(label=" / ".join(terms[:2]), phrases=terms,
                                examples=[texts[i] for i in order[:3]], comments=int(counts[members].sum())))
    return sorted(found, key=lambda s: -s.comments)


def refresh_suggestions(store: Store, *, now: datetime, k: int = 8) -> int:
    """Group the comments no theme matches and replace the undecided suggestions; return how many."""
    found = suggest(store.themes.untagged_texts(MAX_COMMENTS), k=k)
    store.themes.replace_open_suggestions(
        [(s.label, s.phrases, s.examples, s.comments) for s in found], now=now)
    return len(found)
