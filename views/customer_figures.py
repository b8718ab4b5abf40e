"""The Customers & segments page's figures (views/customers.py draws them): the core.segments
computations cached per view for the tab that is open (views.loading.dataset_cache), the
page's choices (the tiers as last edited), the customers labelled with them (value tier,
persona, repeat behaviour), and the tables of each closed tab for the page's workbook, built
when it is downloaded from the same core calls (downloads.register_later: what they read is
passed in, no session state, no cache).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
import streamlit as st

from core import segments
from core.errors import InputError
from core.hub import CLV_COLUMNS, with_clv_of
from views import loading
from views.downloads import or_none

Sheets = dict[str, Callable[[], pl.DataFrame | None]]  # a closed tab's tables, in tab order

GROUPINGS = {
    "RFM segment": "rfm_segment",
    "Value tier": "value_tier",
    "Persona": "persona",
    "Loyalty (repeat behaviour)": "loyalty",
    "Churn status": "status",
}
DATED = ("rfm_segment", "status")  # groupings that need order dates
TIERS = "customers_tiers"  # session key: the tiers as last edited (the editor keeps no state)
_TIER_BASE = "customers_tier_base"  # the table the tier editor's edits apply to


# ---------------------------------------------------------------- the page's choices
@dataclass(frozen=True)
class Choices:
    """What labels the customers: the value tiers, the persona rules (top share, AOV quantile,
    orders) and the repeat-behaviour cut-offs, as chosen on the page."""

    tiers: tuple[tuple[str, float], ...] = segments.DEFAULT_TIERS
    rules: tuple[float, float, int] = (0.2, 0.75, 3)
    returning_min: int = 2
    loyal_min: int = 4


def persona_rules(top_pct: int, aov_pct: int, orders: int) -> tuple[float, float, int]:
    """The persona sliders (percentages and a count) as Choices.rules."""
    return (top_pct / 100, aov_pct / 100, int(orders))


def kept_tiers() -> tuple[tuple[str, float], ...]:
    """The tiers as last edited (the editor keeps no state while its tab is closed)."""
    return st.session_state.get(TIERS, segments.DEFAULT_TIERS)


def tier_base() -> pl.DataFrame:
    """The tier editor's table: the kept tiers when the editor is drawn afresh (its tab was
    closed), else the table its edits are relative to."""
    if "tier_editor" not in st.session_state or _TIER_BASE not in st.session_state:
        st.session_state[_TIER_BASE] = segments.tier_table(kept_tiers())
    return st.session_state[_TIER_BASE]


def keep_tiers(edited) -> tuple[tuple[str, float], ...]:
    """The tiers of the edited table, kept for the runs that do not draw the editor."""
    tiers = segments.tiers_from_table(pl.DataFrame(edited))
    st.session_state[TIERS] = tiers
    return tiers


def groupings(has_dates: bool) -> list[str]:
    """The groupings the Contribution tab offers (RFM segment and status need dates)."""
    return [g for g, c in GROUPINGS.items() if has_dates or c not in DATED]


def comparison_guess(two: list[str]) -> int:
    """The two-valued attribute compared first: a subscription when there is one."""
    return next((i for i, a in enumerate(two) if "subscri" in a.lower()), 0)


def members_sheet(pick: str) -> str:
    return f"segment_{pick.lower().replace(' ', '_')}"


# ---------------------------------------------------------------- customers labelled
@dataclass(frozen=True)
class Labelled:
    """The customers labelled step by step with the choices in use: the defaults where the
    chosen tiers or cut-offs cannot be used (`tier_error`, `cutoff_error` say why)."""

    key: str  # what `labelled` is: a cache key for what is computed from it
    tiers: tuple[tuple[str, float], ...]
    tier_error: str | None
    tiered: pl.DataFrame
    edges: pl.DataFrame
    with_persona: pl.DataFrame
    persona_table: pl.DataFrame
    cutoffs: tuple[int, int]
    cutoff_error: str | None
    labelled: pl.DataFrame

    @property
    def tier_names(self) -> list[str]:
        return [n for n, _ in self.tiers]


def value_tiers(scored: pl.DataFrame, tiers: tuple) -> tuple:
    """(tiers in use, why the chosen ones are not, the table with value_tier, tier edges)."""
    try:
        return (
            tiers,
            None,
            segments.add_value_tier(scored, tiers),
            segments.tier_edges(scored, tiers),
        )
    except InputError as exc:
        d = segments.DEFAULT_TIERS
        return d, str(exc), segments.add_value_tier(scored, d), segments.tier_edges(scored, d)


def personas(tiered: pl.DataFrame, rules: tuple) -> tuple[pl.DataFrame, pl.DataFrame]:
    r = segments.PersonaRules(top_share=rules[0], aov_quantile=rules[1], loyal_orders=rules[2])
    return segments.add_persona(tiered, r), segments.persona_rules(tiered, r)


def loyalty(table: pl.DataFrame, returning_min: int, loyal_min: int) -> tuple:
    """(cut-offs in use, why the chosen ones are not, the table with loyalty)."""
    try:
        return (
            (returning_min, loyal_min),
            None,
            segments.add_loyalty(table, returning_min, loyal_min),
        )
    except InputError as exc:
        return (2, 4), str(exc), segments.add_loyalty(table, 2, 4)


@loading.dataset_cache(shared=16, private=5)
def _value_tiers(key: str, _scored: pl.DataFrame, tiers: tuple) -> tuple:
    return value_tiers(_scored, tiers)


def tiers_in_use(key: str, scored: pl.DataFrame, tiers: tuple) -> tuple:
    """value_tiers, cached per view (key: what `scored` is)."""
    return _value_tiers(f"{key}|{tiers}", scored, tiers)


@loading.dataset_cache(shared=16, private=5)
def _personas(key: str, _tiered: pl.DataFrame, rules: tuple) -> tuple:
    return personas(_tiered, rules)


@loading.dataset_cache(shared=16, private=5)
def _loyalty(key: str, _table: pl.DataFrame, returning_min: int, loyal_min: int) -> tuple:
    return loyalty(_table, returning_min, loyal_min)


def label(key: str, scored: pl.DataFrame, c: Choices, cached: bool = True) -> Labelled:
    """The scored customers (key: what they are) labelled with `c`: cached per step in the
    page's run, computed when not `cached` (the workbook, outside the run)."""
    tiers, tier_error, tiered, edges = (
        tiers_in_use(key, scored, c.tiers) if cached else value_tiers(scored, c.tiers)
    )
    pkey = f"{key}|{tiers}|{c.rules}"
    with_persona, persona_table = (
        _personas(pkey, tiered, c.rules) if cached else personas(tiered, c.rules)
    )
    lo = (c.returning_min, c.loyal_min)
    cutoffs, cutoff_error, labelled = (
        _loyalty(f"{pkey}|{lo}", with_persona, *lo) if cached else loyalty(with_persona, *lo)
    )
    return Labelled(
        f"{pkey}|{cutoffs}", tiers, tier_error, tiered, edges, with_persona, persona_table,
        cutoffs, cutoff_error, labelled,
    )  # fmt: skip


# ---------------------------------------------------------------- cached core calls
HUB_BINS = 5  # the RFM bins of the customer table's own scores (core.hub.metrics_with_fit)


@loading.dataset_cache(shared=16, private=5, spinner="Scoring customers…")
def scored(key: str, _hub: pl.DataFrame, bins: int) -> pl.DataFrame:
    """The customer table with RFM scores for `bins`: as it is for its own bins (scoring it
    again gives the same columns)."""
    return _hub if bins == HUB_BINS else segments.add_rfm(_hub, bins)


@loading.dataset_cache(shared=16, private=5)
def with_clv(key: str, _table: pl.DataFrame, _hub: pl.DataFrame) -> pl.DataFrame:
    """`_table` (customers of the page, key: what it is) with the CLV columns of the customer
    table `_hub`: the page computes its figures on the table before the CLV fit
    (views.state.AppData.customer_metrics) and puts them on where it shows them."""
    return with_clv_of(_table, _hub)


@loading.dataset_cache(shared=16, private=5)
def kpis(key: str, _scored: pl.DataFrame) -> dict:
    return segments.segment_kpis(_scored)


@loading.dataset_cache(shared=16, private=5)
def rfm_tables(key: str, bins: int, _scored: pl.DataFrame) -> tuple[pl.DataFrame, ...]:
    """The RFM tab's segment map cells and score thresholds (`_scored`: scored for `bins`)."""
    return segments.map_and_thresholds(_scored, bins, scored=True)


@loading.dataset_cache(shared=16, private=5)
def second_order(key: str, _orders: pl.DataFrame, customers: int):
    """The days to a second order, their summary and buckets."""
    second = segments.time_to_second_order(_orders)
    summary = segments.second_order_summary(second, customers=customers)
    return second, summary, segments.second_order_buckets(second)


@loading.dataset_cache(shared=32, private=8)
def summary(key: str, by: str, order: tuple[str, ...] | None, _table: pl.DataFrame):
    """segment_summary of `_table` by `by` (key: what `_table` is)."""
    return segments.segment_summary(_table, by, order=list(order) if order else None)


@loading.dataset_cache(shared=16, private=5)
def status_labels(key: str, _labelled: pl.DataFrame) -> pl.DataFrame:
    """The labelled table with its statuses in words (what the page shows of a customer)."""
    return segments.with_status_labels(_labelled)


@loading.dataset_cache(shared=16, private=5)
def loyalty_tables(key: str, _labelled: pl.DataFrame):
    """The loyalty summary and the orders distribution."""
    return segments.segment_summary(_labelled, "loyalty"), segments.orders_distribution(_labelled)


@loading.dataset_cache(shared=16, private=5)
def members(key: str, pick: str, _scored: pl.DataFrame) -> pl.DataFrame:
    return segments.with_status_labels(segments.segment_members(_scored, pick))


@loading.dataset_cache(shared=16, private=5)
def attribute_lists(key: str, _table: pl.DataFrame):
    """The Demographics tab's attributes, two-valued attributes and metrics (the page's labels
    are none of them: the scored table gives the same lists)."""
    return (
        segments.attribute_columns(_table),
        segments.two_valued_attributes(_table),
        segments.metric_columns(_table),
    )


@loading.dataset_cache(shared=16, private=5)
def breakdown(key: str, attr: str, nbins: int, _labelled: pl.DataFrame) -> pl.DataFrame:
    return segments.attribute_breakdown(_labelled, attr, nbins)


@loading.dataset_cache(shared=16, private=5)
def comparison(key: str, attr: str, metric: str, group_b: str, _labelled: pl.DataFrame):
    """compare_groups (an InputError is raised, not kept)."""
    return segments.compare_groups(_labelled, attr, metric, group_b=group_b)


@loading.dataset_cache(shared=16, private=5)
def two_groups(key: str, attr: str, _labelled: pl.DataFrame) -> list[str]:
    return segments.two_groups(_labelled, attr)


@loading.dataset_cache(shared=16, private=5)
def found(key: str, query: str, _table: pl.DataFrame):
    """The customers matching `query` (ids and revenue: the scored table gives the same) and
    their pick-list labels."""
    hits = segments.find_customers(_table, query, limit=50)
    return hits, segments.match_labels(hits)


@loading.dataset_cache(shared=16, private=5)
def customer(key: str, cid: str, _labelled: pl.DataFrame, _orders: pl.DataFrame):
    """One customer's profile, the attributes line of it, revenue history and orders."""
    profile = segments.customer_profile(_labelled, cid)
    return (
        profile,
        segments.profile_attributes(profile, segments.attribute_columns(_labelled)),
        segments.customer_timeline(_orders, cid),
        segments.customer_orders(_orders, cid),
    )


@loading.dataset_cache(shared=16, private=5, spinner="Finding what each group buys…")
def products(key: str, _orders: pl.DataFrame, _table: pl.DataFrame, by: str, top: int):
    return segments.segment_products(_orders, _table, by=by, top=top)


@loading.dataset_cache(shared=32, private=6)
def inconsistent(key: str, _orders: pl.DataFrame, attribute: str) -> int:
    return segments.inconsistent_count(_orders, attribute)


# ---------------------------------------------------------------- closed tabs' tables
def rfm_sheets(
    scored: pl.DataFrame, bins: int, pick: str, clv: Callable[[], pl.DataFrame]
) -> Sheets:
    """The RFM tab's tables (`clv()`: `scored` with its CLV columns, for the members listed)."""
    return {
        "rfm_segments": lambda: segments.segment_summary(scored),
        members_sheet(pick): lambda: segments.with_status_labels(
            segments.segment_members(clv(), pick)
        ),
        "rfm_thresholds": lambda: segments.rfm_thresholds(scored, bins, scored=True),
        "rfm_segment_map": segments.segment_map,
    }


def tier_sheets(lab: Callable[[], Labelled]) -> Sheets:
    return {
        "value_tiers": lambda: segments.segment_summary(
            lab().tiered, "value_tier", order=lab().tier_names
        ),
        "value_tier_edges": lambda: lab().edges,
        "persona_rules": lambda: lab().persona_table,
        "personas": lambda: segments.segment_summary(lab().with_persona, "persona"),
    }


def loyalty_sheets(lab: Callable[[], Labelled], orders: pl.DataFrame, dated: bool) -> Sheets:
    sheets = {
        "loyalty": lambda: segments.segment_summary(lab().labelled, "loyalty"),
        "orders_per_customer": lambda: segments.orders_distribution(lab().labelled),
    }
    if dated:
        sheets["time_to_second_order"] = lambda: segments.second_order_buckets(
            segments.time_to_second_order(orders)
        )
    return sheets


def contribution_sheets(
    lab: Callable[[], Labelled], shown: Callable[[], pl.DataFrame], orders, by: str, top: int
) -> Sheets:
    """The Contribution tab's tables by `by` (`shown`: the labelled table, statuses in words)."""

    def summ() -> pl.DataFrame:
        return segments.segment_summary(
            shown(), by, order=lab().tier_names if by == "value_tier" else None
        )

    def everyone() -> pl.DataFrame:
        prods = segments.segment_products(orders, shown(), by=by, top=10)
        return segments.top_items(prods, by, top, order=summ()[by].to_list())

    sheets = {f"contribution_by_{by}": summ}
    if item := segments.item_column(orders.columns):
        sheets[f"top_{item}s_by_{by}"] = or_none(everyone)
    return sheets


def demographics_sheets(
    scored: pl.DataFrame,
    attr: str | None,
    nbins: int,
    compare: tuple | None,
    clv: Callable[[], pl.DataFrame],
) -> Sheets:
    """The Demographics tab's breakdown by `attr` and its comparison (attribute, metric, group;
    None: none); `clv()`: `scored` with its CLV columns (a CLV metric compared)."""
    sheets: Sheets = {}
    if attr is not None:
        sheets[f"customers_by_{attr}"] = lambda: segments.attribute_breakdown(scored, attr, nbins)
    if compare is not None:
        attr2, metric, group_b = compare

        def frame() -> pl.DataFrame:
            table = clv() if metric in CLV_COLUMNS else scored
            return segments.compare_groups(table, attr2, metric, group_b=group_b).to_frame()

        sheets[f"compare_{attr2}"] = or_none(frame)
    return sheets


def drill_sheets(orders: pl.DataFrame, cid: str | None) -> Sheets:
    if cid is None:
        return {}
    return {f"orders_{cid}": lambda: segments.customer_orders(orders, cid)}


class Labels:
    """The customers labelled with the page's choices: computed in the run when the open tab
    needs them (`now`), else for the workbook when it is downloaded (`__call__`, `shown`:
    once, from what the run passed in)."""

    def __init__(self, key: str, scored: pl.DataFrame, choices: Choices) -> None:
        self.key, self.scored, self.choices = key, scored, choices
        self._drawn: tuple[Labelled, pl.DataFrame] | None = None
        self._built: tuple[Labelled, pl.DataFrame] | None = None  # for the workbook

    def now(self, choices: Choices | None = None) -> Labelled:
        """In the run: the labels (cached per view) and the choices they are drawn with."""
        self.choices = choices or self.choices
        lab = label(self.key, self.scored, self.choices)
        self._drawn = lab, status_labels(lab.key, lab.labelled)
        return lab

    def __call__(self) -> Labelled:
        return (self._drawn or self._later())[0]

    def shown(self) -> pl.DataFrame:
        """The labelled customers, statuses in words (Contribution, drill-down, the table)."""
        return (self._drawn or self._later())[1]

    def _later(self) -> tuple[Labelled, pl.DataFrame]:
        if self._built is None:  # kept by this object (it goes with the run's workbook)
            lab = label(self.key, self.scored, self.choices, cached=False)
            self._built = lab, segments.with_status_labels(lab.labelled)
        return self._built
