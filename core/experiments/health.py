"""Health checks of an experiment: sample ratio, covariate balance, units in two variants and
sample size. A failed blocking check makes the result untrustworthy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl
from scipy import stats as sps

from core.experiments import stats as ab
from core.experiments.files import Experiment
from core.experiments.verdict import fmt_p
from core.model.errors import InputError


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
            f"(chi-square p = {fmt_p(srm.p_value)}"
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
