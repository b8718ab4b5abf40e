"""Probabilistic churn and customer lifetime value: BG/NBD and Gamma-Gamma.

This module owns the customer summary in the lifetimes convention (frequency, recency, T,
monetary_value), the maximum-likelihood fits of the BG/NBD model (repeat purchases and
"death") and of the Gamma-Gamma model (spend per purchase), and the per-customer predictions
that feed the customer metrics table: p_alive, expected_purchases_90d, expected_clv_365d.

Formulas follow Fader, Hardie & Lee (2005), "Counting your customers the easy way", the notes
at brucehardie.com (004, 021, 025) and the lifetimes package (MIT). The log-likelihoods are
vectorised with scipy.special and evaluated once per distinct (frequency, recency, T) pattern,
weighted by the number of customers sharing it, so a fit on 100,000 customers stays fast.

A note the app shows next to P(alive): under BG/NBD a customer can only drop out right after a
repeat purchase, so a one-time buyer (frequency 0) has P(alive) = 1 by definition; read their
outlook from expected purchases instead, which do fall the longer they stay silent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl
from numpy.typing import ArrayLike
from scipy import optimize, special, stats

from core.errors import InputError

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


@dataclass(frozen=True)
class GammaGamma:
    """Fitted Gamma-Gamma spend parameters: spend per purchase ~ Gamma(p, nu), nu ~ Gamma(q, v).

    The population mean spend per purchase is p * v / (q - 1) (finite only when q > 1).
    """

    p: float
    q: float
    v: float


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
    first day is left out; 0 when frequency == 0). Revenue is taken as given (gross).
    Columns: customer_id, frequency (Int64), recency, T, monetary_value (Float64); sorted by
    customer_id.
    """
    if unit not in UNITS:
        raise InputError(f"unit must be one of {', '.join(UNITS)}, got {unit!r}")
    per_unit = UNITS[unit]
    lf = orders.lazy()
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
        pl.col("revenue").sort_by("day").first().alias("first_total"),
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


# ---------------------------------------------------------------- BG/NBD
def _bgnbd_nll(
    log_params: np.ndarray,
    x: np.ndarray,
    tx: np.ndarray,
    T: np.ndarray,
    w: np.ndarray,
) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood of BG/NBD and its gradient in log-parameters.

    log L_i = A1 + A2 + log(exp(A3) + [x > 0] exp(A4)) (Fader-Hardie-Lee 2005, section 7;
    lifetimes' _negative_log_likelihood), with the log-sum-exp taken stably.
    """
    r, alpha, a, b = np.exp(log_params)
    repeat = x > 0
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.betaln(a, b + x) - special.betaln(a, b)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + tx)
    a4 = np.where(repeat, a4, -np.inf)
    top = np.maximum(a3, a4)
    e3, e4 = np.exp(a3 - top), np.exp(a4 - top)
    ll = a1 + a2 + top + np.log(e3 + e4)
    w3, w4 = e3 / (e3 + e4), e4 / (e3 + e4)  # shares of the two terms
    # d ll / d parameter
    g_r = (
        special.digamma(r + x)
        - special.digamma(r)
        + np.log(alpha)
        - w3 * np.log(alpha + T)
        - w4 * np.log(alpha + tx)
    )
    g_alpha = r / alpha - w3 * (r + x) / (alpha + T) - w4 * (r + x) / (alpha + tx)
    psi_ab, psi_abx = special.digamma(a + b), special.digamma(a + b + x)
    g_a = psi_ab - psi_abx + w4 / a
    g_b = (
        psi_ab
        + special.digamma(b + x)
        - special.digamma(b)
        - psi_abx
        - w4 / (b + np.maximum(x, 1) - 1)
    )
    total = w.sum()
    nll = -(w * ll).sum() / total
    grad = np.array([(w * g).sum() for g in (g_r, g_alpha, g_a, g_b)]) / total
    return float(nll), -grad * np.array([r, alpha, a, b])


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
    return alive * p_alive(m, x, recency, T)


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


# ---------------------------------------------------------------- per-customer outputs
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


# ---------------------------------------------------------------- diagnostics
def purchase_count_pmf(m: BGNBD, t: ArrayLike, n: int) -> np.ndarray:
    """P(X(t) = n): n repeat purchases in the first t units after the first purchase (FHL eq. 8).

    = B(a, b+n)/B(a, b) NB(n; r, alpha/(alpha+t))
      + [n > 0] B(a+1, b+n-1)/B(a, b) (1 - NBcdf(n-1; r, alpha/(alpha+t))).
    """
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


def frequency_histogram(m: BGNBD, s: pl.DataFrame, max_freq: int = 7) -> pl.DataFrame:
    """Actual vs model-expected number of customers by repeat frequency (fit diagnostic).

    Rows for frequency 0..max_freq; the last row (label "7+") counts max_freq or more.
    expected = sum over customers of P(X(T_i) = n), each over that customer's own T.
    Columns: frequency (Int64), label (Utf8), actual (Int64), expected (Float64).
    """
    T, weight = _patterns(s, ["T"])
    freqs = np.arange(max_freq + 1)
    expected = np.array([(weight * purchase_count_pmf(m, T, int(n))).sum() for n in freqs[:-1]])
    expected = np.append(expected, weight.sum() - expected.sum())
    actual = (
        s.select(pl.col("frequency").clip(upper_bound=max_freq).alias("frequency"))
        .group_by("frequency")
        .agg(pl.len().cast(pl.Int64).alias("actual"))
    )
    labels = [str(n) for n in freqs[:-1]] + [f"{max_freq}+"]
    return (
        pl.DataFrame(
            {"frequency": freqs, "label": labels, "expected": expected},
            schema={"frequency": pl.Int64, "label": pl.Utf8, "expected": pl.Float64},
        )
        .join(actual, on="frequency", how="left")
        .with_columns(pl.col("actual").fill_null(0))
        .select("frequency", "label", "actual", "expected")
    )


def calibration_holdout(
    orders: pl.DataFrame | pl.LazyFrame, cut_date: date, end_date: date
) -> pl.DataFrame:
    """Fit BG/NBD on the orders before `cut_date`, predict the holdout `cut_date`..`end_date`.

    Time in days. The calibration summary is taken as of the day before cut_date; the holdout
    lasts (end_date - cut_date) + 1 days, both ends included. One row per customer who bought
    before cut_date: customer_id, frequency_cal, recency_cal, T_cal, p_alive,
    predicted_purchases, actual_purchases (distinct purchase days in the holdout, the same
    unit as frequency), holdout_days. Raises InputError when the calibration period cannot
    support a fit or the dates are out of order.
    """
    if end_date < cut_date:
        raise InputError(f"the holdout end {end_date} is before the cut date {cut_date}")
    lf = orders.lazy()
    _require(lf, ("customer_id", "order_date", "revenue"))
    day = _day_expr(lf.collect_schema())
    cal_end = cut_date - timedelta(days=1)
    s = summary(lf, cal_end, "days")
    bg = fit_bgnbd(s)
    holdout_days = (end_date - cut_date).days + 1
    actual = (
        lf.select("customer_id", day.alias("day"))
        .filter((pl.col("day") >= cut_date) & (pl.col("day") <= end_date))
        .group_by("customer_id")
        .agg(pl.col("day").n_unique().cast(pl.Int64).alias("actual_purchases"))
        .collect()
    )
    x, tx, T = (s[c].to_numpy().astype(float) for c in ("frequency", "recency", "T"))
    return (
        s.select(
            "customer_id",
            pl.col("frequency").alias("frequency_cal"),
            pl.col("recency").alias("recency_cal"),
            pl.col("T").alias("T_cal"),
        )
        .with_columns(
            pl.Series("p_alive", p_alive(bg, x, tx, T)),
            pl.Series("predicted_purchases", expected_purchases(bg, float(holdout_days), x, tx, T)),
        )
        .join(actual, on="customer_id", how="left")
        .with_columns(
            pl.col("actual_purchases").fill_null(0),
            pl.lit(holdout_days, dtype=pl.Int64).alias("holdout_days"),
        )
    )


def holdout_summary(h: pl.DataFrame, max_freq: int = 7) -> pl.DataFrame:
    """Aggregate calibration_holdout by calibration frequency (0..max_freq, last bucket "7+").

    Columns: frequency_cal (Int64), label, customers, actual (mean holdout purchases per
    customer), predicted (mean model prediction). Close columns mean a well-calibrated model.
    """
    bucket = pl.col("frequency_cal").clip(upper_bound=max_freq)
    return (
        h.group_by(bucket.alias("frequency_cal"))
        .agg(
            pl.len().cast(pl.Int64).alias("customers"),
            pl.col("actual_purchases").mean().alias("actual"),
            pl.col("predicted_purchases").mean().alias("predicted"),
        )
        .sort("frequency_cal")
        .with_columns(
            pl.when(pl.col("frequency_cal") >= max_freq)
            .then(pl.format("{}+", pl.col("frequency_cal")))
            .otherwise(pl.col("frequency_cal").cast(pl.Utf8))
            .alias("label")
        )
        .select("frequency_cal", "label", "customers", "actual", "predicted")
    )


# ---------------------------------------------------------------- display helpers
FIT_SERIES = {"actual": "Actual", "model": "Model"}


def parameter_table(report: dict) -> pl.DataFrame:
    """The fitted parameters of a fit_report, one row each with what it means.

    Columns: model (BG/NBD, Gamma-Gamma), parameter, value, meaning. The Gamma-Gamma rows are
    left out when the spend model could not be fitted.
    """
    unit = report.get("unit", "days")
    rows = [
        ("BG/NBD", "r", "shape of the purchase-rate distribution"),
        ("BG/NBD", "alpha", f"scale (in {unit}) of the purchase-rate distribution"),
        ("BG/NBD", "a", "drop-out probability: Beta shape a"),
        ("BG/NBD", "b", "drop-out probability: Beta shape b"),
        ("Gamma-Gamma", "p", "shape of spend per purchase"),
        ("Gamma-Gamma", "q", "shape of the customers' spend-rate distribution"),
        ("Gamma-Gamma", "v", "scale of the customers' spend-rate distribution"),
    ]
    fitted = {"BG/NBD": report["bgnbd"], "Gamma-Gamma": report.get("gamma_gamma")}
    kept = [(m, name, fitted[m][name], text) for m, name, text in rows if fitted[m] is not None]
    return pl.DataFrame(
        kept,
        schema={"model": pl.Utf8, "parameter": pl.Utf8, "value": pl.Float64, "meaning": pl.Utf8},
        orient="row",
    )


def fit_diagnostics(
    orders: pl.DataFrame | pl.LazyFrame, as_of: date, unit: str = "days"
) -> tuple[dict, pl.DataFrame]:
    """fit_report and the frequency_histogram of its BG/NBD fit on the same summary."""
    report = fit_report(orders, as_of, unit)
    hist = frequency_histogram(BGNBD(**report["bgnbd"]), summary(orders, as_of, unit))
    return report, hist


def _versus_long(frame: pl.DataFrame, model: str, index: list[str], value: str) -> pl.DataFrame:
    series = {"actual": FIT_SERIES["actual"], model: FIT_SERIES["model"]}
    return frame.unpivot(
        index=index, on=list(series), variable_name="series", value_name=value
    ).with_columns(pl.col("series").replace_strict(series))


def frequency_histogram_long(hist: pl.DataFrame) -> pl.DataFrame:
    """frequency_histogram in long form for grouped bars: frequency, label, series (Actual /
    Model), customers."""
    return _versus_long(hist, "expected", ["frequency", "label"], "customers").with_columns(
        pl.col("customers").cast(pl.Float64)
    )


def holdout_summary_long(summary_: pl.DataFrame) -> pl.DataFrame:
    """holdout_summary in long form for a line chart: frequency_cal, label, customers, series
    (Actual / Model), purchases (mean holdout purchases per customer)."""
    return _versus_long(summary_, "predicted", ["frequency_cal", "label", "customers"], "purchases")


def holdout_cut_dates(first_order: date, end: date) -> tuple[date, date] | None:
    """(earliest, suggested) cut date for calibration_holdout on data from first_order to end.

    The earliest cut leaves one calibration day; the suggested one keeps the last quarter of
    the span (at least 30 days) as holdout, but never before the earliest. None when the data
    spans fewer than 2 days.
    """
    if isinstance(first_order, datetime):
        first_order = first_order.date()
    if isinstance(end, datetime):
        end = end.date()
    span = (end - first_order).days
    if span < 2:
        return None
    earliest = first_order + timedelta(days=1)
    return earliest, max(earliest, end - timedelta(days=max(30, span // 4)))
