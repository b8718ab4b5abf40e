"""Sales over time: revenue, orders and customers per day, week, month or quarter with growth
against the previous period and the year before, and seasonality by month of year.

- A period of a trend is *partial* when the data range does not cover all of its days
  (core.model.periods); its growth, and the growth of a period compared with it, is left out.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from core.errors import InputError
from core.model import periods
from core.model.periods import GRAINS, YEAR_BACK
from core.sales.periods import date_range, first_orders

_TREND_SCHEMA = {
    "period": pl.Date,
    "period_end": pl.Date,
    "label": pl.Utf8,
    "revenue": pl.Float64,
    "orders": pl.UInt32,
    "customers": pl.UInt32,
    "new_customers": pl.UInt32,
    "new_revenue": pl.Float64,
    "returning_revenue": pl.Float64,
    "partial": pl.Boolean,
    "growth": pl.Float64,
    "yoy_growth": pl.Float64,
}
_NEW = ("new_customers", "new_revenue", "returning_revenue")  # need first orders


def _grain(grain: str) -> str:
    if grain not in GRAINS:
        raise InputError(f"unknown time grain {grain!r}: use one of {', '.join(GRAINS)}")
    return GRAINS[grain]


def trend(
    orders: pl.DataFrame,
    grain: str = "month",
    *,
    first_seen: pl.DataFrame | None = None,
    start: date | None = None,
    end: date | None = None,
) -> pl.DataFrame:
    """Revenue, orders, customers and new / returning revenue per day, week, month or quarter.

    Every period between `start` and `end` (default: the data's first and last dates) is present,
    empty ones with zeros. `partial` marks periods the range does not fully cover. `growth` is
    against the period before, `yoy_growth` against the same period a year earlier (weeks: 52
    weeks); both are null when the base is missing or zero, and when the period or its base is
    partial (core.model.periods.like_for_like).
    """
    _grain(grain)
    rng = date_range(orders)
    if rng is None:
        return pl.DataFrame(schema=_TREND_SCHEMA)
    fs = first_orders(orders) if first_seen is None else first_seen
    sums = trend_sums(orders.lazy(), grain, first_seen=fs).collect()
    return trend_table(sums, grain, start or rng.start, end or rng.end)


def trend_sums(
    orders: pl.LazyFrame, grain: str, *, first_seen: pl.DataFrame | None = None
) -> pl.LazyFrame:
    """The lazy per-period sums of trend (period, revenue, orders, customers; with `first_seen`
    also new_customers and new_revenue), for pl.collect_all with other queries; trend_table
    turns the result into trend's rows. Lines without a date make no period."""
    every = _grain(grain)
    # the first of the month directly (same dates as truncate("1mo"), cheaper)
    date = pl.col("order_date")
    period = date.dt.month_start() if every == "1mo" else date.dt.truncate(every)
    aggs = [
        pl.col("revenue").sum(),
        pl.col("order_id").n_unique().alias("orders"),
        pl.col("customer_id").n_unique().alias("customers"),
    ]
    if first_seen is None:
        return orders.group_by(period.alias("period")).agg(aggs)
    is_new = (pl.col("first_order").dt.truncate(every) == period).fill_null(False)
    return (
        orders.join(first_seen.lazy(), on="customer_id", how="left")
        .with_columns(period.alias("period"), is_new.alias("is_new"))
        .group_by("period")
        .agg(
            *aggs,
            pl.col("customer_id").filter("is_new").n_unique().alias("new_customers"),
            pl.col("revenue").filter("is_new").sum().alias("new_revenue"),
        )
    )


def trend_table(sums: pl.DataFrame, grain: str, start: date, end: date) -> pl.DataFrame:
    """trend's rows from trend_sums' result: every period from `start` to `end`, labels,
    partial flags, growth and year-on-year growth (new and returning figures when summed)."""
    new = "new_revenue" in sums.columns
    columns = [c for c in _TREND_SCHEMA if new or c not in _NEW]
    out = (
        periods.calendar(start, end, grain)  # with the one partial-period rule
        .lazy()
        .join(sums.lazy(), on="period", how="left")
        .with_columns(
            pl.col("revenue", *(["new_revenue"] if new else [])).fill_null(0.0),
            pl.col("orders", "customers", *(["new_customers"] if new else []))
            .fill_null(0)
            .cast(pl.UInt32),
        )
        .with_columns(
            periods.label_expr(grain).alias("label"),
            *(
                [(pl.col("revenue") - pl.col("new_revenue")).alias("returning_revenue")]
                if new
                else []
            ),
            periods.like_for_like(
                growth_expr(pl.col("revenue"), pl.col("revenue").shift(1)),
                pl.col("partial"),
                pl.col("partial").shift(1),
            ).alias("growth"),
            pl.col("period").dt.offset_by(YEAR_BACK[grain]).alias("_ly"),
        )
        .sort("period")
    )
    last_year = out.select(
        pl.col("period").alias("_ly"),
        pl.col("revenue").alias("_ly_revenue"),
        pl.col("partial").alias("_ly_partial"),
    )
    return (
        out.join(last_year, on="_ly", how="left")
        .with_columns(
            periods.like_for_like(
                growth_expr(pl.col("revenue"), pl.col("_ly_revenue")),
                pl.col("partial"),
                pl.col("_ly_partial"),
            ).alias("yoy_growth")
        )
        .select(columns)
        .sort("period")
        .collect()
    )


def growth_rows(trend_table: pl.DataFrame, column: str = "growth") -> pl.DataFrame:
    """The periods of a trend that have a `column` ("growth" or "yoy_growth") value."""
    return trend_table.filter(pl.col(column).is_not_null())


def trend_figures(trend_table: pl.DataFrame) -> pl.DataFrame:
    """A trend as a table for reading: the period label first, without the date columns."""
    return trend_table.drop("period", "period_end")


def growth_expr(now: pl.Expr, before: pl.Expr) -> pl.Expr:
    """(now - before) / |before|; null when before is missing or zero."""
    return pl.when(before.is_not_null() & (before != 0)).then((now - before) / before.abs())


def seasonality(orders: pl.DataFrame) -> pl.DataFrame:
    """Month-of-year profile: year, month (1-12), month_name, revenue, partial, index.

    index = the month's revenue / the mean revenue of that year's complete months (1.0 = an average
    month of that year); null for partial months.
    """
    return seasonality_of(trend(orders, "month"))


def seasonality_of(monthly: pl.DataFrame) -> pl.DataFrame:
    """seasonality from a monthly trend table already computed (trend(orders, "month"), with
    any first_seen: only period, revenue and partial are read)."""
    return (
        monthly.with_columns(
            pl.col("period").dt.year().alias("year"),
            pl.col("period").dt.month().alias("month"),
            pl.col("period").dt.strftime("%b").alias("month_name"),
        )
        .with_columns(
            pl.col("revenue").filter(~pl.col("partial")).mean().over("year").alias("_mean")
        )
        .with_columns(
            pl.when(~pl.col("partial") & (pl.col("_mean") > 0))
            .then(pl.col("revenue") / pl.col("_mean"))
            .alias("index")
        )
        .select("year", "month", "month_name", "revenue", "partial", "index")
    )
