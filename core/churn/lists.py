"""The churn list: at-risk and churned customers, most valuable first, with the reason in words."""

from __future__ import annotations

import polars as pl

from core import format as fmt
from core.churn.definitions import _ordered
from core.model.errors import InputError
from core.model.settings import AT_RISK_DAYS, CHURN_DAYS, check_thresholds
from core.model.status import STATUSES, status_expr

LIST_COLUMNS = (
    "customer_id",
    "status",
    "recency_days",
    "last_order",
    "orders",
    "revenue",
    "revenue_365d",
    "rfm_segment",
    "value_tier",
    "p_alive",
    "expected_purchases_90d",
    "expected_clv_365d",
    "avg_days_between_orders",
    "reason",
)
_OPTIONAL_DTYPES = {
    "last_order": pl.Date,
    "orders": pl.Int64,
    "revenue": pl.Float64,
    "revenue_365d": pl.Float64,
    "rfm_segment": pl.Utf8,
    "value_tier": pl.Utf8,
    "p_alive": pl.Float64,
    "expected_purchases_90d": pl.Float64,
    "expected_clv_365d": pl.Float64,
    "avg_days_between_orders": pl.Float64,
}


def reason_expr() -> pl.Expr:
    """The reason in words, e.g. "no order for 134 days; usually orders every 30 days (4.5x)".

    Uses recency_days, orders and avg_days_between_orders.
    """
    avg = pl.col("avg_days_between_orders")
    head = pl.lit("no order for ") + fmt.days_expr(pl.col("recency_days"))
    usual = pl.concat_str(
        pl.lit("; usually orders every "),
        fmt.days_expr(avg),
        pl.lit(" ("),
        fmt.number_expr(pl.col("recency_days") / avg, 1),
        pl.lit("x the usual gap)"),
    )
    return (
        pl.when(avg.is_not_null() & (avg >= 0.5))
        .then(pl.concat_str(head, usual))
        .when(pl.col("orders") <= 1)
        .then(pl.concat_str(head, pl.lit("; only one order so far")))
        .otherwise(pl.concat_str(head, pl.lit("; all orders on a single day")))
        .alias("reason")
    )


def churn_list(
    customers: pl.DataFrame,
    churn_days: int = CHURN_DAYS,
    at_risk_days: int = AT_RISK_DAYS,
    *,
    statuses: tuple[str, ...] | list[str] = ("at_risk", "churned"),
    segments: list[str] | None = None,
    min_revenue_365d: float | None = None,
    search: str | None = None,
) -> pl.DataFrame:
    """At-risk and churned customers, most valuable first, with the reason in words.

    Input: the hub (or customer_activity). Status is re-derived from recency_days with the
    thresholds given. Sorted by revenue_365d, then lifetime revenue (both descending), then
    customer_id. Filters: statuses (subset of at_risk / churned; active is allowed too),
    segments (rfm_segment values), min_revenue_365d, search (case-insensitive part of the id).
    Optional hub columns that are missing come out null.
    """
    check_thresholds(churn_days, at_risk_days)
    bad = [s for s in statuses if s not in STATUSES]
    if bad:
        raise InputError(f"unknown status {bad[0]!r}: use active, at_risk or churned")
    df = _ordered(customers)
    df = df.with_columns(
        pl.lit(None, dtype=t).alias(c) for c, t in _OPTIONAL_DTYPES.items() if c not in df.columns
    )
    df = df.with_columns(status_expr(churn_days, at_risk_days)).filter(
        pl.col("status").is_in(list(statuses))
    )
    if segments:
        df = df.filter(pl.col("rfm_segment").is_in(list(segments)))
    if min_revenue_365d is not None:
        df = df.filter(pl.col("revenue_365d").fill_null(0.0) >= min_revenue_365d)
    if search:
        df = df.filter(
            pl.col("customer_id")
            .cast(pl.Utf8)
            .str.to_lowercase()
            .str.contains(search.lower(), literal=True)
        )
    return (
        df.with_columns(reason_expr())
        .sort(
            ["revenue_365d", "revenue", "customer_id"],
            descending=[True, True, False],
            nulls_last=True,
        )
        .select(LIST_COLUMNS)
    )
