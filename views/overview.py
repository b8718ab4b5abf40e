"""Overview: the headline KPI cards and monthly revenue, for the filtered orders."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.charts import overview as overview_charts
from core.metrics import kpis, monthly
from views import state, ui

data = state.app_data()
s = data.settings

st.title("Overview")
st.caption(
    f"{data.name} · orders {data.orders['order_date'].min()} to {data.orders['order_date'].max()}"
    f" · as of {s.as_of}" + (" · filtered" if data.filters.active else "")
)


@st.cache_data(show_spinner=False, max_entries=12)
def _figures(key: str, _data: state.AppData) -> tuple[dict, pl.DataFrame]:
    """KPIs and the monthly series, once per dataset, filters and settings (data.key)."""
    s = _data.settings
    k = kpis(
        _data.orders,
        as_of=s.as_of,
        churn_days=s.churn_days,
        at_risk_days=s.at_risk_days,
        customers_file=_data.customers_file,
    )
    return k, monthly(_data.orders, s.as_of)


k, m = _figures(data.key, data)
ui.kpi_cards(
    [
        ui.Kpi(
            "Revenue",
            ui.money(k["revenue"]),
            help="Gross revenue of all order lines; the curve is revenue by month.",
            chart=m["revenue"],
        ),
        ui.Kpi(
            "Orders",
            ui.num(k["orders"]),
            help="Distinct order ids; the curve is orders by month.",
            chart=m["orders"],
        ),
        ui.Kpi(
            "Customers",
            ui.num(k["customers"]),
            help=f"Customers with at least one order ({ui.num(k['total_customers'])} in all); "
            "the curve is customers ordering each month.",
            chart=m["customers"],
        ),
        ui.Kpi(
            "Average order value",
            ui.money(k["aov"], 2),
            help="Revenue / orders; the curve is AOV by month.",
            chart=m["aov"].fill_null(0),
        ),
        ui.Kpi("Repeat rate", ui.pct(k["repeat_rate"]), help="Share of customers with 2+ orders."),
        ui.Kpi(
            "Churn rate",
            ui.pct(k["churn_rate"]),
            help=f"Share of customers with no order for more than {s.churn_days} days.",
        ),
        ui.Kpi(
            "Revenue at risk",
            ui.money(k["revenue_at_risk"]),
            help="Last-365-day revenue of at-risk and churned customers.",
        ),
        ui.Kpi(
            "At-risk customers",
            ui.num(k["at_risk_customers"]),
            help=f"Last order {s.at_risk_days}-{s.churn_days} days ago: act before they churn.",
        ),
    ]
)

st.caption(
    f"{ui.num(k['active_customers'])} active · {ui.num(k['at_risk_customers'])} at risk · "
    f"{ui.num(k['churned_customers'])} churned (active: ordered within {s.at_risk_days} days; "
    f"churned: no order for over {s.churn_days} days)."
)
st.subheader("Monthly revenue")
st.altair_chart(overview_charts.monthly_revenue(m), width="stretch")
with st.expander("Monthly figures"):
    ui.table(m, "monthly_revenue", hide=["month_start"])

if data.warnings:
    with st.expander(f"Notes on the data ({len(data.warnings)})"):
        for w in data.warnings:
            st.markdown(f"- {w}")
