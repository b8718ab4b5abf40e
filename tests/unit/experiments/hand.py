"""Shared inputs of the experiment tests: the bundled and aggregated files, and the two
proportions whose statistics test_stats works out by hand."""

from __future__ import annotations

from pathlib import Path

from scipy import stats

from core import experiments as ab

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "data" / "experiment.csv"
AGGREGATED = ROOT / "tests" / "data" / "experiment_aggregated.csv"

A = ab.ProportionStatistic(n=1000, sum=176)
B = ab.ProportionStatistic(n=1000, sum=238)
# The decision p of 176/1000 vs 238/1000 is the relative (delta-method) test's: t = .352273 /
# .120067 (test_relative_lift_delta_method_by_hand) on the Welch df of the two variances
_QA, _QB = 0.000145024, 0.000181356
REL_P = 2 * stats.t.sf(0.352273 / 0.120067, (_QA + _QB) ** 2 / (_QA**2 / 999 + _QB**2 / 999))
