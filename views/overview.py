"""Overview: the headline KPI cards and monthly revenue, for the filtered orders."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core import format as fmt
from core import sales
from core.charts import overview as overview_charts
from core.metrics import Kpi, cards, overview_figures
from views import downloads, loading, needs, state, ui

data = state.app_data()
s = data.settings

st.title("Overview")
span = (
    f"orders {data.orders['order_date'].min()} to {data.orders['order_date'].max()} · as of "
    f"{s.as_of}"
    if data.has_dates
    else "no order dates"
)
money = needs.currency_caption(data.loaded)
st.caption(
    f"{data.name} · {span}"
    + (" · filtered" if data.filters.active else "")
    + (f" · {money}" if money else "")
)
needs.set_aside_line(data)
if data.has_dates:  # the report needs order dates
    downloads.report_downloads(data)


@loading.dataset_cache(shared=12, private=4)
def _figures(
    key: str, _data: state.AppData
) -> tuple[dict, pl.DataFrame, sales.KpiComparison | None]:
    """KPIs, the monthly series and the month comparison, once per dataset, filters and
    settings (data.key)."""
    return overview_figures(
        _data.orders, _data.settings, customers_file=_data.customers_file, returns=_data.returns
    )


k, m, change = _figures(data.key, data)


def _card(kpi: Kpi) -> ui.Kpi:
    """A registry KPI as a card: its value by kind, its definition as help, its monthly trend."""
    value = k[kpi.name]
    compact = kpi.kind == "money"  # cards show 1.23M, 12.3k
    shown = ui.money(value, kpi.digits) if compact else fmt.by_kind(value, kpi.kind)
    help_ = kpi.definition(s.churn_days, s.at_risk_days)
    chart = None
    if kpi.trend and kpi.trend in m.columns and m.height:
        # complete months only: a partial last month would dive at the end
        help_ += f" The curve: {kpi.label.lower()} by complete month."
        chart = m.filter(~pl.col("partial"))[kpi.trend].fill_null(0)
    delta = change.delta(kpi.name) if change and kpi.name in sales.KPI_LABELS else None
    return ui.Kpi(kpi.label, shown, delta=delta, help=help_, chart=chart)


ui.kpi_cards([_card(c) for c in cards()])
if change is not None:
    st.caption(
        f"Cards show the whole range; their changes compare the last complete month "
        f"({change.period.start:%B %Y}) with the month before "
        f"({change.previous_period.start:%B %Y}), whole months only."
    )
if data.warnings:
    with st.expander(f"Notes on the data ({len(data.warnings)})"):
        for w in data.warnings:
            st.markdown(f"- {w}")
needs.dates(data, "Customer status (active, at risk, churned) and the monthly revenue")
st.caption(
    f"{ui.num(k['active_customers'])} active · {ui.num(k['at_risk_customers'])} at risk · "
    f"{ui.num(k['churned_customers'])} churned (active: ordered within {s.at_risk_days} days; "
    f"churned: no order for over {s.churn_days} days)."
)
st.subheader("Monthly revenue")
ui.chart(overview_charts.monthly_revenue(m), "monthly_revenue")
with st.expander("Monthly figures"):
    ui.table(m, "monthly_revenue", hide=["month_start"])
