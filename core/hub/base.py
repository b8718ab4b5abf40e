"""The per-customer base every customer figure starts from, and which order columns are customer
attributes.

customer_base is cheap (one group-by over the orders up to as_of) and threshold-free: churn reads
it directly when it needs no more than recency and revenue.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from core.model.attributes import order_attributes
from core.model.schema import Frame, as_lazy


def customer_base(orders: Frame, as_of: date) -> pl.LazyFrame:
    """Per customer, from the orders up to as_of: first_order, last_order, orders (distinct
    order ids), order_days (distinct order dates), revenue, revenue_365d (orders after
    as_of - 365 days), recency_days, tenure_days, and avg_days_between_orders
    ((last - first) / (order_days - 1); null for customers who ordered on a single day).
    A file without dates gives every line: its date columns (and revenue_365d) are null."""
    lf = as_lazy(orders).filter(dated_up_to(as_of))
    return base_columns(lf.group_by("customer_id").agg(base_aggs(lf, as_of)), as_of)


def base_aggs(lines: pl.LazyFrame, as_of: date) -> list[pl.Expr]:
    """customer_base's aggregations over a customer's lines (up to as_of), for a group_by over
    customer_id that computes more beside them (the hub)."""
    year_ago = as_of - timedelta(days=365)
    order_col = "order_id" if "order_id" in lines.collect_schema().names() else "order_date"
    return [
        pl.col("order_date").min().alias("first_order"),
        pl.col("order_date").max().alias("last_order"),
        pl.col(order_col).n_unique().cast(pl.Int64).alias("orders"),
        pl.col("order_date").n_unique().cast(pl.Int64).alias("order_days"),
        pl.col("revenue").sum().alias("revenue"),
        pl.when(pl.col("order_date").is_not_null().any())
        .then(pl.col("revenue").filter(pl.col("order_date") > year_ago).sum())
        .alias("revenue_365d"),
    ]


def base_columns(per_customer: pl.LazyFrame, as_of: date) -> pl.LazyFrame:
    """customer_base's columns derived from base_aggs: recency, tenure, average gap."""
    return per_customer.with_columns(
        recency_days=(pl.lit(as_of) - pl.col("last_order")).dt.total_days(),
        tenure_days=(pl.lit(as_of) - pl.col("first_order")).dt.total_days(),
    ).with_columns(
        avg_days_between_orders=pl.when(pl.col("order_days") > 1).then(
            (pl.col("tenure_days") - pl.col("recency_days")) / (pl.col("order_days") - 1)
        )
    )


def dated_up_to(as_of: date) -> pl.Expr:
    """Lines up to as_of; every line of a file without dates (ingest sets undated lines aside
    in a dated file, so a null date means the whole file has none)."""
    return pl.col("order_date").is_null() | (pl.col("order_date") <= as_of)


def attribute_columns(orders: Frame) -> list[str]:
    """Source columns kept beside the canonical roles (age, gender, subscription, ...)."""
    return order_attributes(as_lazy(orders).collect_schema().names())
