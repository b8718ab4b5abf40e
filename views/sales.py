"""Sales performance: KPI cards against the previous period and last year, then tabs for trends,
breakdowns (click a bar to filter the page), Pareto, the root cause of a change, and returns.

Only the open tab is drawn (switching tabs reruns the page: widgets.tabs), so a filter change
computes and draws the figures in view; a closed tab draws its controls only (their choices stay
in the URL), and its tables still go into the page's workbook, built when it is downloaded
(downloads.register_later). Every figure comes from core.sales, every chart from
core.charts.sales.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial

import polars as pl
import streamlit as st

from core import charts, sales
from core.charts import sales as sales_charts
from core.errors import InputError
from core.glossary import define
from core.sales import Period
from views import downloads, state, tables, ui, widgets
from views import sales_figures as fig

PICK_PARAM = "pick"
PICKED = "sales_picked"  # (the chart's key, the values picked): a click filter kept
# revenue changes are money totals (ui.table reads a bare "change" as a plain number: the KPI table
# mixes money, counts and rates in its rows); "points" are percentage points
REVENUE_CHANGE = dict.fromkeys(["change", "new_change", "returning_change"], "money")
POINTS = {"points": "%+.1f"}
COMPARE_WITH = {"Previous period": "previous", "Same period last year": "last_year"}


# ---------------------------------------------------------------- widget helpers
def chart(spec, download_key: str, *, hidden: bool = True, **kwargs):
    """A chart at full width with its PNG/SVG downloads, their buttons keyed by `download_key`
    (one per chart of the page: the spec is not hashed for a key on every run); `hidden` ones
    (tabs closed at page load) are fitted to width."""
    return ui.chart(spec, fit=hidden, download_key=download_key, **kwargs)


def fmt(metric: str, value: float | None) -> str:
    kind = sales.KPI_LABELS[metric][1]
    if kind == "money":
        return ui.money(value, 2 if metric in ("aov", "revenue_per_customer") else 0)
    return ui.pct(value) if kind == "rate" else ui.num(value)


def card(cmp: sales.KpiComparison, metric: str, label=None, value=None, inverse=False, help=""):
    """A KPI card with its change; the help says the figures it is compared with."""
    prev, ly = cmp.previous, cmp.last_year
    before = (
        f" Previous period ({cmp.previous_period.label()}): {fmt(metric, getattr(prev, metric))}."
        if prev
        else " No data for the previous period."
    )
    year = (
        f" Same period last year: {fmt(metric, getattr(ly, metric))}."
        if ly
        else " No data for the same period last year."
    )
    now = getattr(cmp.current, metric)
    changes = [
        now - getattr(base, metric)
        for base in (prev, ly)
        if base is not None and now is not None and getattr(base, metric) is not None
    ]
    mixed = any(c > 0 for c in changes) and any(c < 0 for c in changes)
    return ui.Kpi(
        label or sales.KPI_LABELS[metric][0],
        value or fmt(metric, now),
        delta=cmp.delta(metric),
        help=help
        + before
        + year
        + (" The two changes point different ways, so the pill stays grey." if mixed else ""),
        # one pill, one colour: grey when the two comparisons disagree
        delta_color="off" if mixed else "inverse" if inverse else "normal",
    )


def undated_page() -> None:
    """A file without order dates: the whole file's KPIs, breakdowns and top products."""
    st.title("Sales performance")
    st.caption(f"{data.name} · the whole file (no order dates)")
    st.info(
        "Trends, periods, comparisons and the root cause of a change need an order date, and "
        "this file has none: the KPIs and breakdowns below cover the whole file.",
        icon=":material/event_busy:",
    )
    k = sales.kpis(data.orders)
    names = ["revenue", "net_revenue", "orders", "customers", "aov", "revenue_per_customer"]
    names += ["repeat_rate"] + (["profit", "margin"] if k.profit is not None else [])
    label = {m: sales.KPI_LABELS[m][0] for m in names} | {"customers": "Customers"}
    ui.kpi_cards([ui.Kpi(label[m], fmt(m, getattr(k, m))) for m in names])
    dims = sales.dimension_columns(data.orders)
    if not dims:
        st.info("Breakdowns need a column such as region, category, product or channel.")
        return
    dim = st.selectbox("Break down by", dims, **widgets.keep("sales_dim"))
    bd = sales.breakdown(data.orders, dim)
    if bd.height > 1:
        chart(sales_charts.breakdown_bars(bd, dim), f"sales_by_{dim}", hidden=False)
    else:
        st.info(f"Every order has the same {dim}, so there is nothing to compare.")
    ui.table(sales.breakdown_figures(bd), f"sales_by_{dim}", labels={"value": tables.readable(dim)})
    if sales.has_column(data.orders, "category") and sales.has_column(data.orders, "product"):
        st.subheader("Top products in each category")
        n = st.slider("Products per category", 1, 10, 3, **widgets.keep("sales_topn"))
        top = sales.top_products(data.orders, n)
        chart(sales_charts.top_products_bars(top, n), "sales_top_products", hidden=False)
        ui.table(top, "sales_top_products")


data = state.app_data()
if not data.has_dates:
    undated_page()
    downloads.tables_workbook("sales_tables")
    st.stop()


# ---------------------------------------------------------------- a click on a breakdown bar
def _remember_pick(pick_key: str) -> None:
    """on_select of the breakdown chart: keep the values the click picked (the chart's own
    state goes when its tab is closed or another page is shown)."""
    event = st.session_state.get(pick_key)
    st.session_state[PICKED] = (pick_key, charts.selected_values(event, PICK_PARAM, "value"))


def _click_filter(pick_key: str, dim: str | None) -> list[str]:
    """The values picked by the last click on the breakdown chart drawn under `pick_key`;
    another dimension or "Clear click filter" (another pick_key) drops them."""
    kept = st.session_state.get(PICKED)
    if kept is None or kept[0] != pick_key or dim is None:
        st.session_state.pop(PICKED, None)
        return []
    return kept[1]


# ---------------------------------------------------------------- what the page looks at
first_seen = fig.first_seen(data.dataset_key, data.all_orders)
all_history = (  # the same lines as data.orders unless the sidebar filters dates
    fig.history_without_dates(data.orders_key, data.all_orders, data.filters)
    if data.filters.start or data.filters.end
    else data.orders
)
dimensions = sales.dimension_columns(data.orders)
rng = sales.date_range(data.orders)
presets = sales.period_presets(rng.start, rng.end)

st.title("Sales performance")
st.caption(
    f"{data.name} · orders {rng.start} to {rng.end}"
    + (" · sidebar filters on" if data.filters.active else "")
)

c1, c2 = st.columns([2, 3])
period_name = c1.selectbox(
    "Period",
    list(presets),
    index=list(presets).index(sales.default_preset(presets)),
    **widgets.keep("sales_period"),
    help="KPI cards, breakdowns, Pareto and returns use this period; trends show the whole range.",
)
period = presets[period_name]
pick_dim = c2.selectbox(
    "Break down by",
    dimensions,
    **widgets.keep("sales_dim"),
    help="Dimension of the Breakdowns tab. Click its bars to filter the whole page.",
)

# A click on the breakdown chart (drawn in the Breakdowns tab) filters the whole page.
pick_key = f"sales_pick_{pick_dim}_{st.session_state.get('sales_pick_n', 0)}"
picked = _click_filter(pick_key, pick_dim)
history = sales.filter_values(all_history, pick_dim, picked)
orders = sales.filter_values(data.orders, pick_dim, picked)
# a click filters by the breakdown's dimension: without one, choosing another dimension to break
# down by changes nothing the cards, trends or root cause show
key = f"{data.orders_key}|{pick_dim}={','.join(sorted(picked))}" if picked else data.orders_key
if picked:
    b1, b2 = st.columns([5, 1])
    b1.info(f"Filtered by your click: **{pick_dim}** = {', '.join(picked)}")
    if b2.button("Clear click filter", key="sales_clear_pick"):
        st.session_state["sales_pick_n"] = st.session_state.get("sales_pick_n", 0) + 1
        st.rerun()


def period_lines() -> pl.DataFrame:
    """The lines of the chosen period (cached: several tabs read them)."""
    return fig.period_lines(key, period.start, period.end, orders)


# the same lines for the closed tabs' workbook sheets, built once when it is downloaded
lines_later = cache(partial(sales.in_period, orders, period))
has_products = sales.has_column(orders, "category") and sales.has_column(orders, "product")


# ---------------------------------------------------------------- KPI cards
cmp = fig.comparison(key, period.start, period.end, history, first_seen, data.all_orders.height)
cur = cmp.current
st.subheader(f"{period_name}: {period.label()}")
cards = [
    card(cmp, "revenue", help="Gross revenue of all lines, any status."),
    card(cmp, "net_revenue", help="Revenue without returned and cancelled lines."),
    card(cmp, "orders", help="Distinct orders."),
    card(
        cmp,
        "customers",
        "Customers (active / total)",
        f"{ui.num(cur.customers)} / {ui.num(cur.total_customers)}",
        help="Customers who ordered in the period / all customers in the data.",
    ),
    card(cmp, "aov", help="Revenue / orders."),
    card(cmp, "revenue_per_customer", help="Revenue / active customers."),
    card(cmp, "repeat_rate", help="Share of the period's customers with 2+ orders in it."),
    card(
        cmp,
        "new_customers",
        "New / returning customers",
        f"{ui.num(cur.new_customers)} / {ui.num(cur.returning_customers)}",
        help="New: first order ever in this period. Delta on new customers.",
    ),
]
if cur.profit is not None:
    cards += [
        card(cmp, "profit", help="Revenue - cost, over the lines that have a cost."),
        card(cmp, "margin", help="Profit / revenue of the lines that have a cost."),
    ]
if cur.return_rate is not None:
    cards += [
        card(cmp, "return_rate", inverse=True, help="Returned revenue / revenue."),
        card(cmp, "returned_revenue", inverse=True, help="Revenue of returned lines."),
    ]
ui.kpi_cards(cards)
st.caption(cmp.basis())
with st.expander("All KPIs with comparisons"):
    ui.table(cmp.figures(), "sales_kpis", formats=POINTS)
    st.caption("Rates are in %, so their change is in percentage points.")

tab_trends, tab_breakdowns, tab_pareto, tab_root_cause, tab_returns = widgets.tabs(
    ["Trends", "Breakdowns", "Pareto", "Root cause", "Returns & status"], "sales_tab"
)


# ---------------------------------------------------------------- trends
# A closed tab still draws its controls (cheap): their choices stay in the URL and its workbook
# sheets follow them.
def trends_controls() -> tuple[str, str]:
    """The time grain and the measure."""
    g1, g2 = st.columns(2)
    grain = g1.segmented_control(
        "Time grain",
        list(sales.GRAINS),
        default="month",
        **widgets.keep("sales_grain"),
        required=True,
    )
    measure = g2.segmented_control(
        "Measure", list(sales_charts.MEASURES), default="revenue", **widgets.keep("sales_measure"),
        required=True,
    )  # fmt: skip
    return grain, measure


@st.fragment
def trends_tab() -> None:
    grain, measure = trends_controls()
    t = fig.trend(key, grain, orders, first_seen)
    if t.height < 2:
        st.info(f"The orders fall in one {grain} only: a trend needs two or more.")
        return
    chart(sales_charts.measure_trend(t, grain, measure), "sales_trend", hidden=False)
    st.caption("Triangles mark partial periods: the data does not cover all of their days.")
    left, right = st.columns(2)
    with left:
        chart(sales_charts.growth_bars(sales.growth_rows(t), grain), "sales_growth", hidden=False)
    yoy = sales.growth_rows(t, "yoy_growth")
    with right:
        if yoy.height:
            chart(sales_charts.growth_bars(yoy, grain, "yoy_growth"), "sales_yoy", hidden=False)
        else:
            st.info("Year-over-year growth needs more than a year of data.")
    chart(sales_charts.new_vs_returning(t, grain), "sales_new_returning", hidden=False)
    with st.expander(f"Figures by {grain}"):
        ui.table(
            sales.trend_figures(t),
            f"sales_trend_{grain}",
            labels={"label": tables.readable(grain)},
            formats=REVENUE_CHANGE,
        )
    season = fig.seasonality(key, orders, first_seen)
    chart(sales_charts.seasonality_heatmap(season), "sales_seasonality", hidden=False)
    st.caption("Index: the month's revenue over the average complete month of its year.")
    with st.expander("Seasonality figures"):
        ui.table(season, "sales_seasonality", hide=["month"])  # month_name says it


def trends_sheets(orders: pl.DataFrame, first_seen: pl.DataFrame, grain: str) -> dict:
    """The Trends tab's tables for the workbook (None where the tab shows a note instead)."""
    t = cache(partial(sales.trend, orders, grain, first_seen=first_seen))
    month = (
        t
        if grain == "month"
        else cache(partial(sales.trend, orders, "month", first_seen=first_seen))
    )

    def drawn(make: Callable[[], pl.DataFrame]) -> Callable[[], pl.DataFrame | None]:
        return lambda: None if t().height < 2 else make()

    return {
        f"sales_trend_{grain}": drawn(lambda: sales.trend_figures(t())),
        "sales_seasonality": drawn(lambda: sales.seasonality_of(month())),
    }


if widgets.is_open(tab_trends):
    with tab_trends:
        trends_tab()
else:
    with tab_trends:
        grain, _ = trends_controls()
    for name, make in trends_sheets(orders, first_seen, grain).items():
        downloads.register_later(name, make)


# ---------------------------------------------------------------- breakdowns
def top_n_control() -> int:
    return st.slider("Products per category", 1, 10, 3, **widgets.keep("sales_topn"))


def breakdowns_tab() -> None:
    if pick_dim is None:  # the file has no dimension column
        st.info(
            "Breakdowns need a column such as region, category, product, channel or status. "
            "This file has none mapped: map one on the Data page."
        )
        st.page_link("views/data.py", label="Open the column mapping", icon=":material/tune:")
        return
    bd_all = fig.breakdown(
        f"{data.orders_key}|all", pick_dim, period.start, period.end, all_history
    )
    if bd_all.height < 2:
        st.info(f"Every order in this period has the same {pick_dim}: nothing to compare.")
    else:
        chart(
            sales_charts.breakdown_bars(bd_all, pick_dim, select=PICK_PARAM),
            f"sales_by_{pick_dim}",
            on_select=lambda: _remember_pick(pick_key),
            selection_mode=PICK_PARAM,
            key=pick_key,
        )
    if bd_all.height > sales_charts.BREAKDOWN_BARS:
        st.caption(
            f"The {sales_charts.BREAKDOWN_BARS} largest of {bd_all.height} values; "
            "all are in the table."
        )
    st.caption(
        f"Growth compares with the previous period of equal length ({period.previous().label()})."
    )
    ui.table(
        sales.breakdown_figures(bd_all),
        f"sales_by_{pick_dim}",
        labels={"value": tables.readable(pick_dim)},
        formats=REVENUE_CHANGE,
    )
    weak = sales.describe_underperformers(bd_all, pick_dim)
    if weak:
        st.warning(weak)
    if has_products:
        st.subheader("Top products in each category")
        n = top_n_control()
        top = fig.top_products(key, period.start, period.end, n, period_lines())
        chart(sales_charts.top_products_bars(top, n), "sales_top_products")
        ui.table(top, "sales_top_products")


def breakdowns_sheets(
    history: pl.DataFrame, period: Period, dim: str, lines: Callable | None, n: int
) -> dict:
    """The Breakdowns tab's tables for the workbook (top products from `lines` when given)."""
    sheets = {
        f"sales_by_{dim}": lambda: sales.breakdown_figures(
            sales.period_breakdown(history, dim, period)
        )
    }
    if lines is not None:
        sheets["sales_top_products"] = lambda: sales.top_products(lines(), n)
    return sheets


if widgets.is_open(tab_breakdowns):
    with tab_breakdowns:
        breakdowns_tab()
elif pick_dim is not None:
    with tab_breakdowns:
        top_n = top_n_control() if has_products else 0
    for name, make in breakdowns_sheets(
        all_history, period, pick_dim, lines_later if has_products else None, top_n
    ).items():
        downloads.register_later(name, make)


# ---------------------------------------------------------------- Pareto
pareto_by = ["customer_id"] + (["product"] if sales.has_column(orders, "product") else [])


def pareto_tab() -> None:
    for col, by in zip(st.columns(len(pareto_by)), pareto_by):
        with col:
            p = fig.pareto(f"{key}|{period.start}|{period.end}|{by}", period_lines(), by)
            st.markdown(f"**Revenue concentration: {p.noun}**")
            (st.warning if p.risk == "high" else st.info)(p.statement())
            chart(sales_charts.pareto_chart(p), f"sales_pareto_{p.noun}")
            ui.table(
                p.named_table(),
                f"sales_pareto_{p.noun}",
                key=f"pareto_{p.noun}",
                height=260,
                labels={"cum_entity_share": f"Cumulative share of {p.noun}"},
            )
    st.caption(f"HHI: {define('HHI')}")


if widgets.is_open(tab_pareto):
    with tab_pareto:
        pareto_tab()
else:
    for by in pareto_by:
        downloads.register_later(
            f"sales_pareto_{sales.entity_noun(by)}",
            lambda by=by: sales.pareto(lines_later(), by).named_table(),
        )


# ---------------------------------------------------------------- root cause
def root_cause_controls() -> tuple[Period, Period] | None:
    """Periods A and B to compare: the chosen period (B) with the previous one, the same period
    last year or custom dates (None, said, when these are no periods)."""
    mode = st.segmented_control(
        "Compare the period with",
        [*COMPARE_WITH, "Custom"],
        default="Previous period",
        **widgets.keep("sales_rc_mode"),
        required=True,
    )
    b = period
    a = sales.baseline(period, COMPARE_WITH.get(mode, "previous"))
    if mode == "Custom":
        span = sales.date_range(history)
        r1, r2 = st.columns(2)
        ra = r1.date_input(
            "Period A", (a.start, a.end), span.start, span.end, **widgets.keep("sales_rc_a")
        )
        rb = r2.date_input(
            "Period B", (b.start, b.end), span.start, span.end, **widgets.keep("sales_rc_b")
        )
        if len(ra) != 2 or len(rb) != 2:
            st.info("Pick a start and an end date for both periods.")
            return None
        try:
            a, b = Period(*ra), Period(*rb)
        except InputError as exc:
            ui.show_error(exc, "These periods cannot be compared")
            return None
    return a, b


def root_cause_top() -> tuple[Period, Period] | None:
    """The Root cause tab's intro and its periods A and B (root_cause_controls)."""
    st.markdown(
        "Split a change of revenue into **customers × orders per customer × average order "
        "value** (log-mean Divisia bridge: the three effects add up to the change), then see "
        "which regions, categories and products drove it."
    )
    return root_cause_controls()


@st.fragment
def root_cause_tab() -> None:
    compared = root_cause_top()
    if compared is None:
        return
    a, b = compared
    dims = tuple(sales.root_cause_dimensions(data.orders))
    e = fig.explain(key, (a.start, a.end), (b.start, b.end), dims, history, first_seen)
    if e.bridge.revenue_a == 0:
        st.warning(f"No revenue in period A ({a.label()}): nothing to compare with.")
    st.info(e.summary)
    chart(sales_charts.bridge_waterfall(e.bridge), "sales_bridge")
    st.caption(e.bridge.counts(), help=define("LMDI"))
    ui.table(e.bridge.steps(), "sales_bridge")
    for d, contrib in e.contributions.items():
        st.markdown(f"**{e.sentences[d]}**")
        top = sales.top_contributions(contrib)
        if top.height:
            chart(sales_charts.contribution_bars(top, d), f"sales_change_by_{d}")
        with st.expander(f"Contributions by {d}"):
            ui.table(
                contrib,
                f"sales_change_by_{d}",
                labels={"value": tables.readable(d)},
                formats=REVENUE_CHANGE,
            )


def root_cause_sheets(a: Period, b: Period, dims: list[str], history, first_seen) -> dict:
    """The Root cause tab's tables for the workbook: the change from period a to b."""
    e = cache(partial(fig.explain_of, history, a, b, dims, first_seen))
    return {"sales_bridge": lambda: e().bridge.steps()} | {
        f"sales_change_by_{d}": lambda d=d: e().contributions[d] for d in dims
    }


@st.fragment
def closed_root_cause() -> None:
    """The closed tab: its intro and controls (hidden) drawn as the open tab draws them, in a
    fragment (a control drawn at another place no longer writes the URL), and its tables for
    the workbook, built when it is downloaded."""
    compared = root_cause_top()
    if compared is not None:
        dims = sales.root_cause_dimensions(data.orders)
        for name, make in root_cause_sheets(*compared, dims, history, first_seen).items():
            downloads.register_later(name, make)


if widgets.is_open(tab_root_cause):
    with tab_root_cause:
        root_cause_tab()
else:
    with tab_root_cause:
        closed_root_cause()


# ---------------------------------------------------------------- leakage
def returns_tab() -> None:
    leak = fig.leakage(key, period.start, period.end, period_lines(), data.returns)
    if leak.state == "no_status":
        st.info("The orders have no status column, so returns and cancellations are unknown.")
    elif leak.state == "none":
        st.info("No returned or cancelled lines in this period: nothing to show here.")
    else:
        left, right = st.columns(2)
        with left:
            chart(sales_charts.status_bars(leak.by_status), "sales_by_status")
            ui.table(leak.by_status, "sales_by_status")
        if leak.by_category is not None:
            with right:
                chart(
                    sales_charts.return_rate_bars(leak.by_category, "category"),
                    "sales_returns_by_category",
                )
                ui.table(
                    leak.by_category, "sales_returns_by_category", labels={"value": "Category"}
                )
        if leak.by_product is not None:
            chart(
                sales_charts.returned_revenue_bars(leak.by_product, "product"),
                "sales_returns_by_product",
            )
            ui.table(leak.by_product, "sales_returns_by_product", labels={"value": "Product"})


def returns_sheets(lines: Callable, returns: pl.DataFrame, period: Period) -> dict:
    """The Returns tab's tables for the workbook (None where the tab shows none)."""
    leak = cache(lambda: fig.leakage_of(lines(), returns, period))
    return {
        "sales_by_status": lambda: leak().by_status,
        "sales_returns_by_category": lambda: leak().by_category,
        "sales_returns_by_product": lambda: leak().by_product,
    }


if widgets.is_open(tab_returns):
    with tab_returns:
        returns_tab()
else:
    for name, make in returns_sheets(lines_later, data.returns, period).items():
        downloads.register_later(name, make)

downloads.tables_workbook("sales_tables")
