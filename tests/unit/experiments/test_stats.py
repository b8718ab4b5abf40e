"""core.experiments.stats with known answers: the frequentist and Bayesian tests, sample ratio
and balance, multiple comparisons, CUPED. Expected values are worked out by hand (arithmetic in
the comments) or cross-checked against scipy (Welch t-test, Fisher, chi-square,
false_discovery_control, numerical integration)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from core import experiments as ab
from tests.unit.experiments.hand import A, B


# ---------------------------------------------------------------- frequentist, proportions
def test_proportion_lift_by_hand():
    # vA = .176 * .824 = .145024 ; vB = .238 * .762 = .181356
    # SE = sqrt(.145024/1000 + .181356/1000) = sqrt(.00032638) = .0180660
    r = ab.frequentist_test(A, B)
    assert A.variance == pytest.approx(0.145024)
    assert B.variance == pytest.approx(0.181356)
    assert r.lift == pytest.approx(0.062)
    assert r.se == pytest.approx(0.0180660, abs=1e-7)
    # t = .062 / .018066 = 3.4319 -> two-sided p about 0.0006
    assert r.p_value == pytest.approx(0.000612, abs=2e-6)


def test_proportion_matches_scipy_welch():
    # a proportion is a mean of 0/1 values with sd sqrt(p(1-p)) (gbstats: per-unit p(1-p))
    ref = stats.ttest_ind_from_stats(
        0.238, math.sqrt(0.181356), 1000, 0.176, math.sqrt(0.145024), 1000, equal_var=False
    )
    r = ab.frequentist_test(A, B)
    assert r.lift / r.se == pytest.approx(ref.statistic)
    assert r.p_value == pytest.approx(ref.pvalue)
    # Welch df = (qa + qb)^2 / (qa^2/999 + qb^2/999), qa = .000145024, qb = .000181356
    qa, qb = 0.000145024, 0.000181356
    assert r.dof == pytest.approx((qa + qb) ** 2 / (qa**2 / 999 + qb**2 / 999))
    half = stats.t.ppf(0.975, r.dof) * r.se
    assert (r.ci_low, r.ci_high) == pytest.approx((0.062 - half, 0.062 + half))


def test_relative_lift_delta_method_by_hand():
    # lift = .062 / .176 = .352273
    # var = vB/(nB mA^2) + vA mB^2/(nA mA^4)
    #     = .181356/(1000*.030976) + .145024*.056644/(1000*.000959512576)
    #     = .0058547 + .0085614 = .0144161 -> SE = .120067
    r = ab.frequentist_test(A, B, relative=True)
    assert r.lift == pytest.approx(0.352273, abs=1e-6)
    assert r.se == pytest.approx(0.120067, abs=1e-5)
    assert r.p_value == pytest.approx(2 * stats.t.sf(0.352273 / 0.120067, r.dof), rel=1e-3)


def test_means_match_scipy_welch_on_raw_data():
    rng = np.random.default_rng(7)
    x = rng.gamma(2.0, 30.0, 400)
    y = rng.gamma(2.2, 30.0, 300)
    a = ab.SampleMeanStatistic(len(x), x.sum(), (x**2).sum())
    b = ab.SampleMeanStatistic(len(y), y.sum(), (y**2).sum())
    assert a.variance == pytest.approx(np.var(x, ddof=1))
    ref = stats.ttest_ind(y, x, equal_var=False)
    ci = ref.confidence_interval(0.95)
    r = ab.frequentist_test(a, b)
    assert r.lift == pytest.approx(y.mean() - x.mean())
    assert r.p_value == pytest.approx(ref.pvalue)
    assert r.dof == pytest.approx(ref.df)
    assert (r.ci_low, r.ci_high) == pytest.approx((ci.low, ci.high))


def test_fisher_exact_published_example():
    # R's fisher.test tea-tasting example: [[3, 1], [1, 3]] -> p = 0.4857
    a = ab.ProportionStatistic(4, 3)
    b = ab.ProportionStatistic(4, 1)
    assert ab.fisher_exact_p(a, b) == pytest.approx(0.4857, abs=1e-4)
    assert ab.small_counts(a, b)
    assert not ab.small_counts(A, B)


# ---------------------------------------------------------------- bayesian
def test_chance_to_win_and_risk():
    # Gaussian on the relative lift: N(.352273, .120067)
    res = ab.bayesian_test(A, B)
    mu, sd = 0.062 / 0.176, res.sd
    # chance to win = Phi(mu / sd) = Phi(2.934) = 0.99833
    assert res.chance_to_win == pytest.approx(stats.norm.cdf(mu / sd))
    assert res.chance_to_win == pytest.approx(0.99833, abs=1e-4)
    # risk = [E max(lift, 0), E max(-lift, 0)] by numerical integration
    pdf = stats.norm(mu, sd).pdf
    r_ctrl = integrate.quad(lambda x: x * pdf(x), 0, np.inf)[0]
    r_var = integrate.quad(lambda x: -x * pdf(x), -np.inf, 0)[0]
    assert res.risk_control == pytest.approx(r_ctrl, rel=1e-6)
    assert res.risk_variant == pytest.approx(r_var, rel=1e-4)


def test_risk_symmetric_at_zero_lift():
    # lift ~ N(0, 1): both risks are E max(X, 0) = 1/sqrt(2 pi) = .398942
    assert ab.risk(0.0, 1.0) == pytest.approx((0.398942, 0.398942), abs=1e-6)


# ---------------------------------------------------------------- health
def test_srm():
    assert ab.srm_test([1000, 1000]).p_value == pytest.approx(1.0)
    # [1050, 950] vs 50/50: chi2 = 50^2/1000 * 2 = 5.0 ; p = chi2.sf(5, 1) = .0253
    r = ab.srm_test([1050, 950])
    assert r.chi2 == pytest.approx(5.0)
    assert r.p_value == pytest.approx(0.025347, abs=1e-6)
    assert r.ok
    # [1100, 900]: chi2 = 100^2/1000 * 2 = 20 ; p = 7.7e-6 < 0.001 -> flagged
    assert not ab.srm_test([1100, 900]).ok
    # a 30/70 split observed exactly is fine
    assert ab.srm_test([300, 700], [0.3, 0.7]).p_value == pytest.approx(1.0)


def test_standardised_mean_difference():
    # means 10 and 11, both variances 4 -> (11 - 10) / sqrt(4) = 0.5
    a = ab.SampleMeanStatistic(3, 30, 308)  # 8, 10, 12: sum 30, ss 308, var 4
    b = ab.SampleMeanStatistic(3, 33, 371)  # 9, 11, 13: sum 33, ss 371, var 4
    assert ab.standardised_mean_difference(a, b) == pytest.approx(0.5)


# ---------------------------------------------------------------- multiple comparisons
def test_holm_by_hand():
    # sorted .005 .01 .03 .04 times 4 3 2 1 = .02 .03 .06 .04 -> running max .02 .03 .06 .06
    p = [0.01, 0.04, 0.03, 0.005]
    assert ab.adjust_p_values(p, "holm") == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_bh_by_hand_and_scipy():
    # sorted .005 .01 .03 .04 times 4/1 4/2 4/3 4/4 = .02 .02 .04 .04 (min from the top)
    p = [0.01, 0.04, 0.03, 0.005]
    assert ab.adjust_p_values(p, "bh") == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert ab.adjust_p_values(p, "bh") == pytest.approx(stats.false_discovery_control(p))
    assert ab.adjust_p_values(p, "none") == pytest.approx(p)


# ---------------------------------------------------------------- CUPED
def _cuped_data():
    rng = np.random.default_rng(3)
    x = rng.normal(100, 20, 2000)
    g = np.repeat([0, 1], 1000)
    y = 0.5 * x + rng.normal(0, 8, 2000) + 2.0 * g
    return x, y, g


def _reg_stat(x, y):
    post = ab.SampleMeanStatistic(len(y), y.sum(), (y**2).sum())
    pre = ab.SampleMeanStatistic(len(x), x.sum(), (x**2).sum())
    return ab.RegressionAdjustedStatistic(post, pre, (x * y).sum(), 0.0)


def test_cuped_theta_and_adjusted_lift():
    x, y, g = _cuped_data()
    stats_ = ab.with_theta(
        {"A": _reg_stat(x[g == 0], y[g == 0]), "B": _reg_stat(x[g == 1], y[g == 1])}
    )
    # theta = pooled cov(y, x) / var(x)
    theta = np.cov(y, x, ddof=1)[0, 1] / np.var(x, ddof=1)
    assert stats_["A"].theta == pytest.approx(theta)
    adj = y - theta * x
    for k, grp in (("A", 0), ("B", 1)):
        assert stats_[k].variance == pytest.approx(np.var(adj[g == grp], ddof=1))
    r = ab.frequentist_test(stats_["A"], stats_["B"])
    ref = stats.ttest_ind(adj[g == 1], adj[g == 0], equal_var=False)
    assert r.lift == pytest.approx(adj[g == 1].mean() - adj[g == 0].mean())
    assert r.p_value == pytest.approx(ref.pvalue)
    # variance reduction is about rho^2 = .5^2*400 / (.5^2*400 + 64) = 100/164 = .61
    assert ab.variance_reduction(stats_["A"]) == pytest.approx(0.61, abs=0.05)
