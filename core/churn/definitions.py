"""Churn definitions in words, the per-customer activity churn reads, and threshold suggestions.

Churned when recency_days > churn_days, at risk when at_risk_days < recency_days <= churn_days,
active otherwise (the rule itself is core.model.status). The suggestion reads the gaps between a
customer's consecutive order days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import polars as pl

from core import format as fmt
from core.hub import customer_base
from core.model.errors import InputError
from core.model.settings import check_thresholds

# display names of the columns of this module's tables (churn list, inactivity, retention)
COLUMN_LABELS = {
    "customer_id": "Customer",
    "status": "Status",
    "recency_days": "Days since last order",
    "reason": "Why",
    "last_order": "Last order",
    "orders": "Orders",
    "revenue": "Revenue",
    "revenue_365d": "Revenue (365 days)",
    "rfm_segment": "Segment",
    "value_tier": "Value tier",
    "p_alive": "P(alive)",
    "expected_purchases_90d": "Expected purchases (90 days)",
    "expected_clv_365d": "Expected CLV (365 days)",
    "avg_days_between_orders": "Usual gap (days)",
    "bucket": "Days since last order",
    "min_days": "From day",
    "max_days": "To day",
    "customers": "Customers",
    "share": "Share of customers",
    "bin_start": "From day",
    "bin_end": "To day (excl.)",
    "previous_customers": "Customers last period",
    "retained": "Of them ordered again",
    "retention": "Retention",
    "churn": "Churn",
    "partial": "Partial period",
}
BUCKETS = (("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("91-180", 91, 180))
LAST_BUCKET = ("180+", 181)
WINDOW_DAYS = 365


def _orders_until(orders: pl.DataFrame | pl.LazyFrame, as_of: date | None) -> pl.LazyFrame:
    lf = orders.lazy()
    return lf if as_of is None else lf.filter(pl.col("order_date") <= as_of)


def customer_activity(orders: pl.DataFrame | pl.LazyFrame, as_of: date) -> pl.DataFrame:
    """Per customer: the columns churn needs, straight from the canonical orders frame
    (core.hub.customer_base: first/last order, orders, order_days, revenue, revenue_365d,
    recency_days, tenure_days, avg_days_between_orders). Orders after as_of are ignored."""
    return customer_base(orders, as_of).sort("customer_id").collect()


def _ordered(customers: pl.DataFrame) -> pl.DataFrame:
    """Customers with at least one order (the hub may carry customers-file rows without)."""
    missing = [c for c in ("customer_id", "recency_days") if c not in customers.columns]
    if missing:
        raise InputError(f"the customer table has no {', '.join(missing)} column")
    return customers.filter(pl.col("recency_days").is_not_null())


def _col_or_zero(df: pl.DataFrame, name: str) -> pl.Expr:
    return pl.col(name) if name in df.columns else pl.lit(0.0)


def segment_options(customers: pl.DataFrame) -> list[str]:
    """The RFM segments present in a customer frame, sorted (empty without rfm_segment)."""
    if "rfm_segment" not in customers.columns:
        return []
    return customers["rfm_segment"].drop_nulls().unique().sort().to_list()


def at_risk_band(churn_days: int, at_risk_days: int) -> str:
    """The at-risk band in words: "61–90 days without an order", or none when the two
    thresholds are equal."""
    if at_risk_days >= churn_days:
        return "none (the two thresholds are equal)"
    return f"{at_risk_days + 1}–{churn_days} days without an order"


def definitions_text(churn_days: int, at_risk_days: int, as_of: date) -> str:
    """The churn definitions in words (markdown), with the thresholds in force."""
    check_thresholds(churn_days, at_risk_days)
    at_risk = at_risk_band(churn_days, at_risk_days)
    if at_risk_days == 0:
        active = "an order on the as-of date"
    else:
        active = f"an order within the last {at_risk_days} days"
    return (
        f"**Definitions.** *Churned*: no order for more than **{churn_days}** days. "
        f"*At risk*: {at_risk}. *Active*: {active}. *Revenue at risk*: what at-risk and "
        f"churned customers spent in the {WINDOW_DAYS} days before {as_of}."
    )


# ---------------------------------------------------------------- threshold suggestion
@dataclass(frozen=True)
class ThresholdSuggestion:
    """Thresholds suggested from the gaps between a customer's consecutive order days."""

    churn_days: int  # ceil of the 90th percentile gap
    at_risk_days: int  # ceil of the 75th percentile gap, kept below churn_days
    gaps: int  # number of gaps measured
    repeat_customers: int  # customers with 2+ order days
    median_gap: float
    p75_gap: float
    p90_gap: float


def suggest_thresholds(
    orders: pl.DataFrame | pl.LazyFrame, as_of: date | None = None
) -> ThresholdSuggestion | None:
    """Suggest churn / at-risk thresholds from the data; None when nobody ordered twice.

    A gap is the number of days between two consecutive distinct order dates of one customer.
    The churn suggestion is the 90th percentile of all gaps (nine in ten returning customers
    come back sooner), the at-risk suggestion the 75th percentile (linear interpolation).
    """
    gaps = (
        _orders_until(orders, as_of)
        .select("customer_id", "order_date")
        .unique()
        .sort("customer_id", "order_date")
        .with_columns(  # the day before, when it is the same customer's (no window: 5x faster)
            gap=pl.when(pl.col("customer_id").eq_missing(pl.col("customer_id").shift()))
            .then(pl.col("order_date").diff())
            .dt.total_days()
        )
        .filter(pl.col("gap").is_not_null())
        .select(
            gaps=pl.len(),
            repeat_customers=pl.col("customer_id").n_unique(),
            median_gap=pl.col("gap").median(),
            p75_gap=pl.col("gap").quantile(0.75, "linear"),
            p90_gap=pl.col("gap").quantile(0.90, "linear"),
        )
        .collect()
        .row(0, named=True)
    )
    if not gaps["gaps"]:
        return None
    churn = max(1, math.ceil(gaps["p90_gap"]))
    at_risk = min(max(0, math.ceil(gaps["p75_gap"])), churn - 1)
    return ThresholdSuggestion(
        churn_days=churn,
        at_risk_days=at_risk,
        gaps=int(gaps["gaps"]),
        repeat_customers=int(gaps["repeat_customers"]),
        median_gap=float(gaps["median_gap"]),
        p75_gap=float(gaps["p75_gap"]),
        p90_gap=float(gaps["p90_gap"]),
    )


def suggestion_text(sug: ThresholdSuggestion | None) -> str:
    """The suggestion in words (markdown), or why there is none."""
    if sug is None:
        return "No customer ordered twice, so the data cannot suggest a threshold."
    return (
        f"Suggested from your data: churn after **{fmt.number(sug.churn_days)}** days (nine in ten "
        f"returning customers come back within {fmt.days(sug.p90_gap)}), at risk after "
        f"**{fmt.number(sug.at_risk_days)}** days (75th percentile). Median gap between orders: "
        f"{fmt.days(sug.median_gap)}, from {fmt.number(sug.gaps)} gaps of "
        f"{fmt.number(sug.repeat_customers)} repeat customers."
    )
