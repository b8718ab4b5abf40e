"""The customer metrics table (SPEC's hub): one row per customer, read by segments, churn,
insight rules and exports.

Built lazily from the canonical orders frame: order counts and revenue, recency and tenure,
average days between orders, return rate, favourite category and region, customer attributes
(resolved to their most frequent value per customer), churn status, RFM scores and segment,
value tier, and the BG/NBD + Gamma-Gamma predictions.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from core.model.status import status_expr
from core.schema import (
    AT_RISK_DAYS,
    CHURN_DAYS,
    NET_EXCLUDED,
    ORDER_DTYPES,
    Frame,
    as_lazy,
    resolve_as_of,
)

__all__ = ["status_expr"]

_NOT_ATTRIBUTES = set(ORDER_DTYPES) | {"source_row", "unit_cost"}


def customer_base(orders: Frame, as_of: date) -> pl.LazyFrame:
    """Per customer, from the orders up to as_of: first_order, last_order, orders (distinct
    order ids), order_days (distinct order dates), revenue, revenue_365d (orders after
    as_of - 365 days), recency_days, tenure_days, and avg_days_between_orders
    ((last - first) / (order_days - 1); null for customers who ordered on a single day)."""
    lf = as_lazy(orders).filter(pl.col("order_date") <= as_of)
    year_ago = as_of - timedelta(days=365)
    order_col = "order_id" if "order_id" in lf.collect_schema().names() else "order_date"
    return (
        lf.group_by("customer_id")
        .agg(
            first_order=pl.col("order_date").min(),
            last_order=pl.col("order_date").max(),
            orders=pl.col(order_col).n_unique().cast(pl.Int64),
            order_days=pl.col("order_date").n_unique().cast(pl.Int64),
            revenue=pl.col("revenue").sum(),
            revenue_365d=pl.col("revenue").filter(pl.col("order_date") > year_ago).sum(),
        )
        .with_columns(
            recency_days=(pl.lit(as_of) - pl.col("last_order")).dt.total_days(),
            tenure_days=(pl.lit(as_of) - pl.col("first_order")).dt.total_days(),
        )
        .with_columns(
            avg_days_between_orders=pl.when(pl.col("order_days") > 1).then(
                (pl.col("tenure_days") - pl.col("recency_days")) / (pl.col("order_days") - 1)
            )
        )
    )


def attribute_columns(orders: Frame) -> list[str]:
    """Source columns kept beside the canonical roles (age, gender, subscription, ...)."""
    return [c for c in as_lazy(orders).collect_schema().names() if c not in _NOT_ATTRIBUTES]


def _mode(col: str) -> pl.Expr:
    """Most frequent non-null value; ties go to the smallest value so the result is stable."""
    return pl.col(col).drop_nulls().mode().sort().first().alias(col)


def customer_table(
    orders: Frame,
    *,
    as_of: date | None = None,
    churn_days: int = CHURN_DAYS,
    at_risk_days: int = AT_RISK_DAYS,
    customers: pl.DataFrame | None = None,
    rfm_bins: int = 5,
    with_clv: bool = True,
) -> pl.DataFrame:
    """One row per customer with orders up to as_of. Columns: core.schema.CUSTOMER_COLUMNS
    plus revenue_365d, favourite_category, region, profit (when cost exists) and attributes."""
    lf = as_lazy(orders)
    as_of = resolve_as_of(lf, as_of)
    lf = lf.filter(pl.col("order_date") <= as_of)
    names = lf.collect_schema().names()
    extra: list[pl.Expr] = []
    if "status" in names:
        extra.append(
            (
                pl.col("revenue").filter(pl.col("status") == "returned").sum()
                / pl.col("revenue").sum()
            ).alias("return_rate")
        )
    else:
        extra.append(pl.lit(None, dtype=pl.Float64).alias("return_rate"))
    if "cost" in names:
        extra.append((pl.col("revenue").sum() - pl.col("cost").sum()).alias("profit"))
    if "region" in names:
        extra.append(_mode("region"))
    attrs = attribute_columns(lf)
    extra += [_mode(a) for a in attrs]
    per_customer = lf.group_by("customer_id").agg(extra)
    fav = None
    if "category" in names:
        fav = (
            lf.group_by("customer_id", "category")
            .agg(pl.col("revenue").sum())
            .sort(["customer_id", "revenue", "category"], descending=[False, True, False])
            .group_by("customer_id", maintain_order=True)
            .agg(favourite_category=pl.col("category").first())
        )
    table = (
        customer_base(lf, as_of)
        .join(per_customer, on="customer_id", how="left")
        .with_columns(
            status_expr(churn_days, at_risk_days),
            aov=pl.col("revenue") / pl.col("orders"),
        )
    )
    if fav is not None:
        table = table.join(fav, on="customer_id", how="left")
    df = table.collect()
    if customers is not None and "customer_id" in customers.columns:
        # attributes the orders already carry win (compared ignoring case: Region ~ region)
        have = {c.lower() for c in df.columns}
        add = [c for c in customers.columns if c.lower() not in have]
        if add:
            df = df.join(customers.select("customer_id", *add), on="customer_id", how="left")

    from core import segments

    df = segments.add_rfm(df, bins=rfm_bins)
    df = segments.add_value_tier(df)
    if with_clv:
        from core.clv import customer_clv

        # the spend model wants what customers kept: returned and cancelled lines are left out
        kept = lf.filter(~pl.col("status").is_in(list(NET_EXCLUDED))) if "status" in names else lf
        df = df.join(customer_clv(kept, as_of), on="customer_id", how="left")
    else:
        df = df.with_columns(
            pl.lit(None, dtype=pl.Float64).alias(c)
            for c in ("p_alive", "expected_purchases_90d", "expected_clv_365d")
        )
    lead = [
        "customer_id", "first_order", "last_order", "orders", "revenue", "aov",
        "recency_days", "tenure_days", "avg_days_between_orders", "return_rate",
        "r_score", "f_score", "m_score", "rfm_segment", "value_tier", "status",
        "p_alive", "expected_purchases_90d", "expected_clv_365d", "revenue_365d",
    ]  # fmt: skip
    lead = [c for c in lead if c in df.columns]
    return df.select(*lead, *[c for c in df.columns if c not in lead]).sort(
        "revenue", descending=True
    )
