"""Operational KPI exports: one row per period (and service), one column per measure.

Contact-centre and staff-survey figures arrive as counts ("Calls offered",
"Answered within 20s", "Abandoned"...). They become KPI observations with a
numerator and a denominator, as defined in `cx.measures.MEASURES`, so they can be summed
across services and periods before dividing. A ratio needs both of its counts;
a KPI whose counts are not both mapped is not produced, and the mapping says so.
"""

from __future__ import annotations

import re

import pandas as pd

from cx import measures
from cx.importers.mapping import Mapping, Problem, Validated, _key, check_mapping
from cx.importers.scores import is_no_answer

# Counts a KPI export may hold, and the names tools and spreadsheets give them.
MEASURES: dict[str, tuple[str, list[str]]] = {
    "calls_offered": ("Calls offered", ["calls offered", "offered", "calls received", "total calls"]),
    "calls_answered": ("Calls answered", ["calls answered", "answered"]),
    "answered_within_20s": ("Answered within 20 seconds",
                            ["answered within 20s", "answered within 20 s", "answered within 20 seconds",
                             "answered in 20s", "answered in 20 seconds", "calls answered within 20s"]),
    "abandoned": ("Calls abandoned", ["abandoned", "calls abandoned", "abandoned calls"]),
    "resolved_first_contact": ("Resolved at first contact",
                               ["resolved at first contact", "resolved first contact",
                                "first contact resolved", "fcr"]),
    "total_wait_seconds": ("Total wait (seconds)", ["total wait seconds", "total wait s",
                                                    "total waiting time seconds", "wait seconds"]),
    "engaged": ("Engaged staff", ["engaged", "engaged respondents", "engaged staff"]),
    "respondents": ("Staff survey respondents", ["respondents", "staff respondents",
                                                 "staff survey respondents"]),
}
# KPI code -> (numerator measure, denominator measure), following the definitions in cx.measures.
RATIOS: dict[str, tuple[str, str]] = {
    "answered_within_20s": ("answered_within_20s", "calls_offered"),
    "abandoned": ("abandoned", "calls_offered"),
    "first_contact_resolution": ("resolved_first_contact", "calls_answered"),
    "average_wait_seconds": ("total_wait_seconds", "calls_answered"),
    "employee_engagement": ("engaged", "respondents"),
}
KPI_ROLES: tuple[str, ...] = ("period", "service", *MEASURES)
KPI_ROLE_LABELS = {"period": "Period", "service": "Service",
                   **{code: label for code, (label, _) in MEASURES.items()}}
GRAINS = ("month", "quarter", "year", "week")
_PERIOD_NAMES = ["period", "month", "date", "week", "quarter", "year", "month start", "period start"]
_PERIOD_FORMATS = ("ISO8601", "%Y-%m", "%b %Y", "%B %Y", "%b-%y", "%d/%m/%Y", "%m/%Y", "%Y")


def propose_kpi_mapping(frame: pd.DataFrame) -> Mapping:
    """Guess period, service and count columns from their names."""
    keys = {column: _key(column) for column in frame.columns}
    roles: dict[str, str | None] = dict.fromkeys(KPI_ROLES)
    taken: set[str] = set()
    wanted = {"period": _PERIOD_NAMES, "service": ["service", "department", "team", "title"],
              **{code: names for code, (_, names) in MEASURES.items()}}
    # Longer names first, so "calls answered within 20s" is not taken for "calls answered".
    for role, names in sorted(wanted.items(), key=lambda item: -max(len(n) for n in item[1])):
        match = next((c for name in names for c, k in keys.items() if k == name and c not in taken), None)
        if match:
            roles[role] = match
            taken.add(match)
    return Mapping(roles, grain="month", kind="kpi")


def looks_like_kpis(frame: pd.DataFrame) -> bool:
    """True when a period column and at least one complete KPI ratio are recognised."""
    roles = propose_kpi_mapping(frame).roles
    return bool(roles["period"]) and bool(produced_kpis(roles))


def produced_kpis(roles: dict[str, str | None]) -> list[str]:
    """The KPI codes whose numerator and denominator columns are both mapped."""
    return [code for code, (top, bottom) in RATIOS.items() if roles.get(top) and roles.get(bottom)]


def validate_kpis(frame: pd.DataFrame, lines: list[int], mapping: Mapping) -> Validated:
    """One observation per row and produced KPI; rows with a bad period or count are rejected.

    Raises ValueError when no period column is chosen, no KPI has both counts, or
    the mapping names columns the file lacks.
    """
    mistakes = check_mapping(mapping, list(frame.columns), labels=KPI_ROLE_LABELS)
    if not mapping.roles.get("period"):
        mistakes.append("Period: choose the column that says which month (or other period) a row is for.")
    codes = produced_kpis(mapping.roles)
    if not codes:
        mistakes.append("Measures: no KPI can be worked out; map both counts of at least one, for example "
                        "Answered within 20 seconds and Calls offered.")
    if mapping.grain not in GRAINS:
        mistakes.append(f"Period length: choose one of {', '.join(GRAINS)}.")
    if mistakes:
        raise ValueError(" ".join(mistakes))
    line_numbers = pd.Series(lines, index=frame.index)
    problems: list[Problem] = []
    bad = pd.Series(False, index=frame.index)
    period_column = mapping.roles["period"]
    periods = _periods(frame[period_column], mapping.grain)
    for index in periods[periods.isna()].index:
        problems.append(Problem(int(line_numbers[index]), period_column, frame.at[index, period_column],
                                f"'{frame.at[index, period_column]}' is not a month, quarter or date"))
    bad |= periods.isna()
    counts = {}
    for measure in {m for code in codes for m in RATIOS[code]}:
        column = mapping.roles[measure]
        text = frame[column].str.strip().str.replace(",", "", regex=False)
        blank = text.map(is_no_answer)
        numbers = pd.to_numeric(text.where(~blank), errors="coerce")
        wrong = (~blank & (numbers.isna() | (numbers < 0)))
        for index in wrong[wrong].index:
            problems.append(Problem(int(line_numbers[index]), column, frame.at[index, column],
                                    f"'{frame.at[index, column]}' is not a count of 0 or more"))
        bad |= wrong
        counts[measure] = numbers
    service_column = mapping.roles.get("service")
    services = frame[service_column].str.strip().replace("", None) if service_column else None
    observations = []
    for code in codes:
        top, bottom = RATIOS[code]
        part = pd.DataFrame({
            "line": line_numbers, "period_start": periods, "period_grain": mapping.grain,
            "service": services if services is not None else None, "metric": code,
            "numerator": counts[top], "denominator": counts[bottom],
        })[~bad]
        observations.append(part[part["numerator"].notna() & part["denominator"].notna()])
    out = pd.concat(observations, ignore_index=True)
    empty = ~bad & ~line_numbers.isin(out["line"])
    for index in empty[empty].index:
        problems.append(Problem(int(line_numbers[index]), "(whole row)", "",
                                "the row has no figures for any KPI"))
    bad |= empty
    problems.sort(key=lambda p: (p.line, p.column))
    notes = [f"KPIs worked out: {', '.join(measures.MEASURES[c].label for c in codes)}."]
    return Validated(out, problems, len(frame), int(bad.sum()), notes)


def _periods(series: pd.Series, grain: str) -> pd.Series:
    """The start of each row's period as a date; NaT where the text is no date."""
    distinct = [v for v in series.unique() if v.strip()]
    best = pd.Series(pd.NaT, index=range(len(distinct)), dtype="datetime64[ns]")
    for fmt in _PERIOD_FORMATS:
        parsed = pd.to_datetime(pd.Series(distinct, dtype="object"), format=fmt, errors="coerce")
        if parsed.notna().sum() > best.notna().sum():
            best = parsed
    quarter = {v: _quarter(v) for v in distinct}
    lookup = {v: (t if pd.notna(t) else quarter[v]) for v, t in zip(distinct, best, strict=True)}
    starts = pd.to_datetime(series.map(lookup))
    if grain == "week":
        monday = starts - pd.to_timedelta(starts.dt.day_of_week, unit="D")
        return monday.dt.date.where(starts.notna())
    frequency = {"month": "M", "quarter": "Q", "year": "Y"}[grain]
    return starts.dt.to_period(frequency).dt.start_time.dt.date.where(starts.notna())


def _quarter(text: str):
    """'2026 Q3', 'Q3 2026', '2026-Q3' as the first day of the quarter, else NaT."""
    match = re.fullmatch(r"\s*(?:(\d{4})\s*-?\s*Q([1-4])|Q([1-4])\s*-?\s*(\d{4}))\s*", text, re.IGNORECASE)
    if not match:
        return pd.NaT
    year = int(match.group(1) or match.group(4))
    quarter = int(match.group(2) or match.group(3))
    return pd.Timestamp(year, 3 * quarter - 2, 1)
