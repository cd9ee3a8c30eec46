"""Columns to roles: propose a mapping from names and values, then validate every data row.

Roles are the response fields PlaceCX reports on. Every column not given a role is
kept as an extra attribute (stored per response in `responses.extra`, a
MAP(VARCHAR, VARCHAR)) so later pages can filter on it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cx.importers.scores import (
    SCALES,
    ScoreError,
    is_dont_know,
    is_no_answer,
    label_share,
    normalise_label,
    to_score,
)

ROLES: tuple[str, ...] = ("response_id", "completed_at", "nps", "csat", "ces", "fft", "govmetric", "service",
                          "channel", "area", "segment", "staff", "comment")
SCORE_ROLES = ("nps", "csat", "ces", "fft", "govmetric")
TEXT_ROLES = {"service": "service", "channel": "channel", "area": "area", "segment": "segment",
              "staff": "staff_id", "comment": "comment"}
ROLE_LABELS = {
    "response_id": "Response id", "completed_at": "Completed at", "nps": "NPS (0 to 10)",
    "csat": "CSAT (1 to 5)", "ces": "CES (1 to 5 or 1 to 7)", "fft": "Friends and Family Test (1 to 5)",
    "govmetric": "GovMetric (good, average, poor)",
    "service": "Service", "channel": "Channel", "area": "Area", "segment": "Segment",
    "staff": "Staff member", "comment": "Comment",
}

# Names a tool gives the column, as `_key` normalises them, best first.
_EXACT = {
    "response_id": ["responseid", "response id", "id response id", "respondentid", "respondent id",
                    "uuid", "userid", "reference", "ref", "id", "#"],
    "completed_at": ["enddate", "end date", "submitdate date submitted", "submitdate", "completion time",
                     "submit date utc", "recordeddate", "recorded date", "submission time", "ended",
                     "timestamp", "completed at", "date submitted", "time"],
    "service": ["service", "service area", "department", "team", "surgery"],
    "channel": ["channel", "contact channel", "contact type", "contacttype", "contact method"],
    "area": ["area", "ward", "locality", "neighbourhood", "district", "postcode area"],
    "segment": ["segment", "customer segment", "customer type", "age band", "age group"],
    "staff": ["staff", "staff id", "staff member", "agent", "advisor", "adviser", "officer"],
    "comment": ["comment", "comments", "free text", "feedback", "any other comments"],
}
_CONTAINS = {
    "nps": ["recommend", "nps"],
    "csat": ["satisf", "csat"],
    "ces": ["easy", "effort", "ces"],
    "comment": ["comment", "anything else", "tell us why", "please explain"],
}
_SAMPLE = 2000
DAY_FIRST = "day/month/year"
MONTH_FIRST = "month/day/year (US)"
DATE_FORMATS = (
    ("ISO8601", "year-month-day (ISO)"),
    ("%d/%m/%Y %H:%M:%S", DAY_FIRST),
    ("%d/%m/%Y %H:%M", DAY_FIRST),
    ("%d/%m/%Y", DAY_FIRST),
    ("%m/%d/%Y %H:%M:%S", MONTH_FIRST),
    ("%m/%d/%Y %H:%M", MONTH_FIRST),
    ("%m/%d/%Y", MONTH_FIRST),
    ("%Y/%m/%d %I:%M:%S %p GMT", "year/month/day with am/pm"),
    ("%Y/%m/%d %H:%M:%S", "year/month/day"),
)
DATE_ORDERS = {"auto": "Work it out (day first when both fit)", "day": "Day first (31/12/2026)",
               "month": "Month first, US style (12/31/2026)"}


@dataclass
class Mapping:
    """Role -> source column (None when no column plays it) for one kind of dataset.

    kind: "responses" (survey answers, roles in ROLES) or "kpi" (operational
    figures, roles in cx.importers.kpi.KPI_ROLES). ces_scale: 5 or 7 when a CES
    column is mapped. grain: the period length of KPI rows. date_order: "auto"
    (the order that reads the most dates, day first when both do), "day" or "month".
    """

    roles: dict[str, str | None]
    ces_scale: int | None = None
    grain: str | None = None
    kind: str = "responses"
    date_order: str = "auto"

    def used_columns(self) -> set[str]:
        return {column for column in self.roles.values() if column}

    def as_dict(self) -> dict:
        return {"kind": self.kind, "roles": dict(self.roles), "ces_scale": self.ces_scale,
                "grain": self.grain, "date_order": self.date_order}

    @classmethod
    def from_dict(cls, data: dict) -> Mapping:
        kind = data.get("kind", "responses")
        roles = dict(data.get("roles", {}))
        if kind == "responses":
            roles = {role: roles.get(role) for role in ROLES}
        return cls(roles, data.get("ces_scale"), data.get("grain"), kind, data.get("date_order", "auto"))


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    value: str
    reason: str

    def sentence(self) -> str:
        return f"line {self.line}, column '{self.column}': {self.reason}"


@dataclass
class Validated:
    """Rows ready for the store, and what was wrong with the others."""

    frame: pd.DataFrame  # store columns plus extra_0, extra_1, ... (valid rows only)
    problems: list[Problem]
    data_rows: int
    rejected_rows: int
    notes: list[str] = field(default_factory=list)
    extra_names: list[str] = field(default_factory=list)  # the source column behind each extra_i


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9#]+", " ", name.lower()).strip()


def propose_mapping(frame: pd.DataFrame) -> Mapping:
    """Guess a role for columns from their names and, for scores, their values."""
    roles: dict[str, str | None] = dict.fromkeys(ROLES)
    keys = {column: _key(column) for column in frame.columns}
    taken: set[str] = set()

    def claim(role: str, column: str) -> None:
        roles[role] = column
        taken.add(column)

    for role, names in _EXACT.items():
        for wanted in names:
            match = next((c for c, k in keys.items() if k == wanted and c not in taken), None)
            if match:
                claim(role, match)
                break
    for role, fragments in _CONTAINS.items():
        if roles[role]:
            continue
        match = next((c for c, k in keys.items() if c not in taken and _contains_word(k, fragments)), None)
        if match:
            claim(role, match)
    for role in ("nps", "csat"):
        if roles[role] and not _fits(_sample(frame[roles[role]]), SCALES[role]):
            taken.discard(roles[role])
            roles[role] = None
    if roles["nps"]:
        sample = _sample(frame[roles["nps"]])
        # Thirty numeric answers none above five: a five-point question, not 0-10.
        numeric = [v for v in sample if v.strip().isdigit()]
        five_point = len(numeric) >= 30 and _max_number(numeric) in range(1, 6)
        if label_share(sample, SCALES["fft"]) >= 0.5 or five_point:
            roles["fft"], roles["nps"] = roles["nps"], None
    for column in frame.columns:
        if column not in taken and _is_govmetric(_sample(frame[column])):
            claim("govmetric", column)
            break
    if not roles["fft"]:
        for column in frame.columns:
            if column not in taken and label_share(_sample(frame[column]), SCALES["fft"]) >= 0.8:
                claim("fft", column)
                break
    ces_scale = _ces_scale(_sample(frame[roles["ces"]])) if roles["ces"] else None
    if roles["ces"] and not _fits(_sample(frame[roles["ces"]]), SCALES[f"ces{ces_scale}"]):
        roles["ces"], ces_scale = None, None
    return Mapping(roles, ces_scale)


def _is_govmetric(values: list[str]) -> bool:
    """True when nearly every answer is good, average or poor and 'average' occurs (FFT has no average)."""
    labels = [normalise_label(v) for v in values if not is_no_answer(v)]
    if not labels:
        return False
    share = sum(label in ("good", "average", "poor") for label in labels) / len(labels)
    return share >= 0.9 and "average" in labels


def _fits(values: list[str], scale) -> bool:
    """True when nearly all sampled answers read as scores on the scale (a name alone can mislead)."""
    if not values:
        return True
    fitting = 0
    # Each distinct answer is tried once: a sample holds few of them.
    for value, count in Counter(values).items():
        try:
            to_score(value, scale)
            fitting += count
        except ScoreError:
            pass
    return fitting >= 0.8 * len(values)


def _contains_word(key: str, fragments: list[str]) -> bool:
    return any(re.search(rf"\b{re.escape(f)}", key) for f in fragments)


def _sample(series: pd.Series) -> list[str]:
    return [v for v in series.head(_SAMPLE).tolist() if isinstance(v, str) and v.strip()]


def _max_number(values: list[str]) -> int | None:
    numbers = [int(v) for v in (s.strip() for s in values) if v.isdigit()]
    return max(numbers) if numbers else None


def _ces_scale(values: list[str]) -> int:
    highest = _max_number(values) or 0
    sevens = any("somewhat" in v.lower() for v in values)
    return 7 if highest > 5 or sevens else 5


def check_mapping(mapping: Mapping, columns: list[str],
                  labels: dict[str, str] = ROLE_LABELS) -> list[str]:
    """Sentences for mistakes in an analyst's mapping: unknown columns, a column used twice, no CES scale."""
    mistakes = []
    seen: dict[str, str] = {}
    for role, column in mapping.roles.items():
        if not column:
            continue
        if column not in columns:
            mistakes.append(f"{labels[role]}: the file has no column called '{column}'.")
        elif column in seen:
            other = labels[seen[column]]
            mistakes.append(f"{labels[role]}: column '{column}' is already used for {other}.")
        seen[column] = role
    if mapping.roles.get("ces") and mapping.ces_scale not in (5, 7):
        mistakes.append("CES scale: choose 1 to 5 or 1 to 7.")
    return mistakes


def validate(frame: pd.DataFrame, lines: list[int], mapping: Mapping) -> Validated:
    """Convert every mapped column and reject rows with a value that does not fit its role.

    `frame` holds the data rows as text (one column per source column) and
    `lines` the file line each row starts on. Raises ValueError listing mapping
    mistakes (see `check_mapping`).
    """
    mistakes = check_mapping(mapping, list(frame.columns))
    if mapping.kind != "responses":
        mistakes.append("This mapping is for KPI figures, not survey responses.")
    if mistakes:
        raise ValueError(" ".join(mistakes))
    line_numbers = np.asarray(lines)
    out = pd.DataFrame(index=frame.index)
    problems: list[Problem] = []
    bad = np.zeros(len(frame), dtype=bool)
    notes: list[str] = []

    def reject(mask: np.ndarray, column: str, reason_of) -> None:
        """Mark the rows of `mask` rejected; `reason_of(positions)` gives their reasons."""
        positions = np.flatnonzero(mask)
        if not positions.size:
            return
        bad[positions] = True
        values = frame[column].iloc[positions].tolist()
        for position, value, reason in zip(positions.tolist(), values, reason_of(positions), strict=True):
            problems.append(Problem(int(line_numbers[position]), column, _text(value), reason))

    for role in SCORE_ROLES:
        column = mapping.roles[role]
        if not column:
            continue
        scale = SCALES["ces7" if role == "ces" and mapping.ces_scale == 7 else
                      "ces5" if role == "ces" else role]
        converted = _convert_unique(frame[column], lambda text, s=scale: to_score(text, s))
        out[role] = pd.array(converted.values, dtype="UInt8") if len(frame) else pd.array([], dtype="UInt8")
        reject(converted.failed, column, converted.reasons)
    if mapping.roles["fft"]:
        # "Don't know" is no score, but the FFT counts it among all answers (DESIGN: FFT).
        out["fft_dont_know"] = _flags_unique(frame[mapping.roles["fft"]], is_dont_know)
    if mapping.roles["ces"]:
        out["ces_scale"] = pd.Series(mapping.ces_scale, index=frame.index, dtype="UInt8")
    if not any(mapping.roles[role] for role in SCORE_ROLES):
        notes.append("No column was recognised as a score (NPS, CSAT, CES, Friends and Family Test or "
                     "GovMetric); "
                     "rows are imported with their attributes only.")
    if mapping.roles["completed_at"]:
        column = mapping.roles["completed_at"]
        parsed = _parse_times_coded(frame[column], mapping.date_order)
        out["completed_at"] = pd.Series(parsed.values, index=frame.index)
        reject(parsed.failed, column, parsed.reasons)
        if parsed.described:
            notes.append(f"Dates in '{column}' were read as {parsed.described}.")
    for role, target in TEXT_ROLES.items():
        column = mapping.roles[role]
        if column:
            text = _stripped(frame[column])
            blank = text == ""
            out[target] = text.where(~blank, None) if bool(blank.any()) else text
    out["response_id"] = _response_ids(frame, mapping, reject)
    extra_names = [c for c in frame.columns if c not in mapping.used_columns()]
    for position, name in enumerate(extra_names):
        out[f"extra_{position}"] = frame[name]
    rejected = int(bad.sum())
    problems.sort(key=lambda p: (p.line, p.column))
    valid = out[~bad].reset_index(drop=True) if rejected else out.reset_index(drop=True)
    return Validated(valid, problems, len(frame), rejected, notes, extra_names)


@dataclass(frozen=True)
class _Converted:
    """Values converted one per distinct text: the values, which rows failed, and why."""

    values: np.ndarray  # float64, NaN for no answer or a failure
    failed: np.ndarray  # bool per row
    codes: np.ndarray  # the distinct text of each row (see pd.factorize; the last entry is "missing")
    distinct_reasons: np.ndarray  # object: the reason per distinct text, None where it converted

    def reasons(self, positions: np.ndarray) -> list[str]:
        return self.distinct_reasons[self.codes[positions]].tolist()


def _factorize(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values); missing values get the code len(distinct), one past the last."""
    codes, distinct = pd.factorize(series)
    codes = np.asarray(codes)
    return np.where(codes < 0, len(distinct), codes), np.asarray(distinct, dtype=object)


def _stripped(series: pd.Series) -> pd.Series:
    """The values without surrounding white space; the series itself when none has any (no copy kept)."""
    values = pa.array(series)  # pandas keeps text as Arrow strings: no copy
    # The same trimming as `str.strip` on such text; the lengths tell whether any value had white space.
    trimmed = pc.utf8_trim_whitespace(values)
    if pc.all(pc.equal(pc.binary_length(trimmed), pc.binary_length(values))).as_py() is not False:
        return series
    return series.str.strip()


def _text(value: object) -> str:
    """A cell as text: a missing value is "", never "None" or "nan"."""
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _convert_unique(series: pd.Series, convert) -> _Converted:
    """Convert each distinct value once, then spread the results over the rows with array lookups."""
    codes, distinct = _factorize(series)
    results = np.full(len(distinct) + 1, np.nan)
    reasons = np.full(len(distinct) + 1, None, dtype=object)
    for index, text in enumerate(distinct):
        try:
            value = convert(text)
            results[index] = np.nan if value is None else value
        except ScoreError as error:
            reasons[index] = str(error)
    failed_distinct = np.array([reason is not None for reason in reasons], dtype=bool)
    return _Converted(results[codes], failed_distinct[codes], codes, reasons)


def _flags_unique(series: pd.Series, test) -> np.ndarray:
    """`test(text)` of each row as a bool array, asked once per distinct text (missing values: False)."""
    codes, distinct = _factorize(series)
    flags = np.array([bool(test(text)) for text in distinct] + [False], dtype=bool)
    return flags[codes]


@dataclass(frozen=True)
class _Times:
    values: np.ndarray  # datetime64[ns], NaT for blanks and failures
    failed: np.ndarray
    codes: np.ndarray
    distinct_reasons: np.ndarray
    described: str | None

    def reasons(self, positions: np.ndarray) -> list[str]:
        return self.distinct_reasons[self.codes[positions]].tolist()


def parse_times(series: pd.Series, order: str = "auto") -> tuple[pd.Series, pd.Series, str | None]:
    """(timestamps, reasons, format described) using the first format that reads the most values.

    `order` "day" or "month" leaves out the formats of the other order, for files
    whose dates fit both (1/9/2024). Times with a UTC offset are converted to UTC;
    blanks stay empty.
    """
    parsed = _parse_times_coded(series, order)
    reasons = pd.Series(parsed.distinct_reasons[parsed.codes], index=series.index, dtype="object")
    return pd.Series(parsed.values, index=series.index), reasons, parsed.described


def _parse_times_coded(series: pd.Series, order: str = "auto") -> _Times:
    """`parse_times`, with each distinct text parsed once and its reason kept per distinct text."""
    excluded = {"day": MONTH_FIRST, "month": DAY_FIRST}.get(order)
    codes, values = _factorize(series)
    answered = np.array([not is_no_answer(v) for v in values], dtype=bool)
    parsed_all = np.full(len(values) + 1, np.datetime64("NaT"), dtype="datetime64[ns]")
    reason_all = np.full(len(values) + 1, None, dtype=object)
    distinct = pd.Series(values[answered], dtype="object")
    if distinct.empty:
        return _Times(parsed_all[codes], np.zeros(len(codes), dtype=bool), codes, reason_all, None)
    best, best_count, best_words = None, -1, None
    for fmt, words in DATE_FORMATS:
        if words == excluded:
            continue
        parsed = pd.to_datetime(distinct, format=fmt, errors="coerce", utc=True)
        count = int(parsed.notna().sum())
        if count > best_count:
            best, best_count, best_words = parsed, count, words
        if count == len(distinct):
            break
    parsed_all[:-1][answered] = best.dt.tz_convert(None).to_numpy(dtype="datetime64[ns]")
    failed = np.append(answered, False) & np.isnat(parsed_all)
    reason_all[failed] = [f"'{v}' is not a date and time" for v in values[failed[:-1]]]
    return _Times(parsed_all[codes], failed[codes], codes, reason_all, best_words)


def _response_ids(frame: pd.DataFrame, mapping: Mapping, reject) -> pd.Series:
    """The tool's response id, or a fingerprint of the whole row where there is none."""
    column = mapping.roles["response_id"]
    if not column:
        hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
        return pd.Series([f"fp:{value:016x}" for value in hashes], index=frame.index, dtype="str")
    ids = _stripped(frame[column])
    missing = (ids == "").to_numpy(dtype=bool, na_value=True)
    reject(missing, column, lambda positions: ["the response id is blank"] * len(positions))
    return ids

