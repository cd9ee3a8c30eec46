"""Operational KPIs: what each stored metric code means and how it is judged.

KPI observations are stored as numerator and denominator so they can be summed
across services and periods before dividing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KpiDefinition:
    code: str
    label: str
    unit: str  # "%" (numerator / denominator * 100) or "seconds" (numerator / denominator)
    higher_is_better: bool
    target: float | None
    numerator_label: str
    denominator_label: str
    definition: str

    def meets_target(self, value: float | None) -> bool | None:
        """True/False against the target; None when there is no value or no target."""
        if value is None or self.target is None:
            return None
        return value >= self.target if self.higher_is_better else value <= self.target

    def target_words(self) -> str:
        if self.target is None:
            return "no target set"
        unit = "%" if self.unit == "%" else " s"
        relation = "or more" if self.higher_is_better else "or less"
        return f"target {self.target:g}{unit} {relation}"


KPIS: dict[str, KpiDefinition] = {
    k.code: k
    for k in (
        KpiDefinition(
            "answered_within_20s", "Calls answered within 20 seconds", "%", True, 80.0,
            "calls answered within 20 s", "calls offered",
            "Calls answered within 20 seconds divided by all calls offered, abandoned calls "
            "included and no short abandons excluded (the strictest common variant).",
        ),
        KpiDefinition(
            "abandoned", "Calls abandoned", "%", False, 5.0,
            "calls abandoned", "calls offered",
            "Calls where the caller hung up before being answered, divided by calls offered.",
        ),
        KpiDefinition(
            "first_contact_resolution", "Resolved at first contact", "%", True, 75.0,
            "calls resolved at first contact", "calls answered",
            "Answered calls where the caller's need was met without a further contact.",
        ),
        KpiDefinition(
            "average_wait_seconds", "Average wait before answer", "seconds", False, 60.0,
            "total seconds waited", "calls answered",
            "Total waiting time of answered calls divided by calls answered.",
        ),
        KpiDefinition(
            "employee_engagement", "Employee engagement", "%", True, 70.0,
            "engaged respondents", "staff survey respondents",
            "Staff survey respondents classed as engaged, divided by all who answered.",
        ),
    )
}
