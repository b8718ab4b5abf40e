"""Charts of the A/B test page: each variant's value with its CI on one shared axis, the posterior
of the relative lift, cumulative lift over time and the lift per segment.

Colours follow the metric's direction: a variant that is significantly better is green, worse
red, no clear difference blue (control grey); the lift charts shade the side of 0 where the
variant is better (above 0, or below 0 when lower is better) and say so in the axis title.

Pure functions of the frames core.experiments.analysis and core.experiments.report make
(variant_intervals, lift_posterior, Analysis.cumulative, Analysis.segments); no streamlit here.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from core.experiments import metric_label

CONTROL_COLOR, VARIANT_COLOR = "#7f8c8d", "#1f77b4"
BETTER_COLOR, WORSE_COLOR = "#2e7d32", "#c62828"
STATUS_COLORS = {
    "control": CONTROL_COLOR,
    "better": BETTER_COLOR,
    "worse": WORSE_COLOR,
    "no clear difference": VARIANT_COLOR,
}
LIFT = "+.0%"
LIFT_TIP = "+.1%"


def lift_title(title: str, lower_is_better: bool) -> str:
    """'Relative lift (better: below 0)' / '(better: above 0)'."""
    return f"{title} (better: {'below' if lower_is_better else 'above'} 0)"


def _better_side(channel: str, values: pl.Series, lower_is_better: bool) -> list[alt.Chart]:
    """A light green band on the side of 0 where the variant is better, from 0 to the farthest
    value on that side (nothing when no value lies there), labelled "better"."""
    finite = values.cast(pl.Float64).drop_nulls().drop_nans()
    edge = float(finite.min() if lower_is_better else finite.max()) if finite.len() else 0.0
    if (edge >= 0) if lower_is_better else (edge <= 0):
        edge = 0.0
    band = pl.DataFrame({"start": [0.0], "end": [edge], "label": ["better"]})
    other = "y" if channel == "x" else "x"
    rect = (
        alt.Chart(band)
        .mark_rect(color=BETTER_COLOR, opacity=0.08)
        .encode(**{channel: "start:Q", f"{channel}2": "end:Q"})
    )
    text = (
        alt.Chart(band)
        .mark_text(
            color=BETTER_COLOR,
            fontWeight="bold",
            align="right" if lower_is_better else "left",
            baseline="top",
            dx=-4 if lower_is_better else 4,
            dy=4,
        )
        .encode(**{channel: "start:Q", "text": "label:N"}, **{other: alt.value(0)})
    )
    return [rect, text]


def value_format(kind: str) -> str:
    """d3 format of an outcome's values: percentages for rates, two decimals for averages."""
    return ".1%" if kind == "proportion" else ",.2f"


def _zero_rule(channel: str) -> alt.Chart:
    """A dashed line at 0 (no lift) on the x or y channel."""
    return (
        alt.Chart(pl.DataFrame({channel: [0.0]}))
        .mark_rule(strokeDash=[4, 4], color="#555")
        .encode(**{channel: f"{channel}:Q"})
    )


def variant_values(
    iv: pl.DataFrame, kind: str = "proportion", metric: str = "", lower_is_better: bool = False
) -> alt.LayerChart:
    """Every variant's value (dot, labelled) and CI (line) on ONE shared x axis, control in grey,
    with a dashed line at the control's value so each variant compares with it at a glance.
    With a `status` column (control / better / worse / no clear difference, in the metric's
    direction) the variants are coloured by it: better green, worse red, no clear difference
    blue (STATUS_COLORS; no legend, the page states it).

    `iv`: variant, units, value, ci_low, ci_high, is_control[, status]
    (core.experiments.report.variant_intervals).
    """
    fmt = value_format(kind)
    lo = float(iv["ci_low"].min()) if iv.height else 0.0
    hi = float(iv["ci_high"].max()) if iv.height else 1.0
    pad = (hi - lo) * 0.08 or abs(hi) * 0.1 or 0.1
    # one explicit scale and axis, repeated identically on every layer: the layers share them
    x_scale = alt.Scale(domain=[lo - pad, hi + pad], nice=False, zero=False)
    x_axis = alt.Axis(format=fmt, tickCount=6)
    title = metric_label(metric) if metric else "value"
    title = title[:1].upper() + title[1:]
    if lower_is_better:
        title += " (lower is better)"

    def x(field: str) -> alt.X:
        return alt.X(f"{field}:Q", title=title, scale=x_scale, axis=x_axis)

    order = iv["variant"].to_list()
    base = alt.Chart(iv).encode(
        y=alt.Y("variant:N", title=None, sort=order, axis=alt.Axis(labelFontSize=13)),
        color=alt.Color(
            "status:N",
            title="Result",
            scale=alt.Scale(domain=list(STATUS_COLORS), range=list(STATUS_COLORS.values())),
            legend=None,  # the page says what the colours mean; a legend would squeeze the rows
        )
        if "status" in iv.columns
        else alt.Color(
            "is_control:N",
            legend=None,
            scale=alt.Scale(domain=[True, False], range=[CONTROL_COLOR, VARIANT_COLOR]),
        ),
        tooltip=[
            alt.Tooltip("variant:N", title="Variant"),
            alt.Tooltip("units:Q", title="Units", format=","),
            alt.Tooltip("value:Q", title=title, format=fmt),
            alt.Tooltip("ci_low:Q", title="CI low", format=fmt),
            alt.Tooltip("ci_high:Q", title="CI high", format=fmt),
            *([alt.Tooltip("status:N", title="Result")] if "status" in iv.columns else []),
        ],
    )
    ci = base.mark_rule(strokeWidth=3).encode(x=x("ci_low"), x2="ci_high:Q")
    dot = base.mark_point(filled=True, size=140, opacity=1).encode(x=x("value"))
    # labels up and to the right of the dot: clear of the dashed control line
    label = base.mark_text(align="left", dx=6, dy=-12, fontSize=12).encode(
        x=x("value"), text=alt.Text("value:Q", format=fmt)
    )
    control = (
        alt.Chart(iv.filter(pl.col("is_control")))
        .mark_rule(strokeDash=[4, 4], color=CONTROL_COLOR)
        .encode(
            x=x("value"),
            tooltip=[alt.Tooltip("value:Q", title="Control", format=fmt)],
        )
    )
    return alt.layer(control, ci, dot, label).properties(height=max(160, 60 * iv.height + 60))


def lift_posterior(post: pl.DataFrame, lower_is_better: bool = False) -> alt.LayerChart:
    """Density of the relative lift per variant (variant, relative_lift, density), with 0 marked
    and the better side of 0 shaded."""
    title = lift_title("Relative lift", lower_is_better)
    area = (
        alt.Chart(post)
        .mark_area(opacity=0.45, line=True)
        .encode(
            x=alt.X("relative_lift:Q", title=title, axis=alt.Axis(format=LIFT)),
            y=alt.Y("density:Q", title="Density", axis=alt.Axis(labels=False, ticks=False)),
            color=alt.Color("variant:N", title="Variant"),
            tooltip=[
                alt.Tooltip("variant:N", title="Variant"),
                alt.Tooltip("relative_lift:Q", title="Relative lift", format=LIFT_TIP),
                alt.Tooltip("density:Q", title="Density", format=".2f"),
            ],
        )
    )
    side = _better_side("x", post["relative_lift"], lower_is_better)
    return alt.layer(*side, area, _zero_rule("x")).properties(height=260).interactive(bind_y=False)


def cumulative_lift(cum: pl.DataFrame, lower_is_better: bool = False) -> alt.LayerChart:
    """Cumulative relative lift per variant over time (date, variant, units, relative_lift,
    ci_low, ci_high): a line with its CI band, 0 marked and the better side shaded."""
    base = alt.Chart(cum).encode(
        x=alt.X("date:T", title="Date"),
        color=alt.Color("variant:N", title="Variant"),
    )
    band = base.mark_area(opacity=0.2).encode(
        y=alt.Y(
            "ci_low:Q",
            title=lift_title("Cumulative relative lift", lower_is_better),
            axis=alt.Axis(format=LIFT),
        ),
        y2="ci_high:Q",
    )
    line = base.mark_line(point=True).encode(
        y="relative_lift:Q",
        tooltip=[
            alt.Tooltip("date:T", title="Date"),
            alt.Tooltip("variant:N", title="Variant"),
            alt.Tooltip("units:Q", title="Units", format=","),
            alt.Tooltip("relative_lift:Q", title="Relative lift", format=LIFT_TIP),
            alt.Tooltip("ci_low:Q", title="CI low", format=LIFT_TIP),
            alt.Tooltip("ci_high:Q", title="CI high", format=LIFT_TIP),
        ],
    )
    values = pl.concat([cum["ci_low"], cum["ci_high"]])
    side = _better_side("y", values, lower_is_better)
    return (
        alt.layer(*side, band, line, _zero_rule("y"))
        .properties(height=280)
        .interactive(bind_y=False)
    )


def segment_lifts(seg: pl.DataFrame, lower_is_better: bool = False) -> alt.LayerChart:
    """Relative lift with CI per segment value and variant (core.experiments.segment_results),
    0 marked and the better side shaded."""
    base = alt.Chart(seg).encode(
        y=alt.Y("segment:N", title=None),
        color=alt.Color("variant:N", title="Variant"),
        yOffset="variant:N",
        tooltip=[
            alt.Tooltip("segment:N", title="Segment"),
            alt.Tooltip("variant:N", title="Variant"),
            alt.Tooltip("units:Q", title="Units", format=","),
            alt.Tooltip("relative_lift:Q", title="Relative lift", format=LIFT_TIP),
            alt.Tooltip("ci_low:Q", title="CI low", format=LIFT_TIP),
            alt.Tooltip("ci_high:Q", title="CI high", format=LIFT_TIP),
            alt.Tooltip("p_value:Q", title="p-value", format=".4f"),
            *(
                [alt.Tooltip("p_adjusted:Q", title="p-value (adjusted)", format=".4f")]
                if "p_adjusted" in seg.columns
                else []
            ),
        ],
    )
    title = lift_title("Relative lift (CI)", lower_is_better)
    ci = base.mark_rule(strokeWidth=3).encode(
        x=alt.X("ci_low:Q", title=title, axis=alt.Axis(format=LIFT)),
        x2="ci_high:Q",
    )
    dot = base.mark_point(filled=True, size=110, opacity=1).encode(x="relative_lift:Q")
    n = seg["segment"].n_unique() if seg.height else 1
    side = _better_side("x", pl.concat([seg["ci_low"], seg["ci_high"]]), lower_is_better)
    return alt.layer(*side, ci, dot, _zero_rule("x")).properties(height=max(140, 55 * n))
