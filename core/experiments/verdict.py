"""The plain-language verdict of a variant against control, the metric's direction (is lower
better?), and the number formats the verdict uses.

The verdict reads the decision scale (the relative lift, see core.experiments.stats): its
p-value, interval and chance to win; the absolute difference appears only as a side note.
"""

from __future__ import annotations

import re
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
    outcome: Literal["win", "lose", "inconclusive", "untrusted"]
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


# ---------------------------------------------------------------- direction
# a metric whose name says it counts something bad: lower is better (churn, returns, cost, time)
_LOWER_IS_BETTER = re.compile(
    r"^(churn|return(?!ing)|refund|cancel|bounce|cost|unsubscrib|complain)"
)
_TIME_WORDS = ("time", "times", "duration", "delay", "latency")


def _words(metric: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", metric)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def guess_lower_is_better(metric: str) -> bool:
    """True when the outcome's name says lower is better: a word starting with churn, return,
    refund, cancel, bounce, cost, unsubscribe or complain (not 'returning'), or a time word
    (time, duration, delay, latency). 'churned', 'return_rate', 'delivery_time' -> True;
    'retained', 'returning_customers' -> False."""
    words = _words(metric)
    return any(_LOWER_IS_BETTER.match(w) for w in words) or any(w in _TIME_WORDS for w in words)


def direction_text(metric: str, lower_is_better: bool, guessed: bool = False) -> str:
    """'Lower churn is better (guessed from the name 'churned').' and the like."""
    label = metric_label(metric)
    words = "Lower" if lower_is_better else "Higher"
    how = f" (guessed from the name {metric!r}; change it if that is wrong)" if guessed else ""
    return f"{words} {label} is better{how}."


# ---------------------------------------------------------------- the verdict
def verdict(
    result: VariantResult,
    control: str,
    kind: str,
    metric: str,
    alpha: float = 0.05,
    problems: Sequence[str] = (),
    best_segment: tuple[str, float, float] | None = None,
    corrected: bool = False,
) -> Verdict:
    """One plain-language verdict for a variant against control, in the metric's direction.

    Everything comes from the relative (decision) test: the p-value (corrected when
    `corrected`), the interval, the chance to win and result.outcome. `best_segment` is
    (segment, relative lift, corrected p) of the segment where the variant helps most and
    differs significantly after correction, or None (then no segment is named).
    """
    a, b = result.control_value, result.value
    rel, ab = result.relative, result.absolute
    p = result.p_adjusted if corrected else rel.p_value
    p_word = "adjusted p" if corrected else "p"
    label = metric_label(metric)
    name = f"{label[:1].upper()}{label[1:]}"
    if result.outcome in ("win", "lose"):  # significant in the decision: say which way it moved
        moved = "rose" if b > a else "fell" if b < a else "stayed"
        headline = (
            f"{name} {moved} from {fmt_value(a, kind)} in {control} to "
            f"{fmt_value(b, kind)} in {result.variant} "
            f"({_signed_pct(rel.lift)} relative, {p_text(p, p_word)})."
        )
    else:  # not significant: no direction word, the gap may be noise
        headline = (
            f"{name} was {fmt_value(a, kind)} in {control} and {fmt_value(b, kind)} in "
            f"{result.variant}; the difference is not clear ({p_text(p, p_word)})."
        )
    conf = f"{1 - alpha:.0%}"
    if kind == "proportion":
        abs_words = f"{ab.lift * 100:+.1f} percentage points"
    else:
        abs_words = f"{ab.lift:+,.2f} per unit"
    better = "lower" if result.lower_is_better else "higher"
    detail = (
        f"We are {conf} confident the true relative change lies between "
        f"{_signed_pct(rel.ci_low)} and {_signed_pct(rel.ci_high)} (in absolute terms "
        f"{abs_words}). {better.capitalize()} {label} is better here, and the chance that "
        f"{result.variant} is better than {control} is {fmt_prob(result.bayes.chance_to_win)}."
    )
    notes = []
    if problems:
        outcome = "untrusted"
        recommendation = (
            "Do not act on this result yet: the health checks failed ("
            + "; ".join(problems)
            + "). Fix the assignment or data and re-run."
        )
    elif result.outcome == "win":
        outcome = "win"
        where = ""
        if best_segment is not None:
            seg, lift, seg_p = best_segment
            where = (
                f", starting with the {seg} segment where it helps most "
                f"({_signed_pct(lift)}, {p_text(seg_p, 'adjusted p')})"
            )
        recommendation = f"The offer works; scale {result.variant} up{where}."
    elif result.outcome == "lose":
        outcome = "lose"
        recommendation = (
            f"The offer hurts ({label} moved the wrong way): keep {control} and do not scale "
            f"{result.variant}."
        )
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
