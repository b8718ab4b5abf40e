"""What a page needs from the file, said in a sentence: order dates, the rows set aside, the
currency of the money figures. Shared by every page (one definition each)."""

from __future__ import annotations

import streamlit as st

from core import format as fmt
from core.ingest import Loaded
from views.state import AppData

DATA_PAGE = "views/data.py"


def dates(data: AppData, what: str) -> None:
    """Stop a page (or the rest of it) that needs order dates when the file has none."""
    if data.has_dates:
        return
    st.info(
        f"{what} needs order dates, and this file has no order date column. Map one on the "
        "Data page; revenue, orders, customers, breakdowns and attribute comparisons need no "
        "dates (Overview, Customers & segments).",
        icon=":material/event_busy:",
    )
    st.page_link(DATA_PAGE, label="Map a date column on the Data page", icon=":material/build:")
    st.stop()


def dates_note(data: AppData, what: str) -> None:
    """Say in one sentence what a page leaves out when the file has no order dates."""
    if not data.has_dates:
        st.info(
            f"{what} need order dates, and this file has none: the rest is shown.",
            icon=":material/event_busy:",
        )


def set_aside_line(data: AppData, threshold: float = 0.01) -> None:
    """One line when more than 1% of the file's rows are set aside, linking to the Data page."""
    loaded = data.loaded
    if loaded.set_aside_share <= threshold:
        return
    reasons = loaded.rejected["reason"].value_counts(sort=True)["reason"].head(2).to_list()
    st.warning(
        f"{loaded.rejected.height:,} of {fmt.count(loaded.raw.height, 'row')} "
        f"({loaded.set_aside_share:.1%}) are set aside and not counted "
        f"({', '.join(reasons)}).",
        icon=":material/warning:",
    )
    st.page_link(
        DATA_PAGE, label="See the rows set aside on the Data page", icon=":material/search:"
    )


def currency_caption(loaded: Loaded) -> str:
    """'Amounts in USD' (and how other currencies were handled), or '' when the file never says."""
    c = loaded.currency
    if c.currency is None and not c.converted:
        return ""
    text = f"Amounts in {c.currency}" if c.currency else "Amounts converted with your rates"
    if c.converted:
        text += " (" + ", ".join(f"{cur} at {r:g}" for cur, r in c.converted.items()) + ")"
    if c.set_aside:
        text += f"; {', '.join(c.set_aside)} lines set aside"
    return text + "."
