"""core.experiments.analysis and files: the bundled experiment's known answer, aggregated
files, yes/no outcomes, dates, the default control and bad input."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from scipy import stats

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
from tests.unit.experiments.hand import AGGREGATED, REL_P, SAMPLE


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
