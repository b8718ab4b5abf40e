"""Customers & segments: who are our most valuable customers, and who are they?

Layout: the RFM score-bin control and the KPI cards, then tabs: RFM segments (segment map,
segment table with actions, score thresholds), Value tiers & personas (editable tiers and persona
rules), Loyalty & repeat purchases, Contribution (by segment, tier, persona, loyalty, and what
each group buys), Demographics (attribute breakdowns and the two-group comparison), Customer
drill-down, and the full customer table. Every figure comes from core.segments on the customer
metrics table (core.customers).
"""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

from core import clv, segments
from core import format as fmt
from core.charts import segments as seg_charts
from core.errors import InputError
from views import downloads, loading, needs, state, ui, widgets

GROUPINGS = {
    "RFM segment": "rfm_segment",
    "Value tier": "value_tier",
    "Persona": "persona",
    "Loyalty (repeat behaviour)": "loyalty",
    "Churn status": "status",
}
DATED = ("rfm_segment", "status")  # groupings that need order dates


# ---------------------------------------------------------------- cached core calls
@loading.dataset_cache(shared=16, private=5, spinner="Scoring customers…")
def _scored(key: str, _hub: pl.DataFrame, bins: int) -> pl.DataFrame:
    return segments.add_rfm(_hub, bins)


@loading.dataset_cache(shared=16, private=5)
def _rfm_tables(key: str, bins: int, _scored: pl.DataFrame) -> tuple[pl.DataFrame, ...]:
    """The RFM tab's segment summary, segment map cells and score thresholds."""
    return (
        segments.segment_summary(_scored),
        segments.segment_cells(_scored, bins),
        segments.rfm_thresholds(_scored, bins),
    )


@loading.dataset_cache(shared=16, private=5)
def _tiered(key: str, _table: pl.DataFrame, tiers: tuple[tuple[str, float], ...]):
    return segments.add_value_tier(_table, tiers), segments.tier_edges(_table, tiers)


@loading.dataset_cache(shared=16, private=5)
def _personas(key: str, _table: pl.DataFrame, rules: tuple) -> tuple[pl.DataFrame, pl.DataFrame]:
    r = segments.PersonaRules(top_share=rules[0], aov_quantile=rules[1], loyal_orders=rules[2])
    return segments.add_persona(_table, r), segments.persona_rules(_table, r)


@loading.dataset_cache(shared=16, private=5)
def _loyalty(key: str, _table: pl.DataFrame, returning_min: int, loyal_min: int) -> pl.DataFrame:
    return segments.add_loyalty(_table, returning_min, loyal_min)


@loading.dataset_cache(shared=16, private=5)
def _second_order(key: str, _orders: pl.DataFrame, customers: int):
    """The days to a second order, their summary and buckets."""
    second = segments.time_to_second_order(_orders)
    summary = segments.second_order_summary(second, customers=customers)
    return second, summary, segments.second_order_buckets(second)


# Below: what a rerun would otherwise compute again over every customer (or every line) although
# nothing it depends on changed (seconds at 10M lines); keyed by the page's key and the widgets.
@loading.dataset_cache(shared=16, private=5)
def _kpis(key: str, _scored: pl.DataFrame) -> dict:
    return segments.segment_kpis(_scored)


@loading.dataset_cache(shared=32, private=8)
def _summary(key: str, by: str, order: tuple[str, ...] | None, _table: pl.DataFrame):
    """segment_summary of `_table` by `by` (key: what `_table` is)."""
    return segments.segment_summary(_table, by, order=list(order) if order else None)


@loading.dataset_cache(shared=16, private=5)
def _loyalty_tables(key: str, _labelled: pl.DataFrame):
    """The table with status labels, the loyalty summary and the orders distribution."""
    return (
        segments.with_status_labels(_labelled),
        segments.segment_summary(_labelled, "loyalty"),
        segments.orders_distribution(_labelled),
    )


@loading.dataset_cache(shared=16, private=5)
def _members(key: str, pick: str, _scored: pl.DataFrame) -> pl.DataFrame:
    return segments.with_status_labels(segments.segment_members(_scored, pick))


@loading.dataset_cache(shared=16, private=5)
def _attribute_lists(key: str, _labelled: pl.DataFrame):
    """The Demographics tab's attributes, two-valued attributes and metrics."""
    return (
        segments.attribute_columns(_labelled),
        segments.two_valued_attributes(_labelled),
        segments.metric_columns(_labelled),
    )


@loading.dataset_cache(shared=16, private=5)
def _breakdown(key: str, attr: str, nbins: int, _labelled: pl.DataFrame) -> pl.DataFrame:
    return segments.attribute_breakdown(_labelled, attr, nbins)


@loading.dataset_cache(shared=16, private=5)
def _comparison(key: str, attr: str, metric: str, group_b: str, _labelled: pl.DataFrame):
    """compare_groups (an InputError is raised, not kept)."""
    return segments.compare_groups(_labelled, attr, metric, group_b=group_b)


@loading.dataset_cache(shared=16, private=5)
def _two_groups(key: str, attr: str, _labelled: pl.DataFrame) -> list[str]:
    return segments.two_groups(_labelled, attr)


@loading.dataset_cache(shared=16, private=5)
def _found(key: str, query: str, _labelled: pl.DataFrame):
    found = segments.find_customers(_labelled, query, limit=50)
    return found, segments.match_labels(found)


@loading.dataset_cache(shared=16, private=5)
def _customer(key: str, cid: str, _labelled: pl.DataFrame, _orders: pl.DataFrame):
    """One customer's profile, the attributes line of it, revenue history and orders."""
    profile = segments.customer_profile(_labelled, cid)
    return (
        profile,
        segments.profile_attributes(profile, segments.attribute_columns(_labelled)),
        segments.customer_timeline(_orders, cid),
        segments.customer_orders(_orders, cid),
    )


@loading.dataset_cache(shared=16, private=5, spinner="Finding what each group buys…")
def _products(key: str, _orders: pl.DataFrame, _table: pl.DataFrame, by: str, top: int):
    return segments.segment_products(_orders, _table, by=by, top=top)


@loading.dataset_cache(shared=32, private=6)
def _inconsistent(key: str, _orders: pl.DataFrame, attribute: str) -> int:
    return segments.inconsistent_count(_orders, attribute)


# ---------------------------------------------------------------- small display helpers
def show(chart: alt.TopLevelMixin, where=st) -> None:
    """Full-width chart that keeps its height, also when drawn in a tab that is not open."""
    ui.chart(chart, where=where, fit=True)


# ---------------------------------------------------------------- the page
data = state.app_data()
s = data.settings
st.title("Customers & segments")
st.caption(
    f"{data.name} · "
    + (f"as of {s.as_of}" if data.has_dates else "the whole file (no order dates)")
    + (" · filtered" if data.filters.active else "")
    + " · who are our most valuable customers, and who are they?"
)
needs.dates_note(data, "RFM segments, churn status, time to a second order and CLV")

try:
    with st.spinner("Computing customer metrics…"):
        hub = data.customer_table()
except InputError as exc:
    ui.show_error(exc, "The customer table cannot be built")
    st.stop()
if hub.is_empty():
    st.warning("No customers to segment: the orders hold no customer with an order up to as-of.")
    st.stop()

bins = 5  # RFM scores need recency: a file without dates keeps the default
if data.has_dates:
    c_bins, c_note = st.columns([1, 3])
    bins = c_bins.segmented_control(
        "RFM score bins",
        options=[3, 4, 5],
        default=5,
        **widgets.keep("seg_bins"),
        help="Each of R, F and M is scored 1..bins by quantile of the customers (5 = quintiles).",
    )
    bins = int(bins or 5)
    c_note.caption(
        "Scores: 1 + floor(bins × share of customers with a strictly worse value), so equal values "
        "always get equal scores. R is reversed: the most recent buyers score highest. The segment "
        "is read from the R × FM map below (FM = mean of F and M, rounded half up)."
    )

scored = _scored(f"{data.key}|{bins}", hub, bins)
key = f"{data.key}|b{bins}"
k = _kpis(key, scored)
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
            help="At Risk and Cannot Lose Them customers: valuable buyers who have not come back.",
        ),
    ][: None if data.has_dates else 3],  # Champions and Slipping away need recency
    per_row=5,
)

tabs = widgets.tabs(
    [
        "RFM segments",
        "Value tiers & personas",
        "Loyalty (repeat behaviour)",
        "Contribution",
        "Demographics",
        "Customer drill-down",
        "Customer table",
    ],
    "customers_tab",
)


# ---------------------------------------------------------------- RFM segments
def rfm_tab() -> None:
    summary, cells, thresholds = _rfm_tables(key, bins, scored)
    if note := segments.relative_scores_note(scored):
        st.info(note, icon=":material/info:")
    show(seg_charts.segment_map(cells))
    left, right = st.columns(2)
    order = list(segments.SEGMENT_ORDER)
    show(seg_charts.share_bars(summary, "rfm_segment", order, "Customers vs revenue"), left)
    title = "Revenue per customer"
    show(seg_charts.per_customer_bars(summary, "rfm_segment", order, title, "segment"), right)
    st.subheader("Segments: who they are and what to do")
    ui.table(summary, "rfm_segments", key="rfm_summary")

    @st.fragment
    def segment_members(scored: pl.DataFrame, summary: pl.DataFrame) -> None:
        st.subheader("Customers in a segment")
        present = summary["rfm_segment"].to_list()
        pick = st.selectbox(
            "Segment",
            present,
            index=present.index("Champions") if "Champions" in present else 0,
            **widgets.keep("seg_pick"),
        )
        desc, action = segments.SEGMENTS[pick]
        st.markdown(f"**{pick}**: {desc} *Suggested action:* {action}")
        members = _members(key, pick, scored)
        ui.table(
            members, f"segment_{pick.lower().replace(' ', '_')}", key="seg_members", height=300
        )

    segment_members(scored, summary)

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


with tabs[0]:
    if data.has_dates:
        rfm_tab()
    else:
        st.info("RFM segments need order dates (recency): this file has none.")

# ---------------------------------------------------------------- value tiers & personas
with tabs[1]:
    st.subheader("Value tiers")
    c1, c2 = st.columns([1, 2])
    with c1:
        st.caption(
            "Customers ranked by revenue, best first. Edit the names and shares (they must add "
            "up to 100%). A customer sits in the first tier whose cumulative share is above the "
            "share of customers who spent strictly more; equal revenue shares a tier."
        )
        edited = st.data_editor(
            segments.tier_table(),
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
    tiers = segments.tiers_from_table(pl.DataFrame(edited))
    try:
        tiered, edges = _tiered(f"{key}|{tiers}", scored, tiers)
    except InputError as exc:
        c1.error(f"These tiers cannot be used: {exc}. The default tiers are shown.")
        tiers = segments.DEFAULT_TIERS
        tiered, edges = _tiered(f"{key}|{tiers}", scored, tiers)
    tier_names = [n for n, _ in tiers]
    tier_summary = _summary(f"{key}|{tiers}", "value_tier", tuple(tier_names), tiered)
    with c2:
        show(
            seg_charts.share_bars(
                tier_summary, "value_tier", tier_names, "Customers vs revenue by tier"
            )
        )
    ui.table(tier_summary, "value_tiers", key="tier_summary")
    st.caption("Revenue range of each tier on this data:")
    ui.table(edges, "value_tier_edges", key="tier_edges")

    st.subheader("Personas")
    p1, p2, p3 = st.columns(3)
    top_share = p1.slider(
        "Top group: top % of customers by revenue", 5, 50, 20, 5, **widgets.keep("p_top")
    )
    aov_q = p2.slider(
        "Big basket: AOV at or above this percentile", 50, 95, 75, 5, **widgets.keep("p_aov")
    )
    loyal_orders = p3.number_input("Many orders: at least", 2, 50, 3, **widgets.keep("p_orders"))
    rules = (top_share / 100, aov_q / 100, int(loyal_orders))
    tkey = f"{key}|{tiers}"
    with_persona, persona_rules = _personas(f"{tkey}|{rules}", tiered, rules)
    st.caption("Rules, evaluated top to bottom (the first that matches wins):")
    ui.table(persona_rules, "persona_rules", key="persona_rules")
    persona_summary = _summary(f"{tkey}|{rules}", "persona", None, with_persona)
    c1, c2 = st.columns(2)
    order = list(segments.PERSONAS)
    title = "Customers vs revenue by persona"
    show(seg_charts.share_bars(persona_summary, "persona", order, title), c1)
    title = "Revenue per customer by persona"
    show(seg_charts.per_customer_bars(persona_summary, "persona", order, title, "persona"), c2)
    ui.table(persona_summary, "personas", key="persona_summary")

# ---------------------------------------------------------------- loyalty & repeat
with tabs[2]:
    st.subheader("New, returning and frequent buyers")
    st.caption(
        "Repeat behaviour counts orders only. It is not the RFM segment 'Loyal', which also "
        "weighs how recent and how large the orders are."
    )
    l1, l2, _ = st.columns([1, 1, 2])
    returning_min = l1.number_input(
        "Returning from (orders)", 2, 100, 2, **widgets.keep("loy_returning")
    )
    loyal_min = l2.number_input("Frequent from (orders)", 3, 500, 4, **widgets.keep("loy_loyal"))
    pkey = f"{tkey}|{rules}"
    try:
        labelled = _loyalty(
            f"{pkey}|{returning_min}|{loyal_min}", with_persona, int(returning_min), int(loyal_min)
        )
    except InputError as exc:
        st.error(f"These cut-offs cannot be used: {exc}. The defaults (2 and 4) are shown.")
        returning_min, loyal_min = 2, 4
        labelled = _loyalty(f"{pkey}|2|4", with_persona, 2, 4)
    lkey = f"{pkey}|{returning_min}|{loyal_min}"
    # shown: with Active / At risk / Churned labels
    shown, loyalty_summary, dist = _loyalty_tables(lkey, labelled)
    st.caption(segments.loyalty_rule(int(returning_min), int(loyal_min)))
    c1, c2 = st.columns(2)
    show(
        seg_charts.share_bars(
            loyalty_summary, "loyalty", list(segments.LOYALTY_ORDER), "Customers vs revenue"
        ),
        c1,
    )
    show(seg_charts.orders_histogram(dist), c2)
    ui.table(loyalty_summary, "loyalty", key="loyalty_summary")
    ui.table(
        dist,
        "orders_per_customer",
        key="orders_dist",
        labels={"orders": "Orders per customer", "n_orders": "Orders (number)"},
        hide=["n_orders"],
    )

    if data.has_dates:  # the days between a first and a second order
        st.subheader("Time to the second order")
        second, so, buckets = _second_order(data.key, data.orders, hub.height)
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
        show(seg_charts.second_order_histogram(buckets))
        ui.table(buckets, "time_to_second_order", key="second_buckets")

# ---------------------------------------------------------------- contribution
with tabs[3]:

    @st.fragment
    def contribution(labelled: pl.DataFrame, tier_names: list[str], lkey: str) -> None:
        c1, c2 = st.columns([1, 3])
        offered = [g for g, c in GROUPINGS.items() if data.has_dates or c not in DATED]
        label = c1.selectbox("Group customers by", offered, **widgets.keep("contrib_by"))
        by = GROUPINGS[label]
        order = tier_names if by == "value_tier" else None
        summ = _summary(lkey, by, tuple(order) if order else None, labelled)
        groups = summ[by].to_list()
        with c2:
            st.caption(
                "Revenue, customers and AOV per group. AOV = the group's revenue / its orders."
            )
        what = label.lower().replace("rfm", "RFM")
        if len(groups) < 2:
            st.info(f"Every customer has the same {what}: nothing to compare.")
        else:
            g1, g2 = st.columns(2)
            show(seg_charts.share_bars(summ, by, groups, f"Customers vs revenue by {what}"), g1)
            title = f"Average order value by {what}"
            show(seg_charts.aov_bars(summ, by, groups, title, what), g2)
        ui.table(summ, f"contribution_by_{by}", key="contrib_table")

        st.subheader("What each group buys")
        try:
            prods = _products(f"{lkey}|{by}", data.orders, labelled, by, 10)
        except InputError as exc:
            st.info(f"No product breakdown: {exc}.")
            return
        item = prods.columns[1]
        p1, p2 = st.columns([1, 3])
        group = p1.selectbox(label, groups, **widgets.keep("contrib_group"))
        top = p1.slider("Top items", 3, 10, 5, **widgets.keep("contrib_top"))
        one = segments.top_items(prods, by, top, group=group)
        show(seg_charts.top_items(one, item, group), p2)
        st.caption(f"Top {top} {item}s of every {what}:")
        everyone = segments.top_items(prods, by, top, order=groups)
        ui.table(everyone, f"top_{item}s_by_{by}", key="contrib_prods")

    contribution(shown, tier_names, lkey)

# ---------------------------------------------------------------- demographics
with tabs[4]:

    @st.fragment
    def demographics(labelled: pl.DataFrame) -> None:
        attrs, two, metrics = _attribute_lists(lkey, labelled)
        if not attrs:
            st.info(
                "No customer attributes in this data (age, gender, subscription, region ...). "
                "Add columns to the orders file or load a customers file on the Data page."
            )
            return
        c1, c2, c3 = st.columns([1, 1, 2])
        attr = c1.selectbox("Attribute", attrs, **widgets.keep("demo_attr"))
        numeric = labelled.schema[attr].is_numeric()
        nbins = c2.slider(
            "Groups (quantiles)", 2, 10, 4, **widgets.keep("demo_bins"), disabled=not numeric
        )
        with c3:
            if numeric:
                st.caption(f"{attr} is numeric: binned into {nbins} groups of about equal size.")
            if attr in data.orders.columns:
                n_bad = _inconsistent(data.key, data.orders, attr)
                if n_bad:
                    st.caption(
                        f"{fmt.count(n_bad, 'customer')} "
                        + ("has" if n_bad == 1 else "have")
                        + f" more than one {attr} in their orders; "
                        "their most frequent value is used."
                    )
        breakdown = _breakdown(lkey, attr, nbins, labelled)
        groups = breakdown["group"].to_list()
        if len(groups) < 2:
            st.info(f"Every customer has the same {attr}: nothing to compare.")
        else:
            b1, b2 = st.columns(2)
            title = f"Customers vs revenue by {attr}"
            show(seg_charts.share_bars(breakdown, "group", groups, title), b1)
            title = f"Revenue per customer by {attr}"
            show(seg_charts.per_customer_bars(breakdown, "group", groups, title, attr), b2)
        ui.table(breakdown, f"customers_by_{attr}", key="demo_table")

        st.subheader("Does a two-valued attribute pay off?")
        if not two:
            st.info("No attribute with exactly two values (e.g. subscription yes / no).")
            return
        d1, d2, d3 = st.columns(3)
        guess = next((i for i, a in enumerate(two) if "subscri" in a.lower()), 0)
        attr2 = d1.selectbox(
            "Attribute with two values", two, index=guess, **widgets.keep("cmp_attr")
        )
        metric = d2.selectbox("Compare", metrics, **widgets.keep("cmp_metric"))
        values = _two_groups(lkey, attr2, labelled)
        group_b = d3.selectbox("Group", values[::-1], **widgets.keep("cmp_group"))
        try:
            cmp = _comparison(lkey, attr2, metric, group_b, labelled)
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
        show(seg_charts.difference_ci(frame.head(1), title, ",.0f"), e1)
        show(seg_charts.difference_ci(frame.tail(1), "Repeat rate difference", ".1%"), e2)
        per_customer = [c for c in frame.columns if " = " in c] + [
            "difference",
            "ci_low",
            "ci_high",
        ]
        ui.table(
            frame,
            f"compare_{attr2}",
            key="cmp_table",
            formats=dict.fromkeys(per_customer, "unit_money"),  # means per customer
        )

    demographics(labelled)

# ---------------------------------------------------------------- customer drill-down
with tabs[5]:

    @st.fragment
    def drill_down(labelled: pl.DataFrame) -> None:
        q = st.text_input(
            "Search a customer (id or name)",
            **widgets.keep("drill_query"),
            placeholder="e.g. C00042",
        )
        found, info = _found(lkey, q, labelled)
        if found.is_empty():
            st.warning(f"No customer matches {q!r}.")
            return
        cid = st.selectbox(
            f"{len(info)} match(es)" + (" (top 50 by revenue)" if len(info) == 50 else ""),
            list(info),
            format_func=info.get,
            **widgets.keep("drill_pick"),
        )
        p, attrs, timeline, lines = _customer(lkey, cid, labelled, data.orders)
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
        if p.get("p_alive") is not None:
            items.append(
                ui.Kpi(
                    "Chance still buying (model)",
                    ui.pct(p["p_alive"]),
                    help="P(alive) of the BG/NBD model: from this customer's own buying rhythm. "
                    "The status (active / at risk / churned) only counts days since the last "
                    "order against the shared thresholds, so the two can disagree.",
                )
            )
        ui.kpi_cards(items)
        status = str(p.get("status") or "").lower().replace(" ", "_")
        alive = p.get("p_alive")
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
        if note := clv.fallback_note(labelled):
            st.caption(f":material/info: {note}")
        if attrs:
            st.caption(attrs)
        show(seg_charts.revenue_history(timeline))
        ui.table(
            lines,
            f"orders_{cid}",
            key="drill_orders",
            formats={"revenue": "unit_money"},  # one order's amount
        )

    drill_down(shown)

# ---------------------------------------------------------------- the full table
with tabs[6]:
    st.caption(
        f"{shown.height:,} customers × {len(shown.columns)} columns: the customer metrics "
        "table with the segment, tier, persona and loyalty chosen on this page. The same table "
        "comes from `python -m core customers ORDERS --out FILE`."
    )
    if note := clv.fallback_note(shown):
        st.warning(note, icon=":material/warning:")
    ui.table(shown, "customer_table", key="full_table", height=420)
downloads.tables_workbook("customers_tables")
