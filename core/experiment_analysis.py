"""Analysing an experiment: per-variant statistics (with CUPED), health checks (sample ratio,
covariate balance, units in two variants, sample size), per-segment effects, cumulative lift over
time, and `analyse`, which puts them together against the control.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy import stats as sps

from core import abtest as ab
from core.errors import InputError
from core.experiment import Experiment, default_control


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
    """{variant: statistic} for one outcome; with cuped, regression-adjusted with pooled theta."""
    metric = metric or exp.outcomes[0]
    _check_metric(exp, metric)
    cuped = cuped and bool(exp.pre_period) and not exp.aggregated
    table = summary_table(exp, metric, cuped=cuped)
    kind = exp.kinds[metric]
    stats = {r[exp.variant]: _stat_from_row(r, kind, cuped) for r in table.iter_rows(named=True)}
    if cuped:
        stats = ab.with_theta(stats)
    return {k: stats[k] for k in exp.variants if k in stats}


def _check_metric(exp: Experiment, metric: str) -> None:
    if metric not in exp.kinds:
        raise InputError(
            f"{metric!r} is not an outcome of this experiment; outcomes: {', '.join(exp.outcomes)}",
            file=exp.name,
            column=metric,
        )


# ---------------------------------------------------------------- health
@dataclass(frozen=True)
class HealthCheck:
    name: str
    ok: bool
    detail: str
    blocking: bool = False  # a failed blocking check makes the result untrustworthy


def covariate_balance(exp: Experiment, control: str) -> pl.DataFrame:
    """Balance of pre-period covariate (SMD) and segments (chi-square) across variants."""
    rows: list[dict] = []
    if exp.aggregated:
        return pl.DataFrame(
            schema={
                "covariate": pl.Utf8,
                "test": pl.Utf8,
                "variant": pl.Utf8,
                "value": pl.Float64,
                "p_value": pl.Float64,
                "ok": pl.Boolean,
            }
        )
    v = exp.variant
    pre = exp.pre_period
    if pre:
        t = (
            exp.frame.group_by(v)
            .agg(
                pl.col(pre).count().alias("n"),
                pl.col(pre).sum().alias("s"),
                (pl.col(pre) ** 2).sum().alias("ss"),
            )
            .sort(v)
        )
        st = {
            r[v]: ab.SampleMeanStatistic(r["n"], r["s"], r["ss"]) for r in t.iter_rows(named=True)
        }
        for k in exp.variants:
            if k == control or k not in st or control not in st:
                continue
            smd = ab.standardised_mean_difference(st[control], st[k])
            rows.append(
                dict(
                    covariate=pre,
                    test="standardised mean difference",
                    variant=k,
                    value=smd,
                    p_value=None,
                    ok=abs(smd) <= ab.SMD_THRESHOLD,
                )
            )
    for seg in exp.segments:
        counts = exp.frame.pivot(on=seg, index=v, values=v, aggregate_function="len").fill_null(0)
        table = counts.drop(v).to_numpy()
        if table.shape[1] < 2:
            continue
        res = sps.chi2_contingency(table)
        rows.append(
            dict(
                covariate=seg,
                test="chi-square",
                variant="all",
                value=float(res.statistic),
                p_value=float(res.pvalue),
                ok=bool(res.pvalue >= 0.01),
            )
        )
    return pl.DataFrame(
        rows,
        schema={
            "covariate": pl.Utf8,
            "test": pl.Utf8,
            "variant": pl.Utf8,
            "value": pl.Float64,
            "p_value": pl.Float64,
            "ok": pl.Boolean,
        },
    )


def health_checks(
    exp: Experiment,
    stats: Mapping[str, ab.Statistic],
    control: str,
    weights: Sequence[float] | None = None,
    balance: pl.DataFrame | None = None,
) -> tuple[ab.SRMResult, list[HealthCheck]]:
    """SRM, covariate balance, units in two variants, too-small samples."""
    units_tbl = (
        exp.frame.group_by(exp.variant).agg(pl.len().alias("n"))
        if not exp.aggregated
        else exp.frame.select(pl.col(exp.variant), pl.col(exp.roles["units"]).alias("n"))
    )
    counts = dict(units_tbl.iter_rows())
    units = [float(counts.get(k, 0)) for k in exp.variants]
    if weights is not None and len(weights) != len(exp.variants):
        raise InputError(
            f"the intended split has {len(weights)} weights for {len(exp.variants)} variants"
        )
    srm = ab.srm_test(units, weights)
    split = " / ".join(f"{k}: {int(u):,}" for k, u in zip(exp.variants, units, strict=True))
    exp_split = " / ".join(f"{e:,.0f}" for e in srm.expected)
    checks = [
        HealthCheck(
            "Sample ratio",
            srm.ok,
            f"Units {split}; expected {exp_split} from the intended split "
            f"(chi-square p = {ab.fmt_p(srm.p_value)}"
            + ("" if srm.ok else "; below 0.001: the assignment or logging is broken")
            + ").",
            blocking=True,
        )
    ]
    if balance is not None and balance.height:
        bad = balance.filter(~pl.col("ok"))
        if bad.height:
            what = ", ".join(
                f"{r['covariate']} ({r['test']}"
                + (f" {r['value']:+.2f}" if r["p_value"] is None else f" p = {r['p_value']:.3g}")
                + ")"
                for r in bad.iter_rows(named=True)
            )
            checks.append(HealthCheck("Covariate balance", False, f"Imbalanced: {what}."))
        else:
            checks.append(
                HealthCheck(
                    "Covariate balance",
                    True,
                    f"Balanced across variants: {', '.join(balance['covariate'].to_list())} "
                    "(|SMD| <= 0.1, chi-square p >= 0.01).",
                )
            )
    if not exp.aggregated and exp.unit:
        n = exp.units_in_two_variants
        checks.append(
            HealthCheck(
                "Units in two variants",
                n == 0,
                "No unit appears in more than one variant."
                if n == 0
                else f"{n} units appear in more than one variant; they are left out.",
                blocking=n > 0.01 * sum(units),
            )
        )
    small = [k for k, s in stats.items() if s.n < ab.MIN_UNITS]
    few = [
        k
        for k, s in stats.items()
        if isinstance(s, ab.ProportionStatistic) and min(s.sum, s.n - s.sum) < ab.MIN_CONVERSIONS
    ]
    detail = "Every variant has at least 100 units."
    if small:
        detail = f"Fewer than {ab.MIN_UNITS} units in {', '.join(small)}: results are fragile."
    if few:
        detail += f" Fewer than {ab.MIN_CONVERSIONS} conversions (or non-conversions) in " + (
            ", ".join(few) + ": see Fisher's exact test."
        )
    checks.append(HealthCheck("Sample size", not (small or few), detail))
    return srm, checks


# ---------------------------------------------------------------- segments and time
def segment_results(
    exp: Experiment,
    metric: str,
    control: str,
    segment: str,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Effect per segment value: each variant against control within the segment."""
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
                    p_value=absr.p_value,
                    chance_to_win=ab.bayesian_test(a, b, alpha).chance_to_win,
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
    return pl.DataFrame(rows, schema=schema).sort(["segment", "variant"])


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
    covariate: str
    theta: float
    variance_reduction: float  # pooled share of outcome variance removed
    variants: list[ab.VariantResult]  # results with the adjustment
    plain: list[ab.VariantResult] = field(default_factory=list)  # the same without it


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
    verdicts: dict[str, ab.Verdict]
    warnings: tuple[str, ...] = field(default_factory=tuple)

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
) -> Analysis:
    """Health first, then every variant against control, CUPED, segments, time and verdicts."""
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
    balance = covariate_balance(exp, control)
    srm, checks = health_checks(exp, plain, control, weights, balance)
    cuped = None
    plain_results = ab.compare(plain, control, alpha, correction, power)
    if exp.pre_period and not exp.aggregated:
        adj = variant_statistics(exp, metric, cuped=True)
        any_stat = next(iter(adj.values()))
        pooled_var = sum(s.post.variance * s.n for s in adj.values())
        pooled_adj = sum(s.variance * s.n for s in adj.values())
        cuped = CupedInfo(
            covariate=exp.pre_period,
            theta=any_stat.theta,
            variance_reduction=float(1 - pooled_adj / pooled_var) if pooled_var > 0 else 0.0,
            variants=ab.compare(adj, control, alpha, correction, power),
            plain=plain_results,
        )
    use_cuped = use_cuped and cuped is not None
    results = cuped.variants if use_cuped else plain_results
    stats = variant_statistics(exp, metric, cuped=True) if use_cuped else plain
    segment = segment if segment in exp.segments else (exp.segments[0] if exp.segments else None)
    seg_table = segment_results(exp, metric, control, segment, alpha) if segment else None
    corrected = correction != "none" and len(results) > 1
    problems = [c.detail for c in checks if not c.ok and c.blocking]
    verdicts = {}
    for r in results:
        best = None
        if seg_table is not None and seg_table.height > 1:
            sig = seg_table.filter(
                (pl.col("variant") == r.variant)
                & (pl.col("p_value") < alpha)
                & (pl.col("relative_lift") > 0)
            ).sort("relative_lift", descending=True)
            if sig.height:
                best = (f"{sig['segment'][0]}", float(sig["relative_lift"][0]))
        verdicts[r.variant] = ab.verdict(r, control, kind, metric, alpha, problems, best, corrected)
    return Analysis(
        name=exp.name,
        metric=metric,
        kind=kind,
        control=control,
        alpha=alpha,
        correction=correction,
        used_cuped=use_cuped,
        stats=stats,
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
    )
