"""Headline metrics: the as-of date, sales KPIs, customer status counts and the monthly series.

Definitions are SPEC's (one place; the glossary page shows them): revenue is gross, net revenue
excludes returned and cancelled lines, orders are distinct order ids, churn status comes from
recency against the churn and at-risk thresholds.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl

from core.ingest import Loaded
from core.schema import AT_RISK_DAYS, CHURN_DAYS, NET_EXCLUDED

Frame = pl.DataFrame | pl.LazyFrame


def _lazy(orders: Frame) -> pl.LazyFrame:
    return orders.lazy() if isinstance(orders, pl.DataFrame) else orders


def resolve_as_of(orders: Frame, as_of: date | None = None) -> date:
    """SPEC: the last order date in the data unless the user sets another date."""
    if as_of is not None:
        return as_of
    last = _lazy(orders).select(pl.col("order_date").max()).collect().item()
    return last or date.today()


def net_revenue_expr() -> pl.Expr:
    return (
        pl.when(pl.col("status").is_in(list(NET_EXCLUDED)))
        .then(0.0)
        .otherwise(pl.col("revenue"))
        .sum()
    )


def status_expr(
    churn_days: int = CHURN_DAYS, at_risk_days: int = AT_RISK_DAYS, column: str = "recency_days"
) -> pl.Expr:
    """SPEC status from recency: active (<= at_risk_days), at_risk (<= churn_days), churned.

    Null when the customer has no order. The one definition every module uses."""
    r = pl.col(column)
    return (
        pl.when(r.is_null())
        .then(pl.lit(None, dtype=pl.Utf8))
        .when(r > churn_days)
        .then(pl.lit("churned"))
        .when(r > at_risk_days)
        .then(pl.lit("at_risk"))
        .otherwise(pl.lit("active"))
        .alias("status")
    )


def customer_base(orders: Frame, as_of: date) -> pl.LazyFrame:
    """Per customer, from the orders up to as_of: first_order, last_order, orders (distinct
    order ids), order_days (distinct order dates), revenue, revenue_365d (orders after
    as_of - 365 days), recency_days, tenure_days, and avg_days_between_orders
    ((last - first) / (order_days - 1); null for customers who ordered on a single day)."""
    lf = _lazy(orders).filter(pl.col("order_date") <= as_of)
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


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if not b or a is None else a / b


def kpis(
    orders: Frame,
    *,
    as_of: date | None = None,
    churn_days: int = CHURN_DAYS,
    at_risk_days: int = AT_RISK_DAYS,
    customers_file: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """The headline KPIs of SPEC's `report` (without mapping, warnings and monthly)."""
    lf = _lazy(orders)
    as_of = resolve_as_of(lf, as_of)
    has_status = "status" in lf.collect_schema().names()
    totals = lf.select(
        rows=pl.len(),
        orders=pl.col("order_id").n_unique(),
        customers=pl.col("customer_id").n_unique(),
        revenue=pl.col("revenue").sum(),
        net_revenue=net_revenue_expr() if has_status else pl.col("revenue").sum(),
        first_date=pl.col("order_date").min(),
        last_date=pl.col("order_date").max(),
    ).collect()
    t = totals.row(0, named=True)
    base = customer_base(lf, as_of).with_columns(status_expr(churn_days, at_risk_days))
    c = (
        base.select(
            repeaters=(pl.col("orders") >= 2).sum(),
            active=(pl.col("status") == "active").sum(),
            at_risk=(pl.col("status") == "at_risk").sum(),
            churned=(pl.col("status") == "churned").sum(),
            revenue_at_risk=pl.col("revenue_365d").filter(pl.col("status") != "active").sum(),
        )
        .collect()
        .row(0, named=True)
    )
    total_customers = t["customers"]
    if customers_file is not None and "customer_id" in customers_file.columns:
        ids = lf.select(pl.col("customer_id").unique()).collect()["customer_id"]
        extra = customers_file.filter(~pl.col("customer_id").is_in(ids.implode()))
        total_customers += extra["customer_id"].n_unique()
    customers = t["customers"]
    return {
        "rows": t["rows"],
        "orders": t["orders"],
        "customers": customers,
        "total_customers": total_customers,
        "revenue": t["revenue"] or 0.0,
        "net_revenue": t["net_revenue"] or 0.0,
        "aov": _ratio(t["revenue"], t["orders"]),
        "revenue_per_customer": _ratio(t["revenue"], customers),
        "repeat_rate": _ratio(c["repeaters"], customers),
        "active_customers": c["active"],
        "at_risk_customers": c["at_risk"],
        "churned_customers": c["churned"],
        "churn_rate": _ratio(c["churned"], customers),
        "revenue_at_risk": c["revenue_at_risk"] or 0.0,
        "first_date": t["first_date"],
        "last_date": t["last_date"],
        "as_of": as_of,
    }


def monthly(orders: Frame, as_of: date | None = None) -> pl.DataFrame:
    """Revenue, orders, customers and AOV per calendar month with growth % and partial flags.

    Every month between the first and the last order is present (zero when empty). The first
    month is partial when the data starts after its first day; the last when the data (or as_of)
    ends before its last day.
    """
    lf = _lazy(orders)
    span = lf.select(first=pl.col("order_date").min(), last=pl.col("order_date").max()).collect()
    first, last = span["first"][0], span["last"][0]
    if first is None:
        return pl.DataFrame(
            schema={
                "month": pl.Utf8,
                "revenue": pl.Float64,
                "orders": pl.UInt32,
                "customers": pl.UInt32,
                "growth": pl.Float64,
                "partial": pl.Boolean,
            }
        )
    end = max(last, as_of) if as_of else last
    months = pl.DataFrame(
        {"month_start": pl.date_range(first.replace(day=1), end.replace(day=1), "1mo", eager=True)}
    )
    agg = (
        lf.group_by(month_start=pl.col("order_date").dt.truncate("1mo"))
        .agg(
            revenue=pl.col("revenue").sum(),
            orders=pl.col("order_id").n_unique(),
            customers=pl.col("customer_id").n_unique(),
        )
        .collect()
    )
    out = months.join(agg, on="month_start", how="left").with_columns(
        pl.col("revenue").fill_null(0.0),
        pl.col("orders").fill_null(0),
        pl.col("customers").fill_null(0),
    )
    month_end = pl.col("month_start").dt.month_end()
    return out.with_columns(
        growth=pl.when(pl.col("revenue").shift(1) > 0).then(
            (pl.col("revenue") - pl.col("revenue").shift(1)) / pl.col("revenue").shift(1)
        ),
        partial=((pl.col("month_start") == first.replace(day=1)) & (first.day != 1))
        | ((pl.col("month_start") == end.replace(day=1)) & (month_end > pl.lit(end))),
    ).select(
        pl.col("month_start").dt.strftime("%Y-%m").alias("month"),
        "month_start",
        "revenue",
        "orders",
        "customers",
        "growth",
        "partial",
        aov=pl.when(pl.col("orders") > 0).then(pl.col("revenue") / pl.col("orders")),
    )


def report(
    loaded: Loaded,
    *,
    customers: pl.DataFrame | None = None,
    as_of: date | None = None,
    churn_days: int = CHURN_DAYS,
    at_risk_days: int = AT_RISK_DAYS,
) -> dict[str, Any]:
    """SPEC `report`: KPIs, mapping, warnings, monthly series and breakdowns, JSON-ready."""
    orders = loaded.orders
    out = kpis(
        orders,
        as_of=as_of,
        churn_days=churn_days,
        at_risk_days=at_risk_days,
        customers_file=customers,
    )
    for key in ("first_date", "last_date", "as_of"):
        out[key] = out[key].isoformat() if out[key] else None
    out["mapping"] = dict(loaded.mapping)
    out["warnings"] = list(loaded.warnings)
    m = monthly(orders, as_of)
    keys = ("month", "revenue", "orders", "customers", "growth", "partial")
    out["monthly"] = m.select(keys).to_dicts()
    try:
        from core.sales import breakdowns
    except ImportError:  # pragma: no cover - sales module lands separately
        breakdowns = None
    if breakdowns is not None:
        out["breakdowns"] = breakdowns(orders)
    return out
