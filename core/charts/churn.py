"""Charts of the Churn & retention page: inactivity bars, the recency histogram by status,
period retention, the cohort heatmap and average curve, and the BG/NBD fit checks.

Each builder is a pure function of a frame made by core.churn, core.cohorts or core.clv (and a
few options) that returns an Altair chart with tooltips on every mark. Statuses are drawn by
their labels (Active / At risk / Churned: core.churn.STATUS_LABELS). No streamlit here.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from core import cohorts
from core.charts import COUNT, MONEY, PCT, bar
from core.churn import RETENTION_MEASURES
from core.clv import FIT_SERIES
from core.model.status import STATUS_LABELS, STATUSES

STATUS_COLORS = alt.Scale(
    domain=[STATUS_LABELS[s] for s in STATUSES], range=["#16A34A", "#F59E0B", "#DC2626"]
)
RETENTION_COLORS = alt.Scale(domain=list(RETENTION_MEASURES.values()), range=["#16A34A", "#DC2626"])
FIT_COLORS = alt.Scale(domain=list(FIT_SERIES.values()), range=["#4F46E5", "#F59E0B"])
NO_TILT = alt.Axis(labelAngle=0)
TOP_LEGEND = alt.Legend(orient="top")

_INACTIVITY = {
    "customers": ("Customers", "#4F46E5", COUNT),
    "revenue_365d": ("Revenue in the last 365 days", "#0EA5E9", MONEY),
}


def inactivity_bars(buckets: pl.DataFrame, measure: str = "customers") -> alt.Chart:
    """Bars of customers or revenue_365d per inactivity bucket (core.churn.inactivity_buckets),
    buckets in their natural order (0-30 days first)."""
    if measure not in _INACTIVITY:
        raise ValueError(f"measure must be one of {', '.join(_INACTIVITY)}, got {measure!r}")
    title, color, fmt = _INACTIVITY[measure]
    chart = bar(
        buckets,
        "bucket",
        measure,
        title=title,
        horizontal=False,
        sort_by_value=False,
        value_format=fmt,
        value_title=title,
        category_title="Days since last order",
        height=280,
        tooltip=[
            alt.Tooltip("bucket:N", title="Days since last order"),
            alt.Tooltip("customers:Q", title="Customers", format=","),
            alt.Tooltip("share:Q", title="Share of customers", format=PCT),
            alt.Tooltip("revenue_365d:Q", title="Revenue, last 365 days", format=MONEY),
            alt.Tooltip("revenue:Q", title="Revenue, lifetime", format=MONEY),
        ],
    )
    return chart.mark_bar(color=color).encode(
        x=alt.X("bucket:N", sort=None, title="Days since last order", axis=NO_TILT)
    )


def recency_histogram(
    distribution: pl.DataFrame, churn_days: int, at_risk_days: int
) -> alt.LayerChart:
    """Stacked histogram of days since last order coloured by status label
    (core.churn.recency_distribution + with_status_labels), with dashed rules at the two
    thresholds. Zooms and pans along x."""
    bars = (
        alt.Chart(distribution)
        .mark_bar()
        .encode(
            x=alt.X("bin_start:Q", bin="binned", title="Days since last order"),
            x2="bin_end:Q",
            y=alt.Y("customers:Q", title="Customers", stack=True),
            color=alt.Color("status:N", scale=STATUS_COLORS, title="Status", legend=TOP_LEGEND),
            tooltip=[
                alt.Tooltip("bin_start:Q", title="From day"),
                alt.Tooltip("bin_end:Q", title="To day (excl.)"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("customers:Q", title="Customers", format=","),
            ],
        )
    )
    thresholds = pl.DataFrame(
        {
            "days": [at_risk_days, churn_days],
            "line": [f"at risk after {at_risk_days} days", f"churned after {churn_days} days"],
        }
    )
    rules = (
        alt.Chart(thresholds)
        .mark_rule(strokeDash=[4, 4], color="#111827")
        .encode(x="days:Q", tooltip=[alt.Tooltip("line:N", title="Threshold")])
    )
    return alt.layer(bars, rules).properties(height=300).interactive(bind_y=False)


def retention_trend(long: pl.DataFrame, period: str = "month") -> alt.Chart:
    """Retention (green) and churn (red) per period (core.churn.retention_long); partial
    periods drawn lighter."""
    return (
        alt.Chart(long)
        .mark_line(point=alt.OverlayMarkDef(size=50, filled=True))
        .encode(
            x=alt.X(
                "period:T",
                title=None,
                axis=alt.Axis(format="%b %Y" if period == "month" else "%Y"),
            ),
            y=alt.Y("rate:Q", title="Share of last period's customers", axis=alt.Axis(format="%")),
            color=alt.Color("measure:N", title=None, scale=RETENTION_COLORS, legend=TOP_LEGEND),
            opacity=alt.condition("datum.partial", alt.value(0.45), alt.value(1.0)),
            tooltip=[
                alt.Tooltip("label:N", title=period.capitalize()),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("rate:Q", title="Rate", format=PCT),
                alt.Tooltip("previous_customers:Q", title="Customers last period", format=","),
                alt.Tooltip("retained:Q", title="Of them ordered again", format=","),
                alt.Tooltip("partial:N", title="Partial period"),
            ],
        )
        .properties(height=360)
    )


def cohort_heatmap(
    cells: pl.DataFrame, value: str = "retention", ceiling: float | None = None
) -> alt.Chart:
    """Cohort x months-since-first-order grid coloured by `value` (retention or
    revenue_retention) from core.cohorts.cohort_retention. The colour scale stops at
    `ceiling` (default core.cohorts.color_ceiling) so month 0 does not wash out the rest."""
    top = cohorts.color_ceiling(cells, value) if ceiling is None else ceiling
    title = "Retention" if value == "retention" else "Revenue retention"
    return (
        alt.Chart(cells)
        .mark_rect()
        .encode(
            x=alt.X("age:O", title="Months since first order", axis=NO_TILT),
            y=alt.Y("cohort_label:O", title="First-order month"),
            color=alt.Color(
                f"{value}:Q",
                title=title,
                scale=alt.Scale(scheme="blues", domain=[0, top], clamp=True),
                legend=alt.Legend(format="%"),
            ),
            tooltip=[
                alt.Tooltip("cohort_label:N", title="Cohort"),
                alt.Tooltip("age:O", title="Month"),
                alt.Tooltip("cohort_size:Q", title="Cohort size", format=","),
                alt.Tooltip("active:Q", title="Customers ordering", format=","),
                alt.Tooltip("retention:Q", title="Retention", format=PCT),
                alt.Tooltip("revenue:Q", title="Revenue", format=MONEY),
                alt.Tooltip("revenue_retention:Q", title="Revenue retention", format=PCT),
            ],
        )
        .properties(height=max(260, 16 * cells["cohort_label"].n_unique()))
    )


def cohort_curve(long: pl.DataFrame, y_title: str = "Retention") -> alt.Chart:
    """The average retention curve (core.cohorts.curve_long): one line per kind of average,
    months 1+. Zooms and pans along x."""
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("age:Q", title="Months since first order", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("rate:Q", title=y_title, axis=alt.Axis(format="%")),
            color=alt.Color(
                "average:N",
                title=None,
                scale=alt.Scale(
                    domain=list(cohorts.CURVE_AVERAGES.values()), range=["#1D4ED8", "#93C5FD"]
                ),
                legend=TOP_LEGEND,
            ),
            tooltip=[
                alt.Tooltip("age:Q", title="Month"),
                alt.Tooltip("average:N", title="Average"),
                alt.Tooltip("rate:Q", title="Rate", format=PCT),
                alt.Tooltip("cohorts:Q", title="Cohorts"),
                alt.Tooltip("customers:Q", title="Customers", format=","),
            ],
        )
        .properties(height=340)
        .interactive(bind_y=False)
    )


def frequency_fit(long: pl.DataFrame) -> alt.Chart:
    """Actual vs model customers by repeat purchases, side by side
    (core.clv.frequency_histogram_long)."""
    order = long["label"].unique(maintain_order=True).to_list()
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("label:O", sort=order, title="Repeat purchases", axis=NO_TILT),
            xOffset=alt.XOffset("series:N", sort=list(FIT_SERIES.values())),
            y=alt.Y("customers:Q", title="Customers"),
            color=alt.Color("series:N", title=None, scale=FIT_COLORS, legend=TOP_LEGEND),
            tooltip=[
                alt.Tooltip("label:N", title="Repeat purchases"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("customers:Q", title="Customers", format=",.0f"),
            ],
        )
        .properties(height=280, title="Fit check: actual vs model frequency")
    )


def holdout_fit(long: pl.DataFrame, title: str = "") -> alt.Chart:
    """Mean holdout purchases, actual vs model, by repeat purchases before the cut
    (core.clv.holdout_summary_long)."""
    order = long["label"].unique(maintain_order=True).to_list()
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("label:O", sort=order, title="Repeat purchases before the cut", axis=NO_TILT),
            y=alt.Y("purchases:Q", title="Mean purchases in the holdout"),
            color=alt.Color("series:N", title=None, scale=FIT_COLORS, legend=TOP_LEGEND),
            tooltip=[
                alt.Tooltip("label:N", title="Repeat purchases before"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("purchases:Q", title="Mean purchases", format=".2f"),
                alt.Tooltip("customers:Q", title="Customers", format=","),
            ],
        )
        .properties(height=320, title=title)
    )
