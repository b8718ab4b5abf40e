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
    """One row per variant (control first): units, value, lifts, CIs, p-values, Bayesian and
    the outcome (win / lose / inconclusive in the metric's direction). `p_value` and
    `p_adjusted` are the decision (relative) test's; `absolute_p_value` is secondary."""
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
            absolute_p_value=None,
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
                p_value=r.relative.p_value,
                p_adjusted=r.p_adjusted,
                absolute_p_value=r.absolute.p_value,
                fisher_p=r.fisher_p,
                chance_to_win=r.bayes.chance_to_win,
                risk_control=r.bayes.risk_control,
                risk_variant=r.bayes.risk_variant,
            )
        )
    for row, outcome in zip(rows, [None, *(r.outcome for r in analysis.variants)], strict=True):
        row["outcome"] = outcome
    schema = {"variant": pl.Utf8, "role": pl.Utf8, "units": pl.Int64, "outcome": pl.Utf8}
    schema |= {k: pl.Float64 for k in rows[0] if k not in schema}
    return pl.DataFrame(rows, schema=schema).select(list(rows[0]))


OUTCOME_STATUS = {"win": "better", "lose": "worse", "inconclusive": "no clear difference"}


def variant_intervals(analysis: Analysis) -> pl.DataFrame:
    """Each variant's own value with its CI (t interval on the variant mean), for the chart;
    `status` is control, better, worse or no clear difference (the outcome, in the metric's
    direction)."""
    outcomes = {r.variant: OUTCOME_STATUS[r.outcome] for r in analysis.variants}
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
                status="control" if k == analysis.control else outcomes.get(k, "control"),
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
    "outcome": ("Outcome", "text"),
    "p_value": ("p-value", "p"),
    "p_adjusted": ("p-value (adjusted)", "p"),
    "absolute_p_value": ("p-value (absolute difference)", "p"),
    "fisher_p": ("Fisher's exact p", "p"),
    "chance_to_win": ("Chance to win", "share"),
    "risk_control": ("Risk of keeping control", "share"),
    "risk_variant": ("Risk of shipping the variant", "share"),
    "relative_lift_cuped": ("Relative lift (CUPED)", "share"),
    "ci_low_cuped": ("CI low (CUPED)", "share"),
    "ci_high_cuped": ("CI high (CUPED)", "share"),
    "p_value_cuped": ("p-value (CUPED)", "p"),
    "theta": ("Theta (this pair)", "number"),
    "variance_reduction": ("Variance removed", "share"),
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
    delta_color: str = "normal"  # "inverse" when lower is better


def control_label(analysis: Analysis) -> str:
    """'control' stays as it is; any other control name gets ' (control)' after it."""
    c = analysis.control
    return c if c.strip().lower() == "control" else f"{c} (control)"


def headline_figures(analysis: Analysis, result: ab.VariantResult) -> list[Figure]:
    """Control value, variant value with its relative lift, p-value and chance to win."""
    corrected = analysis.correction != "none" and len(analysis.variants) > 1
    p = result.p_adjusted if corrected else result.relative.p_value
    better = "below" if analysis.lower_is_better else "above"
    return [
        Figure(control_label(analysis), vd.fmt_value(result.control_value, analysis.kind)),
        Figure(
            result.variant,
            vd.fmt_value(result.value, analysis.kind),
            delta=f"{result.relative.lift:+.1%} relative",
            delta_color="inverse" if analysis.lower_is_better else "normal",
        ),
        Figure(
            "p-value (adjusted)" if corrected else "p-value",
            vd.fmt_p(p),
            help="Two-sided Welch t-test on the relative change (delta method)"
            + (f", {CORRECTION_NAMES[analysis.correction]} correction." if corrected else "."),
        ),
        Figure(
            "Chance to win",
            vd.fmt_prob(result.bayes.chance_to_win),
            help=f"Bayesian: probability the variant's true relative change is {better} 0. "
            + direction(analysis),
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
    """How much variance the pre-period covariate removes, in a sentence (None without CUPED).

    Theta is fitted per control-variant pair (as GrowthBook does), so each comparison gets its
    own adjustment and its own share of variance removed.
    """
    cu = analysis.cuped
    if cu is None:
        return None
    per = [
        f"{r.variant}: theta = {r.theta or 0.0:.4g}, removes **{r.variance_reduction or 0.0:.0%}**"
        for r in cu.variants
    ]
    return (
        f"Using **{cu.covariate}**, fitted per comparison with {analysis.control} "
        f"({'; '.join(per)} of the outcome's variance)."
        + (
            " The result above is adjusted."
            if analysis.used_cuped
            else " Switch it on above to use it."
        )
    )


def cuped_table(analysis: Analysis) -> pl.DataFrame:
    """Per variant: the pair's theta and variance removed, relative lift, CI and (decision)
    p with CUPED next to the lift and p without it."""
    schema = {
        "variant": pl.Utf8,
        "theta": pl.Float64,
        "variance_reduction": pl.Float64,
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
            r.theta,
            r.variance_reduction,
            r.relative.lift,
            r.relative.ci_low,
            r.relative.ci_high,
            r.relative.p_value,
            plain[r.variant].relative.lift if r.variant in plain else None,
            plain[r.variant].relative.p_value if r.variant in plain else None,
        )
        for r in cu.variants
    ]
    return pl.DataFrame(rows, schema=schema, orient="row")


def segment_caution(analysis: Analysis) -> str | None:
    """The multiple-comparisons note for the segment table (None without segments): how the
    p-values were corrected, and which segments still differ (or that none does)."""
    seg = analysis.segments
    if seg is None:
        return None
    n = seg.height
    method = CORRECTION_NAMES.get(analysis.correction, analysis.correction)
    how = (
        f"{n} comparison{'' if n == 1 else 's'}; p-values corrected with {method} over all of "
        "them (with many segments one looks significant by chance)."
        if analysis.correction != "none"
        else f"{n} comparison{'' if n == 1 else 's'}; p-values not corrected: with many "
        f"segments one will look significant by chance (at {analysis.alpha:.0%} about 1 in "
        f"{round(1 / analysis.alpha):,})."
    )
    sig = seg.filter(pl.col("p_adjusted") < analysis.alpha)
    if sig.height == 0:
        return how + " No segment's effect differs significantly: read the table as noise."
    names = ", ".join(f"{r['segment']} ({r['variant']})" for r in sig.iter_rows(named=True))
    return how + f" Significant after correction: {names}. Confirm before acting on them."


def direction(analysis: Analysis) -> str:
    """'Lower churn is better (guessed from the name ...).' for the page and the JSON."""
    return vd.direction_text(analysis.metric, analysis.lower_is_better, analysis.direction_guessed)


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
    """The SPEC JSON of `python -m core abtest` (plus health, cuped, corrected p, verdict).

    `lower_is_better` is the metric's direction; each variant's `outcome` (win / lose /
    inconclusive) respects it and comes from the relative test, like `p_value_adjusted`,
    `chance_to_win` and `risk`; `trusted` is False when a blocking health check failed.
    CUPED theta and variance removed are per variant (each fitted against control)."""

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
        "lower_is_better": analysis.lower_is_better,
        "direction": direction(analysis),
        "decision_scale": "relative",
        "cuped_applied": analysis.used_cuped,
        "trusted": analysis.healthy,
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
                "outcome": r.outcome,
            }
            for r in analysis.variants
        ],
        "warnings": list(analysis.warnings),
    }
    if analysis.cuped is not None:
        out["cuped"] = {
            "covariate": analysis.cuped.covariate,
            "theta": {k: _num(v) for k, v in analysis.cuped.thetas.items()},
            "variance_reduction": {
                k: _num(v) for k, v in analysis.cuped.variance_reductions.items()
            },
        }
    return out
