"""The action plan in words and display tables: uplift with its source, intervals as text,
totals for the page's cards. No statistics here, only wording of what build.py computed.
"""

from __future__ import annotations

import polars as pl

from core import format as fmt
from core.plan.build import Plan
from core.plan.uplift import EXPERIMENT


def uplift_text(relative: float, low: float, high: float, source: str) -> str:
    """ "+35.2% [+11.7%, +58.8%] (experiment)" or "+10.0% (assumption)"."""
    if source == EXPERIMENT:
        return f"{relative:+.1%} [{low:+.1%}, {high:+.1%}] (experiment)"
    return f"{relative:+.1%} (assumption)"


def _signed_pct(e: pl.Expr) -> pl.Expr:
    return pl.when(e >= 0).then(pl.lit("+")).otherwise(pl.lit("")) + fmt.percent_expr(e)


def uplift_expr() -> pl.Expr:
    """Expression form of uplift_text over Plan.actions' uplift columns."""
    lo, mid, hi = (_signed_pct(pl.col(c)) for c in ("uplift_low", "uplift", "uplift_high"))
    return (
        pl.when(pl.col("uplift_source") == EXPERIMENT)
        .then(mid + " [" + lo + ", " + hi + "] (experiment)")
        .otherwise(mid + " (assumption)")
    )


def _interval(lo: str, hi: str, money: bool = True) -> pl.Expr:
    text = fmt.money_expr if money else fmt.percent_expr
    # no interval to show where there is none (an assumption: low = high)
    return pl.when(pl.col(lo).is_not_null() & (pl.col(lo) != pl.col(hi))).then(
        text(pl.col(lo)) + " to " + text(pl.col(hi))
    )


def ranked_view(actions: pl.DataFrame) -> pl.DataFrame:
    """Plan.actions for the page: numbers kept as numbers, the uplift worded with its source and
    each interval as "low to high" text beside its estimate; ranked by net gain."""
    return actions.select(
        "rule",
        "customers",
        "net_gain",
        _interval("net_gain_low", "net_gain_high").alias("net_gain_interval"),
        uplift_expr().alias("uplift"),
        "expected_incremental_revenue",
        _interval("expected_incremental_revenue_low", "expected_incremental_revenue_high").alias(
            "incremental_interval"
        ),
        "cost",
        "roi",
        _interval("roi_low", "roi_high", money=False).alias("roi_interval"),
        "value_at_stake",
        pl.col("baseline_return_rate").alias("chance_of_buying_again"),
        "action",
    )


def totals(plan: Plan) -> dict[str, float]:
    """Sums over the actions for the page's cards: customers, held_out, value_at_stake,
    incremental (with _low / _high), cost, net_gain (with _low / _high)."""
    a = plan.actions
    return {
        "customers": int(a["customers"].sum()),
        "held_out": int(plan.customers["holdout"].sum()),
        "value_at_stake": float(a["value_at_stake"].sum()),
        "incremental": float(a["expected_incremental_revenue"].sum()),
        "incremental_low": float(a["expected_incremental_revenue_low"].sum()),
        "incremental_high": float(a["expected_incremental_revenue_high"].sum()),
        "cost": float(a["cost"].sum()),
        "net_gain": float(a["net_gain"].sum()),
        "net_gain_low": float(a["net_gain_low"].sum()),
        "net_gain_high": float(a["net_gain_high"].sum()),
    }
