"""Customer status: the codes, their labels and the one rule that turns recency into a status.

SPEC: churned when recency_days > churn_days; at risk when at_risk_days < recency_days <=
churn_days; active otherwise. Every module that needs a status asks `status_expr`.
"""

from __future__ import annotations

import polars as pl

from core.model.errors import InputError
from core.model.settings import AT_RISK_DAYS, CHURN_DAYS

STATUSES = ("active", "at_risk", "churned")
STATUS_LABELS = {"active": "Active", "at_risk": "At risk", "churned": "Churned"}
STATUS_CODES = {label: code for code, label in STATUS_LABELS.items()}


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


def with_status_labels(frame: pl.DataFrame, column: str = "status") -> pl.DataFrame:
    """The frame with its status codes (active, at_risk, churned) shown as Active, At risk,
    Churned; other values, and a frame without the column, are kept as they are."""
    if column not in frame.columns:
        return frame
    return frame.with_columns(pl.col(column).cast(pl.Utf8).replace(STATUS_LABELS))


def status_codes(labels: list[str] | tuple[str, ...]) -> list[str]:
    """Status codes for display labels ("At risk" -> "at_risk"); codes pass through."""
    bad = [x for x in labels if x not in STATUS_CODES and x not in STATUS_LABELS]
    if bad:
        raise InputError(f"unknown status {bad[0]!r}: use Active, At risk or Churned")
    return [STATUS_CODES.get(x, x) for x in labels]
