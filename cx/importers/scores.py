"""Score answers as survey tools write them: numbers, labels, or both ("10 - Extremely likely").

Each scored role has a scale. An answer becomes a whole number on that scale, or
None for no answer ("N/A", "Don't know", blank): no answer is never zero. Anything
else is refused with a reason that names the scale. "Don't know" is also told apart
(`is_dont_know`): the Friends and Family Test counts it among its answers.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

NO_ANSWER = frozenset({
    "", "n/a", "na", "n.a.", "-", "not applicable", "don't know", "dont know", "do not know",
    "no answer", "prefer not to say", "no opinion", "unfamiliar", "keine angabe", "not answered",
})

# "Don't know" in its usual spellings (after `normalise_label`): a no-answer word, but one that the
# Friends and Family Test counts among all answers (its % positive is over every answer given).
DONT_KNOW = frozenset({"don't know", "dont know", "do not know"})

_AGREE5 = {"strongly disagree": 1, "disagree": 2, "neither agree nor disagree": 3, "agree": 4,
           "strongly agree": 5}
_AGREE7 = {"strongly disagree": 1, "disagree": 2, "somewhat disagree": 3, "neither agree nor disagree": 4,
           "somewhat agree": 5, "agree": 6, "strongly agree": 7}
_EASE5 = {"very difficult": 1, "difficult": 2, "neither easy nor difficult": 3, "easy": 4, "very easy": 5}
_SATISFACTION = {"very dissatisfied": 1, "dissatisfied": 2, "neither satisfied nor dissatisfied": 3,
                 "satisfied": 4, "very satisfied": 5, "very poor": 1, "poor": 2, "fair": 3,
                 "average": 3, "good": 4, "very good": 5, "excellent": 5}
# NHS Friends and Family Test answers, old and current wording.
_FFT = {"extremely unlikely": 1, "unlikely": 2, "neither likely nor unlikely": 3, "likely": 4,
        "extremely likely": 5, "very poor": 1, "poor": 2, "neither good nor poor": 3, "good": 4,
        "very good": 5}
# GovMetric-style feedback: three faces, poor / average / good.
_GOVMETRIC = {"poor": 1, "average": 2, "good": 3, "negative": 1, "neutral": 2, "positive": 3}
_NPS_ENDS = {"not at all likely": 0, "not likely at all": 0, "extremely likely": 10}


@dataclass(frozen=True)
class Scale:
    role: str
    low: int
    high: int
    labels: dict[str, int]
    name: str

    def describe(self) -> str:
        return f"a score from {self.low} to {self.high}"


SCALES: dict[str, Scale] = {
    "nps": Scale("nps", 0, 10, _NPS_ENDS, "likelihood to recommend, 0 to 10"),
    "csat": Scale("csat", 1, 5, _SATISFACTION, "satisfaction, 1 to 5"),
    "ces5": Scale("ces", 1, 5, {**_AGREE5, **_EASE5}, "effort, 1 to 5"),
    "ces7": Scale("ces", 1, 7, _AGREE7, "effort, 1 to 7"),
    "fft": Scale("fft", 1, 5, _FFT, "Friends and Family Test, 1 to 5"),
    "govmetric": Scale("govmetric", 1, 3, _GOVMETRIC, "GovMetric rating: good, average or poor"),
}

_NUMBER = re.compile(r"(?<![\d.])(\d{1,2})(?:\.0+)?(?![\d.])")
_PARENTHESISED = re.compile(r"\(\s*\d{1,2}\s*\)|\s+-\s*\d{1,2}$|^\d{1,2}\s*-\s+")


class ScoreError(ValueError):
    """An answer that is neither a score on the scale, a known label, nor a no-answer word."""


@functools.lru_cache(maxsize=8192)
def normalise_label(text: str) -> str:
    """Lower case, straight apostrophes, single spaces: how labels are compared."""
    return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").strip().lower().split())


@functools.lru_cache(maxsize=8192)
def is_no_answer(text: str) -> bool:
    """True for blanks and words that mean the person gave no score ("N/A", "Not Applicable (8)")."""
    label = normalise_label(text)
    if label in NO_ANSWER:
        return True
    bare = normalise_label(_PARENTHESISED.sub(" ", text))
    return bool(bare) and bare in NO_ANSWER


@functools.lru_cache(maxsize=8192)
def is_dont_know(text: str) -> bool:
    """True for "Don't know" in its usual spellings, with or without a code ("Don't know (6)")."""
    label = normalise_label(text)
    return label in DONT_KNOW or normalise_label(_PARENTHESISED.sub(" ", text)) in DONT_KNOW


def to_score(text: str, scale: Scale) -> int | None:
    """The answer as a whole number on the scale, or None for no answer.

    Accepts "7", "7.0", a label of the scale ("Very satisfied"), and a label
    carrying its number ("10 - Extremely likely", "Disagree (2)", "(4)", "4)").
    Raises ScoreError naming the scale for anything else, including numbers off the
    scale and labels of another scale.
    """
    if is_no_answer(text):
        return None
    label = normalise_label(text)
    if label in scale.labels:
        return scale.labels[label]
    numbers = _NUMBER.findall(label)
    if len(numbers) == 1 and re.fullmatch(r"[\d.\s()\-:a-z']*", label):
        value = int(numbers[0])
        if scale.low <= value <= scale.high:
            return value
    raise ScoreError(f"'{text}' is not {scale.describe()}")


def label_share(values: list[str], scale: Scale) -> float:
    """Share of the answered values that are labels of the scale (how a column's scale is recognised)."""
    answered = [v for v in values if not is_no_answer(v)]
    if not answered:
        return 0.0
    return sum(normalise_label(v) in scale.labels for v in answered) / len(answered)
