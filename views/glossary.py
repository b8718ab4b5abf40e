"""Glossary: every metric's definition, in one place (SPEC's metric definitions)."""

from __future__ import annotations

import streamlit as st

from core.glossary import GLOSSARY
from views import state, widgets

st.title("Glossary")
s = state.settings_values()
st.caption(
    "How every figure in the app is computed. Thresholds shown are the current settings "
    f"(churn after {s['churn_days']} days, at risk after {s['at_risk_days']} days)."
)
query = st.text_input("Search", placeholder="e.g. churn, AOV, RFM", **widgets.keep("glossary_q"))
for group, items in GLOSSARY.items():
    shown = [
        (t, d)
        for t, d in items
        if not query or query.lower() in t.lower() or query.lower() in d.lower()
    ]
    if not shown:
        continue
    st.subheader(group)
    for term, definition in shown:
        st.markdown(
            f"**{term}** — "
            + definition.format(churn_days=s["churn_days"], at_risk_days=s["at_risk_days"])
        )
