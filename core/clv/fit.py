"""Fitting the CLV models and judging whether a fit can be trusted.

Owns the maximum-likelihood fits of BG/NBD and Gamma-Gamma (core.clv.model holds the
likelihoods and the predictions), `fit` (both models on one customer summary, with their
quality), `fit_quality` (can the fit be trusted, and why not, in plain words), and the
per-customer outputs that feed the hub (`customer_clv`) and the `clv` command (`fit_report`).

A fit is trusted when the optimiser converged, no parameter ran to the edge of its space, and
the predictions separate customers (P(alive) is not ~100% for everyone, including customers
silent far beyond the churn threshold). Where it is not, callers show `reason` and fall back
to the threshold-based status (active / at risk / churned).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
from scipy import optimize

from core.clv.model import (
    BGNBD,
    MIN_REPEAT_CUSTOMERS,
    GammaGamma,
    _bgnbd_nll,
    _gg_nll,
    _patterns,
    expected_purchases,
    expected_spend,
    p_alive,
    summary,
)
from core.model.errors import InputError


# ---------------------------------------------------------------- quality
@dataclass(frozen=True)
class FitQuality:
    """Whether a CLV fit can be trusted. `ok` False comes with `reason`, one plain sentence
    (empty when ok); `spend_ok` says the same of the Gamma-Gamma spend model alone."""

    ok: bool
    reason: str = ""
    converged: bool = True
    at_boundary: tuple[str, ...] = ()
    degenerate: bool = False
    spend_ok: bool = True
    spend_reason: str = ""

    def to_dict(self) -> dict:
        """{ok, reason, spend_ok, spend_reason} for JSON."""
        return {
            "ok": self.ok,
            "reason": self.reason,
            "spend_ok": self.spend_ok,
            "spend_reason": self.spend_reason,
        }


@dataclass(frozen=True)
class ClvFit:
    """Both models fitted on one customer summary, and whether to trust them.

    `bgnbd` is None when the data cannot support a fit (quality.ok is then False);
    `gamma_gamma` is None when the spend model cannot be fitted or has no finite mean.
    """

    summary: pl.DataFrame
    unit: str
    bgnbd: BGNBD | None
    gamma_gamma: GammaGamma | None
    quality: FitQuality


# ---------------------------------------------------------------- fits
def _minimise(fun, x0: np.ndarray, args: tuple) -> np.ndarray:
    res = optimize.minimize(fun, x0, args=args, jac=True, method="BFGS", options={"gtol": 1e-9})
    if not np.all(np.isfinite(res.x)) or not np.isfinite(res.fun):
        raise InputError("the model fit did not converge on these orders")
    return res.x


def _repeat_count(s: pl.DataFrame) -> int:
    return int(s.filter(pl.col("frequency") > 0).height)


def fit_bgnbd(s: pl.DataFrame) -> BGNBD:
    """Maximum-likelihood BG/NBD fit on a customer summary (columns frequency, recency, T).

    Needs at least MIN_REPEAT_CUSTOMERS customers with a repeat purchase; raises InputError
    otherwise or when the fit does not converge. Time is rescaled so the oldest customer has
    T = 1 during the fit (as lifetimes does), and alpha is scaled back.
    """
    repeat = _repeat_count(s)
    if repeat < MIN_REPEAT_CUSTOMERS:
        raise InputError(
            f"the BG/NBD model needs at least {MIN_REPEAT_CUSTOMERS} repeat customers "
            f"(purchases on 2 or more days); found {repeat}"
        )
    x, tx, T, w = _patterns(s, ["frequency", "recency", "T"])
    scale = 1.0 / T.max()
    log_params = _minimise(_bgnbd_nll, np.zeros(4), (x, tx * scale, T * scale, w))
    r, alpha, a, b = np.exp(log_params)
    return BGNBD(r=float(r), alpha=float(alpha / scale), a=float(a), b=float(b))


def fit_gamma_gamma(s: pl.DataFrame) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma fit on the repeat customers of a summary.

    Uses customers with frequency > 0 and monetary_value > 0 (the model needs positive spend);
    raises InputError when fewer than MIN_REPEAT_CUSTOMERS remain or the fit fails.
    Spend is rescaled to mean 1 during the fit and v scaled back (v is a scale parameter).
    """
    repeat = s.filter((pl.col("frequency") > 0) & (pl.col("monetary_value") > 0))
    if repeat.height < MIN_REPEAT_CUSTOMERS:
        raise InputError(
            f"the Gamma-Gamma model needs at least {MIN_REPEAT_CUSTOMERS} repeat customers "
            f"with positive spend; found {repeat.height}"
        )
    x, mv, w = _patterns(repeat, ["frequency", "monetary_value"])
    scale = float(np.average(mv, weights=w))
    log_params = _minimise(_gg_nll, np.array([0.0, np.log(2.0), 0.0]), (x, mv / scale, w))
    p, q, v = np.exp(log_params)
    return GammaGamma(p=float(p), q=float(q), v=float(v * scale))


def _null_clv(s: pl.DataFrame) -> pl.DataFrame:
    return s.select(
        "customer_id",
        *(
            pl.lit(None, dtype=pl.Float64).alias(c)
            for c in ("p_alive", "expected_purchases_90d", "expected_clv_365d")
        ),
    )


def customer_clv(orders: pl.DataFrame | pl.LazyFrame, as_of: date) -> pl.DataFrame:
    """Per customer: p_alive, expected_purchases_90d, expected_clv_365d (time in days).

    expected_clv_365d = expected repeat purchases in the next 365 days x expected spend per
    purchase (Gamma-Gamma); undiscounted, in the orders' currency, on gross revenue.
    One-time buyers have p_alive = 1 (see P_ALIVE_ONE_TIME_NOTE). When the data cannot support
    a fit (fewer than MIN_REPEAT_CUSTOMERS repeat customers, or no convergence) the three
    columns are null rather than an error; when only the spend model fails, only
    expected_clv_365d is null.
    """
    s = summary(orders, as_of, "days")
    try:
        bg = fit_bgnbd(s)
    except InputError:
        return _null_clv(s)
    x, tx, T = (s[c].to_numpy().astype(float) for c in ("frequency", "recency", "T"))
    alive = p_alive(bg, x, tx, T)
    in_90 = expected_purchases(bg, 90.0, x, tx, T)
    clv = None
    try:
        gg = fit_gamma_gamma(s)
    except InputError:  # too few repeat buyers to fit spend: CLV stays empty, the rest stands
        gg = None
    if gg is not None and gg.q > 1:  # q <= 1: the mean spend is infinite, no CLV to give
        spend = expected_spend(gg, x, s["monetary_value"].to_numpy())
        clv = expected_purchases(bg, 365.0, x, tx, T) * spend
    return s.select("customer_id").with_columns(
        pl.Series("p_alive", alive, dtype=pl.Float64).fill_nan(None),
        pl.Series("expected_purchases_90d", in_90, dtype=pl.Float64).fill_nan(None),
        pl.Series("expected_clv_365d", clv, dtype=pl.Float64).fill_nan(None)
        if clv is not None
        else pl.lit(None, dtype=pl.Float64).alias("expected_clv_365d"),
    )


def fit_report(orders: pl.DataFrame | pl.LazyFrame, as_of: date, unit: str = "days") -> dict:
    """The `clv` command's JSON: {unit, as_of, customers, repeat_customers, bgnbd: {r, alpha,
    a, b}, gamma_gamma: {p, q, v} or null when the spend model cannot be fit}.

    Raises InputError when BG/NBD cannot be fit (too few repeat customers, no convergence).
    """
    s = summary(orders, as_of, unit)
    bg = fit_bgnbd(s)
    try:
        gg = fit_gamma_gamma(s)
        gamma_gamma = {"p": gg.p, "q": gg.q, "v": gg.v}
    except InputError:
        gamma_gamma = None
    return {
        "unit": unit,
        "as_of": as_of.isoformat(),
        "customers": s.height,
        "repeat_customers": _repeat_count(s),
        "bgnbd": {"r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b},
        "gamma_gamma": gamma_gamma,
    }


# ---------------------------------------------------------------- quality of a fit
def fit(
    orders: pl.DataFrame | pl.LazyFrame, as_of: date, unit: str = "days", churn_days: int = 90
) -> ClvFit:
    """Fit BG/NBD and Gamma-Gamma on the orders up to `as_of` and judge the fit (never raises
    for data that cannot support a fit: quality.ok is False with the reason instead)."""
    s = summary(orders, as_of, unit)
    try:
        bg = fit_bgnbd(s)
    except InputError as exc:
        return ClvFit(
            s, unit, None, None, FitQuality(False, f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
        )
    try:
        gg = fit_gamma_gamma(s)
    except InputError:
        gg = None
    return ClvFit(s, unit, bg, gg, FitQuality(True))


def fit_quality(
    orders: pl.DataFrame | pl.LazyFrame, as_of: date, churn_days: int = 90
) -> FitQuality:
    """Can the CLV fit on these orders be trusted? ok with an empty reason, or not ok with the
    reason in plain words (callers then fall back to the threshold-based status)."""
    return fit(orders, as_of, churn_days=churn_days).quality
