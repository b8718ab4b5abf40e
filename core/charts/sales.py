"""Charts of the Sales performance page: trends, growth, seasonality, breakdowns, top products,
Pareto curves, the revenue bridge, contributions to a change, and returns.

Each builder takes a frame (or result) from core.sales and the page's options and returns an
Altair chart built with the shared builders of core.charts. No streamlit here.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from core import charts
from core.sales import Bridge, Pareto

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MEASURES = ("revenue", "orders", "customers")
BREAKDOWN_BARS = 30
RETURNED_PRODUCT_BARS = 20


def measure_trend(trend: pl.DataFrame, grain: str, measure: str = "revenue") -> alt.LayerChart:
    """Revenue, orders or customers per period of core.sales.trend; partial periods marked."""
    return charts.trend(
        trend,
        "period",
        measure,
        title=f"{measure.title()} by {grain}",
        y_format=charts.MONEY if measure == "revenue" else charts.COUNT,
        x_format="%b %Y",  # every grain: a month name alone does not say which year
        tooltip=["label", "revenue", "orders", "customers", "growth", "yoy_growth"],
    )


def growth_bars(rows: pl.DataFrame, grain: str, column: str = "growth") -> alt.Chart:
    """Growth per period (core.sales.growth_rows), green up and red down. `column` "growth" is
    against the previous period, "yoy_growth" against the same period a year earlier. Partial
    periods have no growth (core.model.periods.like_for_like), so they have no bar."""
    title = (
        "Revenue growth year over year"
        if column == "yoy_growth"
        else f"Revenue growth vs previous {grain}"
    )
    data = charts.with_period_labels(rows, grain)
    return charts.signed_bar(
        data,
        charts.PERIOD_LABEL,
        column,
        title=title,
        y_title="growth",
        tooltip=[
            alt.Tooltip(f"{charts.PERIOD_LABEL}:N", title=grain),
            alt.Tooltip("revenue:Q", format=charts.MONEY, title="revenue"),
            alt.Tooltip(f"{column}:Q", format="+.1%", title="growth"),
        ],
        x_axis=charts.period_x(grain, data.height),
    )


def new_vs_returning(trend: pl.DataFrame, grain: str) -> alt.Chart:
    """Stacked revenue of new and returning customers per period; partial periods lighter."""
    data = charts.with_period_labels(trend, grain)
    return charts.stacked_bars(
        data,
        charts.PERIOD_LABEL,
        {"new_revenue": "New customers", "returning_revenue": "Returning customers"},
        title=f"Revenue from new vs returning customers by {grain} (lighter: partial {grain})",
        y_title="revenue",
        x_axis=charts.period_x(grain, data.height),
        keep=["partial"],
    )


def seasonality_heatmap(season: pl.DataFrame) -> alt.LayerChart | alt.Chart:
    """Revenue by month of year (columns) and year (rows) from core.sales.seasonality."""
    return charts.heatmap(
        season,
        "month_name",
        "year",
        "revenue",
        title="Seasonality: revenue by month of year",
        x_sort=MONTHS,
        tooltip=["year", "month_name", "revenue", "index", "partial"],
    )


def breakdown_bars(
    table: pl.DataFrame, dimension: str, *, select: str | None = None, limit: int = BREAKDOWN_BARS
) -> alt.Chart:
    """Revenue per value of a breakdown (core.sales.breakdown), the `limit` largest; `select`
    names the point selection that lets a click filter the page."""
    shown = table.head(limit)
    tips = ["value", "revenue", "orders", "customers", "aov", "share"]
    return charts.bar(
        shown,
        "value",
        "revenue",
        title=f"Revenue by {dimension}" + (" (click bars to filter the page)" if select else ""),
        tooltip=tips + (["growth"] if "growth" in shown.columns else []),
        select=select,
        category_title=dimension,
    )


def top_products_bars(top: pl.DataFrame, n: int) -> alt.Chart:
    """The best-selling products of each category (core.sales.top_products), coloured by it."""
    return charts.bar(
        top,
        "product",
        "revenue",
        color="category",
        tooltip=["category", "rank", "product", "revenue", "orders", "share"],
        title=f"Top {n} products per category",
    )


CURVE_POINTS = 2_000  # a Pareto curve of more entities is drawn through this many of them


def curve_rows(table: pl.DataFrame) -> pl.DataFrame:
    """A Pareto table thinned for its curve when it holds over five times CURVE_POINTS entities:
    a line through 2,000 evenly spaced ranks and the last one looks the same as through a
    million, which the browser would have to receive and draw (the table shown under the chart
    keeps every entity)."""
    n = table.height
    if n <= 5 * CURVE_POINTS:
        return table
    step = -(-n // CURVE_POINTS)
    rows = table.with_row_index("_i").filter((pl.col("_i") % step == 0) | (pl.col("_i") == n - 1))
    return rows.drop("_i")


def pareto_chart(p: Pareto) -> alt.LayerChart:
    """The Pareto curve of a core.sales.pareto result (through curve_rows of its table)."""
    return charts.pareto_curve(
        curve_rows(p.table), entity=p.noun, title=f"Pareto curve of {p.noun}"
    )


def bridge_waterfall(bridge: Bridge) -> alt.LayerChart:
    """The revenue bridge of two periods as a waterfall."""
    return charts.waterfall(
        bridge.steps(),
        title=f"Revenue bridge: {bridge.period_a.label()} → {bridge.period_b.label()}",
    )


def contribution_bars(rows: pl.DataFrame, dimension: str) -> alt.Chart:
    """Each value's part in the change, in percentage points (core.sales.top_contributions)."""
    return charts.signed_bar(
        rows,
        "value",
        "points",
        y_format="+.1f",
        title=f"Contribution to the change by {dimension} (percentage points)",
        tooltip=["value", "revenue_a", "revenue_b", "change", "points", "driver"],
    )


def status_bars(table: pl.DataFrame) -> alt.Chart:
    """Revenue by shipping status (core.sales.status_breakdown)."""
    return charts.bar(
        table,
        "status",
        "revenue",
        title="Revenue by shipping status",
        tooltip=["status", "revenue", "orders", "lines", "share"],
    )


def return_rate_bars(table: pl.DataFrame, dimension: str = "category") -> alt.Chart:
    """Return rate per value of `dimension` (core.sales.returns_by)."""
    return charts.bar(
        table,
        "value",
        "return_rate",
        title=f"Return rate by {dimension}",
        value_format=charts.PCT,
        category_title=dimension,
        tooltip=["value", "revenue", "returned_revenue", "return_rate"],
    )


def returned_revenue_bars(
    table: pl.DataFrame, dimension: str = "product", *, limit: int = RETURNED_PRODUCT_BARS
) -> alt.Chart:
    """Returned revenue per value of `dimension` (core.sales.returns_by), the `limit` largest."""
    return charts.bar(
        table.head(limit),
        "value",
        "returned_revenue",
        title=f"Returned revenue by {dimension} ({limit} largest)",
        category_title=dimension,
        tooltip=["value", "revenue", "returned_revenue", "return_rate", "returned_orders"],
    )
