"""Loyalty (repeat behaviour): New / Returning / Frequent by number of orders, the orders
distribution and the time from the first to the second order.

"Frequent", not "Loyal": Loyal is an RFM segment (core.segments.rfm), a different idea.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import polars as pl

from core.errors import InputError
from core.model.ids import coded_ids, is_code, pair_key, unpair
from core.segments.common import require as _require

LOYALTY_ORDER = ("New", "Returning", "Frequent")


def add_loyalty(table: pl.DataFrame, returning_min: int = 2, loyal_min: int = 4) -> pl.DataFrame:
    """Add loyalty: New (orders < returning_min), Returning, Frequent (orders >= loyal_min)."""
    if not (isinstance(returning_min, int) and isinstance(loyal_min, int)):
        raise InputError("loyalty cut-offs must be whole numbers of orders")
    if not 2 <= returning_min < loyal_min:
        raise InputError(
            f"loyalty cut-offs need 2 <= returning < frequent orders, got {returning_min} and "
            f"{loyal_min}"
        )
    _require(table, "orders")
    return table.with_columns(
        pl.when(pl.col("orders") >= loyal_min)
        .then(pl.lit("Frequent"))
        .when(pl.col("orders") >= returning_min)
        .then(pl.lit("Returning"))
        .when(pl.col("orders").is_not_null())
        .then(pl.lit("New"))
        .otherwise(None)
        .alias("loyalty")
    )


def loyalty_rule(returning_min: int = 2, loyal_min: int = 4) -> str:
    """The loyalty cut-offs in words, e.g. 2 and 4: "New: 1 order. Returning: 2 to 3 orders.
    Frequent: 4 orders or more." """
    new_max, ret_max = returning_min - 1, loyal_min - 1

    def span(lo: int, hi: int) -> str:
        return f"{lo} order{'s' if lo > 1 else ''}" if lo == hi else f"{lo} to {hi} orders"

    return (
        f"New: {span(1, new_max)}. Returning: {span(returning_min, ret_max)}. "
        f"Frequent: {loyal_min} orders or more."
    )


def orders_distribution(table: pl.DataFrame, cap: int = 10) -> pl.DataFrame:
    """Customers by number of orders (the last bucket is `cap`+): orders, n_orders, customers,
    share, revenue, revenue_share."""
    _require(table, "orders", "revenue")
    if cap < 2:
        raise InputError(f"the orders cap must be at least 2, got {cap}")
    capped = pl.min_horizontal(pl.col("orders"), pl.lit(cap))
    return (
        table.filter(pl.col("orders").is_not_null())
        .group_by(capped.alias("n_orders"))
        .agg(pl.len().cast(pl.Int64).alias("customers"), pl.col("revenue").sum())
        .sort("n_orders")
        .with_columns(
            pl.when(pl.col("n_orders") >= cap)
            .then(pl.format("{}+", pl.col("n_orders")))
            .otherwise(pl.col("n_orders").cast(pl.Utf8))
            .alias("orders"),
            (pl.col("customers") / pl.col("customers").sum()).alias("share"),
            (pl.col("revenue") / pl.col("revenue").sum()).alias("revenue_share"),
        )
        .select("orders", "n_orders", "customers", "share", "revenue", "revenue_share")
    )


def time_to_second_order(orders: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Per customer with 2+ orders: first_order, second_order (dates of their first two orders,
    an order dated by its earliest line) and days_to_second.

    Computed over integer codes of the ids (core.model.ids: one code per id, so the same
    groups), the customers' text ids put back on the result rows."""
    lf = orders.lazy()
    names = lf.collect_schema().names()
    for c in ("customer_id", "order_date"):
        if c not in names:
            raise InputError(f"the orders have no {c!r} column", column=c)
    order_key = "order_id" if "order_id" in names else "order_date"
    keys = ["customer_id", order_key]
    coded, ids = coded_ids(lf.select(*dict.fromkeys([*keys, "order_date"])).collect())
    date = pl.col("order_date").min().alias("d")
    if all(is_code(coded.schema[k]) for k in keys):
        per_order = coded.lazy().group_by(pair_key(*keys)).agg(date).select(*unpair(*keys), "d")
    else:
        per_order = coded.lazy().group_by(keys).agg(date)
    out = (
        per_order.group_by("customer_id")
        .agg(
            pl.col("d").min().alias("first_order"),
            # the second smallest date: the larger of the two smallest
            pl.when(pl.len() >= 2).then(pl.col("d").bottom_k(2).max()).alias("second_order"),
        )
        .filter(pl.col("second_order").is_not_null())
        .with_columns(
            (pl.col("second_order") - pl.col("first_order")).dt.total_days().alias("days_to_second")
        )
        .collect()
    )
    if ids is not None:
        out = out.with_columns(ids.gather(out["customer_id"]))
    return out.sort("customer_id")


def second_order_summary(days: pl.DataFrame, customers: int | None = None) -> dict:
    """customers_with_second (and their share of `customers` when given), median, p25 and p75
    of days_to_second, and the share of them who came back within 30 and 90 days."""
    _require(days, "days_to_second", what="time-to-second-order table")
    d = days["days_to_second"].cast(pl.Float64)
    n = d.len()
    return {
        "customers_with_second": n,
        "share_with_second": n / customers if customers else None,
        "median_days": d.median() if n else None,
        "p25_days": d.quantile(0.25, "linear") if n else None,
        "p75_days": d.quantile(0.75, "linear") if n else None,
        "within_30_days": float((d <= 30).mean()) if n else None,
        "within_90_days": float((d <= 90).mean()) if n else None,
    }


def second_order_buckets(
    days: pl.DataFrame, edges: Sequence[int] = (7, 30, 60, 90, 180, 365)
) -> pl.DataFrame:
    """Histogram of days_to_second: bucket ("0-7 days" ... "over 365 days"), customers, share,
    cumulative_share (of customers with a second order)."""
    _require(days, "days_to_second", what="time-to-second-order table")
    edges = sorted({int(e) for e in edges})
    labels = [f"0-{edges[0]} days"]
    labels += [f"{a + 1}-{b} days" for a, b in itertools.pairwise(edges)]
    labels += [f"over {edges[-1]} days"]
    frame = pl.DataFrame({"bucket": labels, "order": list(range(len(labels)))})
    got = (
        days.select(
            pl.col("days_to_second")
            .cut([float(e) for e in edges], labels=labels, left_closed=False)
            .cast(pl.Utf8)
            .alias("bucket")
        )
        .group_by("bucket")
        .agg(pl.len().cast(pl.Int64).alias("customers"))
    )
    total = max(days.height, 1)
    return (
        frame.join(got, on="bucket", how="left")
        .with_columns(pl.col("customers").fill_null(0))
        .sort("order")
        .with_columns(
            (pl.col("customers") / total).alias("share"),
            (pl.col("customers").cum_sum() / total).alias("cumulative_share"),
        )
        .drop("order")
    )
