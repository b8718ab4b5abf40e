"""Uplift with its source: the relative lift an action adds to the chance of buying again,
either measured (a linked experiment and variant: its relative lift and confidence interval)
or assumed by the user (labelled "assumption" wherever it appears; no interval).

The formula the plan uses, per customer with baseline chance p and relative uplift u:
added chance = min(p x (1 + u), 1) - p, i.e. p x u while the chance with the action stays at
most 1 (the cap), and never below -p.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from core.model.errors import InputError

EXPERIMENT = "experiment"
ASSUMPTION = "assumption"
DEFAULT_ASSUMED_UPLIFT = 0.10


@dataclass(frozen=True)
class Uplift:
    """Relative uplift on the chance of buying again, with its interval and source."""

    relative: float
    low: float
    high: float
    source: str  # "experiment" | "assumption"
    label: str = ""  # where it comes from, in words

    @property
    def measured(self) -> bool:
        return self.source == EXPERIMENT

    def to_dict(self) -> dict:
        return {
            "relative": self.relative,
            "low": self.low,
            "high": self.high,
            "source": self.source,
        }


def assumed(relative: float, label: str = "") -> Uplift:
    """An uplift the user assumes: no interval (low = high = the value)."""
    if not np.isfinite(relative) or relative < -1:
        raise InputError(f"an uplift is a relative change of at least -1 (-100%), got {relative}")
    return Uplift(float(relative), float(relative), float(relative), ASSUMPTION, label or "assumed")


@dataclass(frozen=True)
class ExperimentLink:
    """Which experiment and variants measure an action: the treatment against the control."""

    control: str
    treatment: str
    metric: str | None = None
    name: str = "experiment"


def from_analysis(analysis, treatment: str, name: str = "") -> Uplift:
    """The relative lift of `treatment` against the control of a core experiment Analysis, with
    its confidence interval, as an uplift with source "experiment"."""
    for v in analysis.variants:
        if v.variant == treatment:
            rel = v.relative
            vs = f"{treatment} vs {analysis.control} ({analysis.metric})"
            label = f"{name or analysis.name}: {vs}"
            return Uplift(rel.lift, rel.ci_low, rel.ci_high, EXPERIMENT, label)
    names = [analysis.control, *(v.variant for v in analysis.variants)]
    raise InputError(f"there is no variant {treatment!r} to compare; variants: {', '.join(names)}")


def measure(experiment, link: ExperimentLink, alpha: float = 0.05) -> Uplift:
    """Analyse `experiment` (a core Experiment) for `link` and return the treatment's uplift."""
    from core.plan import _deps

    if link.treatment == link.control:
        raise InputError("the treatment and the control must be different variants")
    analysis = _deps.analyse(experiment, metric=link.metric, control=link.control, alpha=alpha)
    return from_analysis(analysis, link.treatment, link.name)


def added_chance(p: pl.Expr, u: pl.Expr) -> pl.Expr:
    """min(p x (1 + u), 1) - p: the chance of buying again the action adds, capped so the chance
    with the action is at most 1; written as min(p x u, 1 - p) so it is exactly p x u below
    the cap."""
    return pl.when(p * u < 1.0 - p).then(p * u).otherwise(1.0 - p)
