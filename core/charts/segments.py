"""Altair charts of the Customers & segments page: the RFM segment map, customers-vs-revenue share
bars, per-group value bars in a fixed order, the orders-per-customer and time-to-second-order
histograms, the difference-with-confidence-interval chart and one customer's revenue history.

Each builder is a pure function of a polars frame (from core.segments) returning an Altair chart;
the shared bar builder of core.charts is reused where it fits. No streamlit here.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from core import charts

SEGMENT_COLORS: dict[str, str] = {
    "Champions": "#1B5E20",
    "Loyal": "#388E3C",
    "Potential Loyalist": "#81C784",
    "New Customers": "#00897B",
    "Promising": "#80CBC4",
    "Need Attention": "#FDD835",
    "About To Sleep": "#FFB74D",
    "At Risk": "#EF6C00",
    "Cannot Lose Them": "#C62828",
    "Hibernating": "#A1887F",
    "Lost": "#9E9E9E",
}
# segments whose colour is dark enough for white text
DARK = ("Champions", "Loyal", "New Customers", "At Risk", "Cannot Lose Them")
SEGMENT_SCALE = alt.Scale(domain=list(SEGMENT_COLORS), range=list(SEGMENT_COLORS.values()))
SHARE_LABELS = {"customer_share": "share of customers", "revenue_share": "share of revenue"}
SHARE_SCALE = alt.Scale(domain=list(SHARE_LABELS.values()), range=["#90A4AE", "#4F46E5"])
ACCENT = "#4F46E5"
TEAL = "#00897B"


def share_bars(df: pl.DataFrame, category: str, order: list[str], title: str) -> alt.Chart:
    """Share of customers next to share of revenue for each group (grouped horizontal bars).

    `df` has `category`, customer_share and revenue_share (core.segments.segment_summary)."""
    label = " : ".join(f"datum.measure == '{k}' ? '{v}'" for k, v in SHARE_LABELS.items())
    return (
        alt.Chart(df.select(category, *SHARE_LABELS), title=title)
        .transform_fold(list(SHARE_LABELS), as_=["measure", "share"])
        .transform_calculate(measure=f"{label} : datum.measure")
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", sort=order, title=None, axis=alt.Axis(labelLimit=200)),
            yOffset=alt.YOffset("measure:N"),
            x=alt.X("share:Q", axis=alt.Axis(format="%"), title=None),
            color=alt.Color(
                "measure:N", scale=SHARE_SCALE, legend=alt.Legend(orient="top", title=None)
            ),
            tooltip=[
                alt.Tooltip(f"{category}:N"),
                alt.Tooltip("measure:N"),
                alt.Tooltip("share:Q", format=charts.PCT),
            ],
        )
        .properties(height=max(160, 34 * df.height))
    )


def segment_map(cells: pl.DataFrame) -> alt.LayerChart:
    """The R x FM grid coloured by segment, each cell with its segment name and customers.
    The labels fit the cells at any width (a phone's 390 px included): cut to the cell's width
    with an ellipsis, smaller below 70 px a cell, the count without "customers" below 90 px.

    `cells` is core.segments.segment_cells: r, fm, rfm_segment, customers, shares, revenue."""
    cell = f"(width / {max(cells['r'].n_unique(), 1)})"  # a cell's width (the chart's signal)
    base = alt.Chart(cells, title="Segment map (R × FM)").encode(
        x=alt.X("r:O", title="R score (5 = bought most recently)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("fm:O", title="FM score (5 = buys most often, spends most)", sort="descending"),
    )
    rect = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("rfm_segment:N", scale=SEGMENT_SCALE, legend=None),
        tooltip=[
            alt.Tooltip("rfm_segment:N", title="segment"),
            alt.Tooltip("r:O", title="R"),
            alt.Tooltip("fm:O", title="FM"),
            alt.Tooltip("customers:Q", format=","),
            alt.Tooltip("customer_share:Q", format=charts.PCT),
            alt.Tooltip("revenue:Q", format=charts.MONEY),
            alt.Tooltip("revenue_share:Q", format=charts.PCT),
        ],
    )
    dark = " || ".join(f"datum.rfm_segment == '{s}'" for s in DARK)
    # channel objects, not shorthand text or dicts: Altair resolves those against its schema
    # (milliseconds each, on every chart drawn)
    text_color = alt.ColorValue(**alt.condition(dark, alt.value("white"), alt.value("#1f1f1f")))
    fits = {
        "limit": alt.ExprRef(f"{cell} - 6"),
        "fontSize": alt.ExprRef(f"{cell} < 70 ? 9 : 11"),
    }
    name = base.mark_text(dy=-8, fontWeight="bold", **fits).encode(
        text=alt.Text("rfm_segment:N"), color=text_color
    )
    count = (
        base.transform_calculate(
            label=f"format(datum.customers, ',') + ({cell} < 90 ? '' : ' customers')"
        )
        .mark_text(dy=9, **fits)
        .encode(text=alt.Text("label:N"), color=text_color)
    )
    return alt.layer(rect, name, count).properties(height=420)


def _ordered_bars(
    df: pl.DataFrame,
    category: str,
    value: str,
    order: list[str],
    *,
    title: str,
    tooltip: list[str],
    value_title: str,
    category_title: str,
) -> alt.Chart:
    """core.charts.bar with the groups in their natural `order` (not by value); RFM segments get
    their segment colours."""
    chart = charts.bar(
        df,
        category,
        value,
        title=title,
        tooltip=tooltip,
        value_title=value_title,
        category_title=category_title,
        sort_by_value=False,
    ).encode(y=alt.Y(f"{category}:N", sort=order, title=None, axis=alt.Axis(labelLimit=200)))
    if category == "rfm_segment":
        chart = chart.encode(color=alt.Color(f"{category}:N", scale=SEGMENT_SCALE, legend=None))
    return chart


def per_customer_bars(
    summary: pl.DataFrame, category: str, order: list[str], title: str, category_title: str
) -> alt.Chart:
    """Revenue per customer of each group in `order` (a core.segments.segment_summary frame)."""
    return _ordered_bars(
        summary,
        category,
        "revenue_per_customer",
        order,
        title=title,
        tooltip=[category, "customers", "revenue_per_customer", "aov", "repeat_rate"],
        value_title="revenue per customer",
        category_title=category_title,
    )


def aov_bars(
    summary: pl.DataFrame, category: str, order: list[str], title: str, category_title: str
) -> alt.Chart:
    """Average order value of each group in `order` (a core.segments.segment_summary frame)."""
    return _ordered_bars(
        summary,
        category,
        "aov",
        order,
        title=title,
        tooltip=[category, "aov", "orders", "customers"],
        value_title="AOV",
        category_title=category_title,
    )


def orders_histogram(dist: pl.DataFrame) -> alt.Chart:
    """Customers by number of orders (core.segments.orders_distribution: orders, customers,
    share, revenue_share), the last bar being the capped "10+"."""
    return (
        alt.Chart(dist, title="Customers by number of orders")
        .mark_bar(color=ACCENT)
        .encode(
            x=alt.X("orders:N", sort=dist["orders"].to_list(), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("customers:Q", title="customers"),
            tooltip=[
                alt.Tooltip("orders:N"),
                alt.Tooltip("customers:Q", format=","),
                alt.Tooltip("share:Q", format=charts.PCT),
                alt.Tooltip("revenue_share:Q", format=charts.PCT, title="share of revenue"),
            ],
        )
        .properties(height=280)
    )


def second_order_histogram(buckets: pl.DataFrame) -> alt.Chart:
    """Customers by days from the first to the second order (core.segments.second_order_buckets:
    bucket, customers, share, cumulative_share)."""
    return (
        alt.Chart(buckets, title="Days from the first to the second order")
        .mark_bar(color=TEAL)
        .encode(
            x=alt.X(
                "bucket:N",
                sort=buckets["bucket"].to_list(),
                title=None,
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("customers:Q"),
            tooltip=[
                alt.Tooltip("bucket:N"),
                alt.Tooltip("customers:Q", format=","),
                alt.Tooltip("share:Q", format=charts.PCT),
                alt.Tooltip("cumulative_share:Q", format=charts.PCT),
            ],
        )
        .properties(height=260)
    )


def difference_ci(frame: pl.DataFrame, title: str, fmt: str) -> alt.LayerChart:
    """A difference as a point with its confidence interval as a bar, and the zero line.

    `frame` has measure, difference, ci_low, ci_high, p_value (GroupComparison.to_frame rows)."""
    base = alt.Chart(frame, title=title)
    rule = base.mark_rule(strokeWidth=3, color=ACCENT).encode(
        x=alt.X("ci_low:Q", title="difference (95% CI)", axis=alt.Axis(format=fmt)),
        x2=alt.X2("ci_high:Q"),
        y=alt.Y("measure:N", title=None),
    )
    point = base.mark_point(filled=True, size=120, color=ACCENT).encode(
        x=alt.X("difference:Q"),
        y=alt.Y("measure:N"),
        tooltip=[
            alt.Tooltip("measure:N"),
            alt.Tooltip("difference:Q", format=fmt),
            alt.Tooltip("ci_low:Q", format=fmt),
            alt.Tooltip("ci_high:Q", format=fmt),
            alt.Tooltip("p_value:Q", format=".4f"),
        ],
    )
    zero = alt.Chart(pl.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(x=alt.X("x:Q"))
    return alt.layer(rule, point, zero).properties(height=90)


def revenue_history(timeline: pl.DataFrame) -> alt.Chart:
    """One customer's cumulative revenue as a step line with a point per order date
    (core.segments.customer_timeline: order_date, revenue, cumulative_revenue)."""
    return (
        alt.Chart(timeline, title="Cumulative revenue")
        .mark_line(point=True, interpolate="step-after", color=ACCENT)
        .encode(
            x=alt.X("order_date:T", title=None, axis=alt.Axis(format="%b %Y")),
            y=alt.Y("cumulative_revenue:Q", title="revenue to date"),
            tooltip=[
                alt.Tooltip("order_date:T"),
                alt.Tooltip("revenue:Q", format=",.2f", title="spent that day"),
                alt.Tooltip("cumulative_revenue:Q", format=",.2f"),
            ],
        )
        .properties(height=220)
    )


def top_items(items: pl.DataFrame, item: str, group: str) -> alt.Chart:
    """Revenue of the top products (or categories) one group buys, largest first
    (core.segments.top_items: item, revenue, customers, share_of_group)."""
    return charts.bar(
        items,
        item,
        "revenue",
        title=f"Top {item}s of {group} customers",
        tooltip=[item, "revenue", "customers", "share_of_group"],
        value_title="revenue",
        category_title=item,
    )
