"""Cohort retention: customers grouped by the month (or quarter) of their first order.

Owns the retention matrix: for cohort c and age k (periods since the first order, 0 = the first
period), retention = customers of c who ordered in period c + k / cohort size, and revenue
retention = revenue of c in period c + k / revenue of c in period c. Cells are present only
for ages the data has reached (up to the period of as_of), so an unobserved cell is never a 0.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import polars as pl

from core.model import periods
from core.model.errors import InputError

Period = Literal["month", "quarter"]
Value = Literal["retention", "revenue_retention", "active", "revenue"]
# display names of the columns of the cohort tables (long form, matrix, average curve)
COLUMN_LABELS = {
    "cohort_label": "Cohort",
    "cohort_size": "Customers",
    "age": "Month",
    "cohorts": "Cohorts",
    "customers": "Customers",
    "active": "Customers ordering",
    "revenue": "Revenue",
    "retention": "Retention",
    "retention_mean": "Retention (mean of cohorts)",
    "revenue_retention": "Revenue retention",
    "revenue_retention_mean": "Revenue retention (mean of cohorts)",
}


def _index(period: Period, col: pl.Expr) -> pl.Expr:
    """Calendar period number: months or quarters since year 0."""
    if period == "month":
        return col.dt.year().cast(pl.Int64) * 12 + col.dt.month().cast(pl.Int64) - 1
    return col.dt.year().cast(pl.Int64) * 4 + (col.dt.month().cast(pl.Int64) - 1) // 3


def _start(period: Period, idx: pl.Expr) -> pl.Expr:
    """First day of the calendar period numbered idx."""
    if period == "month":
        return pl.date(idx // 12, idx % 12 + 1, 1)
    return pl.date(idx // 4, (idx % 4) * 3 + 1, 1)


def cohort_retention(
    orders: pl.DataFrame | pl.LazyFrame,
    *,
    period: Period = "month",
    as_of: date | None = None,
    max_age: int | None = None,
) -> pl.DataFrame:
    """The cohort matrix in long form, one row per observed (cohort, age).

    Columns: cohort (Date, first day of the first-order period), cohort_label, age (0, 1, ...),
    cohort_size, active (customers of the cohort who ordered in that period), revenue (their
    revenue in that period), retention = active / cohort_size, revenue_retention = revenue /
    the cohort's age-0 revenue (null when that is 0). Orders after as_of are ignored; the last
    observed period is that of as_of (default: the last order). max_age drops older ages.
    """
    if period not in ("month", "quarter"):
        raise InputError(f"period must be 'month' or 'quarter', got {period!r}")
    lf = orders.lazy()
    if as_of is not None:
        lf = lf.filter(pl.col("order_date") <= as_of)
    lf = lf.select("customer_id", "revenue", idx=_index(period, pl.col("order_date")))
    last = (
        lf.select(pl.col("idx").max()).collect().item()
        if as_of is None
        else pl.select(_index(period, pl.lit(as_of))).item()
    )
    if last is None:
        return pl.DataFrame(
            schema={
                "cohort": pl.Date,
                "cohort_label": pl.Utf8,
                "age": pl.Int64,
                "cohort_size": pl.Int64,
                "active": pl.Int64,
                "revenue": pl.Float64,
                "retention": pl.Float64,
                "revenue_retention": pl.Float64,
            }
        )
    first = lf.group_by("customer_id").agg(cohort_idx=pl.col("idx").min())
    cells = (
        lf.join(first, on="customer_id")
        .group_by("cohort_idx", age=pl.col("idx") - pl.col("cohort_idx"))
        .agg(active=pl.col("customer_id").n_unique(), revenue=pl.col("revenue").sum())
    )
    grid = (
        first.group_by("cohort_idx")
        .agg(cohort_size=pl.len())
        .with_columns(age=pl.int_ranges(0, pl.lit(last) - pl.col("cohort_idx") + 1))
        .explode("age", empty_as_null=False)
        .with_columns(pl.col("age").cast(pl.Int64))
    )
    if max_age is not None:
        grid = grid.filter(pl.col("age") <= max_age)
    out = (
        grid.join(cells, on=["cohort_idx", "age"], how="left")
        .with_columns(
            pl.col("active").fill_null(0).cast(pl.Int64),
            pl.col("revenue").fill_null(0.0).cast(pl.Float64),
            pl.col("cohort_size").cast(pl.Int64),
        )
        .with_columns(
            base=pl.col("revenue").filter(pl.col("age") == 0).first().over("cohort_idx"),
        )
        .with_columns(
            cohort=_start(period, pl.col("cohort_idx")),
            retention=pl.col("active") / pl.col("cohort_size"),
            revenue_retention=pl.when(pl.col("base") != 0).then(pl.col("revenue") / pl.col("base")),
        )
        .with_columns(cohort_label=periods.label_expr(period, "cohort"))
        .sort("cohort", "age")
        .select(
            "cohort",
            "cohort_label",
            "age",
            "cohort_size",
            "active",
            "revenue",
            "retention",
            "revenue_retention",
        )
    )
    return out.collect()


def cohort_matrix(long: pl.DataFrame, value: Value = "retention") -> pl.DataFrame:
    """The wide matrix for display and download: cohort_label, cohort_size, then one column
    per age ("0", "1", ...) holding `value`; unobserved cells are null."""
    if value not in ("retention", "revenue_retention", "active", "revenue"):
        raise InputError(f"unknown cohort value {value!r}")
    if long.is_empty():
        return pl.DataFrame(schema={"cohort_label": pl.Utf8, "cohort_size": pl.Int64})
    ages = [str(a) for a in sorted(long["age"].unique().to_list())]
    wide = long.with_columns(pl.col("age").cast(pl.Utf8)).pivot(
        on="age", index=["cohort", "cohort_label", "cohort_size"], values=value
    )
    return wide.sort("cohort").select("cohort_label", "cohort_size", *ages)


def average_curve(long: pl.DataFrame) -> pl.DataFrame:
    """Average retention by age over the cohorts that reached that age.

    Columns: age, cohorts, customers (sum of their sizes), active, retention (weighted:
    active / customers), retention_mean (plain mean of the cohorts' rates), revenue,
    revenue_retention (weighted: revenue / the same cohorts' age-0 revenue),
    revenue_retention_mean.
    """
    if long.is_empty():
        return pl.DataFrame(
            schema={
                "age": pl.Int64,
                "cohorts": pl.Int64,
                "customers": pl.Int64,
                "active": pl.Int64,
                "retention": pl.Float64,
                "retention_mean": pl.Float64,
                "revenue": pl.Float64,
                "revenue_retention": pl.Float64,
                "revenue_retention_mean": pl.Float64,
            }
        )
    base = long.filter(pl.col("age") == 0).select("cohort", base=pl.col("revenue"))
    return (
        long.join(base, on="cohort", how="left")
        .group_by("age")
        .agg(
            cohorts=pl.len().cast(pl.Int64),
            customers=pl.col("cohort_size").sum(),
            active=pl.col("active").sum(),
            retention_mean=pl.col("retention").mean(),
            revenue=pl.col("revenue").sum(),
            base=pl.col("base").sum(),
            revenue_retention_mean=pl.col("revenue_retention").mean(),
        )
        .with_columns(
            retention=pl.col("active") / pl.col("customers"),
            revenue_retention=pl.when(pl.col("base") != 0).then(pl.col("revenue") / pl.col("base")),
        )
        .sort("age")
        .select(
            "age",
            "cohorts",
            "customers",
            "active",
            "retention",
            "retention_mean",
            "revenue",
            "revenue_retention",
            "revenue_retention_mean",
        )
    )


def color_ceiling(long: pl.DataFrame, value: Value = "retention", q: float = 0.98) -> float:
    """Top of a heatmap colour scale for `value`: its q-quantile over ages 1+ (linear
    interpolation), so age 0 (retention always 1) does not wash out the rest. 1.0 when no
    cohort reached age 1; never below 0.01."""
    later = long.filter(pl.col("age") > 0)[value].drop_nulls()
    if later.is_empty():
        return 1.0
    return max(float(later.quantile(q, "linear")), 0.01)


CURVE_AVERAGES = {"weighted": "weighted by cohort size", "mean": "mean of cohorts"}


def curve_long(curve: pl.DataFrame, value: Value = "retention") -> pl.DataFrame:
    """average_curve in long form for a line chart of `value` (retention or
    revenue_retention): ages 1+, one row per age and kind of average.

    Columns: age, cohorts, customers, average ("weighted by cohort size" / "mean of cohorts"),
    rate.
    """
    if value not in ("retention", "revenue_retention"):
        raise InputError(f"the average curve has no {value!r}: use retention or revenue_retention")
    names = {value: CURVE_AVERAGES["weighted"], f"{value}_mean": CURVE_AVERAGES["mean"]}
    return (
        curve.filter(pl.col("age") > 0)
        .unpivot(
            index=["age", "cohorts", "customers"],
            on=list(names),
            variable_name="average",
            value_name="rate",
        )
        .with_columns(pl.col("average").replace_strict(names))
    )
