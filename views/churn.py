"""Churn & retention: who is leaving, what it costs, the churn list, cohorts and CLV.

Layout: the churn definitions (shared thresholds with a suggestion from the data), the KPI cards,
then tabs: churn list, inactivity, period retention, cohorts, predicted churn & CLV (BG/NBD and
Gamma-Gamma fit diagnostics: views/churn_clv.py). Every figure comes from core.churn,
core.cohorts and core.clv; every chart from core.charts.churn.

Only the open tab is drawn (switching tabs reruns the page: widgets.tabs), so a filter or
threshold change computes and draws the figures in view; the tables of the closed tabs still go
into the page's workbook, built when it is downloaded (downloads.register_later), and the
controls at the top of a closed tab are drawn (hidden) so their choices stay in the URL.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial

import polars as pl
import streamlit as st

from core import churn, clv, cohorts
from core import format as fmt
from core import rules as R
from core.charts import churn as charts
from core.errors import InputError
from core.report.crm import crm_from_churn_list
from views import (
    ahead,
    churn_clv,
    downloads,
    loading,
    needs,
    rule_editor,
    state,
    tables,
    ui,
    widgets,
)
from views.downloads import or_none

LABELS = churn.COLUMN_LABELS | cohorts.COLUMN_LABELS  # this page's headers (ui.table formats)
LIST_STATUSES = [churn.STATUS_LABELS["at_risk"], churn.STATUS_LABELS["churned"]]


# ---------------------------------------------------------------- cached core calls
@loading.dataset_cache(shared=8, private=2)
def _suggestion(
    key: str, _orders: pl.DataFrame, as_of, _ahead=None
) -> churn.ThresholdSuggestion | None:
    return _ahead.result() if _ahead is not None else churn.suggest_thresholds(_orders, as_of)


@loading.dataset_cache(shared=8, private=2)
def _period_retention(key: str, _orders: pl.DataFrame, period: str, as_of) -> pl.DataFrame:
    return churn.period_retention(_orders, period, as_of)


@loading.dataset_cache(shared=8, private=2, spinner="Building cohorts…")
def _cohorts(key: str, _orders: pl.DataFrame, period: str, as_of) -> pl.DataFrame:
    return cohorts.cohort_retention(_orders, period=period, as_of=as_of)


# ---------------------------------------------------------------- threshold widgets
def _apply_thresholds() -> None:
    churn_days = int(st.session_state["churn_days"])
    at_risk_days = int(st.session_state["at_risk_days"])
    try:
        churn.check_thresholds(churn_days, at_risk_days)
    except InputError as exc:
        st.session_state["churn_threshold_error"] = str(exc)
        return
    st.session_state.pop("churn_threshold_error", None)
    state.set_settings(churn_days=churn_days, at_risk_days=at_risk_days)


def _use_suggestion(churn_days: int, at_risk_days: int) -> None:
    st.session_state.pop("churn_threshold_error", None)
    state.set_settings(churn_days=churn_days, at_risk_days=at_risk_days)


data = state.app_data()
needs.dates(data, "Churn & retention")
state.start_ahead(data)  # the customer table, then the suggestion, while the page draws
s = data.settings
orders = data.orders

st.title("Churn & retention")
st.caption(
    f"{data.name} · as of {s.as_of}"
    + (" · filtered" if data.filters.active else "")
    + " · thresholds are shared with every page"
)

# widgets follow the shared settings (another page may have changed them)
st.session_state["churn_days"] = s.churn_days
st.session_state["at_risk_days"] = s.at_risk_days

with st.container(border=True):
    c1, c2, c3 = st.columns([1, 1, 3])
    c1.number_input(
        "Churned after (days without an order)",
        min_value=1,
        max_value=3650,
        step=5,
        key="churn_days",
        on_change=_apply_thresholds,
        help="A customer is churned when their last order is more than this many days before "
        "the as-of date.",
    )
    c2.number_input(
        "At risk after (days)",
        min_value=0,
        max_value=3650,
        step=5,
        key="at_risk_days",
        on_change=_apply_thresholds,
        help="At risk: more than this many days without an order, but not yet churned.",
    )
    with c3:
        st.markdown(churn.definitions_text(s.churn_days, s.at_risk_days, s.as_of))
        suggestion_slot = st.container()  # filled at the end: computed after the customer table
    if "churn_threshold_error" in st.session_state:
        st.error(
            f"Not applied: {st.session_state.pop('churn_threshold_error')}. "
            f"The thresholds stay at {s.churn_days} / {s.at_risk_days} days."
        )

try:
    with st.spinner("Computing customer metrics…"):
        hub = data.customer_table()
    k = churn.churn_kpis(hub, s.churn_days, s.at_risk_days)
except InputError as exc:
    ui.show_error(exc, "Churn cannot be computed")
    st.stop()

ui.kpi_cards(
    [
        ui.Kpi(
            "Churn rate",
            ui.pct(k.churn_rate),
            help=f"Churned customers / customers ({ui.num(k.churned)} / {ui.num(k.customers)}).",
        ),
        ui.Kpi(
            "Retention rate",
            ui.pct(k.retention_rate),
            help="Customers not churned (active + at risk) / customers.",
        ),
        ui.Kpi(
            "Revenue at risk",
            ui.money(k.revenue_at_risk),
            help=f"{ui.pct(k.revenue_at_risk_share)} of the last 365 days' revenue "
            f"({ui.money(k.revenue_365d)}) came from customers now at risk "
            f"({ui.money(k.revenue_365d_at_risk)}) or churned "
            f"({ui.money(k.revenue_365d_churned)}).",
        ),
        ui.Kpi("Customers", ui.num(k.customers), help="Customers with at least one order."),
        ui.Kpi("Active", ui.num(k.active), help=f"Ordered within {s.at_risk_days} days."),
        ui.Kpi(
            "At risk",
            ui.num(k.at_risk),
            help=f"{ui.pct(k.at_risk_rate)} of customers; at risk: "
            f"{churn.at_risk_band(s.churn_days, s.at_risk_days)}.",
        ),
        ui.Kpi("Churned", ui.num(k.churned), help=f"No order for over {s.churn_days} days."),
        ui.Kpi(
            "Revenue, last 365 days",
            ui.money(k.revenue_365d),
            help="All customers, the 365 days up to the as-of date.",
        ),
    ]
)

fitted = data.clv_fit()  # the customer table's: its diagnostics are drawn in the CLV tab
clv_trusted = churn_clv.trusted(fitted)

tab_list, tab_inactive, tab_period, tab_cohorts, tab_clv = widgets.tabs(
    ["Churn list", "Inactivity", "Period retention", "Cohorts", "Predicted churn & CLV"],
    "churn_tab",
)

# ---------------------------------------------------------------- churn list
LIST_ORDER = [
    *("customer_id", "status", "recency_days", "reason", "revenue_365d", "revenue", "orders"),
    *("rfm_segment", "p_alive", "expected_purchases_90d", "expected_clv_365d", "value_tier"),
    *("last_order", "avg_days_between_orders"),
]


# A closed tab still draws the controls at its top (cheap, hidden), exactly where the open tab
# draws them, in the same columns and fragment (a widget drawn at another place on the next run
# no longer writes the URL): their choices stay in the link and the tab's workbook sheets
# follow them. Controls further down a tab (the bin width,
# the holdout's cut date) keep their session value (widgets.kept) but leave the URL.
def list_controls(hub: pl.DataFrame) -> tuple[list, list, float, str]:
    """The churn list's intro and filters: statuses (in words), RFM segments, minimum revenue
    in the last 365 days, part of the customer id."""
    st.markdown(
        "At-risk and churned customers, **most valuable first** (revenue in the last 365 days), "
        "with the reason in words. Filter, then download the list for a win-back campaign."
    )
    f1, f2, f3, f4 = st.columns([1.6, 2, 1, 1.2])
    picked = f1.multiselect(
        "Status", LIST_STATUSES, default=LIST_STATUSES, **widgets.keep("cl_status")
    )
    segments = f2.multiselect(
        "RFM segment",
        churn.segment_options(hub),
        placeholder="All segments",
        **widgets.keep("cl_segments"),
    )
    min_rev = f3.number_input(
        "Min revenue, 365 days", min_value=0.0, value=0.0, step=100.0, **widgets.keep("cl_min_rev")
    )
    search = f4.text_input("Customer id contains", **widgets.keep("cl_search"))
    return picked, segments, min_rev, search


def period_control() -> str:
    return (
        st.segmented_control(
            "Period",
            ["month", "quarter"],
            default="month",
            **widgets.keep("retention_period"),
            format_func=str.capitalize,
        )
        or "month"
    )


def cohort_control():
    """What the cohorts show (Customers or Revenue), and the column beside it for its note."""
    c1, c2 = st.columns([1, 2])
    view = (
        c1.segmented_control(
            "Show", ["Customers", "Revenue"], default="Customers", **widgets.keep("cohort_view")
        )
        or "Customers"
    )
    return view, c2


@st.fragment
def churn_list_section(hub: pl.DataFrame) -> None:
    picked, segments, min_rev, search = list_controls(hub)
    try:
        rows = _churn_rows(
            data.hub_key, hub, s.churn_days, s.at_risk_days, picked, segments, min_rev, search
        )
    except InputError as exc:
        ui.show_error(exc, "The churn list cannot be built")
        return
    st.caption(f"{fmt.count(rows.height, 'customer')} in the list.")
    if not clv_trusted:
        st.caption(f":material/info: {clv.FALLBACK_NOTE}")
    ui.table(
        rows,
        "churn_list",
        key="churn_list",
        table_key="churn_list_table",
        height=420,
        column_order=LIST_ORDER,
        labels=LABELS | {"revenue": "Revenue (lifetime)"},
        formats={
            "customer_id": st.column_config.TextColumn("Customer", pinned=True),
            "reason": st.column_config.TextColumn("Why", width=420),
            "p_alive": st.column_config.ProgressColumn(
                "P(alive)",
                min_value=0.0,
                max_value=1.0,
                format="percent",
                step=tables.PERCENT_STEP,
                help="BG/NBD probability the customer is still active. One-time buyers get "
                "100% by the model's definition: see the Predicted churn & CLV tab.",
            ),
        },
    )
    rules = rule_editor.current_rules()
    downloads.crm_download(lambda: _crm_rows(rows, hub, rules), "churn_list")


@st.fragment
def closed_list_section(hub: pl.DataFrame) -> None:
    """The closed list tab: its filters (hidden), in a fragment as the open tab draws them, and
    the list for the workbook, built when it is downloaded."""
    filters = list_controls(hub)
    downloads.register_later(
        "churn_list", or_none(partial(_list_rows, hub, s.churn_days, s.at_risk_days, *filters))
    )


@loading.dataset_cache(shared=8, private=4)
def _churn_rows(
    key: str, _hub: pl.DataFrame, churn_days: int, at_risk_days: int, *filters
) -> pl.DataFrame:
    """_list_rows, once per customer table (key: data.hub_key), thresholds and list filters."""
    return _list_rows(_hub, churn_days, at_risk_days, *filters)


def _list_rows(
    hub: pl.DataFrame, churn_days: int, at_risk_days: int, picked, segments, min_rev, search
) -> pl.DataFrame:
    """The churn list for the list's filters (status labels, RFM segments, minimum revenue,
    part of the id), statuses in words."""
    rows = churn.churn_list(
        hub,
        churn_days,
        at_risk_days,
        statuses=churn.status_codes(picked),
        segments=segments or None,
        min_revenue_365d=min_rev or None,
        search=search or None,
    )
    return churn.with_status_labels(rows)


def _crm_rows(rows: pl.DataFrame, hub: pl.DataFrame, rules: list) -> pl.DataFrame:
    """The churn list for a CRM: each customer's action from the insight rules when one
    matches, else the RFM segment's suggested action."""
    return crm_from_churn_list(rows, hub, R.evaluate(hub, rules).insights, data.mapping)


if widgets.is_open(tab_list):
    with tab_list:
        churn_list_section(hub)
else:
    with tab_list:
        closed_list_section(hub)


# ---------------------------------------------------------------- inactivity
def _distribution(
    hub: pl.DataFrame, churn_days: int, at_risk_days: int, bin_days: int
) -> pl.DataFrame:
    """Days since the last order in bins, by status (in words)."""
    return churn.with_status_labels(
        churn.recency_distribution(hub, churn_days, at_risk_days, bin_days)
    )


if not widgets.is_open(tab_inactive):
    bin_days = widgets.kept("recency_bin", 15)  # (its control sits below the tab's charts)
    downloads.register_later("inactivity_buckets", partial(churn.inactivity_buckets, hub))
    downloads.register_later(
        "recency_distribution", partial(_distribution, hub, s.churn_days, s.at_risk_days, bin_days)
    )
else:
    with tab_inactive:
        buckets = churn.inactivity_buckets(hub)
        st.markdown("**Customers and revenue by days since their last order**")
        b1, b2 = st.columns(2)
        ui.chart(charts.inactivity_bars(buckets, "customers"), "inactivity_customers", b1, fit=True)
        ui.chart(
            charts.inactivity_bars(buckets, "revenue_365d"), "inactivity_revenue", b2, fit=True
        )
        with st.expander("Inactivity figures"):
            ui.table(
                buckets, "inactivity_buckets", labels=LABELS | {"revenue": "Revenue (lifetime)"}
            )

        st.markdown("**Days since last order, by status**")
        bin_days = st.select_slider(
            "Bin width (days)", options=[7, 15, 30, 60], value=15, **widgets.keep("recency_bin")
        )
        dist = _distribution(hub, s.churn_days, s.at_risk_days, bin_days)
        ui.chart(
            charts.recency_histogram(dist, s.churn_days, s.at_risk_days),
            "recency_histogram",
            fit=True,
        )
        with st.expander("Distribution figures"):
            ui.table(dist, "recency_distribution", labels=LABELS)


# ---------------------------------------------------------------- period retention
if not widgets.is_open(tab_period):
    with tab_period:
        period = period_control()
    downloads.register_later(
        f"retention_by_{period}", partial(churn.period_retention, orders, period, s.as_of)
    )
else:
    with tab_period:
        period = period_control()
        pr = _period_retention(data.hub_key, orders, period, s.as_of)
        st.markdown(
            f"Of the customers who ordered in one {period}, the share who ordered again in the "
            f"next (**retention**); **period churn** is the rest. It is not the churn rate of "
            "the cards above, which counts customers with no order for longer than the churn "
            f"threshold. Lighter points are partial {period}s."
        )
        if pr["retention"].is_null().all():
            st.info(f"The orders fall in one {period} only: retention needs two {period}s.")
        else:
            ui.chart(
                charts.retention_trend(churn.retention_long(pr), period),
                f"retention_{period}",
                fit=True,
            )
        with st.expander(f"Retention by {period}"):
            ui.table(
                pr,
                f"retention_by_{period}",
                hide=["period"],
                labels=LABELS
                | {
                    "label": period.capitalize(),
                    "previous_customers": f"Customers last {period}",
                    "partial": f"Partial {period}",
                },
            )


# ---------------------------------------------------------------- cohorts
def _cohort_tables(orders: pl.DataFrame, as_of, value: str) -> dict[str, Callable]:
    """The Cohorts tab's tables for the workbook, built from one cohort computation when the
    workbook is downloaded; None (no sheet) where the tab shows a note instead."""
    cells = cache(lambda: cohorts.cohort_retention(orders, period="month", as_of=as_of))

    def drawn(make: Callable[[pl.DataFrame], pl.DataFrame]) -> Callable[[], pl.DataFrame | None]:
        return lambda: None if cells().is_empty() or cells()["age"].max() == 0 else make(cells())

    return {
        f"cohort_{value}": drawn(lambda c: cohorts.cohort_matrix(c, value)),
        "cohort_average_curve": drawn(cohorts.average_curve),
    }


if not widgets.is_open(tab_cohorts):
    with tab_cohorts:
        shown, _ = cohort_control()
    value = "retention" if shown == "Customers" else "revenue_retention"
    for name, make in _cohort_tables(orders, s.as_of, value).items():
        downloads.register_later(name, make)
else:
    with tab_cohorts:
        view, c2 = cohort_control()
        value = "retention" if view == "Customers" else "revenue_retention"
        c2.markdown(
            "Customers grouped by the month of their **first order**; cell *k* is the share of "
            "the cohort who ordered in month *k* after it (month 0 = 100%)."
            if view == "Customers"
            else "Revenue of each cohort in month *k* / its revenue in month 0; above 100% means "
            "the cohort spends more than in its first month."
        )
        cells = _cohorts(data.hub_key, orders, "month", s.as_of)
        if cells.is_empty():
            st.info("No orders to build cohorts from.")
        elif cells["age"].max() == 0:
            st.info("All first and repeat orders fall in one month: cohorts need a second month.")
        else:
            ui.chart(charts.cohort_heatmap(cells, value), f"cohorts_{value}", fit=True)
            st.caption(
                "The colour scale stops at the 98th percentile of months 1+ so month 0 (always "
                "100%) does not wash out the rest; hover a cell for its figures."
            )
            curve = cohorts.average_curve(cells)
            st.markdown("**Average retention curve** (cohorts that reached each month)")
            ui.chart(
                charts.cohort_curve(cohorts.curve_long(curve, value), f"{view} retention"),
                f"cohort_curve_{value}",
                fit=True,
            )
            with st.expander("Cohort matrix and curve figures"):
                matrix = cohorts.cohort_matrix(cells, value)
                ui.table(
                    matrix,
                    f"cohort_{value}",
                    key="cohort_matrix",
                    labels=LABELS,
                    formats=dict.fromkeys(matrix.columns[2:], "percent"),  # month 0, 1, 2 ...
                )
                ui.table(curve, "cohort_average_curve", key="cohort_curve", labels=LABELS)


# ---------------------------------------------------------------- CLV
if widgets.is_open(tab_clv):
    with tab_clv:
        churn_clv.tab(data, hub, fitted)
else:
    churn_clv.register_closed(data, hub, fitted)

with suggestion_slot:
    job = ahead.take("churn_suggestion", data.hub_key)
    ahead.have("churn_suggestion", data.hub_key)
    sug = _suggestion(data.hub_key, orders, s.as_of, job)
    st.caption(churn.suggestion_text(sug))
    if sug is not None:
        st.button(
            f"Use {sug.churn_days} / {sug.at_risk_days} days",
            key="use_suggestion",
            disabled=(sug.churn_days, sug.at_risk_days) == (s.churn_days, s.at_risk_days),
            on_click=_use_suggestion,
            args=(sug.churn_days, sug.at_risk_days),
        )

downloads.tables_workbook("churn_tables")
