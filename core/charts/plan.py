"""Charts of the Action plan page: expected net gain per action with its interval.

Pure functions of core.plan frames (Plan.actions); no streamlit.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from core import charts as C
from core.charts.rules import wrap_labels

SOURCE_COLORS = alt.Scale(domain=["experiment", "assumption"], range=["#4F46E5", "#9CA3AF"])


def net_gain_chart(actions: pl.DataFrame) -> alt.LayerChart:
    """Bars of expected net gain per action (ranked), coloured by where the uplift comes from
    (a measured experiment or an assumption), with the interval the uplift's interval gives
    (drawn only where there is one: an assumption has none)."""
    order = actions["rule"].to_list()
    y = alt.Y(
        "rule:N",
        sort=order,
        title=None,
        axis=alt.Axis(labelLimit=260, labelOverlap=False, labelExpr=wrap_labels()),
    )
    tooltip = [
        alt.Tooltip("rule:N", title="Rule"),
        alt.Tooltip("action:N", title="Action"),
        alt.Tooltip("customers:Q", title="Customers", format=","),
        alt.Tooltip("net_gain:Q", title="Expected net gain", format=C.MONEY),
        alt.Tooltip("net_gain_low:Q", title="low", format=C.MONEY),
        alt.Tooltip("net_gain_high:Q", title="high", format=C.MONEY),
        alt.Tooltip("uplift:Q", title="Uplift", format="+.1%"),
        alt.Tooltip("uplift_source:N", title="Uplift source"),
    ]
    base = alt.Chart(actions)
    bars = base.mark_bar(opacity=0.85).encode(
        x=alt.X("net_gain:Q", title="Expected net gain", axis=alt.Axis(format="~s")),
        y=y,
        color=alt.Color("uplift_source:N", scale=SOURCE_COLORS, title="Uplift"),
        tooltip=tooltip,
    )
    ranged = alt.Chart(actions.filter(pl.col("net_gain_low") != pl.col("net_gain_high")))
    interval = ranged.mark_rule(color="#111827", strokeWidth=2).encode(
        x="net_gain_low:Q", x2="net_gain_high:Q", y=y, tooltip=tooltip
    )
    ends = ranged.mark_tick(color="#111827", thickness=2, size=14).encode(
        x="net_gain_low:Q", y=y, tooltip=tooltip
    ) + ranged.mark_tick(color="#111827", thickness=2, size=14).encode(
        x="net_gain_high:Q", y=y, tooltip=tooltip
    )
    zero = alt.Chart(pl.DataFrame({"x": [0.0]})).mark_rule(color="#6B7280").encode(x="x:Q")
    return alt.layer(bars, interval, ends, zero).properties(height=alt.Step(44))
