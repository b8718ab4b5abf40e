"""Diagnostics of the CLV fits: actual vs expected repeat-purchase counts, the calibration /
holdout check, the parameter table, and the long forms the charts draw.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from core.clv.fit import ClvFit, fit, fit_bgnbd, fit_report
from core.clv.model import (
    BGNBD,
    _day_expr,
    _patterns,
    _require,
    expected_purchases,
    p_alive,
    purchase_count_pmf,
    summary,
)
from core.model.errors import InputError
from core.model.schema import kept_lines


def frequency_histogram(m: BGNBD, s: pl.DataFrame, max_freq: int = 7) -> pl.DataFrame:
    """Actual vs model-expected number of customers by repeat frequency (fit diagnostic).

    Rows for frequency 0..max_freq; the last row (label "7+") counts max_freq or more.
    expected = sum over customers of P(X(T_i) = n), each over that customer's own T.
    Columns: frequency (Int64), label (Utf8), actual (Int64), expected (Float64).
    """
    T, weight = _patterns(s, ["T"])
    freqs = np.arange(max_freq + 1)
    expected = np.array([(weight * purchase_count_pmf(m, T, int(n))).sum() for n in freqs[:-1]])
    expected = np.append(expected, weight.sum() - expected.sum())
    actual = (
        s.select(pl.col("frequency").clip(upper_bound=max_freq).alias("frequency"))
        .group_by("frequency")
        .agg(pl.len().cast(pl.Int64).alias("actual"))
    )
    labels = [str(n) for n in freqs[:-1]] + [f"{max_freq}+"]
    return (
        pl.DataFrame(
            {"frequency": freqs, "label": labels, "expected": expected},
            schema={"frequency": pl.Int64, "label": pl.Utf8, "expected": pl.Float64},
        )
        .join(actual, on="frequency", how="left")
        .with_columns(pl.col("actual").fill_null(0))
        .select("frequency", "label", "actual", "expected")
    )


def calibration_holdout(
    orders: pl.DataFrame | pl.LazyFrame, cut_date: date, end_date: date
) -> pl.DataFrame:
    """Fit BG/NBD on the orders before `cut_date`, predict the holdout `cut_date`..`end_date`.

    Time in days. The calibration summary is taken as of the day before cut_date; the holdout
    lasts (end_date - cut_date) + 1 days, both ends included. One row per customer who bought
    before cut_date: customer_id, frequency_cal, recency_cal, T_cal, p_alive,
    predicted_purchases, actual_purchases (distinct purchase days in the holdout, the same
    unit as frequency), holdout_days. Raises InputError when the calibration period cannot
    support a fit or the dates are out of order.
    """
    if end_date < cut_date:
        raise InputError(f"the holdout end {end_date} is before the cut date {cut_date}")
    lf = kept_lines(orders)  # the purchases every fit reads
    _require(lf, ("customer_id", "order_date", "revenue"))
    day = _day_expr(lf.collect_schema())
    cal_end = cut_date - timedelta(days=1)
    s = summary(lf, cal_end, "days")
    bg = fit_bgnbd(s)
    holdout_days = (end_date - cut_date).days + 1
    actual = (
        lf.select("customer_id", day.alias("day"))
        .filter((pl.col("day") >= cut_date) & (pl.col("day") <= end_date))
        .group_by("customer_id")
        .agg(pl.col("day").n_unique().cast(pl.Int64).alias("actual_purchases"))
        .collect()
    )
    x, tx, T = (s[c].to_numpy().astype(float) for c in ("frequency", "recency", "T"))
    return (
        s.select(
            "customer_id",
            pl.col("frequency").alias("frequency_cal"),
            pl.col("recency").alias("recency_cal"),
            pl.col("T").alias("T_cal"),
        )
        .with_columns(
            pl.Series("p_alive", p_alive(bg, x, tx, T)),
            pl.Series("predicted_purchases", expected_purchases(bg, float(holdout_days), x, tx, T)),
        )
        .join(actual, on="customer_id", how="left")
        .with_columns(
            pl.col("actual_purchases").fill_null(0),
            pl.lit(holdout_days, dtype=pl.Int64).alias("holdout_days"),
        )
    )


def holdout_summary(h: pl.DataFrame, max_freq: int = 7) -> pl.DataFrame:
    """Aggregate calibration_holdout by calibration frequency (0..max_freq, last bucket "7+").

    Columns: frequency_cal (Int64), label, customers, actual (mean holdout purchases per
    customer), predicted (mean model prediction). Close columns mean a well-calibrated model.
    """
    bucket = pl.col("frequency_cal").clip(upper_bound=max_freq)
    return (
        h.group_by(bucket.alias("frequency_cal"))
        .agg(
            pl.len().cast(pl.Int64).alias("customers"),
            pl.col("actual_purchases").mean().alias("actual"),
            pl.col("predicted_purchases").mean().alias("predicted"),
        )
        .sort("frequency_cal")
        .with_columns(
            pl.when(pl.col("frequency_cal") >= max_freq)
            .then(pl.format("{}+", pl.col("frequency_cal")))
            .otherwise(pl.col("frequency_cal").cast(pl.Utf8))
            .alias("label")
        )
        .select("frequency_cal", "label", "customers", "actual", "predicted")
    )


# ---------------------------------------------------------------- display helpers
FIT_SERIES = {"actual": "Actual", "model": "Model"}


def parameter_table(report: dict) -> pl.DataFrame:
    """The fitted parameters of a fit_report, one row each with what it means.

    Columns: model (BG/NBD, Gamma-Gamma), parameter, value, meaning. The Gamma-Gamma rows are
    left out when the spend model could not be fitted.
    """
    unit = report.get("unit", "days")
    rows = [
        ("BG/NBD", "r", "shape of the purchase-rate distribution"),
        ("BG/NBD", "alpha", f"scale (in {unit}) of the purchase-rate distribution"),
        ("BG/NBD", "a", "drop-out probability: Beta shape a"),
        ("BG/NBD", "b", "drop-out probability: Beta shape b"),
        ("Gamma-Gamma", "p", "shape of spend per purchase"),
        ("Gamma-Gamma", "q", "shape of the customers' spend-rate distribution"),
        ("Gamma-Gamma", "v", "scale of the customers' spend-rate distribution"),
    ]
    fitted = {"BG/NBD": report["bgnbd"], "Gamma-Gamma": report.get("gamma_gamma")}
    kept = [(m, name, fitted[m][name], text) for m, name, text in rows if fitted[m] is not None]
    return pl.DataFrame(
        kept,
        schema={"model": pl.Utf8, "parameter": pl.Utf8, "value": pl.Float64, "meaning": pl.Utf8},
        orient="row",
    )


def fit_diagnostics(
    orders: pl.DataFrame | pl.LazyFrame,
    as_of: date,
    unit: str = "days",
    *,
    fitted: ClvFit | None = None,
) -> tuple[dict, pl.DataFrame]:
    """fit_report and the frequency_histogram of its BG/NBD fit on the same summary (built
    once). `fitted`: fit(orders, as_of, unit) when the caller has it already (the app takes the
    customer table's: core.hub.metrics_with_fit), so the diagnostics fit nothing again."""
    fitted = fit(orders, as_of, unit) if fitted is None else fitted
    report = fit_report(orders, as_of, fitted.unit, fitted=fitted)
    return report, frequency_histogram(BGNBD(**report["bgnbd"]), fitted.summary)


def _versus_long(frame: pl.DataFrame, model: str, index: list[str], value: str) -> pl.DataFrame:
    series = {"actual": FIT_SERIES["actual"], model: FIT_SERIES["model"]}
    return frame.unpivot(
        index=index, on=list(series), variable_name="series", value_name=value
    ).with_columns(pl.col("series").replace_strict(series))


def frequency_histogram_long(hist: pl.DataFrame) -> pl.DataFrame:
    """frequency_histogram in long form for grouped bars: frequency, label, series (Actual /
    Model), customers."""
    return _versus_long(hist, "expected", ["frequency", "label"], "customers").with_columns(
        pl.col("customers").cast(pl.Float64)
    )


def holdout_summary_long(summary_: pl.DataFrame) -> pl.DataFrame:
    """holdout_summary in long form for a line chart: frequency_cal, label, customers, series
    (Actual / Model), purchases (mean holdout purchases per customer)."""
    return _versus_long(summary_, "predicted", ["frequency_cal", "label", "customers"], "purchases")


def holdout_cut_dates(first_order: date, end: date) -> tuple[date, date] | None:
    """(earliest, suggested) cut date for calibration_holdout on data from first_order to end.

    The earliest cut leaves one calibration day; the suggested one keeps the last quarter of
    the span (at least 30 days) as holdout, but never before the earliest. None when the data
    spans fewer than 2 days.
    """
    if isinstance(first_order, datetime):
        first_order = first_order.date()
    if isinstance(end, datetime):
        end = end.date()
    span = (end - first_order).days
    if span < 2:
        return None
    earliest = first_order + timedelta(days=1)
    return earliest, max(earliest, end - timedelta(days=max(30, span // 4)))
