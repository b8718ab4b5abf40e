"""Customer Pulse: the router. Page config, navigation, the sidebar (dataset, global filters, as
of), the scope line every page opens with, and the link to the current view.

Pages live in views/, one file each; the numbers come from core/.
"""

from __future__ import annotations

import streamlit as st

from core.model.filters import Filters
from views import loading, needs, pages, state, ui, widgets

st.set_page_config(page_title="Customer Pulse", page_icon="📈", layout="wide")

NAVIGATION: dict[str, list] = {}
for entry in pages.PAGES:  # the first page opens by default
    NAVIGATION.setdefault(entry.section, []).append(
        st.Page(entry.file, title=entry.title, icon=entry.icon, default=entry is pages.PAGES[0])
    )
DATES = "f_dates"


def _clear(keys: dict[str, object]) -> None:
    """Put every filter widget back to its default (before the widgets are drawn again)."""
    for key, default in keys.items():
        st.session_state[key] = default


def sidebar() -> None:
    """Dataset summary, the global filters (a form: Apply / Clear) and the as-of date."""
    ds = loading.dataset()
    loaded, err = loading.try_load()
    with st.sidebar:
        st.markdown("### :material/monitoring: Customer Pulse")
        st.caption(("Sample data · " if ds.kind == "sample" else "Your file · ") + ds.orders.name)
        if err is not None or loaded is None:
            state.set_filters(Filters())
            st.error("The file needs attention on the Data page.")
            return
        orders = loaded.orders
        lo, hi = orders["order_date"].min(), orders["order_date"].max()
        options_by_dim = state.filter_options(loaded)
        defaults: dict[str, object] = {DATES: (lo, hi)}
        defaults |= {f"f_{dim}": [] for dim in options_by_dim}
        state.reset_filter_widgets_if_asked(defaults)
        dated = loaded.has_dates  # a file without dates has no date range and no as of
        with st.form("global_filters", border=False):
            picked = (  # a file without dates has no date range to pick
                st.date_input(
                    "Date range",
                    # (a value set in the session, e.g. by Clear, is the widget's: no default)
                    **({} if DATES in st.session_state else {"value": (lo, hi)}),
                    min_value=lo,
                    max_value=hi,
                    **widgets.keep(DATES),
                )
                if lo is not None
                else ()
            )
            values = {
                dim: tuple(
                    st.multiselect(
                        dim.capitalize(), options, placeholder="All", **widgets.keep(f"f_{dim}")
                    )
                )
                for dim, options in options_by_dim.items()
            }
            c1, c2 = st.columns(2)
            c1.form_submit_button("Apply", type="primary", width="stretch")
            c2.form_submit_button("Clear", width="stretch", on_click=_clear, args=(defaults,))
        start, end = (*tuple(picked or ()), None, None)[:2]
        state.set_filters(
            Filters(
                start=None if start in (lo, None) else start,
                end=None if end in (hi, None) else end,
                values={d: v for d, v in values.items() if v},
            )
        )
        if not dated:
            st.caption("No order dates in this file: no date range or as-of date.")
            return
        st.date_input(
            "As of",
            value=None,
            min_value=lo,
            help="The date recency, churn and customer status are measured at. Empty: the last "
            "order date (or the end of the date range when it is filtered).",
            format="YYYY-MM-DD",
            **widgets.keep("as_of"),
        )


def scope_line(slot) -> None:
    """Under the page title: the as-of date in use and the active filters, as chips."""
    sv, f = state.settings_values(), state.filters()
    as_of = state.as_of_in_use()
    if as_of is None:
        return
    why = "set by you" if sv.get("as_of") else "last order date"
    if not sv.get("as_of") and f.end:
        why = "end of the date filter"
    chips = [f":blue-badge[:material/event: As of {as_of} · {why}]"]
    if f.start or f.end:
        loaded, _ = loading.try_load()
        dates = loaded.orders["order_date"] if loaded is not None else None
        start = f.start or (dates.min() if dates is not None else "…")
        end = f.end or (dates.max() if dates is not None else "…")
        chips.append(f":orange-badge[Dates {start} → {end}]")
    chips += [f":orange-badge[{d.capitalize()}: {', '.join(v)}]" for d, v in f.values.items()]
    loaded, _ = loading.try_load()
    money = needs.currency_caption(loaded) if loaded is not None else ""
    if money:  # every money figure's page says which currency it is in
        chips.append(f":green-badge[:material/payments: {money.rstrip('.')}]")
    slot.markdown(" ".join(chips))


ui.page_style()
upload_token = loading.restore_upload()
sidebar()
state.settings_from_link()
page = st.navigation(NAVIGATION)
scope, link = st.columns([5, 1], vertical_alignment="center")
scope_line(scope.empty())
notice = st.empty()
page.run()
widgets.settings_params(
    {k: state.settings_values()[k] for k in state.DEFAULT_SETTINGS}, state.DEFAULT_SETTINGS
)
ignored = widgets.ignored_params({**state.settings_values(), loading.UPLOAD_PARAM: upload_token})
if ignored:
    notice.warning(
        f"Parts of the link were not applied (not valid for this data or page): "
        f"{'; '.join(ignored)}.",
        icon=":material/link_off:",
    )
with link:
    widgets.copy_link(page.url_path)
state.prepare_ahead()  # the page is drawn: the customer table of an upload in the background
