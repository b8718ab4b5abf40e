"""Sales performance: KPI cards against the previous period and last year, then tabs for trends,
breakdowns (click a bar to filter the page), Pareto, the root cause of a change, and returns."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from core import charts, sales
from core.errors import InputError
from core.filters import Filters, apply_filters
from core.sales import Period
from views import state, ui

PICK_PARAM = "pick"

PERCENT = {
    "share", "growth", "yoy_growth", "margin", "return_rate", "change_pct", "yoy_pct",
    "share_of_change", "cum_share", "cum_entity_share", "share_of_returns",
}  # fmt: skip


def table(df: pl.DataFrame, name: str, *, label: str | None = None, **kwargs) -> None:
    """The figures of a chart as a table (shares as %, money with separators) + downloads."""
    config: dict = {}
    for col, dtype in df.schema.items():
        if col in PERCENT:
            config[col] = st.column_config.NumberColumn(format="percent")
        elif dtype.is_float():
            config[col] = st.column_config.NumberColumn(format="localized")
    if label:
        config["value"] = st.column_config.TextColumn(label)
    ui.table_with_download(df, name, column_config=config, **kwargs)


data = state.app_data()


# ---------------------------------------------------------------- cached core calls
@st.cache_data(show_spinner=False, max_entries=24)
def comparison(key: str, start: date, end: date, _history, _first_seen) -> sales.KpiComparison:
    return sales.compare_kpis(_history, Period(start, end), first_seen=_first_seen)


@st.cache_data(show_spinner=False, max_entries=24)
def trend(key: str, grain: str, _orders, _first_seen) -> pl.DataFrame:
    return sales.trend(_orders, grain, first_seen=_first_seen)


@st.cache_data(show_spinner=False, max_entries=24)
def breakdown(key: str, dimension: str, start: date, end: date, _history) -> pl.DataFrame:
    p = Period(start, end)
    cur, prev = sales.in_period(_history, p), sales.in_period(_history, p.previous())
    return sales.breakdown(cur, dimension, previous=prev if prev.height else None)


@st.cache_data(show_spinner="Explaining the change…", max_entries=24)
def explain(key: str, a: tuple, b: tuple, dims: tuple, _history, _fs) -> sales.ChangeExplanation:
    return sales.explain_change(_history, Period(*a), Period(*b), list(dims), first_seen=_fs)


# ---------------------------------------------------------------- what the page looks at
all_history = apply_filters(data.all_orders, Filters(values=data.filters.values))
first_seen = sales.first_orders(data.all_orders)
dimensions = sales.dimension_columns(data.orders)
rng = sales.date_range(data.orders)
presets = sales.period_presets(rng.start, rng.end)

st.title("Sales performance")
st.caption(
    f"{data.name} · orders {rng.start} to {rng.end}"
    + (" · sidebar filters on" if data.filters.active else "")
)

c1, c2 = st.columns([2, 3])
default_period = "Last full month" if "Last full month" in presets else "Whole range"
period_name = c1.selectbox(
    "Period",
    list(presets),
    index=list(presets).index(default_period),
    key="sales_period",
    help="KPI cards, breakdowns, Pareto and returns use this period; trends show the whole range.",
)
period = presets[period_name]
pick_dim = c2.selectbox(
    "Break down by",
    dimensions,
    key="sales_dim",
    help="Dimension of the Breakdowns tab. Click its bars to filter the whole page.",
)

# A click on the breakdown chart (rendered further down) filters the whole page.
pick_key = f"sales_pick_{pick_dim}_{st.session_state.get('sales_pick_n', 0)}"
picked = charts.selected_values(st.session_state.get(pick_key), PICK_PARAM, "value")
view_all = sales.in_period(data.orders, period)  # before the click filter (for the chart)
history = sales.filter_values(all_history, pick_dim, picked)
orders = sales.filter_values(data.orders, pick_dim, picked)
key = f"{data.key}|{pick_dim}={','.join(sorted(picked))}"
if picked:
    b1, b2 = st.columns([5, 1])
    b1.info(f"Filtered by your click: **{pick_dim}** = {', '.join(picked)}")
    if b2.button("Clear click filter", key="sales_clear_pick"):
        st.session_state["sales_pick_n"] = st.session_state.get("sales_pick_n", 0) + 1
        st.rerun()

# ---------------------------------------------------------------- KPI cards
cmp = comparison(key, period.start, period.end, history, first_seen)
rows = {r["metric"]: r for r in cmp.table().iter_rows(named=True)}


def _change(metric: str) -> str | None:
    r = rows.get(metric)
    if r is None:
        return None
    parts = []
    if r["kind"] == "rate":
        if r["change"] is not None:
            parts.append(f"{r['change'] * 100:+.1f} pts")
        if r["last_year"] is not None:
            parts.append(f"{(r['current'] - r['last_year']) * 100:+.1f} pts YoY")
    else:
        if r["change_pct"] is not None:
            parts.append(f"{r['change_pct']:+.1%}")
        if r["yoy_pct"] is not None:
            parts.append(f"{r['yoy_pct']:+.1%} YoY")
    return " · ".join(parts) or None


def _fmt(metric: str, value: float | None) -> str:
    kind = sales.KPI_LABELS[metric][1]
    if kind == "money":
        return ui.money(value, 2 if metric in ("aov", "revenue_per_customer") else 0)
    return ui.pct(value) if kind == "rate" else ui.num(value)


def card(metric: str, label: str | None = None, value: str | None = None, inverse=False, help=""):
    r = rows[metric]
    prev = (
        f" Previous period ({cmp.previous_period.label()}): {_fmt(metric, r['previous'])}."
        if cmp.previous
        else " No data for the previous period."
    )
    ly = (
        f" Same period last year: {_fmt(metric, r['last_year'])}."
        if cmp.last_year
        else " No data for the same period last year."
    )
    return ui.Kpi(
        label or r["label"],
        value or _fmt(metric, r["current"]),
        delta=_change(metric),
        help=help + prev + ly,
        delta_color="inverse" if inverse else "normal",
    )


cur = cmp.current
st.subheader(f"{period_name}: {period.label()}")
cards = [
    card("revenue", help="Gross revenue of all lines, any status."),
    card("net_revenue", help="Revenue without returned and cancelled lines."),
    card("orders", help="Distinct orders."),
    card(
        "customers",
        "Customers (active / total)",
        f"{ui.num(cur.customers)} / {ui.num(cur.total_customers)}",
        help="Customers who ordered in the period / all customers in the data.",
    ),
    card("aov", help="Revenue / orders."),
    card("revenue_per_customer", help="Revenue / active customers."),
    card("repeat_rate", help="Share of the period's customers with 2+ orders in it."),
    card(
        "new_customers",
        "New / returning customers",
        f"{ui.num(cur.new_customers)} / {ui.num(cur.returning_customers)}",
        help="New: first order ever in this period. Delta on new customers.",
    ),
]
if cur.profit is not None:
    cards += [card("profit", help="Revenue - cost."), card("margin", help="Profit / revenue.")]
if cur.return_rate is not None:
    cards += [
        card("return_rate", inverse=True, help="Returned revenue / revenue."),
        card("returned_revenue", inverse=True, help="Revenue of returned lines."),
    ]
ui.kpi_cards(cards)
st.caption(
    (
        f"Deltas: against the previous {period.days} days ({cmp.previous_period.label()})"
        if cmp.previous
        else "No data for the previous period of equal length: pick a shorter period for deltas"
    )
    + (
        f", and year over year ({cmp.last_year_period.label()})."
        if cmp.last_year
        else "; no data a year earlier."
    )
)
with st.expander("All KPIs with comparisons"):
    table(
        cmp.table().drop("kind"),
        "sales_kpis",
    )

tabs = st.tabs(["Trends", "Breakdowns", "Pareto", "Root cause", "Returns & status"])


# ---------------------------------------------------------------- trends
@st.fragment
def trends_tab() -> None:
    g1, g2 = st.columns(2)
    grain = g1.segmented_control(
        "Time grain", list(sales.GRAINS), default="month", key="sales_grain", required=True
    )
    measure = g2.segmented_control(
        "Measure", ["revenue", "orders", "customers"], default="revenue", key="sales_measure",
        required=True,
    )  # fmt: skip
    t = trend(key, grain, orders, first_seen)
    fmt = charts.MONEY if measure == "revenue" else ",d"
    st.altair_chart(
        charts.trend(
            t, "period", measure, title=f"{measure.title()} by {grain}", y_format=fmt,
            x_format="%b %Y" if grain in ("month", "quarter") else None,
            tooltip=["label", "revenue", "orders", "customers", "growth", "yoy_growth"],
        ),
        width="stretch",
    )  # fmt: skip
    st.caption("Triangles mark partial periods: the data does not cover all of their days.")
    left, right = st.columns(2)
    growth = t.filter(pl.col("growth").is_not_null())
    left.altair_chart(
        charts.signed_bar(
            growth,
            "label",
            "growth",
            title=f"Revenue growth vs previous {grain}",
            y_title="growth",
            tooltip=["label", "revenue", "growth", "partial"],
        ),
        width="stretch",
    )
    yoy = t.filter(pl.col("yoy_growth").is_not_null())
    if yoy.height:
        right.altair_chart(
            charts.signed_bar(
                yoy,
                "label",
                "yoy_growth",
                title="Revenue growth year over year",
                y_title="growth",
                tooltip=["label", "revenue", "yoy_growth", "partial"],
            ),
            width="stretch",
        )
    else:
        right.info("Year-over-year growth needs more than a year of data.")
    st.altair_chart(
        charts.stacked_bars(
            t,
            "label",
            {"new_revenue": "New customers", "returning_revenue": "Returning customers"},
            x_type="O",
            title=f"Revenue from new vs returning customers by {grain}",
        ),
        width="stretch",
    )
    with st.expander(f"Figures by {grain}"):
        table(
            t.drop("period", "period_end"),
            f"sales_trend_{grain}",
        )
    season = sales.seasonality(orders)
    st.altair_chart(
        charts.heatmap(
            season,
            "month_name",
            "year",
            "revenue",
            title="Seasonality: revenue by month of year",
            x_sort=["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                    "Dec"],
            tooltip=["year", "month_name", "revenue", "index", "partial"],
        ),
        width="stretch",
    )  # fmt: skip
    st.caption("Index: the month's revenue over the average complete month of its year.")
    with st.expander("Seasonality figures"):
        table(season, "sales_seasonality")


with tabs[0]:
    trends_tab()

# ---------------------------------------------------------------- breakdowns
with tabs[1]:
    bd_all = breakdown(f"{data.key}|all", pick_dim, period.start, period.end, all_history)
    shown = bd_all.head(30)
    event = st.altair_chart(
        charts.bar(
            shown,
            "value",
            "revenue",
            title=f"Revenue by {pick_dim} (click bars to filter the page)",
            tooltip=["value", "revenue", "orders", "customers", "aov", "share"]
            + (["growth"] if "growth" in shown.columns else []),
            select=PICK_PARAM,
            category_title=pick_dim,
        ),
        width="stretch",
        on_select="rerun",
        selection_mode=PICK_PARAM,
        key=pick_key,
    )
    if bd_all.height > shown.height:
        st.caption(f"The 30 largest of {bd_all.height} values; all are in the table.")
    st.caption(
        f"Growth compares with the previous period of equal length ({period.previous().label()})."
    )
    table(
        bd_all.drop("below_median", "declining"),
        f"sales_by_{pick_dim}",
        label=pick_dim,
    )
    weak = sales.underperformers(bd_all)
    if weak.height:
        st.warning(
            f"**Underperformers by {pick_dim}** (declining, or below the median value's revenue): "
            + "; ".join(f"{v} ({n})" for v, n in zip(weak["value"].head(8), weak["note"].head(8)))
        )
    if sales.has_column(orders, "category") and sales.has_column(orders, "product"):
        st.subheader("Top products in each category")
        n = st.slider("Products per category", 1, 10, 3, key="sales_topn")
        top = sales.top_products(sales.in_period(orders, period), n)
        st.altair_chart(
            charts.bar(
                top, "product", "revenue", color="category",
                tooltip=["category", "rank", "product", "revenue", "orders", "share"],
                title=f"Top {n} products per category",
            ),
            width="stretch",
        )  # fmt: skip
        table(top, "sales_top_products")

# ---------------------------------------------------------------- Pareto
with tabs[2]:
    in_period = sales.in_period(orders, period)
    targets = [("customer_id", "customers")]
    if sales.has_column(orders, "product"):
        targets.append(("product", "products"))
    for col, (by, noun) in zip(st.columns(len(targets)), targets):
        with col:
            p = sales.pareto(in_period, by)
            st.markdown(f"**Revenue concentration: {noun}**")
            (st.warning if p.risk == "high" else st.info)(p.statement())
            st.altair_chart(
                charts.pareto_curve(p.table, entity=noun, title=f"Pareto curve of {noun}"),
                width="stretch",
            )
            table(
                p.table.rename({"key": by}),
                f"sales_pareto_{noun}",
                key=f"pareto_{noun}",
                height=260,
            )


# ---------------------------------------------------------------- root cause
@st.fragment
def root_cause_tab() -> None:
    st.markdown(
        "Split a change of revenue into **customers × orders per customer × average order "
        "value** (log-mean Divisia bridge: the three effects add up to the change), then see "
        "which regions, categories and products drove it."
    )
    mode = st.segmented_control(
        "Compare the period with",
        ["Previous period", "Same period last year", "Custom"],
        default="Previous period",
        key="sales_rc_mode",
        required=True,
    )
    b = period
    a = period.previous() if mode == "Previous period" else period.last_year()
    if mode == "Custom":
        lo, hi = sales.date_range(history).start, sales.date_range(history).end
        r1, r2 = st.columns(2)
        ra = r1.date_input("Period A", (a.start, a.end), lo, hi, key="sales_rc_a")
        rb = r2.date_input("Period B", (b.start, b.end), lo, hi, key="sales_rc_b")
        if len(ra) != 2 or len(rb) != 2:
            st.info("Pick a start and an end date for both periods.")
            return
        try:
            a, b = Period(*ra), Period(*rb)
        except InputError as exc:
            ui.show_error(exc, "These periods cannot be compared")
            return
    dims = tuple(d for d in ("region", "category", "product", "channel") if d in dimensions)
    e = explain(key, (a.start, a.end), (b.start, b.end), dims, history, first_seen)
    if e.bridge.revenue_a == 0:
        st.warning(f"No revenue in period A ({a.label()}): nothing to compare with.")
    st.info(e.summary)
    st.altair_chart(
        charts.waterfall(e.bridge.steps(), title=f"Revenue bridge: {a.label()} → {b.label()}"),
        width="stretch",
    )
    br = e.bridge
    st.caption(
        f"Customers {br.customers_a:,} → {br.customers_b:,} · orders {br.orders_a:,} → "
        f"{br.orders_b:,} · method: {br.method}."
    )
    table(e.bridge.steps(), "sales_bridge")
    for d, contrib in e.contributions.items():
        st.markdown(f"**{e.sentences[d]}**")
        top = contrib.head(15).filter(pl.col("points").is_not_null())
        if top.height:
            st.altair_chart(
                charts.signed_bar(
                    top, "value", "points", y_format="+.1f",
                    title=f"Contribution to the change by {d} (percentage points)",
                    tooltip=["value", "revenue_a", "revenue_b", "change", "points", "driver"],
                ),
                width="stretch",
            )  # fmt: skip
        with st.expander(f"Contributions by {d}"):
            table(contrib, f"sales_change_by_{d}", label=d)


with tabs[3]:
    root_cause_tab()

# ---------------------------------------------------------------- leakage
with tabs[4]:
    if not sales.has_column(orders, "status"):
        st.info("The orders have no status column, so returns and cancellations are unknown.")
    else:
        in_period = sales.in_period(orders, period)
        st_tab = sales.status_breakdown(in_period)
        left, right = st.columns(2)
        with left:
            st.altair_chart(
                charts.bar(
                    st_tab, "status", "revenue", title="Revenue by shipping status",
                    tooltip=["status", "revenue", "orders", "lines", "share"],
                ),
                width="stretch",
            )  # fmt: skip
            table(
                st_tab,
                "sales_by_status",
            )
        with right:
            if sales.has_column(in_period, "category"):
                rc = sales.returns_by(in_period, "category")
                st.altair_chart(
                    charts.bar(
                        rc, "value", "return_rate", title="Return rate by category",
                        value_format=charts.PCT, category_title="category",
                        tooltip=["value", "revenue", "returned_revenue", "return_rate"],
                    ),
                    width="stretch",
                )  # fmt: skip
                table(
                    rc,
                    "sales_returns_by_category",
                    label="category",
                )
        if sales.has_column(in_period, "product"):
            rp = sales.returns_by(in_period, "product")
            st.altair_chart(
                charts.bar(
                    rp.head(20), "value", "returned_revenue",
                    title="Returned revenue by product (20 largest)", category_title="product",
                    tooltip=["value", "revenue", "returned_revenue", "return_rate",
                             "returned_orders"],
                ),
                width="stretch",
            )  # fmt: skip
            table(
                rp,
                "sales_returns_by_product",
                label="product",
            )
