"""Churn and retention: thresholds, KPIs, inactivity buckets, period retention, the churn list and
cohort retention. This package's names below are its public API.

Owns the churn definitions of the SPEC: churned when recency_days > churn_days, at risk when
at_risk_days < recency_days <= churn_days, active otherwise (the rule: core.model.status); revenue
at risk = revenue of at-risk and churned customers in the 365 days before as_of; period retention
= share of the customers who ordered in period P-1 who also ordered in P.

Functions take the canonical orders frame or a customer frame (the hub, or `customer_activity`,
which builds the columns churn needs straight from orders).

  definitions  thresholds in words, customer_activity, the threshold suggestion
  kpis         churn_kpis, status_summary, inactivity_buckets, recency_distribution
  retention    period_retention, retention_long
  lists        the churn list and the reason in words
  cohorts      cohort retention (matrix, average curve)
"""

from core.churn.definitions import (
    BUCKETS,
    COLUMN_LABELS,
    LAST_BUCKET,
    WINDOW_DAYS,
    ThresholdSuggestion,
    at_risk_band,
    customer_activity,
    definitions_text,
    segment_options,
    suggest_thresholds,
    suggestion_text,
)
from core.churn.kpis import (
    ChurnKPIs,
    churn_kpis,
    inactivity_buckets,
    recency_distribution,
    status_summary,
)
from core.churn.lists import LIST_COLUMNS, churn_list, reason_expr
from core.churn.retention import RETENTION_MEASURES, Period, period_retention, retention_long
from core.model.settings import check_thresholds
from core.model.status import (
    STATUS_CODES,
    STATUS_LABELS,
    STATUSES,
    status_codes,
    status_expr,
    with_status_labels,
)

__all__ = [
    "BUCKETS",
    "COLUMN_LABELS",
    "LAST_BUCKET",
    "LIST_COLUMNS",
    "RETENTION_MEASURES",
    "STATUSES",
    "STATUS_CODES",
    "STATUS_LABELS",
    "WINDOW_DAYS",
    "ChurnKPIs",
    "Period",
    "ThresholdSuggestion",
    "at_risk_band",
    "check_thresholds",
    "churn_kpis",
    "churn_list",
    "customer_activity",
    "definitions_text",
    "inactivity_buckets",
    "period_retention",
    "reason_expr",
    "recency_distribution",
    "retention_long",
    "segment_options",
    "status_codes",
    "status_expr",
    "status_summary",
    "suggest_thresholds",
    "suggestion_text",
    "with_status_labels",
]
