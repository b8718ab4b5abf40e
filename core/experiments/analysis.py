"""Analysing an experiment: per-variant statistics (with CUPED), per-segment effects, cumulative
lift over time, and `analyse`, which puts them together with the health checks
(core.experiments.health) and the verdicts (core.experiments.verdict) against the control.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from core.experiments import stats as ab
from core.experiments import verdict as vd
from core.experiments.files import Experiment, default_control
from core.experiments.health import HealthCheck, covariate_balance, health_checks
from core.model.errors import InputError


# ---------------------------------------------------------------- statistics
def _agg_exprs(metric: str, pre: str | None) -> list[pl.Expr]:
    y = pl.col(metric)
    exprs = [y.count().alias("n"), y.sum().alias("sum"), (y * y).sum().alias("sum_squares")]
    if pre:
        x = pl.col("__pre")
        valid = y.is_not_null()
        exprs += [
            x.filter(valid).sum().alias("pre_sum"),
            (x * x).filter(valid).sum().alias("pre_sum_squares"),
            (x * y).filter(valid).sum().alias("sum_products"),
        ]
    return exprs


def _with_pre(exp: Experiment, frame: pl.DataFrame) -> pl.DataFrame:
    pre = exp.pre_period
    if not pre:
        return frame
    return frame.with_columns(pl.col(pre).fill_null(pl.col(pre).mean()).alias("__pre"))


def _stat_from_row(row: dict, kind: str, cuped: bool) -> ab.Statistic:
    post: ab.ProportionStatistic | ab.SampleMeanStatistic
    if kind == "proportion":
        post = ab.ProportionStatistic(n=row["n"], sum=row["sum"])
    else:
        post = ab.SampleMeanStatistic(n=row["n"], sum=row["sum"], sum_squares=row["sum_squares"])
    if not cuped:
        return post
    pre = ab.SampleMeanStatistic(row["n"], row["pre_sum"], row["pre_sum_squares"])
    return ab.RegressionAdjustedStatistic(post, pre, row["sum_products"], 0.0)


def summary_table(
    exp: Experiment, metric: str | None = None, by: Sequence[str] = (), cuped: bool = False
) -> pl.DataFrame:
    """Per-variant sufficient statistics (n, sum, sum_squares [, pre sums]) grouped by `by`."""
    metric = metric or exp.outcomes[0]
    v = exp.variant
    if exp.aggregated:
        r = exp.roles
        if exp.kinds[metric] == "proportion":
            s = pl.col(r["conversions"])
            ss = s
        else:
            s, ss = pl.col(r["sum"]), pl.col(r["sum_squares"])
        return exp.frame.select(
            pl.col(v), pl.col(r["units"]).alias("n"), s.alias("sum"), ss.alias("sum_squares")
        )
    pre = exp.pre_period if cuped else None
    frame = _with_pre(exp, exp.frame) if pre else exp.frame
    return frame.lazy().group_by([*by, v]).agg(_agg_exprs(metric, pre)).sort([*by, v]).collect()


def variant_statistics(
    exp: Experiment, metric: str | None = None, cuped: bool = False
) -> dict[str, ab.Statistic]:
    """{variant: statistic} for one outcome; with cuped, regression-adjusted with theta 0 (compare
    fits theta per control-variant pair)."""
    metric = metric or exp.outcomes[0]
    _check_metric(exp, metric)
    cuped = cuped and bool(exp.pre_period) and not exp.aggregated
    table = summary_table(exp, metric, cuped=cuped)
    kind = exp.kinds[metric]
    stats = {r[exp.variant]: _stat_from_row(r, kind, cuped) for r in table.iter_rows(named=True)}
    return {k: stats[k] for k in exp.variants if k in stats}


def _check_metric(exp: Experiment, metric: str) -> None:
    if metric not in exp.kinds:
        raise InputError(
            f"{metric!r} is not an outcome of this experiment; outcomes: {', '.join(exp.outcomes)}",
            file=exp.name,
            column=metric,
        )


# ---------------------------------------------------------------- segments and time
def segment_results(
    exp: Experiment,
    metric: str,
    control: str,
    segment: str,
    alpha: float = 0.05,
    correction: ab.Correction = "holm",
    lower_is_better: bool = False,
) -> pl.DataFrame:
    """Effect per segment value: each variant against control within the segment, on the
    decision (relative) scale. `p_adjusted` corrects the p-values over every row of the table
    with the variants' correction (many segments: one looks significant by chance)."""
    kind = exp.kinds[metric]
    table = summary_table(exp, metric, by=[segment])
    rows = []
    for (value,), part in table.group_by([segment], maintain_order=True):
        st = {r[exp.variant]: _stat_from_row(r, kind, False) for r in part.iter_rows(named=True)}
        if control not in st or st[control].n < 2 or st[control].unadjusted_mean == 0:
            continue
        a = st[control]
        for k, b in st.items():
            if k == control or b.n < 2:
                continue
            absr = ab.frequentist_test(a, b, alpha)
            rel = ab.frequentist_test(a, b, alpha, relative=True)
            rows.append(
                dict(
                    segment=str(value),
                    variant=k,
                    control_units=int(a.n),
                    units=int(b.n),
                    control_value=a.unadjusted_mean,
                    value=b.unadjusted_mean,
                    absolute_lift=absr.lift,
                    relative_lift=rel.lift,
                    ci_low=rel.ci_low,
                    ci_high=rel.ci_high,
                    p_value=rel.p_value,
                    chance_to_win=ab.bayesian_test(a, b, alpha, lower_is_better).chance_to_win,
                )
            )
    schema = {
        "segment": pl.Utf8,
        "variant": pl.Utf8,
        "control_units": pl.Int64,
        "units": pl.Int64,
        "control_value": pl.Float64,
        "value": pl.Float64,
        "absolute_lift": pl.Float64,
        "relative_lift": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "p_value": pl.Float64,
        "chance_to_win": pl.Float64,
    }
    out = pl.DataFrame(rows, schema=schema)
    adjusted = ab.adjust_p_values(out["p_value"].fill_null(1.0).to_numpy(), correction)
    return out.with_columns(pl.Series("p_adjusted", adjusted, dtype=pl.Float64)).sort(
        ["segment", "variant"]
    )


def best_segment(
    segments: pl.DataFrame | None, variant: str, alpha: float, lower_is_better: bool = False
) -> tuple[str, float, float] | None:
    """(segment, relative lift, adjusted p) where `variant` helps most among the segments whose
    effect is significant after correction and goes the good way; None when none does."""
    if segments is None or segments.height < 2:
        return None
    lift = pl.col("relative_lift")
    good = lift < 0 if lower_is_better else lift > 0
    sig = segments.filter(
        (pl.col("variant") == variant) & (pl.col("p_adjusted") < alpha) & good
    ).sort("relative_lift", descending=not lower_is_better)
    if sig.height == 0:
        return None
    return str(sig["segment"][0]), float(sig["relative_lift"][0]), float(sig["p_adjusted"][0])


def cumulative_lift(
    exp: Experiment, metric: str, control: str, alpha: float = 0.05
) -> pl.DataFrame | None:
    """Relative lift of each variant against control on the data up to each date (with CI)."""
    date = exp.date
    if exp.aggregated or not date:
        return None
    v = exp.variant
    daily = summary_table(exp, metric, by=[date]).drop_nulls(date)
    grid = (
        daily.select(date)
        .unique()
        .join(pl.DataFrame({v: list(exp.variants)}), how="cross")
        .join(daily, on=[date, v], how="left")
        .fill_null(0)
        .sort([v, date])
        .with_columns(pl.col("n", "sum", "sum_squares").cum_sum().over(v))
    )
    ctrl = grid.filter(pl.col(v) == control).select(
        date,
        pl.col("n").alias("c_n"),
        pl.col("sum").alias("c_sum"),
        pl.col("sum_squares").alias("c_ss"),
    )
    g = (
        grid.filter(pl.col(v) != control)
        .join(ctrl, on=date)
        .filter((pl.col("n") >= 2) & (pl.col("c_n") >= 2) & (pl.col("c_sum") != 0))
    )
    if g.height == 0:
        return None
    if exp.kinds[metric] == "proportion":
        a = ab.ProportionStatistic(g["c_n"].to_numpy(), g["c_sum"].to_numpy())
        b = ab.ProportionStatistic(g["n"].to_numpy(), g["sum"].to_numpy())
    else:
        a = ab.SampleMeanStatistic(g["c_n"].to_numpy(), g["c_sum"].to_numpy(), g["c_ss"].to_numpy())
        b = ab.SampleMeanStatistic(
            g["n"].to_numpy(), g["sum"].to_numpy(), g["sum_squares"].to_numpy()
        )
    res = ab.frequentist_test(a, b, alpha, relative=True)
    return (
        pl.DataFrame(
            {
                "date": g[date],
                "variant": g[v],
                "units": g["n"] + g["c_n"],
                "relative_lift": np.asarray(res.lift, dtype=float),
                "ci_low": np.asarray(res.ci_low, dtype=float),
                "ci_high": np.asarray(res.ci_high, dtype=float),
            }
        )
        .fill_nan(None)
        .sort(["variant", "date"])
    )


# ---------------------------------------------------------------- the analysis
@dataclass(frozen=True)
class CupedInfo:
    """CUPED results: theta and the variance removed are per control-variant pair (on each
    VariantResult), as gbstats fits them."""

    covariate: str
    variants: list[ab.VariantResult]  # results with the adjustment
    plain: list[ab.VariantResult] = field(default_factory=list)  # the same without it

    @property
    def thetas(self) -> dict[str, float]:
        return {r.variant: float(r.theta or 0.0) for r in self.variants}

    @property
    def variance_reductions(self) -> dict[str, float]:
        return {r.variant: float(r.variance_reduction or 0.0) for r in self.variants}


@dataclass(frozen=True)
class Analysis:
    name: str
    metric: str
    kind: str
    control: str
    alpha: float
    correction: str
    used_cuped: bool
    stats: dict[str, ab.Statistic]
    variants: list[ab.VariantResult]
    srm: ab.SRMResult
    checks: list[HealthCheck]
    balance: pl.DataFrame
    cuped: CupedInfo | None
    segment: str | None
    segments: pl.DataFrame | None
    cumulative: pl.DataFrame | None
    verdicts: dict[str, vd.Verdict]
    warnings: tuple[str, ...] = field(default_factory=tuple)
    lower_is_better: bool = False
    direction_guessed: bool = False  # lower_is_better came from the metric's name

    @property
    def problems(self) -> list[str]:
        return [c.detail for c in self.checks if not c.ok and c.blocking]

    @property
    def healthy(self) -> bool:
        return not self.problems


def analyse(
    exp: Experiment,
    metric: str | None = None,
    control: str | None = None,
    alpha: float = 0.05,
    correction: ab.Correction = "holm",
    weights: Sequence[float] | None = None,
    use_cuped: bool = False,
    segment: str | None = None,
    power: float = 0.8,
    lower_is_better: bool | None = None,
) -> Analysis:
    """Health first, then every variant against control, CUPED, segments, time and verdicts.

    `lower_is_better` None guesses the metric's direction from its name
    (verdict.guess_lower_is_better); every outcome, chance to win, risk and text follows it.
    """
    metric = metric or exp.outcomes[0]
    _check_metric(exp, metric)
    if not 0 < alpha < 0.5:
        raise InputError(f"alpha must be between 0 and 0.5, got {alpha}")
    control = control if control is not None else default_control(exp.variants)
    if control not in exp.variants:
        raise InputError(
            f"there is no variant {control!r}; variants: {', '.join(exp.variants)}",
            file=exp.name,
            column=exp.variant,
        )
    kind = exp.kinds[metric]
    plain = variant_statistics(exp, metric)
    for k, s in plain.items():
        if s.n < 2:
            raise InputError(f"variant {k!r} has fewer than 2 units with a value of {metric!r}")
    if plain[control].unadjusted_mean == 0:
        raise InputError(
            f"the control {control!r} has a mean of 0 for {metric!r}: no relative lift possible",
            file=exp.name,
            column=metric,
        )
    guessed = lower_is_better is None
    lower = vd.guess_lower_is_better(metric) if guessed else bool(lower_is_better)
    balance = covariate_balance(exp, control)
    srm, checks = health_checks(exp, plain, control, weights, balance)
    cuped = None
    plain_results = ab.compare(plain, control, alpha, correction, power, lower)
    if exp.pre_period and not exp.aggregated:
        adj = variant_statistics(exp, metric, cuped=True)
        cuped = CupedInfo(
            covariate=exp.pre_period,
            variants=ab.compare(adj, control, alpha, correction, power, lower),
            plain=plain_results,
        )
    use_cuped = use_cuped and cuped is not None
    results = cuped.variants if use_cuped else plain_results
    segment = segment if segment in exp.segments else (exp.segments[0] if exp.segments else None)
    seg_table = None
    if segment:
        seg_table = segment_results(exp, metric, control, segment, alpha, correction, lower)
    corrected = correction != "none" and len(results) > 1
    problems = [c.detail for c in checks if not c.ok and c.blocking]
    verdicts = {
        r.variant: vd.verdict(
            r,
            control,
            kind,
            metric,
            alpha,
            problems,
            best_segment(seg_table, r.variant, alpha, lower),
            corrected,
        )
        for r in results
    }
    return Analysis(
        name=exp.name,
        metric=metric,
        kind=kind,
        control=control,
        alpha=alpha,
        correction=correction,
        used_cuped=use_cuped,
        stats=plain,
        variants=results,
        srm=srm,
        checks=checks,
        balance=balance,
        cuped=cuped,
        segment=segment,
        segments=seg_table,
        cumulative=cumulative_lift(exp, metric, control, alpha),
        verdicts=verdicts,
        warnings=exp.warnings,
        lower_is_better=lower,
        direction_guessed=guessed,
    )
