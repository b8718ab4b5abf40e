"""core.experiments.power: sample sizes and minimum detectable effects, by hand."""

from __future__ import annotations

import pytest
from scipy import stats

from core import experiments as ab
from tests.unit.experiments.hand import A, B


# ---------------------------------------------------------------- power
def test_sample_size_proportion_by_hand():
    # z = 1.959964 + 0.841621 = 2.801585 ; z^2 = 7.848880
    # p1 = .176, p2 = .1936 ; p1q1 + p2q2 = .145024 + .15611904 = .30114304
    # n = 7.848880 * .30114304 / .0176^2 = 7630.6 -> 7631 per variant
    assert ab.sample_size_proportion(0.176, 0.10) == 7631
    assert ab.sample_size_proportion(0.176, 0.0176, relative=False) == 7631


def test_sample_size_mean_and_mde():
    # n = 2 * 7.848880 * 10^2 / 1^2 = 1569.8 -> 1570
    assert ab.sample_size_mean(sd=10, mde=1) == 1570
    assert ab.sample_size_mean(sd=10, mde=0.1, baseline=10) == 1570
    # MDE of the running experiment: 2.801585 * .0180660 = .050613 ; relative / .176 = .28758
    abs_mde, rel_mde = ab.minimum_detectable_effect(A, B)
    assert abs_mde == pytest.approx(0.050613, abs=1e-6)
    assert rel_mde == pytest.approx(0.28758, abs=1e-5)
    # at the MDE a two-sided z-test has 80% power: Phi(mde/se - 1.96) = .80
    assert stats.norm.cdf(abs_mde / 0.0180660 - stats.norm.ppf(0.975)) == pytest.approx(
        0.80, abs=1e-4
    )


def test_sample_size_rejects_impossible_rates():
    with pytest.raises(ValueError):
        ab.sample_size_proportion(0.95, 0.10)
