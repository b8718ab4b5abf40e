"""Customers & segments: who are our most valuable customers, and who are they?

Layout: the RFM score-bin control and the KPI cards, then tabs: RFM segments (segment map,
segment table with actions, score thresholds), Value tiers & personas (editable tiers and persona
rules), Loyalty & repeat purchases, Contribution (by segment, tier, persona, loyalty, and what
each group buys), Demographics (attribute breakdowns and the two-group comparison), Customer
drill-down, and the full customer table. Every figure comes from core.segments on the customer
metrics table (core.customers), through views.customer_figures.

Only the open tab is drawn (switching tabs reruns the page: widgets.tabs), so a filter change
computes and draws the figures in view; a closed tab draws its controls only (hidden: their
choices stay in the URL and hold in the other tabs), and its tables still go into the page's
workbook, built when it is downloaded (downloads.register_later).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import altair as alt
import polars as pl
import streamlit as st

from core import clv, segments
from core import format as fmt
from core.charts import segments as seg_charts
from core.errors import InputError
from core.hub import CLV_COLUMNS, with_clv_of
from views import ahead, downloads, needs, state, ui, widgets
from views import customer_controls as controls
from views import customer_figures as fig

Clv = Callable[[], pl.DataFrame]  # a table with the customer table's CLV columns, when needed

TABS = [
    *("RFM segments", "Value tiers & personas", "Loyalty (repeat behaviour)", "Contribution"),
    *("Demographics", "Customer drill-down", "Customer table"),
]


def show(chart: alt.TopLevelMixin, key: str, where=st) -> None:
    """Full-width chart that keeps its height; `key` names its place on the page (its download
    buttons' keys: no spec to hash)."""
    ui.chart(chart, where=where, fit=True, download_key=key)


def register_closed(sheets: fig.Sheets) -> None:
    """A closed tab's tables, for the page's workbook (built when it is downloaded)."""
    for name, make in sheets.items():
        downloads.register_later(name, make)


def kpi_cards(k: dict, dated: bool) -> None:
    ui.kpi_cards(
        [
            ui.Kpi("Customers", ui.num(k["customers"]), help="Customers with at least one order."),
            ui.Kpi("Revenue per customer", ui.money(k["revenue_per_customer"], 2)),
            ui.Kpi(
                "Repeat rate",
                ui.pct(k["repeat_rate"]),
                help="Share of customers with two or more orders.",
            ),
            ui.Kpi(
                "Champions",
                ui.num(k["champions"]),
                delta=f"{ui.pct(k['champions_revenue_share'])} of revenue",
                delta_color="off",
                help="Bought recently, buy often and spend the most.",
            ),
            ui.Kpi(
                "Slipping away",
                ui.num(k["slipping"]),
                delta=f"{ui.pct(k['slipping_revenue_share'])} of revenue",
                delta_color="off",
                help="At Risk and Cannot Lose Them customers: valuable buyers who have not come "
                "back.",
            ),
        ][: None if dated else 3],  # Champions and Slipping away need recency
        per_row=5,
    )


# ---------------------------------------------------------------- RFM segments
def rfm_tab(
    key: str, bins: int, scored: pl.DataFrame, members_of: Callable[[str], pl.DataFrame]
) -> None:
    summary = fig.summary(key, "rfm_segment", None, scored)
    cells, thresholds = fig.rfm_tables(key, bins, scored)
    if note := segments.relative_scores_note(scored):
        st.info(note, icon=":material/info:")
    show(seg_charts.segment_map(cells), "rfm_map")
    left, right = st.columns(2)
    order = list(segments.SEGMENT_ORDER)
    show(
        seg_charts.share_bars(summary, "rfm_segment", order, "Customers vs revenue"),
        "rfm_shares",
        left,
    )
    title = "Revenue per customer"
    show(
        seg_charts.per_customer_bars(summary, "rfm_segment", order, title, "segment"),
        "rfm_per_customer",
        right,
    )
    st.subheader("Segments: who they are and what to do")
    ui.table(summary, "rfm_segments", key="rfm_summary")
    segment_members(members_of, segments.present_segments(scored))
    st.subheader("Score thresholds")
    st.caption(
        "The value range behind each score on this data. A score with 0 customers was jumped "
        "over by a large tie (e.g. many one-order customers all get F = 1)."
    )
    ui.table(thresholds, "rfm_thresholds", key="rfm_thresholds")
    st.subheader("The segment map")
    st.caption(
        "R and FM on a 1-5 scale (with 3 bins scores 1, 2, 3 become 1, 3, 5; with 4 bins "
        "1, 2, 4, 5); FM is the mean of F and M, rounded half up."
    )
    ui.table(  # the action first: the description is long and would push it off-screen
        segments.segment_map(),
        "rfm_segment_map",
        key="rfm_map",
        column_order=["rfm_segment", "action", "rule", "description"],
    )


@st.fragment
def segment_members(members_of: Callable[[str], pl.DataFrame], present: list[str]) -> None:
    """The customers of a segment, every column of the customer table (`members_of(segment)`:
    the members with their CLV columns)."""
    st.subheader("Customers in a segment")
    pick = controls.segment_pick(present)
    desc, action = segments.SEGMENTS[pick]
    st.markdown(f"**{pick}**: {desc} *Suggested action:* {action}")
    members = members_of(pick)
    ui.table(members, fig.members_sheet(pick), key="seg_members", height=300)


# ---------------------------------------------------------------- value tiers & personas
def tiers_tab(key: str, scored: pl.DataFrame, c: fig.Choices) -> fig.Choices:
    """Draw the tab; returns the choices with the tiers and persona rules chosen in it."""
    st.subheader("Value tiers")
    c1, c2 = st.columns([1, 2])
    with c1:
        st.caption(
            "Customers ranked by revenue, best first. Edit the names and shares (they must add "
            "up to 100%). A customer sits in the first tier whose cumulative share is above the "
            "share of customers who spent strictly more; equal revenue shares a tier."
        )
        edited = st.data_editor(
            fig.tier_base(),
            num_rows="dynamic",
            hide_index=True,
            key="tier_editor",
            column_config={
                "tier": st.column_config.TextColumn("tier", required=True),
                "share_pct": st.column_config.NumberColumn(
                    "share (%)", min_value=0.1, max_value=100.0, step=0.5, required=True
                ),
            },
        )
    c = replace(c, tiers=fig.keep_tiers(edited))
    tiers, error, tiered, edges = fig.tiers_in_use(key, scored, c.tiers)
    if error:
        c1.error(f"These tiers cannot be used: {error}. The default tiers are shown.")
    names = [n for n, _ in tiers]
    tier_summary = fig.summary(f"{key}|{tiers}", "value_tier", tuple(names), tiered)
    show(
        seg_charts.share_bars(tier_summary, "value_tier", names, "Customers vs revenue by tier"),
        "tier_shares",
        c2,
    )
    ui.table(tier_summary, "value_tiers", key="tier_summary")
    st.caption("Revenue range of each tier on this data:")
    ui.table(edges, "value_tier_edges", key="tier_edges")

    st.subheader("Personas")
    c = replace(c, rules=controls.persona_controls())
    lab = fig.label(key, scored, c)
    st.caption("Rules, evaluated top to bottom (the first that matches wins):")
    ui.table(lab.persona_table, "persona_rules", key="persona_rules")
    persona_summary = fig.summary(f"{lab.key}|personas", "persona", None, lab.with_persona)
    c1, c2 = st.columns(2)
    order = list(segments.PERSONAS)
    title = "Customers vs revenue by persona"
    show(seg_charts.share_bars(persona_summary, "persona", order, title), "persona_shares", c1)
    title = "Revenue per customer by persona"
    show(
        seg_charts.per_customer_bars(persona_summary, "persona", order, title, "persona"),
        "persona_per_customer",
        c2,
    )
    ui.table(persona_summary, "personas", key="persona_summary")
    return c


# ---------------------------------------------------------------- loyalty & repeat
def loyalty_tab(data: state.AppData, dated: bool, scored: pl.DataFrame, labels: fig.Labels) -> None:
    st.subheader("New, returning and frequent buyers")
    st.caption(
        "Repeat behaviour counts orders only. It is not the RFM segment 'Loyal', which also "
        "weighs how recent and how large the orders are."
    )
    returning_min, loyal_min = controls.loyalty_controls()
    lab = labels.now(replace(labels.choices, returning_min=returning_min, loyal_min=loyal_min))
    if lab.cutoff_error:
        st.error(
            f"These cut-offs cannot be used: {lab.cutoff_error}. The defaults (2 and 4) are shown."
        )
    loyalty_summary, dist = fig.loyalty_tables(lab.key, lab.labelled)
    st.caption(segments.loyalty_rule(*lab.cutoffs))
    c1, c2 = st.columns(2)
    order = list(segments.LOYALTY_ORDER)
    show(
        seg_charts.share_bars(loyalty_summary, "loyalty", order, "Customers vs revenue"),
        "loyalty_shares",
        c1,
    )
    show(seg_charts.orders_histogram(dist), "orders_histogram", c2)
    ui.table(loyalty_summary, "loyalty", key="loyalty_summary")
    ui.table(
        dist,
        "orders_per_customer",
        key="orders_dist",
        labels={"orders": "Orders per customer", "n_orders": "Orders (number)"},
        hide=["n_orders"],
    )
    if dated:  # the days between a first and a second order
        st.subheader("Time to the second order")
        _, so, buckets = fig.second_order(data.key, data.orders, scored.height)
        ui.kpi_cards(
            [
                ui.Kpi(
                    "Came back for a second order",
                    ui.num(so["customers_with_second"]),
                    delta=f"{ui.pct(so['share_with_second'])} of customers",
                    delta_color="off",
                ),
                ui.Kpi(
                    "Median days to 2nd order",
                    ui.days(so["median_days"]),
                    help="Half of the customers who ordered twice did so within this many days.",
                ),
                ui.Kpi("Within 30 days", ui.pct(so["within_30_days"]), help="Of repeat customers."),
                ui.Kpi("Within 90 days", ui.pct(so["within_90_days"]), help="Of repeat customers."),
            ]
        )
        show(seg_charts.second_order_histogram(buckets), "second_order")
        ui.table(buckets, "time_to_second_order", key="second_buckets")


# ---------------------------------------------------------------- contribution
@st.fragment
def contribution(lab: fig.Labelled, shown: pl.DataFrame, orders: pl.DataFrame, dated: bool) -> None:
    c1, c2 = st.columns([1, 3])
    label = controls.grouping_control(dated, c1)
    by = fig.GROUPINGS[label]
    order = lab.tier_names if by == "value_tier" else None
    summ = fig.summary(lab.key, by, tuple(order) if order else None, shown)
    groups = summ[by].to_list()
    with c2:
        st.caption("Revenue, customers and AOV per group. AOV = the group's revenue / its orders.")
    what = label.lower().replace("rfm", "RFM")
    if len(groups) < 2:
        st.info(f"Every customer has the same {what}: nothing to compare.")
    else:
        g1, g2 = st.columns(2)
        show(
            seg_charts.share_bars(summ, by, groups, f"Customers vs revenue by {what}"),
            "contrib_shares",
            g1,
        )
        show(
            seg_charts.aov_bars(summ, by, groups, f"Average order value by {what}", what),
            "contrib_aov",
            g2,
        )
    ui.table(summ, f"contribution_by_{by}", key="contrib_table")

    st.subheader("What each group buys")
    try:
        prods = fig.products(f"{lab.key}|{by}", orders, shown, by, 10)
    except InputError as exc:
        st.info(f"No product breakdown: {exc}.")
        return
    item = prods.columns[1]
    p1, p2 = st.columns([1, 3])
    group = p1.selectbox(label, groups, **widgets.keep("contrib_group"))
    top = controls.top_control(p1)
    one = segments.top_items(prods, by, top, group=group)
    show(seg_charts.top_items(one, item, group), "contrib_top_items", p2)
    st.caption(f"Top {top} {item}s of every {what}:")
    everyone = segments.top_items(prods, by, top, order=groups)
    ui.table(everyone, f"top_{item}s_by_{by}", key="contrib_prods")


@st.fragment
def closed_contribution(labels: fig.Labels, orders: pl.DataFrame, dated: bool) -> None:
    """The closed Contribution tab: its grouping (hidden) drawn as the open tab draws it, in a
    fragment and the same columns (a control drawn at another place no longer writes the URL),
    the top items' count kept from the session (its control sits further down), and the
    tab's sheets."""
    c1, _ = st.columns([1, 3])
    by = fig.GROUPINGS[controls.grouping_control(dated, c1)]
    top = widgets.kept("contrib_top", controls.TOP_ITEMS)
    register_closed(fig.contribution_sheets(labels, labels.shown, orders, by, top))


# ---------------------------------------------------------------- demographics
@st.fragment
def demographics(key: str, scored: pl.DataFrame, orders: pl.DataFrame, dkey: str, clv: Clv) -> None:
    """Attribute breakdowns and the two-group comparison: on the scored customers (the page's
    labels are no attribute and change no metric), with their CLV columns (`clv()`) when a CLV
    metric is compared."""
    attrs, two, metrics = fig.attribute_lists(key, scored)
    if not attrs:
        st.info(
            "No customer attributes in this data (age, gender, subscription, region ...). "
            "Add columns to the orders file or load a customers file on the Data page."
        )
        return
    attr, nbins, c3 = controls.attribute_controls(scored, attrs)
    with c3:
        if scored.schema[attr].is_numeric():
            st.caption(f"{attr} is numeric: binned into {nbins} groups of about equal size.")
        if attr in orders.columns and (n_bad := fig.inconsistent(dkey, orders, attr)):
            st.caption(
                f"{fmt.count(n_bad, 'customer')} "
                + ("has" if n_bad == 1 else "have")
                + f" more than one {attr} in their orders; their most frequent value is used."
            )
    breakdown = fig.breakdown(key, attr, nbins, scored)
    groups = breakdown["group"].to_list()
    if len(groups) < 2:
        st.info(f"Every customer has the same {attr}: nothing to compare.")
    else:
        b1, b2 = st.columns(2)
        show(
            seg_charts.share_bars(breakdown, "group", groups, f"Customers vs revenue by {attr}"),
            "demo_shares",
            b1,
        )
        title = f"Revenue per customer by {attr}"
        show(
            seg_charts.per_customer_bars(breakdown, "group", groups, title, attr),
            "demo_per_customer",
            b2,
        )
    ui.table(breakdown, f"customers_by_{attr}", key="demo_table")

    st.subheader("Does a two-valued attribute pay off?")
    if not two:
        st.info("No attribute with exactly two values (e.g. subscription yes / no).")
        return
    attr2, metric, group_b = controls.comparison_controls(key, scored, two, metrics)
    try:
        table = clv() if metric in CLV_COLUMNS else scored
        cmp = fig.comparison(key, attr2, metric, group_b, table)
    except InputError as exc:
        ui.show_error(exc, "The groups cannot be compared")
        return
    (st.success if cmp.significant else st.info)(cmp.sentence)
    ui.kpi_cards(
        [
            ui.Kpi(
                f"{attr2} = {cmp.group_b}",
                ui.money(cmp.mean_b, 2),
                help=f"Average {metric} per customer ({cmp.n_b:,} customers).",
            ),
            ui.Kpi(
                f"{attr2} = {cmp.group_a}",
                ui.money(cmp.mean_a, 2),
                help=f"Average {metric} per customer ({cmp.n_a:,} customers).",
            ),
            ui.Kpi(
                "Difference (95% CI)",
                ui.money(cmp.diff, 2),
                delta=f"{ui.money(cmp.ci_low, 2)} to {ui.money(cmp.ci_high, 2)}",
                delta_color="off",
            ),
            ui.Kpi(
                "Repeat rate difference",
                f"{100 * cmp.repeat_diff:+.1f} pts",
                delta=f"{ui.pct(cmp.repeat_rate_b)} vs {ui.pct(cmp.repeat_rate_a)}",
                delta_color="off",
            ),
        ]
    )
    frame = cmp.to_frame()
    e1, e2 = st.columns(2)
    title = f"{attr2} = {cmp.group_b} minus {cmp.group_a}"
    show(seg_charts.difference_ci(frame.head(1), title, ",.0f"), "cmp_difference", e1)
    show(
        seg_charts.difference_ci(frame.tail(1), "Repeat rate difference", ".1%"),
        "cmp_repeat_rate",
        e2,
    )
    per_customer = [c for c in frame.columns if " = " in c] + ["difference", "ci_low", "ci_high"]
    ui.table(
        frame,
        f"compare_{attr2}",
        key="cmp_table",
        formats=dict.fromkeys(per_customer, "unit_money"),  # means per customer
    )


def demographics_closed(key: str, scored: pl.DataFrame, later: Clv) -> fig.Sheets:
    """The controls of the closed Demographics tab and its sheets (`later()`: the customer
    table, for a CLV metric compared)."""
    attrs, two, metrics = fig.attribute_lists(key, scored)
    if not attrs:
        return {}
    attr, nbins, _ = controls.attribute_controls(scored, attrs)
    compare = controls.comparison_controls(key, scored, two, metrics) if two else None
    return fig.demographics_sheets(
        scored, attr, nbins, compare, lambda: with_clv_of(scored, later())
    )


# ---------------------------------------------------------------- customer drill-down
@st.fragment
def drill_down(key: str, scored: pl.DataFrame, lkey: str, shown, orders) -> None:
    q, cid = controls.drill_controls(key, scored)
    if cid is None:
        st.warning(f"No customer matches {q!r}.")
        return
    p, attrs, timeline, lines = fig.customer(lkey, cid, shown, orders)
    st.markdown(f"### {cid}\n{segments.profile_headline(p)}")
    desc, action = segments.SEGMENTS.get(p["rfm_segment"], ("", ""))
    st.caption(f"{desc} Suggested action: {action}")
    items = [
        ui.Kpi("Revenue", ui.money(p["revenue"], 2)),
        ui.Kpi("Orders", ui.num(p["orders"])),
        ui.Kpi("Average order value", ui.money(p["aov"], 2)),
        ui.Kpi("Days since last order", ui.num(p["recency_days"])),
        ui.Kpi("Customer for", ui.days(p["tenure_days"])),
        ui.Kpi("Days between orders", ui.num(p.get("avg_days_between_orders"))),
        ui.Kpi("Return rate", ui.pct(p.get("return_rate"))),
    ]
    alive = p.get("p_alive")
    if alive is not None:
        items.append(
            ui.Kpi(
                "Chance still buying (model)",
                ui.pct(alive),
                help="P(alive) of the BG/NBD model: from this customer's own buying rhythm. "
                "The status (active / at risk / churned) only counts days since the last "
                "order against the shared thresholds, so the two can disagree.",
            )
        )
    ui.kpi_cards(items)
    status = str(p.get("status") or "").lower().replace(" ", "_")
    if alive is not None and (
        (status == "churned" and alive >= 0.5) or (status == "active" and alive < 0.5)
    ):
        st.info(
            f"Two measures disagree: the **status** is {status.replace('_', ' ')} (days since "
            f"the last order against the thresholds), while the **model** gives a "
            f"{ui.pct(alive)} chance that this customer still buys, from their own rhythm "
            "(a customer who buys rarely can be quiet for long and still be a customer).",
            icon=":material/compare_arrows:",
        )
    if note := clv.fallback_note(shown):
        st.caption(f":material/info: {note}")
    if attrs:
        st.caption(attrs)
    show(seg_charts.revenue_history(timeline), "drill_history")
    ui.table(lines, f"orders_{cid}", key="drill_orders", formats={"revenue": "unit_money"})


@st.fragment
def closed_drill_down(key: str, scored: pl.DataFrame, orders: pl.DataFrame) -> None:
    """The closed drill-down tab: its search (hidden) in a fragment, as the open tab draws it,
    and the picked customer's orders for the workbook."""
    _, cid = controls.drill_controls(key, scored)
    register_closed(fig.drill_sheets(orders, cid))


# ---------------------------------------------------------------- the full table
def table_tab(shown: pl.DataFrame) -> None:
    st.caption(
        f"{shown.height:,} customers × {len(shown.columns)} columns: the customer metrics "
        "table with the segment, tier, persona and loyalty chosen on this page. The same table "
        "comes from `python -m core customers ORDERS --out FILE`."
    )
    if note := clv.fallback_note(shown):
        st.warning(note, icon=":material/warning:")
    ui.table(shown, "customer_table", key="full_table", height=420)


# ---------------------------------------------------------------- the page
data = state.app_data()
dated = data.has_dates
state.start_ahead(data)  # the filtered customer table, while the header draws
st.title("Customers & segments")
st.caption(
    f"{data.name} · "
    + (f"as of {data.settings.as_of}" if dated else "the whole file (no order dates)")
    + (" · filtered" if data.filters.active else "")
    + " · who are our most valuable customers, and who are they?"
)
needs.dates_note(data, "RFM segments, churn status, time to a second order and CLV")
bins = controls.bins_control() if dated else 5  # RFM needs recency: no dates, the default

try:
    with st.spinner("Computing customer metrics…"):
        # while its CLV fit runs ahead, the table before it: the tabs showing CLV columns put
        # them on (fig.with_clv), the others need not wait for the fit
        hub = data.customer_metrics()
except InputError as exc:
    ui.show_error(exc, "The customer table cannot be built")
    st.stop()
if hub.is_empty():
    st.warning("No customers to segment: the orders hold no customer with an order up to as-of.")
    st.stop()

scored = fig.scored(f"{data.key}|{bins}", hub, bins)
key = f"{data.key}|b{bins}"
kpi_cards(fig.kpis(key, scored), dated)
tabs = widgets.tabs(TABS, "customers_tab")
if any(widgets.is_open(tabs[i]) for i in (0, 5, 6)):  # they show CLV columns: no fit held
    ahead.release_all()
orders = data.orders
labels = fig.Labels(key, scored, fig.Choices(tiers=fig.kept_tiers()))


def scored_clv() -> pl.DataFrame:
    """The scored customers with their CLV columns (waits for the CLV fit)."""
    return fig.with_clv(key, scored, data.customer_table())


def members_clv(pick: str) -> pl.DataFrame:
    """A segment's members with their CLV columns (waits for the CLV fit; the columns are put
    on the members only, not on every customer first)."""
    members = fig.members(key, pick, scored)
    return fig.with_clv(f"{key}|members|{pick}", members, data.customer_table())


def shown_clv() -> pl.DataFrame:
    """The labelled customers (statuses in words) with their CLV columns (drill-down, table)."""
    return fig.with_clv(f"{labels().key}|shown", labels.shown(), data.customer_table())


later = data.customer_table_later()  # for the closed tabs' sheets (built on the download)
# A closed tab draws its controls only (hidden): their choices stay in the URL, and its tables
# go into the workbook, built when it is downloaded.
with tabs[0]:
    if not dated:
        st.info("RFM segments need order dates (recency): this file has none.")
    elif widgets.is_open(tabs[0]):
        rfm_tab(key, bins, scored, members_clv)
    else:
        pick = controls.kept_segment(scored)
        register_closed(fig.rfm_sheets(scored, bins, pick, lambda: with_clv_of(scored, later())))

with tabs[1]:
    if widgets.is_open(tabs[1]):
        labels.choices = tiers_tab(key, scored, labels.choices)
    else:
        labels.choices = replace(labels.choices, rules=controls.persona_controls())
        register_closed(fig.tier_sheets(labels))

with tabs[2]:
    if widgets.is_open(tabs[2]):
        loyalty_tab(data, dated, scored, labels)
    else:
        returning_min, loyal_min = controls.loyalty_controls()
        labels.choices = replace(labels.choices, returning_min=returning_min, loyal_min=loyal_min)
        register_closed(fig.loyalty_sheets(labels, orders, dated))

if any(widgets.is_open(tabs[i]) for i in (3, 5, 6)):  # they draw the labels
    labels.now()

with tabs[3]:
    if widgets.is_open(tabs[3]):
        contribution(labels(), labels.shown(), orders, dated)
    else:
        closed_contribution(labels, orders, dated)

with tabs[4]:
    if widgets.is_open(tabs[4]):
        demographics(key, scored, orders, data.key, scored_clv)
    else:
        register_closed(demographics_closed(key, scored, later))

with tabs[5]:
    if widgets.is_open(tabs[5]):
        drill_down(key, scored, labels().key, shown_clv(), orders)
    else:
        closed_drill_down(key, scored, orders)

with tabs[6]:
    if widgets.is_open(tabs[6]):
        table_tab(shown_clv())
    else:
        downloads.register_later("customer_table", lambda: with_clv_of(labels.shown(), later()))
downloads.tables_workbook("customers_tables")
