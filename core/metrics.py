"""Headline metrics: the KPIs of the Overview and `report`, and the monthly series.

Definitions are SPEC's (one place; the glossary page shows them): revenue is gross, net revenue
excludes returned and cancelled lines, orders are distinct order ids, churn status comes from
recency against the churn and at-risk thresholds.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from core import churn, sales
from core.ingest import Loaded
from core.schema import AT_RISK_DAYS, CHURN_DAYS, Frame, as_lazy, resolve_as_of


def kpis(
    orders: Frame,
    *,
    as_of: date | None = None,
    churn_days: int = CHURN_DAYS,
    at_risk_days: int = AT_RISK_DAYS,
    customers_file: pl.DataFrame | None = None,
    returns: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """The headline KPIs of SPEC's `report` (without mapping, warnings and monthly).

    Composed from the modules that own each definition: the sales figures of the whole frame
    from core.sales.kpis, the churn counts and revenue at risk from core.churn.churn_kpis.
    `returns` (core.ingest: return and cancellation lines, negative) count in rows and are
    subtracted from net revenue. Without dates, the date and churn figures are None."""
    df = orders.collect() if isinstance(orders, pl.LazyFrame) else orders
    dated = df["order_date"].is_not_null().any()
    as_of = resolve_as_of(df, as_of) if dated or as_of else None
    total = df["customer_id"].n_unique()
    if customers_file is not None and "customer_id" in customers_file.columns:
        ids = df["customer_id"].unique().implode()
        total += customers_file.filter(~pl.col("customer_id").is_in(ids))["customer_id"].n_unique()
    s = sales.kpis(df, total_customers=total)
    returned = float(returns["revenue"].sum()) if returns is not None and returns.height else 0.0
    out = {
        "rows": df.height + (returns.height if returns is not None else 0),
        "orders": s.orders,
        "customers": s.customers,
        "total_customers": s.total_customers,
        "revenue": s.revenue,
        "net_revenue": s.net_revenue + returned,
        "aov": s.aov,
        "revenue_per_customer": s.revenue_per_customer,
        "repeat_rate": s.repeat_rate,
        "active_customers": None,
        "at_risk_customers": None,
        "churned_customers": None,
        "churn_rate": None,
        "revenue_at_risk": None,
        "first_date": df["order_date"].min(),
        "last_date": df["order_date"].max(),
        "as_of": as_of,
    }
    if as_of is None:
        return out
    c = churn.churn_kpis(churn.customer_activity(df, as_of), churn_days, at_risk_days)
    out |= {
        "active_customers": c.active,
        "at_risk_customers": c.at_risk,
        "churned_customers": c.churned,
        "churn_rate": c.churn_rate if c.customers else None,
        "revenue_at_risk": c.revenue_at_risk,
    }
    return out


def monthly(orders: Frame, as_of: date | None = None) -> pl.DataFrame:
    """Revenue, orders, customers and AOV per calendar month with growth % and partial flags.

    Every month between the first and the last order is present (zero when empty). The first
    month is partial when the data starts after its first day; the last when the data (or as_of)
    ends before its last day.
    """
    lf = as_lazy(orders)
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
        returns=loaded.returns,
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
