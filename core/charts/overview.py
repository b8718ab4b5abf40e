"""Charts of the Overview page: monthly revenue with partial months marked."""

from __future__ import annotations

import altair as alt
import polars as pl

from core import charts


def monthly_revenue(monthly: pl.DataFrame) -> alt.Chart:
    """Bars of revenue per month (core.metrics.monthly); partial months drawn lighter."""
    data = charts.with_period_labels(monthly, "month", "month_start")
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=charts.period_x("month", data.height),
            y=alt.Y("revenue:Q", title="Revenue"),
            color=alt.Color(
                "partial:N",
                title="Month",
                scale=alt.Scale(domain=[False, True], range=["#4F46E5", "#C7D2FE"]),
                legend=alt.Legend(labelExpr="datum.value ? 'partial' : 'complete'", orient="top"),
            ),
            tooltip=[
                alt.Tooltip(f"{charts.PERIOD_LABEL}:N", title="Month"),
                alt.Tooltip("revenue:Q", title="Revenue", format=",.0f"),
                alt.Tooltip("orders:Q", title="Orders", format=","),
                alt.Tooltip("customers:Q", title="Customers", format=","),
                alt.Tooltip("growth:Q", title="Growth vs previous month", format="+.1%"),
                alt.Tooltip("partial:N", title="Partial month"),
            ],
        )
        .properties(height=320)
    )
