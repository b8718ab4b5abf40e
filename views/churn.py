"""Churn & retention: who is leaving, what it costs, the churn list, cohorts and CLV.

Layout: the churn definitions (shared thresholds with a suggestion from the data), the KPI cards,
then tabs: churn list, inactivity, period retention, cohorts, predicted churn & CLV (BG/NBD and
Gamma-Gamma fit diagnostics). Every figure comes from core.churn, core.cohorts and core.clv.
"""

from __future__ import annotations

from datetime import timedelta

import altair as alt
import polars as pl
import streamlit as st

from core import churn, clv, cohorts
from core.errors import InputError
from views import state, ui

STATUS_COLORS = alt.Scale(
    domain=["active", "at_risk", "churned"], range=["#16A34A", "#F59E0B", "#DC2626"]
)
PAIR_COLORS = alt.Scale(domain=["actual", "expected"], range=["#4F46E5", "#F59E0B"])
NO_TILT = alt.Axis(labelAngle=0)
STATUS_NAMES = {"Active": "active", "At risk": "at_risk", "Churned": "churned"}


# ---------------------------------------------------------------- cached core calls
@st.cache_data(show_spinner=False, max_entries=8)
def _suggestion(key: str, _orders: pl.DataFrame, as_of) -> churn.ThresholdSuggestion | None:
    return churn.suggest_thresholds(_orders, as_of)


@st.cache_data(show_spinner=False, max_entries=8)
def _period_retention(key: str, _orders: pl.DataFrame, period: str, as_of) -> pl.DataFrame:
    return churn.period_retention(_orders, period, as_of)


@st.cache_data(show_spinner="Building cohorts…", max_entries=8)
def _cohorts(key: str, _orders: pl.DataFrame, period: str, as_of) -> pl.DataFrame:
    return cohorts.cohort_retention(_orders, period=period, as_of=as_of)


@st.cache_data(show_spinner="Fitting BG/NBD and Gamma-Gamma…", max_entries=8)
def _fit(key: str, _orders: pl.DataFrame, as_of) -> tuple[dict, pl.DataFrame]:
    report = clv.fit_report(_orders, as_of, "days")
    bg = clv.BGNBD(**report["bgnbd"])
    hist = clv.frequency_histogram(bg, clv.summary(_orders, as_of, "days"))
    return report, hist


@st.cache_data(show_spinner="Fitting on the calibration period…", max_entries=8)
def _holdout(key: str, _orders: pl.DataFrame, cut, end) -> pl.DataFrame:
    return clv.holdout_summary(clv.calibration_holdout(_orders, cut, end))


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
        st.markdown(
            f"**Definitions.** *Churned*: no order for more than **{s.churn_days}** days. "
            f"*At risk*: {s.at_risk_days + 1}–{s.churn_days} days. *Active*: an order within "
            f"the last {s.at_risk_days} days. *Revenue at risk*: what at-risk and churned "
            f"customers spent in the 365 days before {s.as_of}."
        )
        sug = _suggestion(data.key, orders, s.as_of)
        if sug is None:
            st.caption("No customer ordered twice, so the data cannot suggest a threshold.")
        else:
            st.caption(
                f"Suggested from your data: churn after **{sug.churn_days}** days (nine in ten "
                f"returning customers come back within {sug.p90_gap:.0f} days), at risk after "
                f"**{sug.at_risk_days}** days (75th percentile). Median gap between orders: "
                f"{sug.median_gap:.0f} days, from {sug.gaps:,} gaps of "
                f"{sug.repeat_customers:,} repeat customers."
            )
            same = (sug.churn_days, sug.at_risk_days) == (s.churn_days, s.at_risk_days)
            st.button(
                f"Use {sug.churn_days} / {sug.at_risk_days} days",
                key="use_suggestion",
                disabled=same,
                on_click=_use_suggestion,
                args=(sug.churn_days, sug.at_risk_days),
            )
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
            help=f"{ui.pct(k.at_risk_rate)} of customers: {s.at_risk_days + 1}–"
            f"{s.churn_days} days without an order.",
        ),
        ui.Kpi("Churned", ui.num(k.churned), help=f"No order for over {s.churn_days} days."),
        ui.Kpi(
            "Revenue, last 365 days",
            ui.money(k.revenue_365d),
            help="All customers, the 365 days up to the as-of date.",
        ),
    ]
)

tab_list, tab_inactive, tab_period, tab_cohorts, tab_clv = st.tabs(
    ["Churn list", "Inactivity", "Period retention", "Cohorts", "Predicted churn & CLV"]
)


# ---------------------------------------------------------------- churn list
@st.fragment
def churn_list_section(hub: pl.DataFrame) -> None:
    st.markdown(
        "At-risk and churned customers, **most valuable first** (revenue in the last 365 days), "
        "with the reason in words. Filter, then download the list for a win-back campaign."
    )
    f1, f2, f3, f4 = st.columns([1.6, 2, 1, 1.2])
    picked = f1.multiselect(
        "Status", ["At risk", "Churned"], default=["At risk", "Churned"], key="cl_status"
    )
    segments = f2.multiselect(
        "RFM segment",
        sorted(hub["rfm_segment"].drop_nulls().unique().to_list())
        if "rfm_segment" in hub.columns
        else [],
        placeholder="All segments",
        key="cl_segments",
    )
    min_rev = f3.number_input(
        "Min revenue, 365 days", min_value=0.0, value=0.0, step=100.0, key="cl_min_rev"
    )
    search = f4.text_input("Customer id contains", key="cl_search")
    try:
        rows = churn.churn_list(
            hub,
            s.churn_days,
            s.at_risk_days,
            statuses=[STATUS_NAMES[p] for p in picked],
            segments=segments or None,
            min_revenue_365d=min_rev or None,
            search=search or None,
        )
    except InputError as exc:
        ui.show_error(exc, "The churn list cannot be built")
        return
    st.caption(f"{rows.height:,} customers in the list.")
    st.dataframe(
        rows,
        hide_index=True,
        height=420,
        key="churn_list_table",
        column_order=[
            "customer_id",
            "status",
            "recency_days",
            "reason",
            "revenue_365d",
            "revenue",
            "orders",
            "rfm_segment",
            "p_alive",
            "expected_purchases_90d",
            "expected_clv_365d",
            "value_tier",
            "last_order",
            "avg_days_between_orders",
        ],
        column_config={
            "customer_id": st.column_config.TextColumn("Customer", pinned=True),
            "status": st.column_config.TextColumn("Status"),
            "recency_days": st.column_config.NumberColumn("Days since last order"),
            "last_order": st.column_config.DateColumn("Last order"),
            "orders": st.column_config.NumberColumn("Orders"),
            "revenue": st.column_config.NumberColumn("Revenue (lifetime)", format="localized"),
            "revenue_365d": st.column_config.NumberColumn("Revenue (365 days)", format="localized"),
            "rfm_segment": st.column_config.TextColumn("Segment"),
            "value_tier": st.column_config.TextColumn("Value tier"),
            "p_alive": st.column_config.ProgressColumn(
                "P(alive)",
                min_value=0.0,
                max_value=1.0,
                format="percent",
                help="BG/NBD probability the customer is still active. One-time buyers get "
                "100% by the model's definition: see the Predicted churn & CLV tab.",
            ),
            "expected_purchases_90d": st.column_config.NumberColumn(
                "Expected purchases (90 days)", format="%.2f"
            ),
            "expected_clv_365d": st.column_config.NumberColumn(
                "Expected CLV (365 days)", format="localized"
            ),
            "avg_days_between_orders": st.column_config.NumberColumn(
                "Usual gap (days)", format="%.0f"
            ),
            "reason": st.column_config.TextColumn("Why", width=420),
        },
    )
    ui.download_buttons(rows, "churn_list", key="churn_list")


with tab_list:
    churn_list_section(hub)


# ---------------------------------------------------------------- inactivity
with tab_inactive:
    buckets = churn.inactivity_buckets(hub)
    st.markdown("**Customers and revenue by days since their last order**")
    b1, b2 = st.columns(2)
    bucket_sort = buckets["bucket"].to_list()
    tooltip = [
        alt.Tooltip("bucket:N", title="Days since last order"),
        alt.Tooltip("customers:Q", title="Customers", format=","),
        alt.Tooltip("share:Q", title="Share of customers", format=".1%"),
        alt.Tooltip("revenue_365d:Q", title="Revenue, last 365 days", format=",.0f"),
        alt.Tooltip("revenue:Q", title="Revenue, lifetime", format=",.0f"),
    ]
    base = alt.Chart(buckets).encode(
        x=alt.X("bucket:N", sort=bucket_sort, title="Days since last order", axis=NO_TILT),
        tooltip=tooltip,
    )
    b1.altair_chart(
        base.mark_bar(color="#4F46E5")
        .encode(y=alt.Y("customers:Q", title="Customers"))
        .properties(height=280, title="Customers"),
        width="stretch",
    )
    b2.altair_chart(
        base.mark_bar(color="#0EA5E9")
        .encode(y=alt.Y("revenue_365d:Q", title="Revenue, last 365 days"))
        .properties(height=280, title="Revenue in the last 365 days"),
        width="stretch",
    )
    with st.expander("Inactivity figures"):
        ui.table_with_download(buckets, "inactivity_buckets")

    st.markdown("**Days since last order, by status**")
    bin_days = st.select_slider(
        "Bin width (days)", options=[7, 15, 30, 60], value=15, key="recency_bin"
    )
    dist = churn.recency_distribution(hub, s.churn_days, s.at_risk_days, bin_days)
    bars = (
        alt.Chart(dist)
        .mark_bar()
        .encode(
            x=alt.X("bin_start:Q", bin="binned", title="Days since last order"),
            x2="bin_end:Q",
            y=alt.Y("customers:Q", title="Customers", stack=True),
            color=alt.Color("status:N", scale=STATUS_COLORS, title="Status"),
            tooltip=[
                alt.Tooltip("bin_start:Q", title="From day"),
                alt.Tooltip("bin_end:Q", title="To day (excl.)"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("customers:Q", title="Customers", format=","),
            ],
        )
    )
    rules = (
        alt.Chart(
            pl.DataFrame(
                {
                    "days": [s.at_risk_days, s.churn_days],
                    "line": [f"at risk after {s.at_risk_days}", f"churned after {s.churn_days}"],
                }
            )
        )
        .mark_rule(strokeDash=[4, 4], color="#111827")
        .encode(x="days:Q", tooltip=[alt.Tooltip("line:N", title="Threshold")])
    )
    st.altair_chart(
        (bars + rules).properties(height=300).interactive(bind_y=False), width="stretch"
    )
    with st.expander("Distribution figures"):
        ui.table_with_download(dist, "recency_distribution")


# ---------------------------------------------------------------- period retention
with tab_period:
    period = (
        st.segmented_control(
            "Period",
            ["month", "quarter"],
            default="month",
            key="retention_period",
            format_func=str.capitalize,
        )
        or "month"
    )
    pr = _period_retention(data.key, orders, period, s.as_of)
    st.markdown(
        f"Of the customers who ordered in one {period}, the share who ordered again in the "
        f"next (**retention**); **churn** is the rest. Lighter points are partial {period}s."
    )
    long = pr.filter(pl.col("retention").is_not_null()).unpivot(
        index=["period", "label", "partial", "previous_customers", "retained"],
        on=["retention", "churn"],
        variable_name="measure",
        value_name="rate",
    )
    date_format = "%b %Y" if period == "month" else "%Y"
    line = (
        alt.Chart(long)
        .mark_line(point=alt.OverlayMarkDef(size=50, filled=True))
        .encode(
            x=alt.X("period:T", title=None, axis=alt.Axis(format=date_format)),
            y=alt.Y("rate:Q", title="Share of last period's customers", axis=alt.Axis(format="%")),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(domain=["retention", "churn"], range=["#16A34A", "#DC2626"]),
                legend=alt.Legend(orient="top"),
            ),
            opacity=alt.condition("datum.partial", alt.value(0.45), alt.value(1.0)),
            tooltip=[
                alt.Tooltip("label:N", title=period.capitalize()),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("rate:Q", title="Rate", format=".1%"),
                alt.Tooltip("previous_customers:Q", title="Customers last period", format=","),
                alt.Tooltip("retained:Q", title="Of them ordered again", format=","),
                alt.Tooltip("partial:N", title="Partial period"),
            ],
        )
        .properties(height=360)
    )
    st.altair_chart(line, width="stretch")
    with st.expander(f"Retention by {period}"):
        ui.table_with_download(pr.drop("period"), f"retention_by_{period}")


# ---------------------------------------------------------------- cohorts
with tab_cohorts:
    c1, c2 = st.columns([1, 2])
    view = (
        c1.segmented_control(
            "Show", ["Customers", "Revenue"], default="Customers", key="cohort_view"
        )
        or "Customers"
    )
    value = "retention" if view == "Customers" else "revenue_retention"
    c2.markdown(
        "Customers grouped by the month of their **first order**; cell *k* is the share of "
        "the cohort who ordered in month *k* after it (month 0 = 100%)."
        if view == "Customers"
        else "Revenue of each cohort in month *k* / its revenue in month 0; above 100% means "
        "the cohort spends more than in its first month."
    )
    cells = _cohorts(data.key, orders, "month", s.as_of)
    if cells.is_empty():
        st.info("No orders to build cohorts from.")
    else:
        later = cells.filter(pl.col("age") > 0)[value]
        top = float(later.quantile(0.98) or 1.0) if later.len() else 1.0
        heat = (
            alt.Chart(cells)
            .mark_rect()
            .encode(
                x=alt.X("age:O", title="Months since first order", axis=alt.Axis(labelAngle=0)),
                y=alt.Y("cohort_label:O", title="First-order month"),
                color=alt.Color(
                    f"{value}:Q",
                    title="Retention" if view == "Customers" else "Revenue retention",
                    scale=alt.Scale(scheme="blues", domain=[0, max(top, 0.01)], clamp=True),
                    legend=alt.Legend(format="%"),
                ),
                tooltip=[
                    alt.Tooltip("cohort_label:N", title="Cohort"),
                    alt.Tooltip("age:O", title="Month"),
                    alt.Tooltip("cohort_size:Q", title="Cohort size", format=","),
                    alt.Tooltip("active:Q", title="Customers ordering", format=","),
                    alt.Tooltip("retention:Q", title="Retention", format=".1%"),
                    alt.Tooltip("revenue:Q", title="Revenue", format=",.0f"),
                    alt.Tooltip("revenue_retention:Q", title="Revenue retention", format=".1%"),
                ],
            )
            .properties(height=max(260, 16 * cells["cohort_label"].n_unique()))
        )
        st.altair_chart(heat, width="stretch")
        st.caption(
            "The colour scale stops at the 98th percentile of months 1+ so month 0 (always "
            "100%) does not wash out the rest; hover a cell for its figures."
        )
        curve = cohorts.average_curve(cells)
        wkey, mkey = (
            ("retention", "retention_mean")
            if view == "Customers"
            else ("revenue_retention", "revenue_retention_mean")
        )
        curve_long = (
            curve.filter(pl.col("age") > 0)
            .unpivot(
                index=["age", "cohorts", "customers"],
                on=[wkey, mkey],
                variable_name="average",
                value_name="rate",
            )
            .with_columns(
                pl.col("average").replace(
                    {wkey: "weighted by cohort size", mkey: "mean of cohorts"}
                )
            )
        )
        st.markdown("**Average retention curve** (cohorts that reached each month)")
        st.altair_chart(
            alt.Chart(curve_long)
            .mark_line(point=True)
            .encode(
                x=alt.X("age:Q", title="Months since first order"),
                y=alt.Y("rate:Q", title=view + " retention", axis=alt.Axis(format="%")),
                color=alt.Color("average:N", title=None, legend=alt.Legend(orient="top")),
                tooltip=[
                    alt.Tooltip("age:Q", title="Month"),
                    alt.Tooltip("average:N", title="Average"),
                    alt.Tooltip("rate:Q", title="Rate", format=".1%"),
                    alt.Tooltip("cohorts:Q", title="Cohorts"),
                    alt.Tooltip("customers:Q", title="Customers", format=","),
                ],
            )
            .properties(height=340)
            .interactive(bind_y=False),
            width="stretch",
        )
        with st.expander("Cohort matrix and curve figures"):
            ui.table_with_download(
                cohorts.cohort_matrix(cells, value), f"cohort_{value}", key="cohort_matrix"
            )
            ui.table_with_download(curve, "cohort_average_curve", key="cohort_curve")


# ---------------------------------------------------------------- CLV
@st.fragment
def holdout_section(lo, hi) -> None:
    st.markdown(
        "**Calibration / holdout check.** Fit on the orders before a cut date, predict the "
        "purchases after it, and compare with what happened."
    )
    span = (hi - lo).days
    default = hi - timedelta(days=max(30, span // 4))
    h1, h2 = st.columns([1, 3])
    cut = h1.date_input(
        "Cut date",
        value=max(lo + timedelta(days=1), default),
        min_value=lo + timedelta(days=1),
        max_value=hi,
        key="clv_cut",
    )
    run = h1.button("Run the check", key="clv_holdout_run")
    if not run and st.session_state.get("clv_holdout_for") != (data.key, cut):
        h2.caption(f"Pick a cut date and run the check; the holdout runs to {hi}.")
        return
    st.session_state["clv_holdout_for"] = (data.key, cut)
    try:
        hs = _holdout(data.key, orders, cut, hi)
    except InputError as exc:
        h2.warning(f"The check cannot run with this cut date: {exc}")
        return
    order = hs["label"].to_list()
    hl = hs.unpivot(
        index=["frequency_cal", "label", "customers"],
        on=["actual", "predicted"],
        variable_name="series",
        value_name="purchases",
    )
    h2.altair_chart(
        alt.Chart(hl)
        .mark_line(point=True)
        .encode(
            x=alt.X("label:O", sort=order, title="Repeat purchases before the cut", axis=NO_TILT),
            y=alt.Y("purchases:Q", title="Mean purchases in the holdout"),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="top")),
            tooltip=[
                alt.Tooltip("label:N", title="Repeat purchases before"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("purchases:Q", title="Mean purchases", format=".2f"),
                alt.Tooltip("customers:Q", title="Customers", format=","),
            ],
        )
        .properties(height=320, title=f"Holdout {cut} to {hi}"),
        width="stretch",
    )
    ui.table_with_download(hs.drop("frequency_cal"), "clv_holdout", key="clv_holdout")


with tab_clv:
    st.markdown(
        "**BG/NBD** models how often each customer buys and the chance they have silently "
        "dropped out (**P(alive)**); **Gamma-Gamma** models how much they spend per purchase. "
        "Together they give the expected purchases and the expected revenue (**CLV**) of the "
        "next 365 days. Fitted by maximum likelihood on the orders up to the as-of date, time "
        "in days."
    )
    st.info(
        "**P(alive) for one-time buyers.** "
        + clv.P_ALIVE_ONE_TIME_NOTE
        + " So a customer with a single order shows P(alive) = 100% however long ago they "
        "bought: judge them by their days since last order and expected purchases, or by the "
        "churn threshold above.",
        icon=":material/info:",
    )
    try:
        report, hist = _fit(data.key, orders, s.as_of)
    except InputError as exc:
        st.warning(f"The models cannot be fitted on this data: {exc}")
    else:
        bg, gg = report["bgnbd"], report["gamma_gamma"]
        params = pl.DataFrame(
            {
                "model": ["BG/NBD"] * 4 + (["Gamma-Gamma"] * 3 if gg else []),
                "parameter": ["r", "alpha", "a", "b"] + (["p", "q", "v"] if gg else []),
                "value": [bg["r"], bg["alpha"], bg["a"], bg["b"]]
                + ([gg["p"], gg["q"], gg["v"]] if gg else []),
                "meaning": [
                    "shape of the purchase-rate distribution",
                    "scale (in days) of the purchase-rate distribution",
                    "drop-out probability: Beta shape a",
                    "drop-out probability: Beta shape b",
                ]
                + (
                    [
                        "shape of spend per purchase",
                        "shape of the customers' spend-rate distribution",
                        "scale of the customers' spend-rate distribution",
                    ]
                    if gg
                    else []
                ),
            }
        )
        p1, p2 = st.columns([1, 1])
        with p1:
            st.markdown(
                f"**Fitted parameters** ({report['customers']:,} customers, "
                f"{report['repeat_customers']:,} with repeat purchases)"
            )
            st.dataframe(
                params,
                hide_index=True,
                column_config={
                    "model": st.column_config.TextColumn("Model", width=100),
                    "parameter": st.column_config.TextColumn("Parameter", width=80),
                    "value": st.column_config.NumberColumn("Value", format="%.4f", width=90),
                    "meaning": st.column_config.TextColumn("Meaning"),
                },
            )
            if gg is None:
                st.caption("The spend model could not be fitted, so expected CLV is not shown.")
        with p2:
            order = hist["label"].to_list()
            hl = hist.unpivot(
                index=["frequency", "label"],
                on=["actual", "expected"],
                variable_name="series",
                value_name="customers",
            )
            st.altair_chart(
                alt.Chart(hl)
                .mark_bar()
                .encode(
                    x=alt.X("label:O", sort=order, title="Repeat purchases", axis=NO_TILT),
                    xOffset="series:N",
                    y=alt.Y("customers:Q", title="Customers"),
                    color=alt.Color(
                        "series:N",
                        title=None,
                        legend=alt.Legend(orient="top"),
                        scale=PAIR_COLORS,
                    ),
                    tooltip=[
                        alt.Tooltip("label:N", title="Repeat purchases"),
                        alt.Tooltip("series:N", title="Series"),
                        alt.Tooltip("customers:Q", title="Customers", format=",.0f"),
                    ],
                )
                .properties(height=280, title="Fit check: actual vs model frequency"),
                width="stretch",
            )
            with st.expander("Frequency figures"):
                ui.table_with_download(hist, "clv_frequency_fit", key="clv_hist")
        ui.download_buttons(params, "clv_parameters", key="clv_params")
        lo, hi = orders["order_date"].min(), s.as_of
        if (hi - lo).days >= 2:
            holdout_section(lo, hi)
