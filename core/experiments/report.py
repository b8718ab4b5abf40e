"""Reporting an experiment analysis: the results tables, the intervals and posterior the charts
draw, the figures and sentences the page shows, and the `abtest` JSON (SPEC).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats as sps

from core.experiments import stats as ab
from core.experiments import verdict as vd
from core.experiments.analysis import Analysis
from core.experiments.files import Experiment


# ---------------------------------------------------------------- outputs
def results_table(analysis: Analysis) -> pl.DataFrame:
    """One row per variant (control first): units, value, lifts, CIs, p-values, Bayesian."""
    c = analysis.control
    cs = analysis.stats[c]
    rows = [
        dict(
            variant=c,
            role="control",
            units=int(cs.n),
            value=cs.unadjusted_mean,
            absolute_lift=None,
            absolute_ci_low=None,
            absolute_ci_high=None,
            relative_lift=None,
            relative_ci_low=None,
            relative_ci_high=None,
            p_value=None,
            p_adjusted=None,
            relative_p_value=None,
            fisher_p=None,
            chance_to_win=None,
            risk_control=None,
            risk_variant=None,
        )
    ]
    for r in analysis.variants:
        rows.append(
            dict(
                variant=r.variant,
                role="variant",
                units=int(r.units),
                value=r.value,
                absolute_lift=r.absolute.lift,
                absolute_ci_low=r.absolute.ci_low,
                absolute_ci_high=r.absolute.ci_high,
                relative_lift=r.relative.lift,
                relative_ci_low=r.relative.ci_low,
                relative_ci_high=r.relative.ci_high,
                p_value=r.absolute.p_value,
                p_adjusted=r.p_adjusted,
                relative_p_value=r.relative.p_value,
                fisher_p=r.fisher_p,
                chance_to_win=r.bayes.chance_to_win,
                risk_control=r.bayes.risk_control,
                risk_variant=r.bayes.risk_variant,
            )
        )
    schema = {"variant": pl.Utf8, "role": pl.Utf8, "units": pl.Int64}
    schema |= {k: pl.Float64 for k in rows[0] if k not in schema}
    return pl.DataFrame(rows, schema=schema)


def variant_intervals(analysis: Analysis) -> pl.DataFrame:
    """Each variant's own value with its CI (t interval on the variant mean), for the chart."""
    rows = []
    for k, s in analysis.stats.items():
        se = float(np.sqrt(s.variance / s.n))
        half = float(sps.t.ppf(1 - analysis.alpha / 2, s.n - 1)) * se
        m = s.unadjusted_mean
        rows.append(
            dict(
                variant=k,
                units=int(s.n),
                value=m,
                ci_low=m - half,
                ci_high=m + half,
                is_control=k == analysis.control,
            )
        )
    return pl.DataFrame(rows)


def lift_posterior(analysis: Analysis, points: int = 201) -> pl.DataFrame:
    """Density of the Gaussian posterior of the relative lift per variant (for the chart)."""
    frames = []
    for r in analysis.variants:
        mu, sd = r.bayes.mean, r.bayes.sd
        if not (np.isfinite(mu) and np.isfinite(sd) and sd > 0):
            continue
        x = np.linspace(mu - 4 * sd, mu + 4 * sd, points)
        frames.append(
            pl.DataFrame(
                {
                    "variant": [r.variant] * points,
                    "relative_lift": x,
                    "density": sps.norm.pdf(x, mu, sd),
                }
            )
        )
    if not frames:
        return pl.DataFrame(
            schema={"variant": pl.Utf8, "relative_lift": pl.Float64, "density": pl.Float64}
        )
    return pl.concat(frames)


# ---------------------------------------------------------------- what the page shows
# The columns of the result tables in words, and what they measure: a count, a value of the
# outcome (a rate or an average), a share (lifts, CIs of the relative lift, probabilities) or a p.
RESULT_COLUMNS: dict[str, tuple[str, str]] = {
    "variant": ("Variant", "text"),
    "role": ("Role", "text"),
    "segment": ("Segment", "text"),
    "units": ("Units", "count"),
    "control_units": ("Control units", "count"),
    "value": ("Value", "value"),
    "control_value": ("Control value", "value"),
    "absolute_lift": ("Absolute lift", "value"),
    "absolute_ci_low": ("Absolute CI low", "value"),
    "absolute_ci_high": ("Absolute CI high", "value"),
    "relative_lift": ("Relative lift", "share"),
    "relative_ci_low": ("Relative CI low", "share"),
    "relative_ci_high": ("Relative CI high", "share"),
    "ci_low": ("CI low", "share"),
    "ci_high": ("CI high", "share"),
    "p_value": ("p-value", "p"),
    "p_adjusted": ("p-value (adjusted)", "p"),
    "relative_p_value": ("p-value (relative)", "p"),
    "fisher_p": ("Fisher's exact p", "p"),
    "chance_to_win": ("Chance to win", "share"),
    "risk_control": ("Risk of keeping control", "share"),
    "risk_variant": ("Risk of shipping the variant", "share"),
    "relative_lift_cuped": ("Relative lift (CUPED)", "share"),
    "ci_low_cuped": ("CI low (CUPED)", "share"),
    "ci_high_cuped": ("CI high (CUPED)", "share"),
    "p_value_cuped": ("p-value (CUPED)", "p"),
    "relative_lift_plain": ("Relative lift (without CUPED)", "share"),
    "p_value_plain": ("p-value (without CUPED)", "p"),
    "mde_relative": ("Detectable change", "share"),
}


@dataclass(frozen=True)
class Figure:
    """A headline number for a KPI card: label, formatted value, optional delta and help."""

    label: str
    value: str
    delta: str | None = None
    help: str | None = None


def control_label(analysis: Analysis) -> str:
    """'control' stays as it is; any other control name gets ' (control)' after it."""
    c = analysis.control
    return c if c.strip().lower() == "control" else f"{c} (control)"


def headline_figures(analysis: Analysis, result: ab.VariantResult) -> list[Figure]:
    """Control value, variant value with its relative lift, p-value and chance to win."""
    corrected = analysis.correction != "none" and len(analysis.variants) > 1
    p = result.p_adjusted if corrected else result.absolute.p_value
    return [
        Figure(control_label(analysis), vd.fmt_value(result.control_value, analysis.kind)),
        Figure(
            result.variant,
            vd.fmt_value(result.value, analysis.kind),
            delta=f"{result.relative.lift:+.1%} relative",
        ),
        Figure(
            "p-value (adjusted)" if corrected else "p-value",
            vd.fmt_p(p),
            help="Two-sided Welch t-test on the absolute difference"
            + (f" ({CORRECTION_NAMES[analysis.correction]} correction)." if corrected else "."),
        ),
        Figure(
            "Chance to win",
            vd.fmt_prob(result.bayes.chance_to_win),
            help="Bayesian: probability the variant's true lift is above 0.",
        ),
    ]


CORRECTION_NAMES = {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": "no"}


def small_count_notes(analysis: Analysis) -> list[str]:
    """One sentence per variant with small counts, giving Fisher's exact p."""
    return [
        f"Small counts in {r.variant}: Fisher's exact test gives p = {vd.fmt_p(r.fisher_p)} "
        "(more reliable here than the t-test)."
        for r in analysis.variants
        if r.small_counts and r.fisher_p is not None
    ]


def cuped_summary(analysis: Analysis) -> str | None:
    """How much variance the pre-period covariate removes, in a sentence (None without CUPED)."""
    cu = analysis.cuped
    if cu is None:
        return None
    return (
        f"Using **{cu.covariate}** (theta = {cu.theta:.4g}, from the pooled data) removes "
        f"**{cu.variance_reduction:.0%}** of the outcome's variance."
        + (
            " The result above is adjusted."
            if analysis.used_cuped
            else " Switch it on above to use it."
        )
    )


def cuped_table(analysis: Analysis) -> pl.DataFrame:
    """Per variant: relative lift, CI and p with CUPED next to the lift and p without it."""
    schema = {
        "variant": pl.Utf8,
        "relative_lift_cuped": pl.Float64,
        "ci_low_cuped": pl.Float64,
        "ci_high_cuped": pl.Float64,
        "p_value_cuped": pl.Float64,
        "relative_lift_plain": pl.Float64,
        "p_value_plain": pl.Float64,
    }
    cu = analysis.cuped
    if cu is None:
        return pl.DataFrame(schema=schema)
    plain = {r.variant: r for r in cu.plain}
    rows = [
        (
            r.variant,
            r.relative.lift,
            r.relative.ci_low,
            r.relative.ci_high,
            r.absolute.p_value,
            plain[r.variant].relative.lift if r.variant in plain else None,
            plain[r.variant].absolute.p_value if r.variant in plain else None,
        )
        for r in cu.variants
    ]
    return pl.DataFrame(rows, schema=schema, orient="row")


def segment_caution(analysis: Analysis) -> str | None:
    """The multiple-comparisons warning for the segment table (None without segments)."""
    if analysis.segments is None:
        return None
    n = analysis.segments.height
    return (
        f"{n} comparison{'' if n == 1 else 's'}: with many segments one will look significant by "
        f"chance (at {analysis.alpha:.0%} about 1 in {round(1 / analysis.alpha):,}). Treat "
        "segment effects as ideas to confirm, not results."
    )


def roles_summary(exp: Experiment) -> str:
    """The detected roles of an aggregated file in a sentence (markdown)."""
    outcome = exp.outcomes[0]
    return (
        f"Aggregated file: variant **{exp.variant}**, units **{exp.roles['units']}**, outcome "
        f"**{outcome}** ({exp.kinds[outcome]})."
    )


def baseline_rate(analysis: Analysis | None, default: float = 0.1) -> float:
    """The control's rate for the sample-size calculator (`default` without a rate outcome)."""
    if analysis is None or analysis.kind != "proportion":
        return default
    return float(analysis.stats[analysis.control].unadjusted_mean)


def mde_table(analysis: Analysis) -> pl.DataFrame:
    """Per variant: units and the relative change the experiment detects with 80% power."""
    return pl.DataFrame(
        [(r.variant, int(r.units), r.mde_relative) for r in analysis.variants],
        schema={"variant": pl.Utf8, "units": pl.Int64, "mde_relative": pl.Float64},
        orient="row",
    ).fill_nan(None)


def mde_lines(analysis: Analysis) -> list[str]:
    """'B: about 29% (1,000 units)' per variant, from mde_table."""
    return [
        f"{r['variant']}: about {r['mde_relative']:.0%} ({r['units']:,} units)"
        if r["mde_relative"] is not None
        else f"{r['variant']}: not computable ({r['units']:,} units)"
        for r in mde_table(analysis).iter_rows(named=True)
    ]


def _num(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


def to_dict(analysis: Analysis) -> dict:
    """The SPEC JSON of `python -m core abtest` (plus health, cuped, corrected p, verdict)."""

    def scale(t: ab.TestResult) -> dict:
        return {
            "lift": _num(t.lift),
            "se": _num(t.se),
            "ci": [_num(t.ci_low), _num(t.ci_high)],
            "p_value": _num(t.p_value),
        }

    out = {
        "type": analysis.kind,
        "metric": analysis.metric,
        "control": analysis.control,
        "alpha": analysis.alpha,
        "correction": analysis.correction,
        "cuped_applied": analysis.used_cuped,
        "srm": {"p_value": _num(analysis.srm.p_value), "ok": analysis.srm.ok},
        "health": [
            {"check": c.name, "ok": c.ok, "blocking": c.blocking, "detail": c.detail}
            for c in analysis.checks
        ],
        "variants": [
            {
                "variant": r.variant,
                "units": int(r.units),
                "value": _num(r.value),
                "control_value": _num(r.control_value),
                "absolute": scale(r.absolute),
                "relative": scale(r.relative),
                "p_value_adjusted": _num(r.p_adjusted),
                "fisher_p_value": _num(r.fisher_p),
                "chance_to_win": _num(r.bayes.chance_to_win),
                "risk": [_num(r.bayes.risk_control), _num(r.bayes.risk_variant)],
                "mde_relative": _num(r.mde_relative),
                "verdict": analysis.verdicts[r.variant].text,
                "outcome": analysis.verdicts[r.variant].outcome,
            }
            for r in analysis.variants
        ],
        "warnings": list(analysis.warnings),
    }
    if analysis.cuped is not None:
        out["cuped"] = {
            "covariate": analysis.cuped.covariate,
            "theta": _num(analysis.cuped.theta),
            "variance_reduction": _num(analysis.cuped.variance_reduction),
        }
    return out
