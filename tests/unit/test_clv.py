"""BG/NBD and Gamma-Gamma (core.clv) against hand-worked examples and published values.

Published values: Fader, Hardie & Lee (2005) and Bruce Hardie's spreadsheets for the CDNOW
sample (notes 004, 021, 025), and the R package BTYD, as quoted by the lifetimes test suite.
The data files are described in tests/data/README.md.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import numpy as np
import numpy.testing as npt
import polars as pl
import pytest
from scipy import optimize

from core import clv
from core.clv import model as clv_model
from core.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data"
CAL_END = date(1997, 9, 30)  # end of the CDNOW calibration period (39 weeks from 1997-01-01)
PUBLISHED_BG = clv.BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426)  # weeks


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def cdnow_orders() -> pl.DataFrame:
    """CDNOW_sample.txt as a canonical orders frame (customer_id = sample id 1..2357)."""
    pattern = r"^\s*(\d+)\s+(\d+)\s+(\d{8})\s+(\d+)\s+([\d.]+)\s*$"
    raw = pl.read_csv(
        DATA / "CDNOW_sample.txt", has_header=False, separator="|", new_columns=["line"]
    )
    fields = raw.select(pl.col("line").str.extract_groups(pattern)).unnest("line")
    return fields.select(
        pl.col("2").cast(pl.Int64).cast(pl.Utf8).alias("customer_id"),
        pl.col("3").str.strptime(pl.Date, "%Y%m%d").alias("order_date"),
        pl.col("5").cast(pl.Float64).alias("revenue"),
    )


@pytest.fixture(scope="module")
def shipped_summary() -> pl.DataFrame:
    """The published calibration summary (weeks, rounded to 2 decimals)."""
    return pl.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv").select(
        pl.col("ID").cast(pl.Utf8).alias("customer_id"),
        pl.col("x").alias("frequency"),
        pl.col("t_x").alias("recency"),
        pl.col("T"),
        pl.col("zbar").alias("monetary_value"),
    )


@pytest.fixture(scope="module")
def weeks_summary(cdnow_orders) -> pl.DataFrame:
    return clv.summary(cdnow_orders, CAL_END, "weeks")


@pytest.fixture(scope="module")
def fitted(shipped_summary) -> clv.BGNBD:
    return clv.fit_bgnbd(shipped_summary)


# ---------------------------------------------------------------- summary
def _tiny_orders() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "customer_id": ["A", "A", "A", "A", "B", "C", "C", "C", "D"],
            "order_date": [
                datetime(2024, 1, 1, 9),
                datetime(2024, 1, 1, 17),  # same day as the line above: one purchase day
                datetime(2024, 1, 11),
                datetime(2024, 1, 31),
                datetime(2024, 2, 1),
                datetime(2024, 1, 20, 8),
                datetime(2024, 1, 20, 20),
                datetime(2024, 2, 15),  # after as_of: ignored
                datetime(2024, 3, 1),  # D only buys after as_of: not in the summary
            ],
            "revenue": [10.0, 5.0, 20.0, 40.0, 50.0, 7.0, 3.0, 99.0, 1.0],
        }
    )


@pytest.mark.parametrize("lazy", [False, True])
def test_summary_by_hand(lazy):
    orders = _tiny_orders()
    s = clv.summary(orders.lazy() if lazy else orders, date(2024, 2, 10))
    # A: days 01-01 (15), 01-11 (20), 01-31 (40): frequency 3 - 1 = 2, recency 31 - 1 = 30,
    #    T = Feb 10 - Jan 1 = 40, monetary = (20 + 40) / 2 = 30 (first day left out)
    # B: one day (02-01): frequency 0, recency 0, T = 9, monetary 0
    # C: one day (01-20, two lines) before as_of: frequency 0, recency 0, T = 21, monetary 0
    assert s.to_dicts() == [
        {"customer_id": "A", "frequency": 2, "recency": 30.0, "T": 40.0, "monetary_value": 30.0},
        {"customer_id": "B", "frequency": 0, "recency": 0.0, "T": 9.0, "monetary_value": 0.0},
        {"customer_id": "C", "frequency": 0, "recency": 0.0, "T": 21.0, "monetary_value": 0.0},
    ]
    w = clv.summary(orders, date(2024, 2, 10), unit="weeks")
    npt.assert_allclose(w["recency"], [30 / 7, 0, 0])  # weeks = days / 7
    npt.assert_allclose(w["T"], [40 / 7, 9 / 7, 21 / 7])
    assert w["monetary_value"].to_list() == [30.0, 0.0, 0.0]


def test_summary_bad_input():
    orders = _tiny_orders()
    with pytest.raises(InputError, match="revenue"):
        clv.summary(orders.drop("revenue"), date(2024, 2, 10))
    with pytest.raises(InputError, match="unit"):
        clv.summary(orders, date(2024, 2, 10), unit="months")
    with pytest.raises(InputError, match="order_date"):
        clv.summary(orders.with_columns(pl.col("order_date").cast(pl.Utf8)), date(2024, 2, 10))


def test_summary_matches_published_cdnow_summary(weeks_summary, shipped_summary):
    """Our summary of the raw CDNOW transactions = the published summary (rounded to 0.01)."""
    joined = weeks_summary.join(shipped_summary, on="customer_id", suffix="_pub")
    assert joined.height == shipped_summary.height == weeks_summary.height == 2357
    assert (joined["frequency"] == joined["frequency_pub"]).all()
    for col in ("recency", "T", "monetary_value"):
        npt.assert_allclose(joined[col], joined[f"{col}_pub"], atol=0.005 + 1e-9, rtol=0)


# ---------------------------------------------------------------- fits vs published values
def test_bgnbd_reproduces_published_fit(shipped_summary, weeks_summary, fitted):
    expected = [0.243, 4.414, 0.793, 2.426]  # FHL (2005), CDNOW, weeks
    npt.assert_array_almost_equal([fitted.r, fitted.alpha, fitted.a, fitted.b], expected, 3)
    ours = clv.fit_bgnbd(weeks_summary)  # the unrounded summary lands on the same values
    npt.assert_array_almost_equal([ours.r, ours.alpha, ours.a, ours.b], expected, 3)


def test_gamma_gamma_reproduces_published_fit(shipped_summary, weeks_summary):
    expected = [6.25, 3.74, 15.44]  # Hardie note 025, 946 repeat customers
    assert shipped_summary.filter(pl.col("frequency") > 0).height == 946
    for s in (shipped_summary, weeks_summary):
        gg = clv.fit_gamma_gamma(s)
        npt.assert_array_almost_equal([gg.p, gg.q, gg.v], expected, 2)


def test_fit_is_unit_free(cdnow_orders, weeks_summary):
    """Days instead of weeks: same r, a, b and alpha x 7 (time only rescales alpha)."""
    wk = clv.fit_bgnbd(weeks_summary)
    dy = clv.fit_bgnbd(clv.summary(cdnow_orders, CAL_END, "days"))
    npt.assert_allclose([dy.r, dy.alpha, dy.a, dy.b], [wk.r, wk.alpha * 7, wk.a, wk.b], rtol=1e-4)


def test_conditional_expectation_matches_hardie_sheet(fitted):
    # Hardie's BG/NBD spreadsheet: customer x=2, t_x=30.43, T=38.86, next 39 weeks -> 1.226
    got = clv.expected_purchases(fitted, 39.0, 2, 30.43, 38.86)
    assert abs(got[0] - 1.226) < 0.001


def test_unconditional_expectation_matches_hardie_sheet(fitted):
    # E[X(t)] for a new customer (FHL eq. 9) = conditional expectation at x = t_x = T = 0
    times = [0.1429, 1.0, 3.00, 31.8571, 32.00, 78.00]
    expected = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]  # Hardie's sheet
    got = [clv.expected_purchases(fitted, t, 0, 0.0, 0.0)[0] for t in times]
    npt.assert_array_almost_equal(got, expected, 3)


def test_purchase_count_pmf_matches_r_btyd():
    # BTYD bgnbd.pmf with the published parameters
    assert abs(clv.purchase_count_pmf(PUBLISHED_BG, 2, 10)[0] - 1.07869e-07) < 1e-11
    assert abs(clv.purchase_count_pmf(PUBLISHED_BG, 39, 0)[0] - 0.5737864) < 1e-7
    expected = [0.0019995214, 0.0015170236, 0.0011633150, 0.0009003148, 0.0007023638]
    expected += [0.0005517902, 0.0004361913, 0.0003467171, 0.0002769613, 0.0002222260]
    got = [clv.purchase_count_pmf(PUBLISHED_BG, 30, n)[0] for n in range(11, 21)]
    npt.assert_allclose(got, expected, atol=1e-10)


def test_pmf_is_a_distribution_with_eq9_mean():
    """sum_n P(X(t)=n) = 1 and sum_n n P(X(t)=n) = E[X(t)] (eq. 9, a different formula)."""
    n = np.arange(0, 3000)
    pmf = np.array([clv.purchase_count_pmf(PUBLISHED_BG, 52.0, int(k))[0] for k in n])
    assert abs(pmf.sum() - 1) < 1e-6
    mean = clv.expected_purchases(PUBLISHED_BG, 52.0, 0, 0.0, 0.0)[0]
    assert abs((n * pmf).sum() - mean) < 1e-3


def test_expected_spend_matches_hardie_sheet(weeks_summary, shipped_summary):
    gg = clv.fit_gamma_gamma(weeks_summary)
    first10 = shipped_summary.head(10)
    got = clv.expected_spend(gg, first10["frequency"], first10["monetary_value"])
    expected = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]  # note 025
    npt.assert_allclose(got, expected, atol=0.01)


# ---------------------------------------------------------------- P(alive) and sanity
def test_p_alive_is_one_for_one_time_buyers(fitted):
    got = clv.p_alive(fitted, [0, 0, 0], [0.0, 0.0, 0.0], [1.0, 38.0, 500.0])
    assert got.tolist() == [1.0, 1.0, 1.0]


def test_p_alive_hand_computed():
    # x=1, t_x=10, T=20, r=1, alpha=10, a=1, b=1:
    # odds(dead) = a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x) = 1 * (30/20)^2 = 2.25
    # P(alive) = 1 / (1 + 2.25) = 0.307692...
    m = clv.BGNBD(r=1.0, alpha=10.0, a=1.0, b=1.0)
    assert clv.p_alive(m, 1, 10.0, 20.0)[0] == pytest.approx(1 / 3.25, rel=1e-12)


def test_p_alive_bounds_and_monotonic(fitted):
    x = np.array([1, 1, 1, 1])
    # longer silence (T grows, recency fixed) -> lower P(alive)
    by_T = clv.p_alive(fitted, x, np.full(4, 10.0), np.array([10.0, 20.0, 30.0, 40.0]))
    assert np.all(np.diff(by_T) < 0)
    # more recent last purchase (recency grows, T fixed) -> higher P(alive)
    by_rec = clv.p_alive(fitted, x, np.array([5.0, 15.0, 25.0, 35.0]), np.full(4, 40.0))
    assert np.all(np.diff(by_rec) > 0)
    grid = np.stack(np.meshgrid(np.arange(0, 100, 10), np.arange(0, 100, 10))).reshape(2, -1)
    p = clv.p_alive(fitted, grid[0], grid[1], grid[1] + 30.0)
    assert np.all((p >= 0) & (p <= 1))


def test_p_alive_extreme_frequency_without_warnings(fitted):
    with np.errstate(all="raise"):
        assert clv.p_alive(fitted, 1000, 10.0, 100.0)[0] == 0.0
        assert np.isfinite(clv.expected_purchases(fitted, 39.0, 1000, 10.0, 100.0)).all()


def test_expected_purchases_monotonic(fitted):
    horizons = [1.0, 10.0, 39.0, 100.0]
    grows = [clv.expected_purchases(fitted, t, 3, 30.0, 38.0)[0] for t in horizons]
    assert np.all(np.diff(grows) > 0)
    # the same history, last purchase longer ago -> fewer expected purchases
    recent, stale = clv.expected_purchases(fitted, 39.0, [3, 3], [37.0, 5.0], [38.0, 38.0])
    assert recent > stale > 0


def test_expected_spend_shrinks_toward_population_mean():
    gg = clv.GammaGamma(p=6.0, q=4.0, v=15.0)  # population mean = 6 * 15 / 3 = 30
    # x=0 -> population mean; x=3, m=60: weight 18 / (18 + 3) = 6/7 -> 30/7 + 360/7 = 55.714
    got = clv.expected_spend(gg, [0, 3], [0.0, 60.0])
    npt.assert_allclose(got, [30.0, 390 / 7])


# ---------------------------------------------------------------- likelihood internals
def test_bgnbd_gradient_matches_finite_differences(shipped_summary):
    x, tx, T = (shipped_summary[c].to_numpy().astype(float) for c in ("frequency", "recency", "T"))
    w = np.ones_like(x)
    point = np.log([0.3, 0.2, 0.8, 2.0])
    args = (x, tx / T.max(), T / T.max(), w)
    _, grad = clv_model._bgnbd_nll(point, *args)
    approx = optimize.approx_fprime(point, lambda p: clv_model._bgnbd_nll(p, *args)[0], 1e-7)
    npt.assert_allclose(grad, approx, rtol=1e-4, atol=1e-6)


def test_gamma_gamma_gradient_matches_finite_differences(shipped_summary):
    rep = shipped_summary.filter(pl.col("frequency") > 0)
    x, m = rep["frequency"].to_numpy().astype(float), rep["monetary_value"].to_numpy()
    point = np.log([5.0, 3.0, 0.5])
    args = (x, m / m.mean(), np.ones_like(x))
    _, grad = clv_model._gg_nll(point, *args)
    approx = optimize.approx_fprime(point, lambda p: clv_model._gg_nll(p, *args)[0], 1e-7)
    npt.assert_allclose(grad, approx, rtol=1e-4, atol=1e-6)


def test_fit_recovers_simulated_parameters():
    truth = clv.BGNBD(r=0.8, alpha=40.0, a=0.6, b=3.0)  # days
    T = np.random.default_rng(1).integers(1, 731, 20_000).astype(float)
    m = clv.fit_bgnbd(clv.simulate_bgnbd(truth, T, seed=2))
    npt.assert_allclose([m.r, m.alpha, m.a, m.b], [0.8, 40.0, 0.6, 3.0], rtol=0.15)


def test_fit_needs_repeat_customers():
    few = pl.DataFrame(
        {"frequency": [0] * 50 + [1] * 5, "recency": [0.0] * 50 + [3.0] * 5, "T": [10.0] * 55}
    )
    with pytest.raises(InputError, match="repeat customers"):
        clv.fit_bgnbd(few)


# ---------------------------------------------------------------- app-facing functions
def test_customer_clv_on_cdnow(cdnow_orders, weeks_summary):
    out = clv.customer_clv(cdnow_orders, CAL_END)
    assert out.columns == ["customer_id", "p_alive", "expected_purchases_90d", "expected_clv_365d"]
    assert out.height == 2357 and out.null_count().sum_horizontal().item() == 0
    one_time = weeks_summary.filter(pl.col("frequency") == 0)["customer_id"]
    assert (out.filter(pl.col("customer_id").is_in(one_time.implode()))["p_alive"] == 1.0).all()
    assert out["p_alive"].is_between(0, 1).all() and (out["expected_clv_365d"] >= 0).all()
    # P(alive) does not depend on the time unit: days here, weeks in the published fit
    wk = clv.fit_bgnbd(weeks_summary)
    row = weeks_summary.filter(pl.col("customer_id") == "1")
    p_weeks = clv.p_alive(wk, row["frequency"], row["recency"], row["T"])[0]
    p_days = out.filter(pl.col("customer_id") == "1")["p_alive"].item()
    assert p_days == pytest.approx(p_weeks, rel=1e-3)


def test_customer_clv_is_null_without_enough_repeat_customers():
    out = clv.customer_clv(_tiny_orders(), date(2024, 2, 10))
    assert out["customer_id"].to_list() == ["A", "B", "C"]
    for col in ("p_alive", "expected_purchases_90d", "expected_clv_365d"):
        assert out[col].dtype == pl.Float64 and out[col].null_count() == 3


def test_fit_report(cdnow_orders):
    rep = clv.fit_report(cdnow_orders, CAL_END, unit="weeks")
    assert rep["unit"] == "weeks" and rep["customers"] == 2357 and rep["repeat_customers"] == 946
    assert rep["bgnbd"]["r"] == pytest.approx(0.243, abs=1.5e-3)
    assert set(rep["gamma_gamma"]) == {"p", "q", "v"}
    with pytest.raises(InputError, match="repeat customers"):
        clv.fit_report(_tiny_orders(), date(2024, 2, 10))


def test_frequency_histogram(fitted, shipped_summary):
    h = clv.frequency_histogram(fitted, shipped_summary)
    assert h["label"].to_list() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    counts = np.bincount(np.minimum(shipped_summary["frequency"].to_numpy(), 7), minlength=8)
    assert h["actual"].to_list() == counts.tolist()  # 1411, 439, 214, 100, 62, 38, 29, 64
    assert h["expected"].sum() == pytest.approx(2357)
    # the model fits CDNOW's repeat frequency well (FHL 2005, figure 2): within 25 customers
    assert np.all(np.abs(h["expected"].to_numpy() - counts) < 25)


def test_calibration_holdout(cdnow_orders):
    # calibration: orders up to 1997-09-30; holdout 1997-10-01..1998-06-30 = 273 days = 39 weeks
    h = clv.calibration_holdout(cdnow_orders, date(1997, 10, 1), date(1998, 6, 30))
    assert h.height == 2357 and (h["holdout_days"] == 273).all()
    # customer 1 (x=2, t_x=30.43 weeks, T=38.86 weeks): Hardie's sheet gives 1.226 in 39 weeks
    one = h.filter(pl.col("customer_id") == "1")
    assert one["predicted_purchases"].item() == pytest.approx(1.226, abs=0.005)
    assert one["actual_purchases"].item() == 1  # 1997-12-12 is its only holdout purchase
    agg = clv.holdout_summary(h)
    assert agg["customers"].sum() == 2357 and agg["label"][-1] == "7+"
    assert agg["customers"].to_list() == [1411, 439, 214, 100, 62, 38, 29, 64]
    with pytest.raises(InputError):
        clv.calibration_holdout(cdnow_orders, date(1997, 10, 1), date(1997, 9, 1))


def test_quadrature_agrees_with_closed_form():
    """The fallback used for extreme fits = FHL eq. (10) on ordinary parameters."""
    x = np.array([0.0, 1, 2, 5, 10, 30])
    T = np.array([1.0, 10, 38, 38, 50, 300])
    for t in (39.0, 365.0):
        with_p_alive = clv.expected_purchases(PUBLISHED_BG, t, x, T, T)
        closed = with_p_alive / clv.p_alive(PUBLISHED_BG, x, T, T)
        quad = clv_model._alive_by_quadrature(PUBLISHED_BG, t, x, T)
        npt.assert_allclose(quad, closed, rtol=1e-3)


def test_regular_buyers_who_never_churn_get_finite_predictions():
    # 60 customers buying 10.0 every 30 days, never missing one: the BG/NBD fit runs to its
    # limit (r, alpha, b -> infinity, a -> 0: one fixed rate, no drop-out), where 2F1 fails.
    start = pl.int_range(0, 60, eager=True)
    orders = (
        pl.DataFrame({"customer_id": start.cast(pl.Utf8), "first": start * 4})
        .with_columns(pl.int_ranges(pl.col("first"), 330, 30).alias("day"))
        .explode("day", empty_as_null=True)
        .select(
            "customer_id",
            (pl.lit(date(2024, 1, 1)) + pl.duration(days=pl.col("day"))).alias("order_date"),
            pl.lit(10.0).alias("revenue"),
        )
    )
    out = clv.customer_clv(orders, date(2024, 12, 31))
    assert out.null_count().sum_horizontal().item() == 0
    # In that limit the model is a Poisson process with one rate for all, whose MLE is
    # repeat purchases / exposure = sum(x) / sum(T) (likelihood prod lambda^x exp(-lambda T)).
    s = clv.summary(orders, date(2024, 12, 31))
    rate = s["frequency"].sum() / s["T"].sum()
    npt.assert_allclose(out["expected_purchases_90d"], 90 * rate, rtol=1e-3)
    npt.assert_allclose(out["expected_clv_365d"], 365 * rate * 10.0, rtol=1e-3)


# ---------------------------------------------------------------- display helpers
def test_parameter_table():
    report = {
        "unit": "weeks",
        "bgnbd": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
        "gamma_gamma": {"p": 6.25, "q": 3.74, "v": 15.44},
    }
    t = clv.parameter_table(report)
    assert t["parameter"].to_list() == ["r", "alpha", "a", "b", "p", "q", "v"]
    assert t["value"].to_list() == [0.243, 4.414, 0.793, 2.426, 6.25, 3.74, 15.44]
    assert t["model"].to_list() == ["BG/NBD"] * 4 + ["Gamma-Gamma"] * 3
    assert "in weeks" in t["meaning"][1]
    no_spend = clv.parameter_table(report | {"gamma_gamma": None})
    assert no_spend["parameter"].to_list() == ["r", "alpha", "a", "b"]


def test_fit_checks_in_long_form():
    hist = pl.DataFrame(
        {"frequency": [0, 1], "label": ["0", "1+"], "actual": [10, 5], "expected": [9.5, 5.5]}
    )
    long = clv.frequency_histogram_long(hist)
    assert long["series"].to_list() == ["Actual", "Actual", "Model", "Model"]
    assert long["customers"].to_list() == [10.0, 5.0, 9.5, 5.5]
    hs = pl.DataFrame(
        {
            "frequency_cal": [0, 1],
            "label": ["0", "1+"],
            "customers": [8, 2],
            "actual": [0.5, 1.5],
            "predicted": [0.4, 1.7],
        }
    )
    hl = clv.holdout_summary_long(hs)
    assert hl.columns == ["frequency_cal", "label", "customers", "series", "purchases"]
    assert hl["purchases"].to_list() == [0.5, 1.5, 0.4, 1.7]
    assert hl["series"].to_list() == ["Actual", "Actual", "Model", "Model"]


def test_holdout_cut_dates():
    # 2024-01-01 .. 2024-12-31: span 365 days; holdout = max(30, 365 // 4 = 91) days
    # -> suggested cut 2024-12-31 - 91 days = 2024-10-01; earliest = the second day
    assert clv.holdout_cut_dates(date(2024, 1, 1), date(2024, 12, 31)) == (
        date(2024, 1, 2),
        date(2024, 10, 1),
    )
    # span 40 days: 40 // 4 = 10 < 30 -> 30 days back from 2024-02-10 = 2024-01-11
    assert clv.holdout_cut_dates(datetime(2024, 1, 1, 9), date(2024, 2, 10)) == (
        date(2024, 1, 2),
        date(2024, 1, 11),
    )
    # span 10 days: 30 back would pass the start -> the earliest cut
    assert clv.holdout_cut_dates(date(2024, 1, 1), date(2024, 1, 11)) == (
        date(2024, 1, 2),
        date(2024, 1, 2),
    )
    assert clv.holdout_cut_dates(date(2024, 1, 1), date(2024, 1, 2)) is None
