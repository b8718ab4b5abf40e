"""Planning an experiment: sample size per variant and the minimum detectable effect.

Two-sided tests with the normal approximation: n = (z_{1-alpha/2} + z_power)^2 variance / effect^2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import stats as sps

if TYPE_CHECKING:
    from core.experiments.stats import Statistic


def _z(alpha: float, power: float) -> float:
    return float(sps.norm.ppf(1 - alpha / 2) + sps.norm.ppf(power))


def sample_size_proportion(
    baseline: float, mde: float, alpha: float = 0.05, power: float = 0.8, relative: bool = True
) -> int:
    """Units per variant to detect a change of `mde` from a baseline rate (two-sided z-test).

    n = (z_{1-alpha/2} + z_power)^2 (p1(1-p1) + p2(1-p2)) / (p2 - p1)^2.
    """
    p1 = baseline
    p2 = baseline * (1 + mde) if relative else baseline + mde
    if not (0 < p1 < 1 and 0 < p2 < 1) or p1 == p2:
        raise ValueError("baseline and baseline + effect must both lie strictly between 0 and 1")
    n = _z(alpha, power) ** 2 * (p1 * (1 - p1) + p2 * (1 - p2)) / (p2 - p1) ** 2
    return int(np.ceil(n))


def sample_size_mean(
    sd: float, mde: float, alpha: float = 0.05, power: float = 0.8, baseline: float | None = None
) -> int:
    """Units per variant to detect a change of `mde` in a mean with standard deviation `sd`.

    n = 2 (z_{1-alpha/2} + z_power)^2 sd^2 / delta^2; with `baseline` the mde is relative.
    """
    delta = mde * abs(baseline) if baseline is not None else mde
    if delta == 0 or sd <= 0:
        raise ValueError("the effect and the standard deviation must be positive")
    return int(np.ceil(2 * _z(alpha, power) ** 2 * sd**2 / delta**2))


def sample_size_note(alpha: float, power: float) -> str:
    """The assumptions and formula behind the sample size, in one line."""
    return (
        f"Two-sided test at {alpha:g}, {power:.0%} power: "
        "n = (z₁₋α/₂ + z_power)² × variance / effect²."
    )


def minimum_detectable_effect(
    a: Statistic, b: Statistic, alpha: float = 0.05, power: float = 0.8
) -> tuple[float, float]:
    """(absolute, relative) MDE of the running experiment: (z + z) sqrt(vA/nA + vB/nB)."""
    delta = _z(alpha, power) * np.sqrt(a.variance / a.n + b.variance / b.n)
    ma = a.unadjusted_mean
    return float(delta), float(delta / abs(ma)) if ma else float("nan")
