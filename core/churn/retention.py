"""Period retention: of the customers who ordered in period P-1, the share who ordered in P.

The periods are calendar months or quarters of core.model.periods: the grid starts at the start of
the period of the first order (so the last period is never lost) and partial periods are flagged
by the one partial-period rule.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import polars as pl

from core.model import periods
from core.model.errors import InputError

Period = Literal["month", "quarter"]
RETENTION_MEASURES = {"retention": "Retention", "churn": "Churn"}
_SCHEMA = {
    "period": pl.Date,
    "label": pl.Utf8,
    "customers": pl.Int64,
    "previous_customers": pl.Int64,
    "retained": pl.Int64,
    "retention": pl.Float64,
    "churn": pl.Float64,
    "partial": pl.Boolean,
}


def period_retention(
    orders: pl.DataFrame | pl.LazyFrame, period: Period = "month", as_of: date | None = None
) -> pl.DataFrame:
    """Retention and churn by calendar month or quarter (SPEC).

    For each period P: customers (who ordered in P), previous_customers (ordered in P-1),
    retained (ordered in both), retention = retained / previous_customers, churn = 1 - retention
    (both null for the first period or after a period without customers), and partial = True
    for a first or last period the data covers only in part. Periods without orders appear
    with zero customers. Orders after as_of are ignored; the last period is that of as_of
    (default: the last order).
    """
    if period not in ("month", "quarter"):
        raise InputError(f"period must be 'month' or 'quarter', got {period!r}")
    every = periods.every(period)
    lf = orders.lazy()
    if as_of is not None:
        lf = lf.filter(pl.col("order_date") <= as_of)
    span = lf.select(lo=pl.col("order_date").min(), hi=pl.col("order_date").max())
    lo, hi = span.collect().row(0)
    if lo is None:
        return pl.DataFrame(schema=_SCHEMA)
    active = lf.select("customer_id", period=periods.period_expr("order_date", period)).unique()
    shifted = active.select("customer_id", period=pl.col("period").dt.offset_by(every))
    retained = (
        active.join(shifted, on=["customer_id", "period"], how="inner")
        .group_by("period")
        .agg(retained=pl.len())
    )
    counts = active.group_by("period").agg(customers=pl.len().cast(pl.Int64))
    grid = periods.calendar(lo, as_of if as_of is not None else hi, period).lazy()
    return (
        grid.join(counts, on="period", how="left")
        .join(retained, on="period", how="left")
        .with_columns(pl.col("customers", "retained").fill_null(0).cast(pl.Int64))
        .sort("period")
        .with_columns(previous_customers=pl.col("customers").shift(1))
        .with_columns(
            retention=pl.when(pl.col("previous_customers") > 0).then(
                pl.col("retained") / pl.col("previous_customers")
            ),
            retained=pl.when(pl.col("previous_customers").is_not_null()).then(pl.col("retained")),
        )
        .with_columns(
            churn=1.0 - pl.col("retention"), label=periods.label_expr(period).alias("label")
        )
        .select(list(_SCHEMA))
        .collect()
    )


def retention_long(retention: pl.DataFrame) -> pl.DataFrame:
    """period_retention in long form for a line chart: one row per period and measure.

    Periods without a rate (the first one, or after a period without customers) are left
    out. Columns: period, label, partial, previous_customers, retained, measure (Retention /
    Churn), rate.
    """
    return (
        retention.filter(pl.col("retention").is_not_null())
        .unpivot(
            index=["period", "label", "partial", "previous_customers", "retained"],
            on=list(RETENTION_MEASURES),
            variable_name="measure",
            value_name="rate",
        )
        .with_columns(pl.col("measure").replace_strict(RETENTION_MEASURES))
    )
