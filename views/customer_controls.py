"""The Customers & segments page's controls (views/customers.py): each drawn where its tab
shows it, and drawn (hidden) in a closed tab too, exactly where the open tab draws it (same
columns, same fragment: a control drawn at another place no longer writes the URL), so its
choice stays in the URL and the closed tab's workbook sheets follow it. A control further down
its tab (the segment listed, the top items' count) keeps its session value while the tab is
closed, and leaves the URL.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from core import segments
from views import customer_figures as fig
from views import widgets


def bins_control() -> int:
    c_bins, c_note = st.columns([1, 3])
    bins = c_bins.segmented_control(
        "RFM score bins",
        options=[3, 4, 5],
        default=5,
        **widgets.keep("seg_bins"),
        help="Each of R, F and M is scored 1..bins by quantile of the customers (5 = quintiles).",
    )
    c_note.caption(
        "Scores: 1 + floor(bins × share of customers with a strictly worse value), so equal values "
        "always get equal scores. R is reversed: the most recent buyers score highest. The segment "
        "is read from the R × FM map below (FM = mean of F and M, rounded half up)."
    )
    return int(bins or 5)


def segment_pick(present: list[str]) -> str:
    """The segment whose customers are listed (Champions at first)."""
    first = _first_segment(present)
    index = present.index(first) if first is not None else 0
    return st.selectbox("Segment", present, index=index, **widgets.keep("seg_pick"))


def kept_segment(scored: pl.DataFrame) -> str | None:
    """segment_pick's choice while its tab is closed: the session's (its control sits below the
    tab's figures, so it is not drawn hidden there and its choice leaves the URL)."""
    present = segments.present_segments(scored)
    kept = widgets.kept("seg_pick", None)
    return kept if kept in present else _first_segment(present)


def _first_segment(present: list[str]) -> str | None:
    return "Champions" if "Champions" in present else (present[0] if present else None)


def persona_controls() -> tuple[float, float, int]:
    """The persona rules (fig.Choices.rules)."""
    p1, p2, p3 = st.columns(3)
    top_share = p1.slider(
        "Top group: top % of customers by revenue", 5, 50, 20, 5, **widgets.keep("p_top")
    )
    aov_q = p2.slider(
        "Big basket: AOV at or above this percentile", 50, 95, 75, 5, **widgets.keep("p_aov")
    )
    loyal_orders = p3.number_input("Many orders: at least", 2, 50, 3, **widgets.keep("p_orders"))
    return fig.persona_rules(top_share, aov_q, loyal_orders)


def loyalty_controls() -> tuple[int, int]:
    """The repeat-behaviour cut-offs: returning from, frequent from (orders)."""
    l1, l2, _ = st.columns([1, 1, 2])
    returning_min = l1.number_input(
        "Returning from (orders)", 2, 100, 2, **widgets.keep("loy_returning")
    )
    loyal_min = l2.number_input("Frequent from (orders)", 3, 500, 4, **widgets.keep("loy_loyal"))
    return int(returning_min), int(loyal_min)


def grouping_control(dated: bool, where=st) -> str:
    """The grouping (its label) the Contribution tab shows."""
    return where.selectbox("Group customers by", fig.groupings(dated), **widgets.keep("contrib_by"))


TOP_ITEMS = 5  # the Contribution tab's top items by default


def top_control(where=st) -> int:
    return where.slider("Top items", 3, 10, TOP_ITEMS, **widgets.keep("contrib_top"))


def attribute_controls(scored: pl.DataFrame, attrs: list[str]) -> tuple:
    """The attribute to break down, its groups (numeric ones) and the column for notes."""
    c1, c2, c3 = st.columns([1, 1, 2])
    attr = c1.selectbox("Attribute", attrs, **widgets.keep("demo_attr"))
    numeric = scored.schema[attr].is_numeric()
    nbins = c2.slider(
        "Groups (quantiles)", 2, 10, 4, **widgets.keep("demo_bins"), disabled=not numeric
    )
    return attr, nbins, c3


def comparison_controls(key: str, scored: pl.DataFrame, two: list[str], metrics: list[str]):
    """The two-valued attribute, the metric and the group compared with the other."""
    d1, d2, d3 = st.columns(3)
    attr2 = d1.selectbox(
        "Attribute with two values",
        two,
        index=fig.comparison_guess(two),
        **widgets.keep("cmp_attr"),
    )
    metric = d2.selectbox("Compare", metrics, **widgets.keep("cmp_metric"))
    values = fig.two_groups(key, attr2, scored)
    group_b = d3.selectbox("Group", values[::-1], **widgets.keep("cmp_group"))
    return attr2, metric, group_b


def drill_controls(key: str, scored: pl.DataFrame) -> tuple[str, str | None]:
    """The search and the customer picked among its matches (None: no match)."""
    q = st.text_input(
        "Search a customer (id or name)", **widgets.keep("drill_query"), placeholder="e.g. C00042"
    )
    _, info = fig.found(key, q, scored)
    if not info:
        return q, None
    cid = st.selectbox(
        f"{len(info)} match(es)" + (" (top 50 by revenue)" if len(info) == 50 else ""),
        list(info),
        format_func=info.get,
        **widgets.keep("drill_pick"),
    )
    return q, cid
