"""The CLV models: BG/NBD (repeat purchases and "death") and Gamma-Gamma (spend per purchase).

This module owns the customer summary in the lifetimes convention (frequency, recency, T,
monetary_value), the models' parameters, their log-likelihoods (core.clv.fit maximises them)
and the per-customer predictions: P(alive), expected purchases, expected spend; and the
purchase-count distribution and a simulator of the process.

Formulas follow Fader, Hardie & Lee (2005), "Counting your customers the easy way", the notes
at brucehardie.com (004, 021, 025) and the lifetimes package (MIT). The log-likelihoods are
vectorised with scipy.special and evaluated once per distinct (frequency, recency, T) pattern,
weighted by the number of customers sharing it, so a fit on 100,000 customers stays fast.

A note the app shows next to P(alive): under BG/NBD a customer can only drop out right after a
repeat purchase, so a one-time buyer (frequency 0) has P(alive) = 1 by definition; read their
outlook from expected purchases instead, which do fall the longer they stay silent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl
from numpy.typing import ArrayLike
from scipy import special

from core.model.errors import InputError
from core.model.schema import kept_lines

UNITS = {"days": 1.0, "weeks": 7.0}
MIN_REPEAT_CUSTOMERS = 20
P_ALIVE_ONE_TIME_NOTE = (
    "Under BG/NBD a customer can only drop out right after a repeat purchase, so one-time "
    "buyers have P(alive) = 1 by definition; their expected purchases still fall with time."
)

_HYP2F1_LIMIT = 1e4  # r or b beyond this: scipy's hyp2f1 loses too many digits (checked to 1e5)
_LOG10_P_EDGES = np.linspace(-16.0, 0.0, 401)  # quadrature cells for p, 1e-16..1
_SUMMARY_SCHEMA = {
    "frequency": pl.Int64,
    "recency": pl.Float64,
    "T": pl.Float64,
    "monetary_value": pl.Float64,
}


# ---------------------------------------------------------------- results
@dataclass(frozen=True)
class BGNBD:
    """Fitted BG/NBD parameters (time in the unit of the summary it was fit on).

    Purchase rate lambda ~ Gamma(shape r, rate alpha); drop-out probability after each repeat
    purchase p ~ Beta(a, b).
    """

    r: float
    alpha: float
    a: float
    b: float
    converged: bool = field(default=True, compare=False)  # the optimiser reached an optimum
    at_edge: tuple[str, ...] = field(default=(), compare=False)  # parameters run off to 0 / inf


@dataclass(frozen=True)
class GammaGamma:
    """Fitted Gamma-Gamma spend parameters: spend per purchase ~ Gamma(p, nu), nu ~ Gamma(q, v).

    The population mean spend per purchase is p * v / (q - 1) (finite only when q > 1).
    """

    p: float
    q: float
    v: float
    converged: bool = field(default=True, compare=False)
    at_edge: tuple[str, ...] = field(default=(), compare=False)


# ---------------------------------------------------------------- customer summary
def _require(frame: pl.LazyFrame, columns: tuple[str, ...]) -> None:
    names = frame.collect_schema().names()
    for column in columns:
        if column not in names:
            raise InputError("the orders have no column for this role", column=column)


def _day_expr(schema: pl.Schema) -> pl.Expr:
    dtype = schema["order_date"]
    if dtype == pl.Date:
        return pl.col("order_date")
    if isinstance(dtype, pl.Datetime):
        return pl.col("order_date").dt.date()
    raise InputError(f"order dates must be dates, got {dtype}", column="order_date")


def summary(orders: pl.DataFrame | pl.LazyFrame, as_of: date, unit: str = "days") -> pl.DataFrame:
    """One row per customer in the lifetimes convention (orders after `as_of` are ignored).

    frequency = distinct purchase days - 1 (repeat purchase days), recency = last - first
    purchase day, T = as_of - first purchase day (both in `unit`: days, or weeks = days / 7),
    monetary_value = mean revenue of the repeat purchase days (each day's lines summed; the
    first day is left out; 0 when frequency == 0). Only kept lines count (core.model.schema.
    kept_lines: returned and cancelled lines left out), so every fit (the hub, the `clv`
    command, the Churn page) reads the same purchases.
    Columns: customer_id, frequency (Int64), recency, T, monetary_value (Float64); sorted by
    customer_id.
    """
    if unit not in UNITS:
        raise InputError(f"unit must be one of {', '.join(UNITS)}, got {unit!r}")
    per_unit = UNITS[unit]
    lf = kept_lines(orders)
    _require(lf, ("customer_id", "order_date", "revenue"))
    day = _day_expr(lf.collect_schema())
    days = (
        lf.select(
            "customer_id",
            day.alias("day"),
            pl.col("revenue").cast(pl.Float64).fill_null(0.0).alias("revenue"),
        )
        .filter(pl.col("day").is_not_null() & (pl.col("day") <= as_of))
        .filter(pl.col("customer_id").is_not_null())
        .group_by("customer_id", "day")
        .agg(pl.col("revenue").sum())
    )
    per_customer = days.group_by("customer_id").agg(
        pl.len().cast(pl.Int64).alias("n_days"),
        pl.col("day").min().alias("first"),
        pl.col("day").max().alias("last"),
        pl.col("revenue").sum().alias("total"),
        # the first day's total (days are distinct per customer: no per-customer sort needed)
        pl.col("revenue").get(pl.col("day").arg_min()).alias("first_total"),
    )
    frequency = pl.col("n_days") - 1
    return (
        per_customer.select(
            "customer_id",
            frequency.alias("frequency"),
            ((pl.col("last") - pl.col("first")).dt.total_days() / per_unit).alias("recency"),
            ((pl.lit(as_of) - pl.col("first")).dt.total_days() / per_unit).alias("T"),
            pl.when(frequency > 0)
            .then((pl.col("total") - pl.col("first_total")) / frequency)
            .otherwise(0.0)
            .alias("monetary_value"),
        )
        .cast(_SUMMARY_SCHEMA)
        .sort("customer_id")
        .collect()
    )


def _patterns(s: pl.DataFrame, columns: list[str]) -> tuple[np.ndarray, ...]:
    """Distinct rows of `columns` and how many customers share each (the fit's weights)."""
    # sorted: group_by order varies between runs, and the sum order must not move a fit that
    # sits at the edge of its parameter space (identical spends, perfectly regular buyers)
    g = s.group_by(columns).agg(pl.len().alias("weight")).sort(columns)
    return tuple(g[c].to_numpy().astype(float) for c in [*columns, "weight"])


def _distinct(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values of x, the index of each value among them): x == xs[at]."""
    xs, at = np.unique(x, return_inverse=True)
    return xs, at.reshape(x.shape)


# ---------------------------------------------------------------- BG/NBD
def _bgnbd_nll(
    log_params: np.ndarray,
    x: np.ndarray,
    tx: np.ndarray,
    T: np.ndarray,
    w: np.ndarray,
    by_x: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood of BG/NBD and its gradient in log-parameters.

    log L_i = A1 + A2 + log(exp(A3) + [x > 0] exp(A4)) (Fader-Hardie-Lee 2005, section 7;
    lifetimes' _negative_log_likelihood), with the log-sum-exp taken stably.
    `by_x` (_distinct(x)): the special functions of x alone are evaluated once per distinct
    frequency and gathered (the same values: a fit on a million patterns has a few hundred
    frequencies).
    """
    r, alpha, a, b = np.exp(log_params)
    xs, at = _distinct(x) if by_x is None else by_x
    repeat = x > 0
    a1 = special.gammaln(r + xs)[at] - special.gammaln(r) + r * np.log(alpha)
    a2 = special.betaln(a, b + xs)[at] - special.betaln(a, b)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + tx)
    a4 = np.where(repeat, a4, -np.inf)
    top = np.maximum(a3, a4)
    e3, e4 = np.exp(a3 - top), np.exp(a4 - top)
    ll = a1 + a2 + top + np.log(e3 + e4)
    w3, w4 = e3 / (e3 + e4), e4 / (e3 + e4)  # shares of the two terms
    # d ll / d parameter
    g_r = (
        special.digamma(r + xs)[at]
        - special.digamma(r)
        + np.log(alpha)
        - w3 * np.log(alpha + T)
        - w4 * np.log(alpha + tx)
    )
    g_alpha = r / alpha - w3 * (r + x) / (alpha + T) - w4 * (r + x) / (alpha + tx)
    psi_ab, psi_abx = special.digamma(a + b), special.digamma(a + b + xs)[at]
    g_a = psi_ab - psi_abx + w4 / a
    g_b = (
        psi_ab
        + special.digamma(b + xs)[at]
        - special.digamma(b)
        - psi_abx
        - w4 / (b + np.maximum(x, 1) - 1)
    )
    total = w.sum()
    nll = -(w * ll).sum() / total
    grad = np.array([(w * g).sum() for g in (g_r, g_alpha, g_a, g_b)]) / total
    return float(nll), -grad * np.array([r, alpha, a, b])


def p_alive(m: BGNBD, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
    """P(alive): the probability the customer has not dropped out by T, given the history.

    Under BG/NBD a customer can only drop out right after a repeat purchase, so a one-time
    buyer (frequency 0) has P(alive) = 1 by definition. For repeat buyers it falls the longer
    the silence since the last purchase (T - recency) is, relative to their purchase rate.
    P = 1 / (1 + [x > 0] a / (b + x - 1) * ((alpha + T) / (alpha + recency)) ** (r + x)),
    computed in logs (brucehardie.com note 021).
    """
    x = np.asarray(frequency, dtype=float)
    tx = np.asarray(recency, dtype=float)
    T = np.asarray(T, dtype=float)
    log_odds_dead = (m.r + x) * (np.log(m.alpha + T) - np.log(m.alpha + tx)) + np.log(
        m.a / (m.b + np.maximum(x, 1) - 1)
    )
    return np.atleast_1d(np.where(x > 0, special.expit(-log_odds_dead), 1.0))


def expected_purchases(
    m: BGNBD, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> np.ndarray:
    """Expected number of repeat purchases in the next `t` units, given (frequency, recency, T).

    Fader-Hardie-Lee (2005) equation (10): P(alive) x [(a + b + x - 1) / (a - 1)] x
    [1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * 2F1(r + x, b + x; a + b + x - 1; z)],
    z = t / (alpha + T + t); when 2F1 overflows, Euler's transformation is used instead.
    Fits that run to extreme parameters (very regular buyers who never seem to churn make r and
    b huge) defeat 2F1; there, and wherever the closed form leaves its bounds, the same
    expectation is computed by quadrature over the drop-out probability (_alive_by_quadrature).
    """
    x = np.atleast_1d(np.asarray(frequency, dtype=float))
    T = np.broadcast_to(np.asarray(T, dtype=float), x.shape)
    # the alive part depends on (x, T) alone: evaluated once per distinct pair (customers share
    # their frequency and age) and gathered, the same values as per customer
    pairs, at = np.unique(x + 1j * T, return_inverse=True)
    xs, Ts = np.ascontiguousarray(pairs.real), np.ascontiguousarray(pairs.imag)
    alive = _alive_expectation(m, t, xs, Ts)[at.reshape(x.shape)]
    return alive * p_alive(m, x, recency, T)


def _alive_expectation(m: BGNBD, t: float, x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """E[purchases in the next t | alive, frequency x, age T]: expected_purchases without
    P(alive) (the closed form, or _alive_by_quadrature where it fails)."""
    r, alpha, a, b = m.r, m.alpha, m.a, m.b
    ha, hb, hc = r + x, b + x, a + b + x - 1
    z = t / (alpha + T + t)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_hyp = np.log(special.hyp2f1(ha, hb, hc, z))
        log_hyp_euler = np.log(special.hyp2f1(hc - ha, hc - hb, hc, z)) + (hc - ha - hb) * np.log1p(
            -z
        )
        log_hyp = np.where(np.isfinite(log_hyp), log_hyp, log_hyp_euler)
        alive = hc / (a - 1) * -np.expm1(log_hyp + ha * (np.log(alpha + T) - np.log(alpha + T + t)))
    # an alive customer's expectation lies between g(1) and g(0), g(p) = (1 - (1 + p s)^-k) / p
    s = t / (alpha + T)
    upper = ha * s
    lower = -np.expm1(-ha * np.log1p(s))
    bad = ~np.isfinite(alive) | (alive < lower * (1 - 1e-9)) | (alive > upper * (1 + 1e-9))
    bad |= max(r, b) > _HYP2F1_LIMIT
    if bad.any():
        alive = alive.copy()
        alive[bad] = _alive_by_quadrature(m, t, x[bad], T[bad])
    return alive


def _alive_by_quadrature(m: BGNBD, t: float, x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """E[purchases in the next t | alive, history] by quadrature over the drop-out probability.

    Given the history, an alive customer has lambda ~ Gamma(r + x, alpha + T) and
    p ~ Beta(a, b + x), and expects (1 - exp(-lambda p t)) / p purchases; averaging over lambda
    gives g(p) = (1 - (1 + p s) ** -(r + x)) / p with s = t / (alpha + T). The average over p
    is a Riemann-Stieltjes sum on log-spaced cells: the exact Beta mass of each cell (betainc)
    times g at the cell's geometric middle; the mass below 1e-16 takes g(0) = (r + x) s.
    """
    edges = 10.0**_LOG10_P_EDGES
    mids = 10.0 ** ((_LOG10_P_EDGES[:-1] + _LOG10_P_EDGES[1:]) / 2)
    freqs, which = np.unique(x, return_inverse=True)
    cdf = special.betainc(m.a, m.b + freqs[:, None], edges[None, :])  # per distinct frequency
    mass = np.diff(cdf, axis=1)
    out = np.empty_like(x)
    for start in range(0, x.size, 4096):  # in blocks of customers, to bound memory
        part = slice(start, start + 4096)
        k = (m.r + x[part])[:, None]
        s = (t / (m.alpha + T[part]))[:, None]
        g = -np.expm1(-k * np.log1p(mids * s)) / mids
        out[part] = (g * mass[which[part]]).sum(axis=1) + cdf[which[part], 0] * (k * s)[:, 0]
    return out


# ---------------------------------------------------------------- Gamma-Gamma
def _gg_nll(
    log_params: np.ndarray, x: np.ndarray, mv: np.ndarray, w: np.ndarray
) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood of Gamma-Gamma (brucehardie.com note 025, eq. 1a)."""
    p, q, v = np.exp(log_params)
    px = p * x
    log_xm_v = np.log(x * mv + v)
    ll = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(mv)
        + px * np.log(x)
        - (px + q) * log_xm_v
    )
    psi = special.digamma(px + q)
    g_p = x * (psi - special.digamma(px) + np.log(mv) + np.log(x) - log_xm_v)
    g_q = psi - special.digamma(q) + np.log(v) - log_xm_v
    g_v = q / v - (px + q) / (x * mv + v)
    total = w.sum()
    grad = np.array([(w * g).sum() for g in (g_p, g_q, g_v)]) / total
    return float(-(w * ll).sum() / total), -grad * np.array([p, q, v])


def expected_spend(m: GammaGamma, frequency: ArrayLike, monetary: ArrayLike) -> np.ndarray:
    """Expected average spend per future purchase, given frequency and observed mean spend.

    A weighted mix of the customer's own mean and the population mean p v / (q - 1):
    weight p x / (p x + q - 1) on the customer's own (note 025, eq. 5). For frequency 0 it is
    the population mean. Only meaningful when q > 1.
    """
    x = np.asarray(frequency, dtype=float)
    mv = np.asarray(monetary, dtype=float)
    own = m.p * x / (m.p * x + m.q - 1)
    population = m.v * m.p / (m.q - 1)
    return np.atleast_1d((1 - own) * population + own * mv)


# ---------------------------------------------------------------- the process
def purchase_count_pmf(m: BGNBD, t: ArrayLike, n: int) -> np.ndarray:
    """P(X(t) = n): n repeat purchases in the first t units after the first purchase (FHL eq. 8).

    = B(a, b+n)/B(a, b) NB(n; r, alpha/(alpha+t))
      + [n > 0] B(a+1, b+n-1)/B(a, b) (1 - NBcdf(n-1; r, alpha/(alpha+t))).
    """
    from scipy import stats  # scipy.stats takes ~0.5 s to import: only when asked

    prob = m.alpha / (m.alpha + np.asarray(t, dtype=float))
    first = np.exp(special.betaln(m.a, m.b + n) - special.betaln(m.a, m.b)) * stats.nbinom.pmf(
        n, m.r, prob
    )
    if n == 0:
        return np.atleast_1d(first)
    died = np.exp(special.betaln(m.a + 1, m.b + n - 1) - special.betaln(m.a, m.b))
    return np.atleast_1d(first + died * stats.nbinom.sf(n - 1, m.r, prob))


def simulate_bgnbd(m: BGNBD, T: ArrayLike, seed: int = 0) -> pl.DataFrame:
    """Synthetic customer summary drawn from the BG/NBD process (for tests and benchmarks).

    Per customer: lambda ~ Gamma(r, rate alpha), p ~ Beta(a, b); repeat purchases arrive as a
    Poisson process of rate lambda over (0, T]; after each one the customer drops out with
    probability p. So frequency = min(Poisson(lambda T), Geometric(p)), and given N purchases
    in (0, T] the x-th arrival time is T times a Beta(x, N - x + 1) order statistic.
    Columns: customer_id (Utf8), frequency (Int64), recency, T (Float64).
    """
    rng = np.random.default_rng(seed)
    T = np.asarray(T, dtype=float)
    lam = rng.gamma(m.r, 1.0 / m.alpha, size=T.size)
    p = np.maximum(rng.beta(m.a, m.b, size=T.size), 1e-12)
    n = rng.poisson(lam * T)
    x = np.minimum(n, rng.geometric(p))
    tx = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(n - x + 1, 1)), 0.0)
    return pl.DataFrame(
        {"frequency": x, "recency": tx, "T": T},
        schema={"frequency": pl.Int64, "recency": pl.Float64, "T": pl.Float64},
    ).select(pl.format("c{}", pl.int_range(pl.len())).alias("customer_id"), pl.all())
