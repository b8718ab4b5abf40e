"""A/B test statistics: per-variant summary statistics and the tests that compare them.

Owns the maths of experiments, in the style of GrowthBook's gbstats: small frozen dataclasses hold
the sufficient statistics of one variant (n, sum, sum of squares, ...), and every test is a pure
function of them. Formulas follow gbstats:

- per-unit variance p(1 - p) for proportions, the sample variance for means;
- absolute lift mB - mA with SE sqrt(vB/nB + vA/nA);
- relative lift (mB - mA) / |mA| with the delta-method SE
  sqrt(vB / (nB mA^2) + vA mB^2 / (nA mA^4));
- Welch-Satterthwaite degrees of freedom, two-sided p and CI from Student's t;
- Bayesian chance to win and risk (expected loss) from a Gaussian on the relative lift
  (flat prior): chance_to_win = P(lift > 0), risk = [P(lift > 0) E[lift | lift > 0],
  -P(lift < 0) E[lift | lift < 0]] (the loss of keeping control, the loss of shipping the variant);
  for a metric where lower is better (churn, returns, cost, time) "better" is lift < 0: chance to
  win is P(lift < 0) and the two risks swap, as gbstats does for inverse metrics;
- CUPED (regression adjustment) with theta fitted per control-variant pair, as gbstats does:
  theta = cov(y, x) / var(x) on the pooled data of the control and that one variant.

The decision scale is the relative lift (gbstats' default): the outcome, the (corrected)
p-value, the interval and the chance to win all come from the relative delta-method test; the
absolute difference is reported beside it as secondary information.

Also: sample ratio mismatch, Fisher's exact test, Holm / Benjamini-Hochberg corrections and
standardised mean differences. Power and sample size live in core.experiments.power, the verdict
in words in core.experiments.verdict.
Works on floats and, where noted, on numpy arrays (for cumulative lift over time).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats as sps

from core.experiments.power import minimum_detectable_effect

SRM_THRESHOLD = 0.001
SMD_THRESHOLD = 0.1
MIN_UNITS = 100
MIN_CONVERSIONS = 10
FISHER_MIN_CELL = 5

Correction = Literal["holm", "bh", "none"]


# ---------------------------------------------------------------- statistics per variant
@dataclass(frozen=True)
class ProportionStatistic:
    """A 0/1 outcome: n units of which `sum` converted. Per-unit variance p(1 - p)."""

    n: float
    sum: float

    @property
    def mean(self) -> float:
        return self.sum / self.n

    @property
    def unadjusted_mean(self) -> float:
        return self.mean

    @property
    def variance(self) -> float:
        p = self.mean
        return p * (1 - p)


@dataclass(frozen=True)
class SampleMeanStatistic:
    """A numeric outcome: n, sum and sum of squares. Variance is the sample variance (n - 1)."""

    n: float
    sum: float
    sum_squares: float

    @property
    def mean(self) -> float:
        return self.sum / self.n

    @property
    def unadjusted_mean(self) -> float:
        return self.mean

    @property
    def variance(self) -> float:
        return (self.sum_squares - self.sum**2 / self.n) / (self.n - 1)


@dataclass(frozen=True)
class RegressionAdjustedStatistic:
    """CUPED: the outcome adjusted by a pre-period covariate, y - theta * x.

    `mean` is the adjusted mean (differences of it are the CUPED lift); `unadjusted_mean` is the
    plain outcome mean (the baseline of relative lifts and what is shown to the user).
    """

    post: ProportionStatistic | SampleMeanStatistic
    pre: SampleMeanStatistic
    post_pre_sum_of_products: float
    theta: float

    @property
    def n(self) -> float:
        return self.post.n

    @property
    def unadjusted_mean(self) -> float:
        return self.post.mean

    @property
    def mean(self) -> float:
        return self.post.mean - self.theta * self.pre.mean

    @property
    def covariance(self) -> float:
        n = self.post.n
        return (self.post_pre_sum_of_products - self.post.sum * self.pre.sum / n) / (n - 1)

    @property
    def variance(self) -> float:
        t = self.theta
        return self.post.variance + t**2 * self.pre.variance - 2 * t * self.covariance


Statistic = ProportionStatistic | SampleMeanStatistic | RegressionAdjustedStatistic


def compute_theta(stats: Sequence[RegressionAdjustedStatistic]) -> float:
    """CUPED theta = cov(y, x) / var(x) on the pooled data of all the given variants."""
    n = sum(s.n for s in stats)
    sy = sum(s.post.sum for s in stats)
    sx = sum(s.pre.sum for s in stats)
    sxx = sum(s.pre.sum_squares for s in stats)
    sxy = sum(s.post_pre_sum_of_products for s in stats)
    var_x = (sxx - sx**2 / n) / (n - 1)
    if not var_x > 0:
        return 0.0
    return float(((sxy - sx * sy / n) / (n - 1)) / var_x)


def with_theta(stats: Mapping[str, RegressionAdjustedStatistic]) -> dict[str, Statistic]:
    """Return the statistics with the theta pooled over all of them set on each."""
    theta = compute_theta(list(stats.values()))
    return {
        k: RegressionAdjustedStatistic(s.post, s.pre, s.post_pre_sum_of_products, theta)
        for k, s in stats.items()
    }


def cuped_pair(a: Statistic, b: Statistic) -> tuple[Statistic, Statistic]:
    """A control-variant pair with the pair's own CUPED theta set on both (gbstats'
    compute_theta(a, b)); statistics without a covariate come back unchanged."""
    if not (
        isinstance(a, RegressionAdjustedStatistic) and isinstance(b, RegressionAdjustedStatistic)
    ):
        return a, b
    pair = with_theta({"a": a, "b": b})
    return pair["a"], pair["b"]


def pair_variance_reduction(a: Statistic, b: Statistic) -> float:
    """Share of the outcome variance a pair's CUPED adjustment removes (units-weighted)."""
    if not isinstance(a, RegressionAdjustedStatistic):
        return 0.0
    before = a.post.variance * a.n + b.post.variance * b.n
    after = a.variance * a.n + b.variance * b.n
    return float(1 - after / before) if before > 0 else 0.0


def variance_reduction(stat: RegressionAdjustedStatistic) -> float:
    """Share of the outcome variance removed by CUPED: 1 - var(y - theta x) / var(y)."""
    return float(1 - stat.variance / stat.post.variance) if stat.post.variance > 0 else 0.0


# ---------------------------------------------------------------- frequentist
@dataclass(frozen=True)
class TestResult:
    """One comparison of a variant against control on one scale (absolute or relative)."""

    lift: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    dof: float


def welch_dof(a: Statistic, b: Statistic) -> float:
    """Welch-Satterthwaite degrees of freedom of the difference in means (NaN when neither arm
    varies, e.g. no conversions anywhere: there is nothing to test)."""
    qa, qb = np.float64(a.variance) / a.n, np.float64(b.variance) / b.n
    return (qa + qb) ** 2 / (qa**2 / (a.n - 1) + qb**2 / (b.n - 1))


def absolute_lift(a: Statistic, b: Statistic) -> tuple[float, float]:
    """(mB - mA, SE) with SE = sqrt(vB/nB + vA/nA)."""
    return b.mean - a.mean, np.sqrt(b.variance / b.n + a.variance / a.n)


def relative_lift(a: Statistic, b: Statistic) -> tuple[float, float]:
    """((mB - mA) / |mA|, delta-method SE sqrt(vB/(nB mA^2) + vA mB^2/(nA mA^4))).

    mA and mB are the unadjusted means (the baseline a user sees); with CUPED the numerator is
    the adjusted difference and the variances are the adjusted ones.
    """
    ma, mb = a.unadjusted_mean, b.unadjusted_mean
    lift = (b.mean - a.mean) / np.abs(ma)
    var = b.variance / (b.n * ma**2) + a.variance * mb**2 / (a.n * ma**4)
    return lift, np.sqrt(var)


def frequentist_test(
    a: Statistic, b: Statistic, alpha: float = 0.05, relative: bool = False
) -> TestResult:
    """Two-sided Welch t-test of variant b against control a (gbstats TwoSidedTTest)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lift, se = relative_lift(a, b) if relative else absolute_lift(a, b)
        dof = welch_dof(a, b)
        t = lift / se
        p = 2 * sps.t.sf(np.abs(t), dof)
        half = sps.t.ppf(1 - alpha / 2, dof) * se
    return TestResult(
        lift=_f(lift),
        se=_f(se),
        ci_low=_f(lift - half),
        ci_high=_f(lift + half),
        p_value=_f(p),
        dof=_f(dof),
    )


def fisher_exact_p(a: ProportionStatistic, b: ProportionStatistic) -> float:
    """Two-sided Fisher's exact test on the 2x2 table of conversions (scipy)."""
    table = [
        [round(a.sum), round(a.n - a.sum)],
        [round(b.sum), round(b.n - b.sum)],
    ]
    return float(sps.fisher_exact(table).pvalue)


def small_counts(a: Statistic, b: Statistic) -> bool:
    """True when a 2x2 cell is below 5 (the chi-square / normal approximation is shaky)."""
    if not (isinstance(a, ProportionStatistic) and isinstance(b, ProportionStatistic)):
        return False
    cells = [a.sum, a.n - a.sum, b.sum, b.n - b.sum]
    return min(cells) < FISHER_MIN_CELL


# ---------------------------------------------------------------- bayesian
@dataclass(frozen=True)
class BayesianResult:
    """Gaussian posterior of the relative lift (flat prior): mean, sd, credible interval."""

    mean: float
    sd: float
    ci_low: float
    ci_high: float
    chance_to_win: float  # P(the variant is better than control, in the metric's direction)
    risk_control: float
    risk_variant: float


def risk(mu: float, sigma: float) -> tuple[float, float]:
    """Expected loss of (keeping control, shipping the variant) when lift ~ N(mu, sigma)."""
    p_neg = sps.norm.cdf(0.0, loc=mu, scale=sigma)
    lo, hi = -mu / sigma, np.inf
    mean_pos = sps.truncnorm.mean(lo, hi, loc=mu, scale=sigma)
    mean_neg = sps.truncnorm.mean(-np.inf, lo, loc=mu, scale=sigma)
    return float((1 - p_neg) * mean_pos), float(-p_neg * mean_neg)


def bayesian_test(
    a: Statistic, b: Statistic, alpha: float = 0.05, lower_is_better: bool = False
) -> BayesianResult:
    """Chance to win and risk from the Gaussian on the relative lift, as gbstats does.

    With lower_is_better the variant wins when the lift is below 0: chance to win is
    P(lift < 0) and the risks swap (keeping control loses when the lift is negative).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        mu, sigma = relative_lift(a, b)
    mu, sigma = float(mu), float(sigma)
    if not (np.isfinite(mu) and np.isfinite(sigma) and sigma > 0):
        return BayesianResult(mu, sigma, np.nan, np.nan, 0.5, 0.0, 0.0)
    lo, hi = sps.norm.ppf([alpha / 2, 1 - alpha / 2], loc=mu, scale=sigma)
    r_up, r_down = risk(mu, sigma)
    p_up = float(sps.norm.sf(0.0, loc=mu, scale=sigma))
    if lower_is_better:
        return BayesianResult(mu, sigma, float(lo), float(hi), 1 - p_up, r_down, r_up)
    return BayesianResult(mu, sigma, float(lo), float(hi), p_up, r_up, r_down)


# ---------------------------------------------------------------- health
@dataclass(frozen=True)
class SRMResult:
    chi2: float
    p_value: float
    ok: bool
    observed: tuple[float, ...]
    expected: tuple[float, ...]


def srm_test(units: Sequence[float], weights: Sequence[float] | None = None) -> SRMResult:
    """Sample ratio mismatch: chi-square goodness of fit of the units against the intended split.

    Flagged (ok=False) when p < 0.001.
    """
    obs = np.asarray(units, dtype=float)
    w = np.ones_like(obs) if weights is None else np.asarray(weights, dtype=float)
    if len(w) != len(obs) or (w <= 0).any():
        raise ValueError("the intended split needs one positive weight per variant")
    if obs.sum() == 0 or len(obs) < 2:
        return SRMResult(0.0, 1.0, True, tuple(obs), tuple(obs))
    exp = w / w.sum() * obs.sum()
    res = sps.chisquare(obs, exp)
    p = float(res.pvalue)
    return SRMResult(float(res.statistic), p, p >= SRM_THRESHOLD, tuple(obs), tuple(exp))


def standardised_mean_difference(a: SampleMeanStatistic, b: SampleMeanStatistic) -> float:
    """(mB - mA) / sqrt((vA + vB) / 2): covariate balance; |SMD| > 0.1 is a common red flag."""
    pooled = np.sqrt((a.variance + b.variance) / 2)
    return float((b.mean - a.mean) / pooled) if pooled > 0 else 0.0


# ---------------------------------------------------------------- multiple comparisons
def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm step-down adjusted p-values: max over k <= i of (m - k + 1) p_(k), capped at 1."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p)
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


def adjust_p_values(p_values: Sequence[float], method: Correction = "holm") -> np.ndarray:
    """Correct p-values for several comparisons: Holm, Benjamini-Hochberg (scipy) or none."""
    p = np.asarray(p_values, dtype=float)
    if method == "none" or len(p) <= 1:
        return p
    if method == "holm":
        return holm(p)
    if method == "bh":
        return sps.false_discovery_control(p, method="bh")
    raise ValueError(f"unknown correction {method!r}: use holm, bh or none")


# ---------------------------------------------------------------- comparison of all variants
Outcome = Literal["win", "lose", "inconclusive"]


@dataclass(frozen=True)
class VariantResult:
    """A variant against control. The decision is on the relative scale: `p_value` (corrected
    for several variants in `p_adjusted`), `relative.ci_*`, `bayes.chance_to_win` and `outcome`
    all come from the relative lift, in the metric's direction; `absolute` is secondary."""

    variant: str
    units: float
    value: float
    control_value: float
    absolute: TestResult
    relative: TestResult
    bayes: BayesianResult
    p_adjusted: float
    fisher_p: float | None = None
    small_counts: bool = False
    mde_relative: float = float("nan")
    lower_is_better: bool = False
    outcome: Outcome = "inconclusive"
    theta: float | None = None  # the pair's CUPED theta when adjusted
    variance_reduction: float | None = None

    @property
    def p_value(self) -> float:
        """The uncorrected p-value of the decision (relative) test."""
        return self.relative.p_value

    @property
    def better(self) -> bool:
        """The estimate moves the metric the good way (not necessarily significantly)."""
        lift = self.relative.lift
        return lift < 0 if self.lower_is_better else lift > 0


def decide(lift: float, p: float, alpha: float, lower_is_better: bool = False) -> Outcome:
    """win / lose / inconclusive in the metric's direction: significant at alpha and the lift
    goes the good way (up, or down when lower is better) is a win; the bad way, a loss."""
    if not (np.isfinite(p) and p < alpha) or lift == 0:
        return "inconclusive"
    good = lift < 0 if lower_is_better else lift > 0
    return "win" if good else "lose"


def compare(
    stats: Mapping[str, Statistic],
    control: str,
    alpha: float = 0.05,
    correction: Correction = "holm",
    power: float = 0.8,
    lower_is_better: bool = False,
) -> list[VariantResult]:
    """Every variant against control: frequentist (relative = the decision, absolute beside
    it), Bayesian, Fisher, MDE. With several variants the relative p-values are corrected (Holm
    or BH). Regression-adjusted statistics get their CUPED theta per control-variant pair.
    """
    if control not in stats:
        raise ValueError(f"control {control!r} is not one of the variants {list(stats)}")
    pairs = {k: cuped_pair(stats[control], stats[k]) for k in stats if k != control}
    rel = {k: frequentist_test(a, b, alpha, relative=True) for k, (a, b) in pairs.items()}
    p_adj = dict(zip(rel, adjust_p_values([r.p_value for r in rel.values()], correction)))
    out = []
    for k, (a, b) in pairs.items():
        fisher = None
        if isinstance(a, ProportionStatistic) and isinstance(b, ProportionStatistic):
            fisher = fisher_exact_p(a, b)
        adjusted = isinstance(a, RegressionAdjustedStatistic)
        out.append(
            VariantResult(
                variant=k,
                units=float(b.n),
                value=float(b.unadjusted_mean),
                control_value=float(a.unadjusted_mean),
                absolute=frequentist_test(a, b, alpha),
                relative=rel[k],
                bayes=bayesian_test(a, b, alpha, lower_is_better),
                p_adjusted=float(p_adj[k]),
                fisher_p=fisher,
                small_counts=small_counts(a, b),
                mde_relative=minimum_detectable_effect(a, b, alpha, power)[1],
                lower_is_better=lower_is_better,
                outcome=decide(rel[k].lift, float(p_adj[k]), alpha, lower_is_better),
                theta=a.theta if adjusted else None,
                variance_reduction=pair_variance_reduction(a, b) if adjusted else None,
            )
        )
    return out


def _f(x) -> float:
    return float(np.asarray(x).item()) if np.ndim(x) == 0 else x
