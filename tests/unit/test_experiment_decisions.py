"""Decisions drawn from an experiment: the metric's direction, one decision scale (the relative
delta-method test, as GrowthBook's gbstats), CUPED fitted per control-variant pair, and segment
claims under the same multiple-testing correction as the variants.

Every expected number is computed here from the published formulas (numpy / scipy for the
distributions only), not taken from core's output.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import integrate, stats

from core import experiments as ex
from core.__main__ import main


def _units(groups: dict[str, list[float]], outcome: str) -> pl.DataFrame:
    """A row-level experiment: one row per unit with its group and outcome."""
    rows = [(g, y) for g, ys in groups.items() for y in ys]
    return pl.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(len(rows))],
            "group": [g for g, _ in rows],
            outcome: [y for _, y in rows],
        }
    )


def _rate(n: int, k: int) -> list[float]:
    return [1.0] * k + [0.0] * (n - k)


def _welch_dof(va: float, na: int, vb: float, nb: int) -> float:
    qa, qb = va / na, vb / nb
    return (qa + qb) ** 2 / (qa**2 / (na - 1) + qb**2 / (nb - 1))


def _relative(ma: float, va: float, na: int, mb: float, vb: float, nb: int) -> tuple[float, float]:
    """gbstats' relative lift and delta-method SE: (mB - mA) / mA,
    sqrt(vB / (nB mA^2) + vA mB^2 / (nA mA^4))."""
    return (mb - ma) / ma, math.sqrt(vb / (nb * ma**2) + va * mb**2 / (na * ma**4))


# ---------------------------------------------------------------- 1. direction
# A churn experiment: the treatment raised churn from 30% (900 / 3000) to 36% (1080 / 3000).
CHURN = _units({"A": _rate(3000, 900), "B": _rate(3000, 1080)}, "churned")


def test_direction_is_guessed_from_the_metric_name():
    for name in ("churned", "churn_rate", "return_rate", "cancelled", "bounceRate", "cost"):
        assert ex.guess_lower_is_better(name), name
    for name in ("delivery_time", "time_to_ship"):
        assert ex.guess_lower_is_better(name), name
    for name in ("retained", "converted", "revenue", "returning_customers", "lifetime_value"):
        assert not ex.guess_lower_is_better(name), name


def test_churn_rising_is_a_loss_when_lower_is_better():
    res = ex.analyse(ex.from_frame(CHURN))
    assert res.lower_is_better and res.direction_guessed
    (b,) = res.variants
    # by hand: vA = .3 * .7 = .21, vB = .36 * .64 = .2304; lift = .06 / .3 = .2
    mu, sd = _relative(0.30, 0.21, 3000, 0.36, 0.2304, 3000)
    assert b.relative.lift == pytest.approx(0.2) and mu == pytest.approx(0.2)
    p = 2 * stats.t.sf(mu / sd, _welch_dof(0.21, 3000, 0.2304, 3000))
    assert b.relative.p_value == pytest.approx(p) and p < 1e-4
    assert b.outcome == "lose"
    # chance to win = P(lift < 0) under N(mu, sd): tiny, not "99.99%"
    assert b.bayes.chance_to_win == pytest.approx(stats.norm.cdf(0, mu, sd))
    assert b.bayes.chance_to_win < 0.001
    # risk of keeping control: what we lose if B was in fact better (lift < 0);
    # risk of shipping B: E[max(lift, 0)] -- the churn we add. Integrated numerically.
    keep = integrate.quad(lambda x: -x * stats.norm.pdf(x, mu, sd), -np.inf, 0)[0]
    ship = integrate.quad(lambda x: x * stats.norm.pdf(x, mu, sd), 0, np.inf)[0]
    assert (b.bayes.risk_control, b.bayes.risk_variant) == pytest.approx((keep, ship), rel=1e-6)
    v = res.verdicts["B"]
    assert v.outcome == "lose" and "hurts" in v.recommendation and "scale B up" not in v.text
    assert "Lower churn is better" in v.detail and "under 1%" in v.detail
    assert ex.direction(res).startswith("Lower churn is better (guessed from the name")
    figures = ex.headline_figures(res, b)
    assert figures[1].delta_color == "inverse" and figures[3].value == "under 1%"
    iv = ex.variant_intervals(res)
    assert iv["status"].to_list() == ["control", "worse"]


def test_aggregated_churn_file_reads_the_same():
    # one row per variant: units and churned counts (900 / 3000 vs 1080 / 3000)
    agg = pl.DataFrame({"variant": ["A", "B"], "units": [3000, 3000], "churned": [900, 1080]})
    res = ex.analyse(ex.from_frame(agg))
    assert res.lower_is_better and res.kind == "proportion"
    assert res.variants[0].outcome == "lose"


def test_direction_can_be_set_against_the_guess():
    higher = ex.analyse(ex.from_frame(CHURN), lower_is_better=False)
    assert not higher.lower_is_better and not higher.direction_guessed
    assert higher.variants[0].outcome == "win" and higher.variants[0].bayes.chance_to_win > 0.999


def test_abtest_json_carries_the_direction(tmp_path: Path, capsys):
    path = tmp_path / "churn.csv"
    CHURN.write_csv(path)
    assert main(["abtest", str(path), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["lower_is_better"] is True and d["variants"][0]["outcome"] == "lose"
    assert d["variants"][0]["chance_to_win"] < 0.001
    assert main(["abtest", str(path), "--no-lower-is-better", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["lower_is_better"] is False and d["variants"][0]["outcome"] == "win"
    sample = str(Path(__file__).resolve().parents[2] / "data" / "experiment.csv")
    assert main(["abtest", sample, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["lower_is_better"] is False and d["variants"][0]["outcome"] == "win"
    assert main(["abtest", sample, "--lower-is-better", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["lower_is_better"] is True and d["variants"][0]["outcome"] == "lose"


# ---------------------------------------------------------------- 2. one decision scale
# Revenue per unit with a small control mean: control 500 units, mean 0.50, sd 10; variant
# 500 units, mean 3.00, sd 20 (sum_squares = (n - 1) sd^2 + sum^2 / n).
REVENUE = pl.DataFrame(
    {
        "variant": ["control", "offer"],
        "units": [500, 500],
        "sum": [250.0, 1500.0],
        "sum_squares": [499 * 100 + 250.0**2 / 500, 499 * 400 + 1500.0**2 / 500],
    }
)


def test_small_control_mean_decides_on_the_relative_scale():
    res = ex.analyse(ex.from_frame(REVENUE))
    (b,) = res.variants
    # absolute: 2.5 / sqrt(100/500 + 400/500) = 2.5 -> p about 0.013 (the old "win")
    dof = _welch_dof(100, 500, 400, 500)
    assert b.absolute.p_value == pytest.approx(2 * stats.t.sf(2.5, dof))
    assert b.absolute.p_value < 0.05
    # relative: lift 5.0, var = 400 / (500 * .25) + 100 * 9 / (500 * .0625) = 3.2 + 28.8 = 32
    mu, sd = _relative(0.5, 100, 500, 3.0, 400, 500)
    assert (mu, sd) == pytest.approx((5.0, math.sqrt(32)))
    p = 2 * stats.t.sf(mu / sd, dof)
    assert b.relative.p_value == pytest.approx(p) and p > 0.3
    half = stats.t.ppf(0.975, dof) * sd
    assert (b.relative.ci_low, b.relative.ci_high) == pytest.approx((mu - half, mu + half))
    assert b.relative.ci_low < 0 < b.relative.ci_high
    # one scale: the outcome, the headline p and the text all follow the relative test
    assert b.outcome == "inconclusive"
    v = res.verdicts["offer"]
    assert v.outcome == "inconclusive" and "works" not in v.text
    assert f"p = {p:.3f}" in v.headline
    assert ex.headline_figures(res, b)[2].value == f"{p:.3f}"
    assert ex.results_table(res)["p_value"][1] == pytest.approx(p)


# ---------------------------------------------------------------- 3. CUPED per pair
def _three_arms() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], pl.DataFrame]:
    """Three arms whose outcome depends on the pre-period covariate with different slopes."""
    rng = np.random.default_rng(42)
    n = 400
    slopes, shifts = {"A": 1.0, "B": 2.0, "C": 0.2}, {"A": 0.0, "B": 1.0, "C": 0.5}
    xs = {g: rng.normal(10, 3, n) for g in slopes}
    ys = {g: 5 + shifts[g] + slopes[g] * xs[g] + rng.normal(0, 2, n) for g in slopes}
    frame = pl.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(3 * n)],
            "group": [g for g in slopes for _ in range(n)],
            "pre_period_spend": np.concatenate([xs[g] for g in slopes]),
            "spend": np.concatenate([ys[g] for g in slopes]),
        }
    )
    return xs, ys, frame


def _cuped_by_hand(xa, ya, xb, yb, theta: float) -> tuple[float, float]:
    """Relative CUPED lift and SE: adjusted difference over the unadjusted control mean;
    variances of y - theta x; delta method with the unadjusted means (gbstats)."""
    ma, mb = ya.mean(), yb.mean()
    adj_a, adj_b = ya - theta * xa, yb - theta * xb
    lift = (adj_b.mean() - adj_a.mean()) / ma
    va, vb = adj_a.var(ddof=1), adj_b.var(ddof=1)
    return lift, math.sqrt(vb / (len(yb) * ma**2) + va * mb**2 / (len(ya) * ma**4))


def test_cuped_theta_is_fitted_per_control_variant_pair():
    xs, ys, frame = _three_arms()
    res = ex.analyse(ex.from_frame(frame, overrides={"outcome": "spend"}), use_cuped=True)
    assert res.used_cuped and [r.variant for r in res.variants] == ["B", "C"]
    pooled_x = np.concatenate(list(xs.values()))
    pooled_y = np.concatenate(list(ys.values()))
    theta_all = np.cov(pooled_y, pooled_x, ddof=1)[0, 1] / pooled_x.var(ddof=1)
    for r in res.variants:
        k = r.variant
        x = np.concatenate([xs["A"], xs[k]])
        y = np.concatenate([ys["A"], ys[k]])
        theta = np.cov(y, x, ddof=1)[0, 1] / x.var(ddof=1)  # gbstats compute_theta(a, b)
        lift, se = _cuped_by_hand(xs["A"], ys["A"], xs[k], ys[k], theta)
        assert r.theta == pytest.approx(theta)
        assert r.relative.lift == pytest.approx(lift)
        assert r.relative.se == pytest.approx(se)
        # the old theta pooled over all three arms gives another answer
        pooled_lift, pooled_se = _cuped_by_hand(xs["A"], ys["A"], xs[k], ys[k], theta_all)
        assert abs(theta - theta_all) > 0.1
        assert pooled_lift != pytest.approx(lift) and pooled_se != pytest.approx(se)
        # variance removed in this pair, units-weighted
        before = ys["A"].var(ddof=1) + ys[k].var(ddof=1)
        after = (ys["A"] - theta * xs["A"]).var(ddof=1) + (ys[k] - theta * xs[k]).var(ddof=1)
        assert r.variance_reduction == pytest.approx(1 - after / before)
    assert ex.cuped_table(res)["theta"].to_list() == pytest.approx([r.theta for r in res.variants])
    assert "fitted per comparison with A" in ex.cuped_summary(res)


# ---------------------------------------------------------------- 4. segment claims
def _segmented(first: tuple[int, int]) -> pl.DataFrame:
    """Six segments of 300 + 300 units, control 20% everywhere; B 68 / 300 in five of them and
    `first` = (units, conversions) in S1."""
    rows: list[tuple[str, str, float]] = []
    for i in range(1, 7):
        nb, cb = first if i == 1 else (300, 68)
        rows += [(f"S{i}", "A", y) for y in _rate(300, 60)]
        rows += [(f"S{i}", "B", y) for y in _rate(nb, cb)]
    return pl.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(len(rows))],
            "segment": [r[0] for r in rows],
            "group": [r[1] for r in rows],
            "retained": [r[2] for r in rows],
        }
    )


def _seg_p(ca: int, cb: int, n: int = 300) -> float:
    pa, pb = ca / n, cb / n
    va, vb = pa * (1 - pa), pb * (1 - pb)
    mu, sd = _relative(pa, va, n, pb, vb, n)
    return 2 * stats.t.sf(abs(mu) / sd, _welch_dof(va, n, vb, n))


def test_segment_claims_use_the_correction_and_stay_silent_when_none_differs():
    res = ex.analyse(ex.from_frame(_segmented((300, 88))), segment="segment")
    assert res.variants[0].outcome == "win"
    s1 = res.segments.filter(pl.col("segment") == "S1").row(0, named=True)
    # S1 alone looks significant (20% -> 29.3%, p about 0.03) ...
    assert s1["p_value"] == pytest.approx(_seg_p(60, 88)) and s1["p_value"] < 0.05
    # ... but not after Holm over the six comparisons: 6 x the smallest p
    assert s1["p_adjusted"] == pytest.approx(6 * _seg_p(60, 88)) and s1["p_adjusted"] > 0.05
    v = res.verdicts["B"]
    assert "segment" not in v.recommendation and "S1" not in v.text
    assert "No segment's effect differs significantly" in ex.segment_caution(res)


def test_a_segment_that_differs_after_correction_is_named():
    res = ex.analyse(ex.from_frame(_segmented((300, 120))), segment="segment")
    s1 = res.segments.filter(pl.col("segment") == "S1").row(0, named=True)
    assert s1["p_adjusted"] == pytest.approx(6 * _seg_p(60, 120)) and s1["p_adjusted"] < 0.05
    v = res.verdicts["B"]
    assert "starting with the S1 segment" in v.recommendation
    assert "adjusted p" in v.recommendation
    assert "Significant after correction: S1 (B)" in ex.segment_caution(res)
