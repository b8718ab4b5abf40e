"""Fitting the CLV models and judging whether a fit can be trusted.

Owns the maximum-likelihood fits of BG/NBD and Gamma-Gamma (core.clv.model holds the
likelihoods and the predictions), `fit` (both models on one customer summary, with their
quality), `fit_quality` (can the fit be trusted, and why not, in plain words), and the
per-customer outputs that feed the hub (`customer_clv`) and the `clv` command (`fit_report`).

A fit is trusted when the optimiser converged, no parameter ran to the edge of its space (the
model does not claim that no customer ever leaves), and the predictions separate customers:
repeat customers silent far longer than their own rhythm (and than the churn threshold) must
not keep P(alive) near 100%. Where it is not trusted, callers show `reason`, leave p_alive,
expected purchases and CLV empty, and fall back to the threshold-based status (active /
at risk / churned). The spend model (Gamma-Gamma) is judged on its own (`spend_ok`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import polars as pl
from scipy import optimize

from core.clv.model import (
    BGNBD,
    MIN_REPEAT_CUSTOMERS,
    UNITS,
    GammaGamma,
    _bgnbd_nll,
    _distinct,
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
    `churn_days`: the churn threshold the quality was judged with (rejudge: another one).
    """

    summary: pl.DataFrame
    unit: str
    bgnbd: BGNBD | None
    gamma_gamma: GammaGamma | None
    quality: FitQuality
    churn_days: int = 90


# ---------------------------------------------------------------- fits
_EDGE = np.log(1e6)  # a log-parameter beyond +-this (on the rescaled data) ran to the edge
_GRADIENT_TOL = 1e-4  # BFGS may stop on precision loss at the optimum: accept a flat gradient
MIN_DROPOUT = 1e-4  # mean drop-out chance a / (a + b) below this: as if nobody ever left
SILENT_ALIVE = 0.95  # long-silent repeat customers with a median P(alive) above this: degenerate


def _minimise(fun, x0: np.ndarray, args: tuple) -> tuple[np.ndarray, bool]:
    """(log-parameters, converged). Raises InputError when the optimum is not even finite."""
    res = optimize.minimize(fun, x0, args=args, jac=True, method="BFGS", options={"gtol": 1e-9})
    if not np.all(np.isfinite(res.x)) or not np.isfinite(res.fun):
        raise InputError("the model fit did not converge on these orders")
    flat = bool(np.all(np.isfinite(res.jac)) and np.max(np.abs(res.jac)) < _GRADIENT_TOL)
    return res.x, bool(res.success) or flat


def _edges(names: tuple[str, ...], log_params: np.ndarray) -> tuple[str, ...]:
    return tuple(n for n, v in zip(names, log_params, strict=True) if abs(v) > _EDGE)


def _repeat_count(s: pl.DataFrame) -> int:
    return int(s.filter(pl.col("frequency") > 0).height)


def fit_bgnbd(s: pl.DataFrame) -> BGNBD:
    """Maximum-likelihood BG/NBD fit on a customer summary (columns frequency, recency, T).

    Needs at least MIN_REPEAT_CUSTOMERS customers with a repeat purchase; raises InputError
    otherwise or when the optimum is not finite. Time is rescaled so the oldest customer has
    T = 1 during the fit (as lifetimes does), and alpha is scaled back. The result records
    whether the optimiser converged and which parameters ran to the edge of their space.
    """
    repeat = _repeat_count(s)
    if repeat < MIN_REPEAT_CUSTOMERS:
        raise InputError(
            f"the BG/NBD model needs at least {MIN_REPEAT_CUSTOMERS} repeat customers "
            f"(purchases on 2 or more days); found {repeat}"
        )
    x, tx, T, w = _patterns(s, ["frequency", "recency", "T"])
    scale = 1.0 / T.max()
    args = (x, tx * scale, T * scale, w, _distinct(x))
    log_params, converged = _minimise(_bgnbd_nll, np.zeros(4), args)
    r, alpha, a, b = np.exp(log_params)
    edges = _edges(("r", "alpha", "a", "b"), log_params)
    return BGNBD(float(r), float(alpha / scale), float(a), float(b), converged, edges)


def fit_gamma_gamma(s: pl.DataFrame) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma fit on the repeat customers of a summary.

    Uses customers with frequency > 0 and monetary_value > 0 (the model needs positive spend);
    raises InputError when fewer than MIN_REPEAT_CUSTOMERS remain or the optimum is not finite.
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
    start = np.array([0.0, np.log(2.0), 0.0])
    log_params, converged = _minimise(_gg_nll, start, (x, mv / scale, w))
    p, q, v = np.exp(log_params)
    edges = _edges(("p", "q", "v"), log_params)
    return GammaGamma(float(p), float(q), float(v * scale), converged, edges)


# ---------------------------------------------------------------- quality of a fit
def bgnbd_quality(
    m: BGNBD, s: pl.DataFrame, unit: str = "days", churn_days: int = 90
) -> FitQuality:
    """Judge a BG/NBD fit on the summary it was fitted on.

    Not trusted when the optimiser did not converge, or when the predictions are degenerate:
    the repeat customers silent longer than both `churn_days` and three times their own
    average gap between purchases keep a median P(alive) of SILENT_ALIVE or more (typically a
    fit at the edge of its parameter space that sees no customer ever leaving). A parameter at
    the edge alone is recorded in `at_boundary` but is not a failure: regular buyers who never
    lapse legitimately drive the fit to its Poisson limit.
    """
    if not m.converged:
        return FitQuality(
            False,
            "The BG/NBD fit did not converge on these orders, so P(alive) and expected "
            "purchases cannot be trusted.",
            converged=False,
            at_boundary=m.at_edge,
        )
    per_day = UNITS[unit]
    x, tx, T = (s[c].to_numpy().astype(float) for c in ("frequency", "recency", "T"))
    repeat = x > 0
    silence = (T - tx) * per_day
    gap = np.where(repeat, tx * per_day / np.maximum(x, 1), np.inf)
    silent = repeat & (silence > np.maximum(churn_days, 3 * gap))
    if silent.any():
        alive = p_alive(m, x[silent], tx[silent], T[silent])
        if float(np.median(alive)) >= SILENT_ALIVE:
            longest = round(float(silence[silent].max()))
            mean_dropout = m.a / (m.a + m.b)
            why = (
                f" (the fit ran to the edge of its parameter space: a mean drop-out chance of "
                f"{mean_dropout:.1e} per purchase, as if no customer ever left)"
                if mean_dropout < MIN_DROPOUT or m.at_edge
                else ""
            )
            return FitQuality(
                False,
                f"P(alive) stays near 100% even for customers silent far longer than usual, "
                f"up to {longest:,} days{why}: the model does not tell active from lapsed "
                "customers in this data.",
                at_boundary=m.at_edge,
                degenerate=True,
            )
    return FitQuality(True, at_boundary=m.at_edge)


def spend_quality(m: GammaGamma | None, s: pl.DataFrame) -> tuple[bool, str]:
    """(spend_ok, reason) of a Gamma-Gamma fit: fitted, a finite mean spend (q > 1), and
    converged, or, when the optimiser ran off to the edge of the parameter space (identical
    spends drive p and q to infinity), a population mean spend p v / (q - 1) that stays within
    the repeat customers' observed mean spends."""
    if m is None:
        return False, "The spend model (Gamma-Gamma) cannot be fitted: too few repeat buyers."
    if m.q <= 1:
        return False, "The spend model gives an infinite mean spend (q <= 1): no CLV."
    if not m.converged:
        spends = s.filter((pl.col("frequency") > 0) & (pl.col("monetary_value") > 0))
        lo, hi = spends["monetary_value"].min(), spends["monetary_value"].max()
        mean = m.p * m.v / (m.q - 1)
        if not (m.at_edge and np.isfinite(mean) and lo * (1 - 1e-3) <= mean <= hi * (1 + 1e-3)):
            return False, "The spend model (Gamma-Gamma) did not converge: no CLV."
    return True, ""


def fit(
    orders: pl.DataFrame | pl.LazyFrame, as_of: date, unit: str = "days", churn_days: int = 90
) -> ClvFit:
    """Fit BG/NBD and Gamma-Gamma on the orders up to `as_of` and judge the fit (never raises
    for data that cannot support a fit: quality.ok is False with the reason instead)."""
    s = summary(orders, as_of, unit)
    try:
        bg = fit_bgnbd(s)
    except InputError as exc:
        reason = f"{str(exc)[:1].upper()}{str(exc)[1:]}."
        return ClvFit(s, unit, None, None, FitQuality(False, reason, spend_ok=False), churn_days)
    try:
        gg = fit_gamma_gamma(s)
    except InputError:
        gg = None
    spend_ok, spend_reason = spend_quality(gg, s)
    quality = replace(
        bgnbd_quality(bg, s, unit, churn_days), spend_ok=spend_ok, spend_reason=spend_reason
    )
    return ClvFit(s, unit, bg, gg, quality, churn_days)


def rejudge(fitted: ClvFit, churn_days: int) -> ClvFit:
    """The same fit judged for another churn threshold: what fit(orders, as_of, unit,
    churn_days) returns, without fitting again (only bgnbd_quality reads the threshold)."""
    if fitted.bgnbd is None or fitted.churn_days == churn_days:
        return replace(fitted, churn_days=churn_days)
    q = fitted.quality
    quality = replace(
        bgnbd_quality(fitted.bgnbd, fitted.summary, fitted.unit, churn_days),
        spend_ok=q.spend_ok,
        spend_reason=q.spend_reason,
    )
    return replace(fitted, quality=quality, churn_days=churn_days)


def fit_quality(
    orders: pl.DataFrame | pl.LazyFrame, as_of: date, churn_days: int = 90
) -> FitQuality:
    """Can the CLV fit on these orders be trusted? ok with an empty reason, or not ok with the
    reason in plain words (callers then fall back to the threshold-based status)."""
    return fit(orders, as_of, churn_days=churn_days).quality


# ---------------------------------------------------------------- outputs
def _null_clv(s: pl.DataFrame) -> pl.DataFrame:
    return s.select(
        "customer_id",
        *(
            pl.lit(None, dtype=pl.Float64).alias(c)
            for c in ("p_alive", "expected_purchases_90d", "expected_clv_365d")
        ),
    )


def customer_clv(
    orders: pl.DataFrame | pl.LazyFrame, as_of: date, *, fitted: ClvFit | None = None
) -> pl.DataFrame:
    """Per customer: p_alive, expected_purchases_90d, expected_clv_365d (time in days).

    expected_clv_365d = expected repeat purchases in the next 365 days x expected spend per
    purchase (Gamma-Gamma); undiscounted, in the orders' currency, on gross revenue.
    One-time buyers have p_alive = 1 (see P_ALIVE_ONE_TIME_NOTE). When the fit cannot be
    trusted (too few repeat customers, no convergence, an edge of the parameter space, or
    P(alive) near 100% for long-silent customers; see fit_quality) the three columns are null:
    readers fall back to the threshold-based status. When only the spend model cannot be
    trusted, only expected_clv_365d is null. `fitted`: fit(orders, as_of) when the caller has
    it already (the hub keeps it for the Churn page's diagnostics and the Action plan).
    """
    fitted = fit(orders, as_of, "days") if fitted is None else fitted
    s, bg, gg, q = fitted.summary, fitted.bgnbd, fitted.gamma_gamma, fitted.quality
    if bg is None or not q.ok:
        return _null_clv(s)
    x, tx, T = (s[c].to_numpy().astype(float) for c in ("frequency", "recency", "T"))
    alive = p_alive(bg, x, tx, T)
    in_90 = expected_purchases(bg, 90.0, x, tx, T)
    clv = None
    if gg is not None and q.spend_ok:
        spend = expected_spend(gg, x, s["monetary_value"].to_numpy())
        clv = expected_purchases(bg, 365.0, x, tx, T) * spend
    return s.select("customer_id").with_columns(
        pl.Series("p_alive", alive, dtype=pl.Float64).fill_nan(None),
        pl.Series("expected_purchases_90d", in_90, dtype=pl.Float64).fill_nan(None),
        pl.Series("expected_clv_365d", clv, dtype=pl.Float64).fill_nan(None)
        if clv is not None
        else pl.lit(None, dtype=pl.Float64).alias("expected_clv_365d"),
    )


def fit_report(
    orders: pl.DataFrame | pl.LazyFrame,
    as_of: date,
    unit: str = "days",
    *,
    fitted: ClvFit | None = None,
) -> dict:
    """The `clv` command's JSON: {unit, as_of, customers, repeat_customers, bgnbd: {r, alpha,
    a, b}, gamma_gamma: {p, q, v} or null when the spend model cannot be fit, trust: {ok,
    reason, spend_ok, spend_reason, fallback}}. `trust.ok` False says the fit must not be used
    (reason in plain words); `fallback` then names the threshold-based status to use instead.

    Raises InputError when BG/NBD cannot be fit at all (too few repeat customers). `fitted`:
    fit(orders, as_of, unit) when the caller has it already.
    """
    fitted = fit(orders, as_of, unit) if fitted is None else fitted
    s, bg, gg, q = fitted.summary, fitted.bgnbd, fitted.gamma_gamma, fitted.quality
    if bg is None:
        raise InputError(q.reason[:1].lower() + q.reason[1:].rstrip("."))
    trust = q.to_dict() | {
        "fallback": None
        if q.ok
        else "status (active / at risk / churned by days since the last order)"
    }
    return {
        "unit": unit,
        "as_of": as_of.isoformat(),
        "customers": s.height,
        "repeat_customers": _repeat_count(s),
        "bgnbd": {"r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b},
        "gamma_gamma": None if gg is None else {"p": gg.p, "q": gg.q, "v": gg.v},
        "trust": trust,
    }


FALLBACK_NOTE = (
    "P(alive), expected purchases and CLV are left empty because the model cannot be fitted or "
    "trusted on this data (see Churn & retention, Predicted churn & CLV); use the status "
    "(active / at risk / churned by days since the last order) instead."
)


def fallback_note(table: pl.DataFrame) -> str | None:
    """FALLBACK_NOTE when a customer table has customers but no P(alive) at all (customer_clv
    left it empty), else None: one sentence for any page that shows the table."""
    if "p_alive" not in table.columns or table.height == 0:
        return None
    return FALLBACK_NOTE if table["p_alive"].null_count() == table.height else None
