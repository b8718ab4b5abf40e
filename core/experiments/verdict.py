"""The plain-language verdict of a variant against control, and the number formats it uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from core.experiments.stats import VariantResult


@dataclass(frozen=True)
class Verdict:
    headline: str
    detail: str
    recommendation: str
    outcome: Literal["win", "loss", "inconclusive", "untrusted"]
    notes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(s for s in (self.headline, self.detail, self.recommendation) if s)


def fmt_value(x: float, kind: str) -> str:
    return f"{x:.1%}" if kind == "proportion" else f"{x:,.2f}"


def fmt_p(p: float) -> str:
    if not np.isfinite(p):
        return "n/a"
    return "< 0.0001" if p < 0.0001 else f"{p:.4f}" if p < 0.01 else f"{p:.3f}"


def p_text(p: float, word: str = "p") -> str:
    """'p = 0.0006' or 'p < 0.0001'."""
    f = fmt_p(p)
    return f"{word} {f}" if f.startswith("<") else f"{word} = {f}"


_LABELS = {
    "retained": "retention",
    "converted": "conversion",
    "conversions": "conversion rate",
    "churned": "churn",
    "purchased": "purchase rate",
    "clicked": "click rate",
    "renewed": "renewal",
}


def metric_label(metric: str) -> str:
    """A readable name for an outcome column: 'retained' -> 'retention'."""
    m = metric.replace("_", " ").strip()
    return _LABELS.get(m.lower(), m)


def fmt_prob(x: float) -> str:
    """A probability in words-friendly form: never a misleading 100% or 0%."""
    if x > 0.99:
        return "over 99%"
    if x < 0.01:
        return "under 1%"
    return f"{x:.0%}"


def _signed_pct(x: float) -> str:
    return f"{x:+.0%}" if abs(x) >= 0.1 else f"{x:+.1%}"


def verdict(
    result: VariantResult,
    control: str,
    kind: str,
    metric: str,
    alpha: float = 0.05,
    problems: Sequence[str] = (),
    best_segment: tuple[str, float] | None = None,
    corrected: bool = False,
) -> Verdict:
    """One plain-language verdict for a variant against control, with the CI in words."""
    verb_up, verb_down = "rose", "fell"
    a, b = result.control_value, result.value
    rel, ab = result.relative, result.absolute
    p = result.p_adjusted if corrected else ab.p_value
    p_word = "adjusted p" if corrected else "p"
    moved = verb_up if b > a else verb_down if b < a else "stayed"
    label = metric_label(metric)
    headline = (
        f"{label[:1].upper()}{label[1:]} {moved} from {fmt_value(a, kind)} in {control} to "
        f"{fmt_value(b, kind)} in {result.variant} "
        f"({_signed_pct(rel.lift)} relative, {p_text(p, p_word)})."
    )
    conf = f"{1 - alpha:.0%}"
    if kind == "proportion":
        abs_words = f"{ab.ci_low * 100:+.1f} to {ab.ci_high * 100:+.1f} percentage points"
    else:
        abs_words = f"{ab.ci_low:+,.2f} to {ab.ci_high:+,.2f} per unit"
    detail = (
        f"We are {conf} confident the true effect lies between {_signed_pct(rel.ci_low)} and "
        f"{_signed_pct(rel.ci_high)} relative ({abs_words}); the chance that "
        f"{result.variant} beats {control} is {fmt_prob(result.bayes.chance_to_win)}."
    )
    notes = []
    if problems:
        outcome = "untrusted"
        recommendation = (
            "Do not act on this result yet: the health checks failed ("
            + "; ".join(problems)
            + "). Fix the assignment or data and re-run."
        )
    elif p < alpha and ab.lift > 0:
        outcome = "win"
        where = ""
        if best_segment is not None:
            where = (
                f", starting with the {best_segment[0]} segment where the lift is largest "
                f"({_signed_pct(best_segment[1])})"
            )
        recommendation = f"The offer works; scale {result.variant} up{where}."
    elif p < alpha and ab.lift < 0:
        outcome = "loss"
        recommendation = f"The offer hurts: keep {control} and do not scale {result.variant}."
    else:
        outcome = "inconclusive"
        mde = result.mde_relative
        mde_words = (
            f" (it could reliably detect only a change of about {mde:.0%})"
            if (np.isfinite(mde))
            else ""
        )
        recommendation = (
            f"No measurable difference at this sample size{mde_words}: keep {control}, or run "
            "longer with more units if a smaller effect would still matter."
        )
    if result.small_counts and result.fisher_p is not None:
        notes.append(f"Counts are small; Fisher's exact test gives p = {fmt_p(result.fisher_p)}.")
    return Verdict(headline, detail, recommendation, outcome, notes)
