"""Customer Pulse: the router. Page config, navigation, and the sidebar (dataset + global filters).

Pages live in views/, one file each; the numbers come from core/.
"""

from __future__ import annotations

import streamlit as st

from core.filters import Filters
from views import state

st.set_page_config(page_title="Customer Pulse", page_icon="📈", layout="wide")

PAGES = {
    "Overview": [
        st.Page("views/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("views/sales.py", title="Sales performance", icon=":material/trending_up:"),
    ],
    "Customers": [
        st.Page("views/customers.py", title="Customers & segments", icon=":material/groups:"),
        st.Page("views/churn.py", title="Churn & retention", icon=":material/person_remove:"),
    ],
    "Act": [
        st.Page("views/insights.py", title="Insight rules", icon=":material/rule:"),
        st.Page("views/plan.py", title="Action plan", icon=":material/insights:"),
        st.Page("views/experiments.py", title="A/B test", icon=":material/science:"),
    ],
    "Data": [
        st.Page("views/data.py", title="Data & mapping", icon=":material/upload_file:"),
        st.Page("views/glossary.py", title="Glossary", icon=":material/menu_book:"),
    ],
}


def sidebar() -> None:
    """Dataset summary and the global filters (date range, region, category, product)."""
    ds = state.dataset()
    loaded, err = state.try_load()
    with st.sidebar:
        st.markdown("### :material/monitoring: Customer Pulse")
        st.caption(("Sample data · " if ds.kind == "sample" else "Your file · ") + ds.orders.name)
        if err is not None or loaded is None:
            st.error("The file needs attention on the Data page.")
            return
        orders = loaded.orders
        lo, hi = orders["order_date"].min(), orders["order_date"].max()
        f = state.filters()
        options_by_dim = state.filter_options(loaded)
        with st.form("global_filters", border=False):
            picked = st.date_input(
                "Date range",
                value=(f.start or lo, f.end or hi),
                min_value=lo,
                max_value=hi,
                key="f_dates",
            )
            values = {}
            for dim, options in options_by_dim.items():
                values[dim] = tuple(
                    st.multiselect(
                        dim.capitalize(),
                        options,
                        default=[v for v in f.values.get(dim, ()) if v in options],
                        placeholder="All",
                        key=f"f_{dim}",
                    )
                )
            c1, c2 = st.columns(2)
            applied = c1.form_submit_button("Apply", type="primary", width="stretch")
            cleared = c2.form_submit_button("Clear", width="stretch")
        if applied:
            start, end = ((*tuple(picked), None, None))[:2]
            start = None if start == lo else start
            end = None if end in (hi, None) else end
            state.set_filters(Filters(start=start, end=end, values=values))
            st.rerun()
        if cleared:
            state.set_filters(Filters())
            for k in ["f_dates", *(f"f_{d}" for d in options_by_dim)]:
                st.session_state.pop(k, None)
            st.rerun()
        if f.active:
            st.caption("Filters are on: every page shows the filtered orders.")


sidebar()
st.navigation(PAGES).run()
