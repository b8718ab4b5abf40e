"""A/B test statistics (core.experiments), with known answers.

Expected values are worked out by hand (arithmetic in the comments) or cross-checked against
scipy (Welch t-test, Fisher, chi-square, false_discovery_control, numerical integration).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import integrate, stats

from core import experiments as ab
from core.errors import InputError
from core.experiments import (
    analyse,
    default_control,
    detect_roles,
    from_frame,
    lift_posterior,
    load_experiment,
    results_table,
    to_dict,
    variant_intervals,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "experiment.csv"
AGGREGATED = ROOT / "tests" / "data" / "experiment_aggregated.csv"

A = ab.ProportionStatistic(n=1000, sum=176)
B = ab.ProportionStatistic(n=1000, sum=238)
# The decision p of 176/1000 vs 238/1000 is the relative (delta-method) test's: t = .352273 /
# .120067 (test_relative_lift_delta_method_by_hand) on the Welch df of the two variances
_QA, _QB = 0.000145024, 0.000181356
REL_P = 2 * stats.t.sf(0.352273 / 0.120067, (_QA + _QB) ** 2 / (_QA**2 / 999 + _QB**2 / 999))


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


# ---------------------------------------------------------------- the bundled experiment
def test_bundled_experiment_reproduces_the_known_answer():
    exp = load_experiment(SAMPLE)
    assert exp.roles["variant"] == "group"
    assert exp.roles["unit"] == "customer_id"
    assert exp.pre_period == "pre_period_spend"
    assert exp.outcomes[0] == "retained" and exp.kinds["retained"] == "proportion"
    assert exp.segments == ("segment",)
    res = analyse(exp)
    assert res.control == "A"
    (b,) = res.variants
    assert (b.control_value, b.value) == pytest.approx((0.176, 0.238))
    assert b.absolute.p_value == pytest.approx(0.0006, abs=0.0001)
    assert res.srm.ok and res.healthy
    v = res.verdicts["B"]
    assert v.outcome == "win"
    assert "17.6%" in v.text and "23.8%" in v.text and "+35% relative" in v.text
    assert f"p = {REL_P:.4f}" in v.text and f"{REL_P:.4f}" == "0.0034"
    # CUPED on the pre-period spend narrows the interval
    assert res.cuped is not None and res.cuped.variance_reductions["B"] > 0
    with_cuped = analyse(exp, use_cuped=True).variants[0]
    assert with_cuped.absolute.se < b.absolute.se


def test_json_keeps_the_spec_keys():
    out = to_dict(analyse(load_experiment(SAMPLE)))
    assert {"type", "control", "srm", "variants"} <= out.keys()
    assert out["type"] == "proportion" and out["control"] == "A"
    assert set(out["srm"]) >= {"p_value", "ok"}
    v = out["variants"][0]
    for k in ("variant", "units", "value", "control_value", "absolute", "relative"):
        assert k in v
    assert set(v["absolute"]) == {"lift", "se", "ci", "p_value"}
    assert len(v["risk"]) == 2 and 0 <= v["chance_to_win"] <= 1


def test_segments_match_a_subset_analysis():
    exp = load_experiment(SAMPLE)
    res = analyse(exp, segment="segment")
    seg = res.segments.filter(pl.col("segment") == "VIP").row(0, named=True)
    sub = from_frame(pl.read_csv(SAMPLE).filter(pl.col("segment") == "VIP"))
    ref = analyse(sub).variants[0]
    assert seg["p_value"] == pytest.approx(ref.relative.p_value)
    assert seg["relative_lift"] == pytest.approx(ref.relative.lift)


def test_tables_for_the_page():
    res = analyse(load_experiment(SAMPLE))
    t = results_table(res)
    assert t["variant"].to_list() == ["A", "B"]
    iv = variant_intervals(res)
    row = iv.filter(pl.col("variant") == "A").row(0, named=True)
    # A: .176 +- t(.975, 999) * sqrt(.145024/1000) = .176 +- 1.96234 * .0120426
    assert row["ci_low"] == pytest.approx(0.176 - 1.962341 * 0.0120426, abs=1e-5)
    post = lift_posterior(res)
    assert post["relative_lift"].min() < 0.352 < post["relative_lift"].max()


# ---------------------------------------------------------------- aggregated and edge cases
def test_aggregated_file_with_three_variants_and_holm():
    exp = load_experiment(AGGREGATED)
    assert exp.aggregated and exp.variants == ("control", "offer_10", "offer_20")
    res = analyse(exp, correction="holm")
    assert res.control == "control"
    by = {r.variant: r for r in res.variants}
    # offer_10 is the sample's 176 vs 238; Holm with two tests doubles the smaller p, on the
    # decision (relative) scale
    assert by["offer_10"].absolute.p_value == pytest.approx(0.000612, abs=2e-6)
    assert by["offer_10"].relative.p_value == pytest.approx(REL_P, rel=1e-4)
    assert by["offer_10"].p_adjusted == pytest.approx(2 * REL_P, rel=1e-4)
    assert by["offer_20"].p_adjusted == pytest.approx(by["offer_20"].relative.p_value)
    bh = analyse(exp, correction="bh")
    p = [by["offer_10"].relative.p_value, by["offer_20"].relative.p_value]
    assert [r.p_adjusted for r in bh.variants] == pytest.approx(stats.false_discovery_control(p))


def test_aggregated_means():
    df = pl.DataFrame(
        {"variant": ["A", "B"], "units": [3, 3], "sum": [30, 33], "sum_squares": [308, 371]}
    )
    exp = from_frame(df)
    assert exp.kinds["sum"] == "mean"
    r = analyse(exp).variants[0]
    # means 10 and 11, variance 4 each: SE = sqrt(4/3 + 4/3) = 1.63299
    assert r.absolute.se == pytest.approx(1.632993, abs=1e-6)


def test_yes_no_outcomes_dates_and_cross_variant_units():
    start = date(2024, 1, 1)
    n = 400
    df = pl.DataFrame(
        {
            "user_id": [f"u{i}" for i in range(n)] + ["u0"],
            "variant": ["control", "treatment"] * (n // 2) + ["treatment"],
            "converted": (["yes", "no", "no", "yes", "no"] * (n // 5)) + ["yes"],
            "revenue": [str(i % 7) for i in range(n)] + ["1"],
            "signup_date": [str(start + timedelta(days=i % 10)) for i in range(n)] + ["2024-01-01"],
        }
    )
    exp = from_frame(df)
    assert exp.kinds == {"converted": "proportion", "revenue": "mean"}
    assert exp.date == "signup_date"
    assert exp.units_in_two_variants == 1  # u0 is in control and treatment: left out
    assert exp.frame.height == n - 1
    res = analyse(exp)
    assert not next(c for c in res.checks if c.name == "Units in two variants").ok
    cum = res.cumulative
    assert cum is not None and cum["date"].max() == start + timedelta(days=9)
    last = cum.sort("date").row(-1, named=True)
    assert last["relative_lift"] == pytest.approx(res.variants[0].relative.lift)


def test_srm_failure_is_shown_in_the_verdict():
    df = pl.DataFrame({"variant": ["A", "B"], "units": [1100, 900], "conversions": [200, 200]})
    res = analyse(from_frame(df))
    assert not res.srm.ok and not res.healthy
    assert res.verdicts["B"].outcome == "untrusted"
    assert "Do not act" in res.verdicts["B"].text


def test_inconclusive_verdict_mentions_mde():
    df = pl.DataFrame({"variant": ["A", "B"], "units": [500, 500], "conversions": [100, 104]})
    v = analyse(from_frame(df)).verdicts["B"]
    assert v.outcome == "inconclusive" and "No measurable difference" in v.text


def test_default_control():
    assert default_control(["B", "A"]) == "A"
    assert default_control(["treatment", "Control"]) == "Control"
    assert default_control(["1", "0"]) == "0"
    assert default_control(["x", "y"]) == "x"


def test_bad_input_says_what_and_where():
    df = pl.DataFrame({"group": ["A", "B", "A"], "revenue": ["1.5", "abc", "2"]})
    # data row 2 is line 3 of the file (after the header)
    with pytest.raises(InputError, match=r"'abc'.*file 'x.csv'.*column 'revenue'.*row 3"):
        from_frame(df, name="x.csv", overrides={"outcome": "revenue"})
    with pytest.raises(InputError, match="cannot find an outcome column"):
        from_frame(df, name="x.csv")
    with pytest.raises(InputError, match="at least two variants"):
        from_frame(pl.DataFrame({"group": ["A", "A"], "y": [1, 0]}))
    with pytest.raises(InputError, match="no column 'nope'"):
        detect_roles(pl.DataFrame({"group": ["A"], "y": [1]}), {"variant": "nope"})
    agg = pl.DataFrame({"variant": ["A", "B"], "units": [10, 10], "conversions": [3, 12]})
    with pytest.raises(InputError, match="more conversions than units"):
        from_frame(agg)
    with pytest.raises(InputError, match="no variant 'Z'"):
        analyse(load_experiment(SAMPLE), control="Z")


# ---------------------------------------------------------------- what the page shows
def test_headline_figures_of_the_sample():
    from core.experiments import headline_figures

    res = analyse(load_experiment(SAMPLE))
    control, variant, p, win = headline_figures(res, res.variants[0])
    # 176/1000 = 17.6%, 238/1000 = 23.8%, relative lift .062 / .176 = +35.2%
    assert (control.label, control.value) == ("A (control)", "17.6%")
    assert (variant.label, variant.value, variant.delta) == ("B", "23.8%", "+35.2% relative")
    # one comparison: the relative test's p (REL_P = 0.0034, see above), not "adjusted"
    assert (p.label, p.value) == ("p-value", "0.0034")
    assert win.label == "Chance to win" and win.value == "over 99%"


def test_headline_figures_name_the_correction():
    from core.experiments import control_label, headline_figures

    exp = load_experiment(AGGREGATED)
    holm = analyse(exp, correction="holm")
    assert control_label(holm) == "control"  # already says it
    figs = headline_figures(holm, holm.variants[0])
    # Holm with two tests doubles the smaller p: 2 * 0.003385 = 0.00677 -> "0.0068"
    assert (figs[2].label, figs[2].value) == ("p-value (adjusted)", f"{2 * REL_P:.4f}")
    assert f"{2 * REL_P:.4f}" == "0.0068" and "Holm" in figs[2].help
    plain = analyse(exp, correction="none")
    assert headline_figures(plain, plain.variants[0])[2].value == "0.0034"
    assert headline_figures(plain, plain.variants[0])[2].label == "p-value"


def test_small_count_notes_give_fisher_p():
    from core.experiments import small_count_notes

    df = pl.DataFrame({"variant": ["A", "B"], "units": [40, 40], "conversions": [3, 8]})
    res = analyse(from_frame(df))
    ref = stats.fisher_exact([[3, 37], [8, 32]]).pvalue  # scipy, two-sided
    (note,) = small_count_notes(res)
    assert note.startswith("Small counts in B") and f"p = {ab.fmt_p(ref)}" in note
    assert small_count_notes(analyse(load_experiment(SAMPLE))) == []  # 176 / 238 are not small


def test_cuped_table_and_summary():
    from core.experiments import cuped_summary, cuped_table

    exp = load_experiment(SAMPLE)
    for used in (False, True):
        res = analyse(exp, use_cuped=used)
        t = cuped_table(res).row(0, named=True)
        assert t["variant"] == "B"
        # without CUPED: .062 / .176 = .352273 (by hand above), also when CUPED is switched on
        assert t["relative_lift_plain"] == pytest.approx(0.352273, abs=1e-6)
        assert t["p_value_plain"] == pytest.approx(REL_P, rel=1e-4)
        assert t["ci_low_cuped"] < t["relative_lift_cuped"] < t["ci_high_cuped"]
        assert t["p_value_cuped"] < t["p_value_plain"]  # less variance, smaller p
        text = cuped_summary(res)
        assert "**pre_period_spend**" in text
        assert text.endswith("adjusted." if used else "use it.")
    agg = analyse(load_experiment(AGGREGATED))
    assert cuped_summary(agg) is None and cuped_table(agg).height == 0


def test_segment_caution_counts_comparisons_and_uses_alpha():
    from core.experiments import segment_caution

    exp = load_experiment(SAMPLE)
    # segments New, Returning, VIP with one variant each: 3 comparisons, Holm by default
    text = segment_caution(analyse(exp))
    assert text.startswith("3 comparisons; p-values corrected with Holm")
    none = segment_caution(analyse(exp, correction="none"))
    assert "at 5% about 1 in 20" in none
    assert "at 10% about 1 in 10" in segment_caution(analyse(exp, alpha=0.10, correction="none"))
    assert segment_caution(analyse(load_experiment(AGGREGATED))) is None


def test_roles_summary_of_an_aggregated_file():
    from core.experiments import roles_summary

    text = roles_summary(load_experiment(AGGREGATED))
    assert text == (
        "Aggregated file: variant **variant**, units **units**, outcome **conversions** "
        "(proportion)."
    )


def test_baseline_rate_and_mde():
    from core.experiments import baseline_rate, mde_lines, mde_table

    res = analyse(load_experiment(SAMPLE))
    assert baseline_rate(res) == pytest.approx(0.176)  # 176 / 1000
    assert baseline_rate(None) == 0.1
    means = pl.DataFrame(
        {"variant": ["A", "B"], "units": [3, 3], "sum": [30, 33], "sum_squares": [308, 371]}
    )
    assert baseline_rate(analyse(from_frame(means)), default=0.2) == 0.2
    # MDE = (z.975 + z.8) * SE / .176 = (1.959964 + 0.841621) * .0180660 / .176 = .28758
    t = mde_table(res).row(0, named=True)
    assert t["variant"] == "B" and t["units"] == 1000
    assert t["mde_relative"] == pytest.approx(0.28758, abs=1e-4)
    assert mde_lines(res) == ["B: about 29% (1,000 units)"]


def test_every_result_column_has_a_header():
    from core.experiments import RESULT_COLUMNS, cuped_table, mde_table

    res = analyse(load_experiment(SAMPLE))
    for table in (results_table(res), cuped_table(res), res.segments, mde_table(res)):
        assert set(table.columns) <= RESULT_COLUMNS.keys()
    kinds = {kind for _, kind in RESULT_COLUMNS.values()}
    assert kinds == {"text", "count", "value", "share", "p", "number"}


def test_sample_size_note():
    assert ab.sample_size_note(0.05, 0.8).startswith("Two-sided test at 0.05, 80% power")


def test_non_significant_headline_names_no_direction():
    # 176 / 1000 retained in A, 181 / 1000 in B: a gap well inside the noise
    df = pl.DataFrame(
        {
            "customer_id": list(range(2000)),
            "group": ["A"] * 1000 + ["B"] * 1000,
            "retained": [1] * 176 + [0] * 824 + [1] * 181 + [0] * 819,
        }
    )
    v = analyse(from_frame(df)).verdicts["B"]
    assert v.outcome == "inconclusive"
    assert v.headline.startswith(
        "Retention was 17.6% in A and 18.1% in B; the difference is not clear (p = "
    )
    assert " rose " not in v.text and " fell " not in v.text
    # the decision p by hand: relative lift by the delta method, Welch df
    pa, pb = 0.176, 0.181
    qa, qb = pa * (1 - pa) / 1000, pb * (1 - pb) / 1000  # per-unit variance p(1 - p) / n
    lift = pb / pa - 1
    var = qb / pa**2 + pb**2 * qa / pa**4
    df_w = (qa + qb) ** 2 / (qa**2 / 999 + qb**2 / 999)
    p = 2 * stats.t.sf(abs(lift) / math.sqrt(var), df_w)
    assert 0.5 < p < 0.95 and f"(p = {p:.3f})." in v.headline
