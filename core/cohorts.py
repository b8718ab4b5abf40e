"""Old import path of cohort retention; it lives in core.churn.cohorts."""

from core.churn.cohorts import (
    COLUMN_LABELS,
    CURVE_AVERAGES,
    Period,
    Value,
    average_curve,
    cohort_matrix,
    cohort_retention,
    color_ceiling,
    curve_long,
)

__all__ = [
    "COLUMN_LABELS",
    "CURVE_AVERAGES",
    "Period",
    "Value",
    "average_curve",
    "cohort_matrix",
    "cohort_retention",
    "color_ceiling",
    "curve_long",
]
