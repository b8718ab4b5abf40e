"""Churn figures from a customer frame: KPIs, the summary per status, inactivity buckets and the
recency histogram. Revenue at risk = revenue of at-risk and churned customers in the 365 days
before as_of (order_date > as_of - 365 days).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from core.churn.definitions import BUCKETS, LAST_BUCKET, _col_or_zero, _ordered
from core.model.errors import InputError
from core.model.settings import AT_RISK_DAYS, CHURN_DAYS, check_thresholds
from core.model.status import STATUS_LABELS, STATUSES, status_expr


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
    template = pl.DataFrame(
        {"status": list(STATUSES), "label": [STATUS_LABELS[s] for s in STATUSES]}
    )
    return _per_group(customers, status_expr(churn_days, at_risk_days), template)


# ---------------------------------------------------------------- inactivity
def inactivity_buckets(customers: pl.DataFrame) -> pl.DataFrame:
    """Customers and revenue by days since last order: 0-30, 31-60, 61-90, 91-180, 180+.

    Columns: bucket, min_days, max_days (null for the open bucket), customers, share,
    revenue (lifetime), revenue_365d. Every bucket is present, empty ones with zeros.
    """
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
    return _per_group(customers, expr.otherwise(pl.lit(LAST_BUCKET[0])).alias("bucket"), template)


def _per_group(customers: pl.DataFrame, group: pl.Expr, template: pl.DataFrame) -> pl.DataFrame:
    """The template's rows (its first column is the group, named as `group`) with the customers
    in each group, their share of all customers, their lifetime and 365-day revenue; a group
    nobody is in has zeros."""
    df = _ordered(customers)
    key = template.columns[0]
    agg = (
        df.select(
            group,
            _col_or_zero(df, "revenue").fill_null(0.0).alias("revenue"),
            _col_or_zero(df, "revenue_365d").fill_null(0.0).alias("revenue_365d"),
        )
        .group_by(key)
        .agg(pl.len().alias("customers"), pl.sum("revenue"), pl.sum("revenue_365d"))
    )
    n = df.height
    return (
        template.join(agg, on=key, how="left")
        .with_columns(
            pl.col("customers").fill_null(0).cast(pl.Int64),
            pl.col("revenue", "revenue_365d").fill_null(0.0),
        )
        .with_columns(share=pl.col("customers") / n if n else pl.lit(0.0))
        .select(*template.columns, "customers", "share", "revenue", "revenue_365d")
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
