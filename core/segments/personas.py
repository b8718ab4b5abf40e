"""Personas: Premium, Loyal High-Value, High Churn Risk, Low-Premium and Standard, read
from revenue rank, basket size, orders and status by rules evaluated top to bottom.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from core.errors import InputError
from core.model.status import STATUS_LABELS
from core.segments.common import require as _require
from core.segments.tiers import better_count

PERSONAS: dict[str, tuple[str, str]] = {
    "Premium": (
        "Top revenue and big baskets.",
        "White-glove service, premium launches, no discounts needed.",
    ),
    "Loyal High-Value": (
        "Top revenue built on many orders.",
        "Loyalty rewards, subscriptions, early access.",
    ),
    "High Churn Risk": (
        "Not in the top group and has not ordered for a while (at risk or churned).",
        "Win-back campaign with a time-limited offer.",
    ),
    "Low-Premium": (
        "Big baskets but rare orders; revenue below the top group.",
        "Nudge a repeat purchase: replenishment reminders, bundles.",
    ),
    "Standard": ("Everyone else.", "Regular newsletters and seasonal promotions."),
}


@dataclass(frozen=True)
class PersonaRules:
    """Thresholds of the persona rules (evaluated top to bottom, first match wins)."""

    top_share: float = 0.20  # top x% of customers by revenue
    aov_quantile: float = 0.75  # "big basket": AOV at or above this quantile of AOV
    loyal_orders: int = 3  # "many orders"
    risk_statuses: tuple[str, ...] = ("at_risk", "churned")
    at_risk_days: int = 60  # used only when the table has no status column


def _persona_parts(table: pl.DataFrame, rules: PersonaRules) -> tuple[pl.Expr, ...]:
    if not 0 < rules.top_share < 1:
        raise InputError(f"persona top share must be between 0 and 100%, got {rules.top_share}")
    if not 0 < rules.aov_quantile < 1:
        raise InputError(f"persona AOV quantile must be between 0 and 1, got {rules.aov_quantile}")
    if rules.loyal_orders < 1:
        raise InputError(f"persona 'many orders' must be at least 1, got {rules.loyal_orders}")
    _require(table, "revenue", "orders", "aov", "recency_days")
    n = pl.col("revenue").count()
    top = better_count("revenue") < (n * rules.top_share).round(9)
    aov_cut = table["aov"].quantile(rules.aov_quantile, "linear")
    big = pl.col("aov") >= (aov_cut if aov_cut is not None else math.inf)
    frequent = pl.col("orders") >= rules.loyal_orders
    if "status" in table.columns:
        risk = pl.col("status").is_in(list(rules.risk_statuses))
    else:
        risk = pl.col("recency_days") > rules.at_risk_days
    return top, big, frequent, risk


def add_persona(table: pl.DataFrame, rules: PersonaRules = PersonaRules()) -> pl.DataFrame:
    """Add persona (Utf8): Premium, Loyal High-Value, High Churn Risk, Low-Premium, Standard."""
    top, big, frequent, risk = _persona_parts(table, rules)
    expr = (
        pl.when(top & big)
        .then(pl.lit("Premium"))
        .when(top & frequent)
        .then(pl.lit("Loyal High-Value"))
        .when(risk.fill_null(False))
        .then(pl.lit("High Churn Risk"))
        .when(big)
        .then(pl.lit("Low-Premium"))
        .otherwise(pl.lit("Standard"))
    )
    return table.with_columns(expr.alias("persona"))


def persona_rules(table: pl.DataFrame, rules: PersonaRules = PersonaRules()) -> pl.DataFrame:
    """The persona rules in words with the thresholds they resolve to on this table."""
    _persona_parts(table, rules)
    n = table["revenue"].count()
    k = math.ceil(round(n * rules.top_share, 9))
    rev_cut = table["revenue"].sort(descending=True, nulls_last=True)[k - 1] if k else None
    aov_cut = table["aov"].quantile(rules.aov_quantile, "linear")
    top = f"top {rules.top_share:.0%} by revenue (>= {rev_cut:,.2f})"
    big = f"AOV >= {aov_cut:,.2f} ({rules.aov_quantile:.0%} quantile)"
    risk = (
        f"status is {' or '.join(STATUS_LABELS.get(x, x) for x in rules.risk_statuses)}"
        if "status" in table.columns
        else f"no order for more than {rules.at_risk_days} days"
    )
    text = {
        "Premium": f"{top} and {big}",
        "Loyal High-Value": f"{top} and orders >= {rules.loyal_orders}",
        "High Churn Risk": f"{risk}",
        "Low-Premium": f"{big}",
        "Standard": "none of the above",
    }
    return pl.DataFrame(
        {
            "order": list(range(1, len(PERSONAS) + 1)),
            "persona": list(PERSONAS),
            "rule": [text[p] for p in PERSONAS],
            "description": [d for d, _ in PERSONAS.values()],
            "action": [a for _, a in PERSONAS.values()],
        }
    )
