"""Churn and retention: thresholds, KPIs, inactivity buckets, period retention, the churn list.

Owns the churn definitions of the SPEC: churned when recency_days > churn_days, at risk when
at_risk_days < recency_days <= churn_days, active otherwise; revenue at risk = revenue of at-risk
and churned customers in the 365 days before as_of (order_date > as_of - 365 days); period retention
= share of the customers who ordered in period P-1 who also ordered in P.

Functions take the canonical orders frame or a customer frame (the hub from core.customers, or
`customer_activity` below, which builds the columns this module needs straight from orders).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import polars as pl

from core.customers import customer_base
from core.model.errors import InputError
from core.model.settings import AT_RISK_DAYS, CHURN_DAYS, check_thresholds
from core.model.status import (
    STATUS_CODES,
    STATUS_LABELS,
    STATUSES,
    status_codes,
    status_expr,
    with_status_labels,
)

__all__ = ["STATUSES", "STATUS_CODES", "STATUS_LABELS", "check_thresholds", "status_codes"]
__all__ += ["with_status_labels"]
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

Period = Literal["month", "quarter"]
_EVERY = {"month": "1mo", "quarter": "1q"}


# ---------------------------------------------------------------- definitions
def _orders_until(orders: pl.DataFrame | pl.LazyFrame, as_of: date | None) -> pl.LazyFrame:
    lf = orders.lazy()
    return lf if as_of is None else lf.filter(pl.col("order_date") <= as_of)


def customer_activity(orders: pl.DataFrame | pl.LazyFrame, as_of: date) -> pl.DataFrame:
    """Per customer: the columns churn needs, straight from the canonical orders frame
    (core.customers.customer_base: first/last order, orders, order_days, revenue, revenue_365d,
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
        .with_columns(gap=pl.col("order_date").diff().over("customer_id").dt.total_days())
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
        f"Suggested from your data: churn after **{sug.churn_days}** days (nine in ten "
        f"returning customers come back within {sug.p90_gap:.0f} days), at risk after "
        f"**{sug.at_risk_days}** days (75th percentile). Median gap between orders: "
        f"{sug.median_gap:.0f} days, from {sug.gaps:,} gaps of {sug.repeat_customers:,} "
        f"repeat customers."
    )


# ---------------------------------------------------------------- KPIs
@dataclass(frozen=True)
class ChurnKPIs:
    churn_days: int
    at_risk_days: int
    customers: int  # customers with at least one order
    active: int
    at_risk: int
    churned: int
    churn_rate: float  # churned / customers
    retention_rate: float  # 1 - churn_rate (active + at_risk) / customers
    at_risk_rate: float  # at_risk / customers
    revenue_365d: float  # all customers, the 365 days before as_of
    revenue_at_risk: float  # at_risk + churned customers, same window
    revenue_at_risk_share: float  # revenue_at_risk / revenue_365d (0 when no revenue)
    revenue_365d_at_risk: float  # the at-risk customers' part
    revenue_365d_churned: float  # the churned customers' part


def churn_kpis(
    customers: pl.DataFrame, churn_days: int = CHURN_DAYS, at_risk_days: int = AT_RISK_DAYS
) -> ChurnKPIs:
    """Counts, rates and revenue at risk from a customer frame (hub or customer_activity).

    Needs customer_id, recency_days and revenue_365d; status is re-derived from recency_days
    with the thresholds given, so the figures always match them.
    """
    check_thresholds(churn_days, at_risk_days)
    df = _ordered(customers)
    rev = _col_or_zero(df, "revenue_365d").fill_null(0.0)
    status = status_expr(churn_days, at_risk_days)
    row = (
        df.select(status, rev.alias("rev"))
        .select(
            customers=pl.len(),
            active=(pl.col("status") == "active").sum(),
            at_risk=(pl.col("status") == "at_risk").sum(),
            churned=(pl.col("status") == "churned").sum(),
            revenue_365d=pl.col("rev").sum(),
            rev_at_risk=pl.col("rev").filter(pl.col("status") == "at_risk").sum(),
            rev_churned=pl.col("rev").filter(pl.col("status") == "churned").sum(),
        )
        .row(0, named=True)
    )
    n = int(row["customers"])
    churned, at_risk = int(row["churned"]), int(row["at_risk"])
    total = float(row["revenue_365d"] or 0.0)
    r_at_risk, r_churned = float(row["rev_at_risk"] or 0.0), float(row["rev_churned"] or 0.0)
    churn_rate = churned / n if n else 0.0
    return ChurnKPIs(
        churn_days=churn_days,
        at_risk_days=at_risk_days,
        customers=n,
        active=int(row["active"]),
        at_risk=at_risk,
        churned=churned,
        churn_rate=churn_rate,
        retention_rate=1.0 - churn_rate if n else 0.0,
        at_risk_rate=at_risk / n if n else 0.0,
        revenue_365d=total,
        revenue_at_risk=r_at_risk + r_churned,
        revenue_at_risk_share=(r_at_risk + r_churned) / total if total else 0.0,
        revenue_365d_at_risk=r_at_risk,
        revenue_365d_churned=r_churned,
    )


def status_summary(
    customers: pl.DataFrame, churn_days: int = CHURN_DAYS, at_risk_days: int = AT_RISK_DAYS
) -> pl.DataFrame:
    """One row per status (active, at_risk, churned): customers, share, revenue, revenue_365d."""
    check_thresholds(churn_days, at_risk_days)
    df = _ordered(customers)
    template = pl.DataFrame(
        {"status": list(STATUSES), "label": [STATUS_LABELS[s] for s in STATUSES]}
    )
    agg = (
        df.select(
            status_expr(churn_days, at_risk_days),
            _col_or_zero(df, "revenue").fill_null(0.0).alias("revenue"),
            _col_or_zero(df, "revenue_365d").fill_null(0.0).alias("revenue_365d"),
        )
        .group_by("status")
        .agg(pl.len().alias("customers"), pl.sum("revenue"), pl.sum("revenue_365d"))
    )
    n = df.height
    return (
        template.join(agg, on="status", how="left")
        .with_columns(
            pl.col("customers").fill_null(0).cast(pl.Int64),
            pl.col("revenue", "revenue_365d").fill_null(0.0),
        )
        .with_columns(share=pl.col("customers") / n if n else pl.lit(0.0))
        .select("status", "label", "customers", "share", "revenue", "revenue_365d")
    )


# ---------------------------------------------------------------- inactivity
def inactivity_buckets(customers: pl.DataFrame) -> pl.DataFrame:
    """Customers and revenue by days since last order: 0-30, 31-60, 61-90, 91-180, 180+.

    Columns: bucket, min_days, max_days (null for the open bucket), customers, share,
    revenue (lifetime), revenue_365d. Every bucket is present, empty ones with zeros.
    """
    df = _ordered(customers)
    names = [b[0] for b in BUCKETS] + [LAST_BUCKET[0]]
    template = pl.DataFrame(
        {
            "bucket": names,
            "min_days": [b[1] for b in BUCKETS] + [LAST_BUCKET[1]],
            "max_days": [b[2] for b in BUCKETS] + [None],
        },
        schema={"bucket": pl.Utf8, "min_days": pl.Int64, "max_days": pl.Int64},
    )
    r = pl.col("recency_days")
    expr = pl.when(r <= BUCKETS[0][2]).then(pl.lit(BUCKETS[0][0]))
    for name, _, hi in BUCKETS[1:]:
        expr = expr.when(r <= hi).then(pl.lit(name))
    bucket = expr.otherwise(pl.lit(LAST_BUCKET[0])).alias("bucket")
    agg = (
        df.select(
            bucket,
            _col_or_zero(df, "revenue").fill_null(0.0).alias("revenue"),
            _col_or_zero(df, "revenue_365d").fill_null(0.0).alias("revenue_365d"),
        )
        .group_by("bucket")
        .agg(pl.len().alias("customers"), pl.sum("revenue"), pl.sum("revenue_365d"))
    )
    n = df.height
    return (
        template.join(agg, on="bucket", how="left")
        .with_columns(
            pl.col("customers").fill_null(0).cast(pl.Int64),
            pl.col("revenue").fill_null(0.0),
            pl.col("revenue_365d").fill_null(0.0),
        )
        .with_columns(share=pl.col("customers") / n if n else pl.lit(0.0))
        .select("bucket", "min_days", "max_days", "customers", "share", "revenue", "revenue_365d")
    )


def recency_distribution(
    customers: pl.DataFrame,
    churn_days: int = CHURN_DAYS,
    at_risk_days: int = AT_RISK_DAYS,
    bin_days: int = 15,
) -> pl.DataFrame:
    """Histogram of days since last order, split by status (for a stacked bar chart).

    Columns: bin_start, bin_end (bin = [bin_start, bin_end), width bin_days), status, customers.
    Only non-empty (bin, status) pairs appear.
    """
    check_thresholds(churn_days, at_risk_days)
    if bin_days < 1:
        raise InputError(f"the histogram bin width must be at least 1 day, got {bin_days}")
    df = _ordered(customers)
    start = (pl.col("recency_days") // bin_days) * bin_days
    return (
        df.select(status_expr(churn_days, at_risk_days), start.alias("bin_start"))
        .group_by("bin_start", "status")
        .agg(customers=pl.len().cast(pl.Int64))
        .with_columns(bin_end=pl.col("bin_start") + bin_days)
        .sort("bin_start", "status")
        .select("bin_start", "bin_end", "status", "customers")
    )


# ---------------------------------------------------------------- period retention
def _period_label(period: Period) -> pl.Expr:
    p = pl.col("period")
    if period == "month":
        return p.dt.strftime("%Y-%m").alias("label")
    return pl.format("{}-Q{}", p.dt.year(), p.dt.quarter()).alias("label")


def period_retention(
    orders: pl.DataFrame | pl.LazyFrame, period: Period = "month", as_of: date | None = None
) -> pl.DataFrame:
    """Retention and churn by calendar month or quarter (SPEC).

    For each period P: customers (who ordered in P), previous_customers (ordered in P-1),
    retained (ordered in both), retention = retained / previous_customers, churn = 1 - retention
    (both null for the first period or after a period without customers), and partial = True
    for a first or last period the data covers only in part. Periods without orders appear
    with zero customers.
    """
    if period not in _EVERY:
        raise InputError(f"period must be 'month' or 'quarter', got {period!r}")
    every = _EVERY[period]
    lf = _orders_until(orders, as_of)
    bounds = (
        lf.select(lo=pl.col("order_date").min(), hi=pl.col("order_date").max())
        .collect()
        .row(0, named=True)
    )
    if bounds["lo"] is None:
        return pl.DataFrame(
            schema={
                "period": pl.Date,
                "label": pl.Utf8,
                "customers": pl.Int64,
                "previous_customers": pl.Int64,
                "retained": pl.Int64,
                "retention": pl.Float64,
                "churn": pl.Float64,
                "partial": pl.Boolean,
            }
        )
    end = as_of if as_of is not None else bounds["hi"]
    active = lf.select("customer_id", period=pl.col("order_date").dt.truncate(every)).unique()
    shifted = active.select("customer_id", period=pl.col("period").dt.offset_by(every))
    retained = (
        active.join(shifted, on=["customer_id", "period"], how="inner")
        .group_by("period")
        .agg(retained=pl.len())
    )
    counts = active.group_by("period").agg(customers=pl.len().cast(pl.Int64))
    grid = (
        pl.LazyFrame(
            {"period": pl.date_range(bounds["lo"], end, every, eager=True).dt.truncate(every)}
        )
        .unique()
        .sort("period")
    )
    first_day, last_day = bounds["lo"], end
    out = (
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
            churn=1.0 - pl.col("retention"),
            partial=(
                (pl.col("period") == pl.col("period").min())
                & (pl.lit(first_day) > pl.col("period"))
            )
            | (
                (pl.col("period") == pl.col("period").max())
                & (pl.lit(last_day) < pl.col("period").dt.offset_by(every) - timedelta(days=1))
            ),
        )
        .with_columns(_period_label(period))
        .select(
            "period",
            "label",
            "customers",
            "previous_customers",
            "retained",
            "retention",
            "churn",
            "partial",
        )
    )
    return out.collect()


RETENTION_MEASURES = {"retention": "Retention", "churn": "Churn"}


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


# ---------------------------------------------------------------- churn list
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
    days = pl.col("recency_days").cast(pl.Int64)
    avg = pl.col("avg_days_between_orders")
    head = pl.format("no order for {} days", days)
    usual = pl.format(
        "; usually orders every {} days ({}x the usual gap)",
        avg.round(0).cast(pl.Int64),
        (pl.col("recency_days") / avg).round(1),
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
