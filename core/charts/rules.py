"""Charts of the Insight rules page: customers per rule (matched vs. wins), the overlap grid
between rules, the sensitivity curve of one threshold and the summary by action.

Pure functions of the frames core.rules produces (Evaluation.stats, Evaluation.overlaps,
sensitivity(), summary_by_action()); each returns an Altair chart. No streamlit here.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from core import charts as C
from core import rules as R

INDIGO = "#4F46E5"
CURRENT = "#DC2626"
MEASURE_COLORS = alt.Scale(domain=["matched", "assigned (wins)"], range=["#A5B4FC", INDIGO])
WRAP_CHARS = 36


def wrap_labels(chars: int = WRAP_CHARS) -> str:
    """A Vega label expression that breaks a long axis label into lines of at most `chars`
    characters at spaces (a word longer than that stays whole)."""
    return (
        f"split(trim(replace(datum.label, regexp('(.{{1,{chars}}})(\\\\s+|$)', 'g'), '$1\\n')),"
        " '\\n')"
    )


def rules_chart(stats: pl.DataFrame) -> alt.Chart:
    """Customers matched and customers won (after priority) per working rule, grouped bars,
    rules by priority (highest first)."""
    data = R.rule_measures(stats)
    order = R.rules_by_priority(stats)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y(
                "rule:N",
                sort=order,
                title=None,
                axis=alt.Axis(labelLimit=240, labelOverlap=False, labelExpr=wrap_labels(28)),
            ),
            yOffset=alt.YOffset("measure:N", sort=["matched", "assigned (wins)"]),
            x=alt.X("customers:Q", title="Customers", axis=alt.Axis(format=C.COUNT)),
            color=alt.Color(
                "measure:N", scale=MEASURE_COLORS, title=None, legend=alt.Legend(orient="top")
            ),
            tooltip=[
                alt.Tooltip("rule:N", title="Rule"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("customers:Q", title="Customers", format=","),
                alt.Tooltip("share:Q", title="Share of base (matched)", format=C.PCT),
                alt.Tooltip("revenue:Q", title="Revenue (matched)", format=C.MONEY),
                alt.Tooltip("priority:Q", title="Priority"),
            ],
        )
        .properties(height=max(160, 56 * len(order)))
    )


def overlap_chart(overlaps: pl.DataFrame, order: list[str]) -> alt.LayerChart:
    """Customers matching both rules, for each pair of working rules, values printed (white on
    the darker cells); rows and columns in `order`."""
    dark = max(int(overlaps["customers"].max() or 0), 1)
    base = alt.Chart(overlaps).encode(
        x=alt.X(
            "other:N",
            sort=order,
            title="…also matches",
            axis=alt.Axis(labelAngle=-35, labelLimit=160, labelOverlap=False),
        ),
        y=alt.Y(
            "rule:N",
            sort=order,
            title="Customers of…",
            axis=alt.Axis(labelLimit=200, labelOverlap=False),
        ),
        tooltip=[
            alt.Tooltip("rule:N", title="Rule"),
            alt.Tooltip("other:N", title="Other rule"),
            alt.Tooltip("customers:Q", title="Customers in both", format=","),
        ],
    )
    heat = base.mark_rect().encode(
        color=alt.Color("customers:Q", scale=alt.Scale(scheme="purples"), title="Customers")
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("customers:Q", format=","),
        color=alt.condition(
            f"datum.customers > {0.6 * dark:.0f}", alt.value("white"), alt.value("#111827")
        ),
    )
    return alt.layer(heat, text).properties(height=max(200, 44 * len(order)))


def sensitivity_chart(
    curve: pl.DataFrame,
    measure: str = "customers",
    *,
    title: str = "Customers matched",
    label: str = "threshold",
    value_format: str = C.COUNT,
) -> alt.LayerChart:
    """`measure` (customers or revenue) matched as the threshold moves over `curve["value"]`,
    with the current value as a dashed red rule."""
    lo, hi = curve["value"].min(), curve["value"].max()
    x = alt.X("value:Q", title=label, scale=alt.Scale(domain=[lo, hi], nice=False))
    line = (
        alt.Chart(curve)
        .mark_line(point=True, color=INDIGO)
        .encode(
            x=x,
            y=alt.Y(f"{measure}:Q", title=title, axis=alt.Axis(format=value_format)),
            tooltip=[
                alt.Tooltip("value:Q", title=label, format=",.4~f"),
                alt.Tooltip("customers:Q", title="Customers", format=","),
                alt.Tooltip("revenue:Q", title="Revenue", format=C.MONEY),
            ],
        )
    )
    now = (
        alt.Chart(curve.filter(pl.col("current")))
        .mark_rule(color=CURRENT, strokeDash=[4, 3])
        .encode(x="value:Q", tooltip=[alt.Tooltip("value:Q", title="Current value")])
    )
    return alt.layer(line, now).properties(height=220, title=title)


def action_chart(summary: pl.DataFrame) -> alt.Chart:
    """Revenue of the customers per action (largest first); long action texts wrap onto
    several lines instead of being cut."""
    tooltip = [
        alt.Tooltip("action:N", title="Action"),
        alt.Tooltip("customers:Q", title="Customers", format=","),
        alt.Tooltip("revenue:Q", title="Revenue", format=C.MONEY),
        alt.Tooltip("rules:N", title="Rules"),
    ]
    return (
        C.bar(summary, "action", "revenue", tooltip=tooltip, value_title="Revenue of the customers")
        .mark_bar(color=INDIGO)
        .encode(
            y=alt.Y(
                "action:N",
                sort="-x",
                title=None,
                axis=alt.Axis(labelLimit=260, labelOverlap=False, labelExpr=wrap_labels()),
            )
        )
        .properties(height=alt.Step(44))
    )
