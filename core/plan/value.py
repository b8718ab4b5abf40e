"""Value at stake: each customer's chance of buying again without any action, and the revenue
expected from them over a horizon.

With a trusted BG/NBD + Gamma-Gamma fit (core.clv), per customer:
- chance of buying again within t days = P(alive) x (1 - ((alpha + T) / (alpha + T + t)) ** (r + x))
  (an alive customer's purchases over the next t follow a Poisson rate lambda ~ Gamma(r + x,
  alpha + T) given the history, and a silent customer cannot drop out, so P(no purchase | alive)
  = ((alpha + T) / (alpha + T + t)) ** (r + x));
- expected revenue over t = expected purchases in t (BG/NBD) x expected spend per purchase
  (Gamma-Gamma): the value at stake;
- expected revenue if they buy = value at stake / chance of buying again.

Where the model cannot be trusted (too few repeat customers, no convergence, a fit-quality
check that fails) the documented fallback uses the threshold-based status instead: of the
customers who had the same status one horizon before the as-of date, the share who ordered
again within the horizon, and what those who did spent in it. Both give the same columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from core.model.errors import InputError
from core.model.schema import Frame, as_lazy
from core.model.settings import AT_RISK_DAYS, CHURN_DAYS

DEFAULT_HORIZON_DAYS = 365
MODEL = "model"
FALLBACK = "fallback"
VALUE_COLUMNS = ("customer_id", "p_buy", "value_at_stake", "spend_per_order")


@dataclass(frozen=True)
class CustomerValue:
    """Per customer: p_buy (chance of buying again within the horizon without any action),
    value_at_stake (expected revenue over the horizon), spend_per_order (expected value of the
    next order). `source` is "model" (BG/NBD + Gamma-Gamma) or "fallback" (status-based)."""

    frame: pl.DataFrame
    horizon_days: int
    source: str
    note: str = ""


@dataclass(frozen=True)
class ModelCheck:
    """Whether the CLV model can be trusted on these orders, and why not when it cannot."""

    ok: bool
    reason: str = ""


def chance_to_buy(
    r: float, alpha: float, frequency: np.ndarray, T: np.ndarray, alive: np.ndarray, t: float
) -> np.ndarray:
    """P(at least one purchase in the next t | history) under BG/NBD:
    P(alive) x (1 - ((alpha + T) / (alpha + T + t)) ** (r + x))."""
    x = np.asarray(frequency, dtype=float)
    T = np.asarray(T, dtype=float)
    none_if_alive = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
    return np.asarray(alive, dtype=float) * (1.0 - none_if_alive)


def model_value(fitted, horizon_days: int) -> pl.DataFrame:
    """Per customer (VALUE_COLUMNS) from a core.clv fit (ClvFit) with both models."""
    from core import clv

    s, bg, gg = fitted.summary, fitted.bgnbd, fitted.gamma_gamma
    x, tx, T = (s[c].to_numpy().astype(float) for c in ("frequency", "recency", "T"))
    t = float(horizon_days)
    alive = clv.p_alive(bg, x, tx, T)
    spend = clv.expected_spend(gg, x, s["monetary_value"].to_numpy())
    value = clv.expected_purchases(bg, t, x, tx, T) * spend
    p_buy = chance_to_buy(bg.r, bg.alpha, x, T, alive, t)
    return s.select("customer_id").with_columns(
        pl.Series("p_buy", np.clip(p_buy, 0.0, 1.0), dtype=pl.Float64).fill_nan(0.0),
        pl.Series("value_at_stake", value, dtype=pl.Float64).fill_nan(0.0),
        pl.Series("spend_per_order", spend, dtype=pl.Float64).fill_nan(0.0),
    )


def model_check(fitted) -> ModelCheck:
    """Whether a core.clv fit (ClvFit) can be used here: its quality check passed, and the
    spend model exists with a finite mean spend (Gamma-Gamma q > 1)."""
    q = fitted.quality
    if not q.ok:
        return ModelCheck(False, q.reason)
    if fitted.gamma_gamma is None or not getattr(q, "spend_ok", True):
        reason = getattr(q, "spend_reason", "") or "the spend model cannot be fitted"
        return ModelCheck(False, reason)
    if fitted.gamma_gamma.q <= 1:
        return ModelCheck(False, "the spend model gives an infinite mean spend")
    return ModelCheck(True)


def status_rates(
    orders: Frame,
    as_of: date,
    horizon_days: int,
    churn_days: int = CHURN_DAYS,
    at_risk_days: int = AT_RISK_DAYS,
) -> pl.DataFrame:
    """The fallback's look-back, per status one horizon ago: customers, p_buy (share who ordered
    again within the horizon), value (mean revenue over it) and spend_per_order (mean order
    value of those who ordered). When the data is shorter than two horizons the window is half
    the data's span, and the chance and revenue are scaled up to the horizon."""
    from core.hub import customer_base, status_expr

    lf = as_lazy(orders).filter(pl.col("order_date") <= as_of)
    first = lf.select(pl.col("order_date").min()).collect().item()
    span = (as_of - first).days if first is not None else 0
    window = min(horizon_days, span // 2)
    if window < 1:
        raise InputError("the orders cover too short a time to measure who buys again")
    cut = as_of - timedelta(days=window)
    before = customer_base(lf, cut).with_columns(status_expr(churn_days, at_risk_days))
    order_col = "order_id" if "order_id" in lf.collect_schema().names() else "order_date"
    after = (
        lf.filter(pl.col("order_date") > cut)
        .group_by("customer_id")
        .agg(pl.col("revenue").sum().alias("later"), pl.col(order_col).n_unique().alias("n"))
    )
    scale = horizon_days / window
    rates = (
        before.join(after, on="customer_id", how="left")
        .group_by("status")
        .agg(
            pl.len().alias("customers"),
            pl.col("later").is_not_null().mean().alias("p_window"),
            pl.col("later").fill_null(0.0).mean().alias("value_window"),
            (pl.col("later").sum() / pl.col("n").sum()).alias("spend_per_order"),
        )
        .with_columns(
            p_buy=1.0 - (1.0 - pl.col("p_window")) ** scale,
            value=pl.col("value_window") * scale,
            spend_per_order=pl.col("spend_per_order").fill_null(0.0),
        )
        .sort("status")
        .collect()
    )
    return rates.select("status", "customers", "p_buy", "value", "spend_per_order")


def fallback_value(
    table: pl.DataFrame,
    orders: Frame,
    as_of: date,
    horizon_days: int,
    churn_days: int = CHURN_DAYS,
    at_risk_days: int = AT_RISK_DAYS,
) -> pl.DataFrame:
    """Per customer (VALUE_COLUMNS) from the status-based look-back (status_rates): every
    customer takes the figures of their current status."""
    rates = status_rates(orders, as_of, horizon_days, churn_days, at_risk_days)
    return (
        table.select("customer_id", "status")
        .join(rates, on="status", how="left")
        .select(
            "customer_id",
            pl.col("p_buy").fill_null(0.0),
            pl.col("value").fill_null(0.0).alias("value_at_stake"),
            pl.col("spend_per_order").fill_null(0.0),
        )
    )


def customer_value(
    table: pl.DataFrame,
    orders: Frame,
    as_of: date,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    churn_days: int = CHURN_DAYS,
    at_risk_days: int = AT_RISK_DAYS,
    *,
    fitted=None,
) -> CustomerValue:
    """Chance of buying again and value at stake for every customer of `table` (the hub):
    from the model when it can be trusted, else from the status-based fallback (said in note).
    `fitted`: core.clv.fit(orders, as_of) when the caller has it (the app's customer table
    keeps it: core.hub.metrics_with_fit); it is judged again for `churn_days`, not refitted."""
    if horizon_days < 1:
        raise InputError(f"the horizon must be at least 1 day, got {horizon_days}")
    from core import clv

    if fitted is None:
        fitted = clv.fit(orders, as_of, churn_days=churn_days)
    else:
        fitted = clv.rejudge(fitted, churn_days)
    check = model_check(fitted)
    if check.ok:
        frame = model_value(fitted, horizon_days)
        frame = table.select("customer_id").join(frame, on="customer_id", how="left")
        return CustomerValue(frame.fill_null(0.0), horizon_days, MODEL)
    reason = check.reason.rstrip(".")
    frame = fallback_value(table, orders, as_of, horizon_days, churn_days, at_risk_days)
    note = (
        "The BG/NBD + Gamma-Gamma model cannot be trusted on these orders"
        + (f" ({reason})" if reason else "")
        + "; the chance of buying again and the value at stake come from the status instead: "
        "of the customers who had the same status one horizon ago, the share who ordered again "
        "and what they spent."
    )
    return CustomerValue(frame, horizon_days, FALLBACK, note)
