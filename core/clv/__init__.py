"""Probabilistic churn and customer lifetime value (BG/NBD and Gamma-Gamma), by idea:

- model: the customer summary, the models, their likelihoods and predictions
- fit: maximum-likelihood fits, whether a fit can be trusted (fit_quality), the per-customer
  outputs for the hub (customer_clv) and the `clv` command's JSON (fit_report)
- diagnostics: actual vs expected counts, calibration / holdout, tables and chart data

The public API is re-exported here: `from core import clv` then `clv.fit_quality(orders, as_of)`.
"""

from core.clv.diagnostics import (
    FIT_SERIES,
    calibration_holdout,
    fit_diagnostics,
    frequency_histogram,
    frequency_histogram_long,
    holdout_cut_dates,
    holdout_summary,
    holdout_summary_long,
    parameter_table,
)
from core.clv.fit import (
    FALLBACK_NOTE,
    ClvFit,
    FitQuality,
    bgnbd_quality,
    customer_clv,
    fallback_note,
    fit,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_quality,
    fit_report,
    rejudge,
    spend_quality,
)
from core.clv.model import (
    BGNBD,
    MIN_REPEAT_CUSTOMERS,
    P_ALIVE_ONE_TIME_NOTE,
    UNITS,
    GammaGamma,
    expected_purchases,
    expected_spend,
    p_alive,
    purchase_count_pmf,
    simulate_bgnbd,
    summary,
)

__all__ = [
    "BGNBD",
    "FALLBACK_NOTE",
    "FIT_SERIES",
    "MIN_REPEAT_CUSTOMERS",
    "P_ALIVE_ONE_TIME_NOTE",
    "UNITS",
    "ClvFit",
    "FitQuality",
    "GammaGamma",
    "bgnbd_quality",
    "calibration_holdout",
    "customer_clv",
    "expected_purchases",
    "expected_spend",
    "fallback_note",
    "fit",
    "fit_bgnbd",
    "fit_diagnostics",
    "fit_gamma_gamma",
    "fit_quality",
    "fit_report",
    "frequency_histogram",
    "frequency_histogram_long",
    "holdout_cut_dates",
    "holdout_summary",
    "holdout_summary_long",
    "p_alive",
    "parameter_table",
    "purchase_count_pmf",
    "rejudge",
    "simulate_bgnbd",
    "spend_quality",
    "summary",
]
