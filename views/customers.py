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

from core import charts, segments
from core.errors import InputError
from views import state, ui

SEGMENT_COLORS = {
    "Champions": "#1B5E20",
    "Loyal": "#388E3C",
    "Potential Loyalist": "#81C784",
    "New Customers": "#00897B",
    "Promising": "#80CBC4",
    "Need Attention": "#FDD835",
    "About To Sleep": "#FFB74D",
    "At Risk": "#EF6C00",
    "Cannot Lose Them": "#C62828",
    "Hibernating": "#A1887F",
    "Lost": "#9E9E9E",
}
DARK = ["Champions", "Loyal", "New Customers", "At Risk", "Cannot Lose Them"]
SEG_SCALE = alt.Scale(domain=list(SEGMENT_COLORS), range=list(SEGMENT_COLORS.values()))
GROUPINGS = {
    "RFM segment": "rfm_segment",
    "Value tier": "value_tier",
    "Persona": "persona",
    "Loyalty": "loyalty",
    "Churn status": "status",
}
SHARE_COLORS = alt.Scale(
    domain=["share of customers", "share of revenue"], range=["#90A4AE", "#4F46E5"]
)


# ---------------------------------------------------------------- cached core calls
@st.cache_data(show_spinner="Scoring customers…", max_entries=16)
def _scored(key: str, _hub: pl.DataFrame, bins: int) -> pl.DataFrame:
    return segments.add_rfm(_hub, bins)


@st.cache_data(show_spinner=False, max_entries=16)
def _tiered(key: str, _table: pl.DataFrame, tiers: tuple[tuple[str, float], ...]):
    return segments.add_value_tier(_table, tiers), segments.tier_edges(_table, tiers)


@st.cache_data(show_spinner=False, max_entries=16)
def _personas(key: str, _table: pl.DataFrame, rules: tuple) -> tuple[pl.DataFrame, pl.DataFrame]:
    r = segments.PersonaRules(top_share=rules[0], aov_quantile=rules[1], loyal_orders=rules[2])
    return segments.add_persona(_table, r), segments.persona_rules(_table, r)


@st.cache_data(show_spinner=False, max_entries=16)
def _loyalty(key: str, _table: pl.DataFrame, returning_min: int, loyal_min: int) -> pl.DataFrame:
    return segments.add_loyalty(_table, returning_min, loyal_min)


@st.cache_data(show_spinner=False, max_entries=16)
def _second_order(key: str, _orders: pl.DataFrame) -> pl.DataFrame:
    return segments.time_to_second_order(_orders)


@st.cache_data(show_spinner="Finding what each group buys…", max_entries=16)
def _products(key: str, _orders: pl.DataFrame, _table: pl.DataFrame, by: str, top: int):
    return segments.segment_products(_orders, _table, by=by, top=top)


@st.cache_data(show_spinner=False, max_entries=32)
def _inconsistent(key: str, _orders: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    return segments.inconsistent_attributes(_orders, columns)


# ---------------------------------------------------------------- small display helpers
FIT_X = alt.AutoSizeParams(type="fit-x", contains="padding")


def show(chart: alt.TopLevelMixin, where=st) -> None:
    """Full-width chart that keeps its height (also when drawn in a tab that is not open)."""
    where.altair_chart(chart.properties(autosize=FIT_X), width="stretch")


def _config(df: pl.DataFrame) -> dict:
    """Shares as percentages, money with separators, scores and counts as plain numbers."""
    out = {}
    for c, t in df.schema.items():
        if t == pl.Date:
            out[c] = st.column_config.DateColumn(c, format="YYYY-MM-DD")
        elif c in ("rule", "description", "action"):
            out[c] = st.column_config.TextColumn(c, width="large")
        if not t.is_numeric():
            continue
        if c.endswith("p_value"):
            out[c] = st.column_config.NumberColumn(c, format="%.3g")
        elif c.endswith(("share", "rate", "share_of_group")) or c in ("share", "p_alive"):
            out[c] = st.column_config.NumberColumn(c, format="percent")
        elif t.is_float():
            out[c] = st.column_config.NumberColumn(c, format="accounting")
    return out


def table(df: pl.DataFrame, name: str, key: str, height: int | None = None) -> None:
    """A table with CSV and Excel downloads; short tables are shown whole."""
    if height is None and df.height <= 16:
        height = 35 * (df.height + 1) + 3
    ui.table_with_download(df, name, key=key, column_config=_config(df), height=height or "auto")


def share_bars(df: pl.DataFrame, category: str, order: list[str], title: str) -> alt.Chart:
    """Share of customers next to share of revenue for each group (grouped horizontal bars)."""
    return (
        alt.Chart(df.select(category, "customer_share", "revenue_share"), title=title)
        .transform_fold(["customer_share", "revenue_share"], as_=["measure", "share"])
        .transform_calculate(
            measure="datum.measure == 'customer_share' ? 'share of customers' : 'share of revenue'"
        )
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", sort=order, title=None, axis=alt.Axis(labelLimit=200)),
            yOffset=alt.YOffset("measure:N"),
            x=alt.X("share:Q", axis=alt.Axis(format="%"), title=None),
            color=alt.Color(
                "measure:N", scale=SHARE_COLORS, legend=alt.Legend(orient="top", title=None)
            ),
            tooltip=[
                alt.Tooltip(f"{category}:N"),
                alt.Tooltip("measure:N"),
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
        .properties(height=max(160, 34 * df.height))
    )


def segment_map_chart(cells: pl.DataFrame) -> alt.LayerChart:
    """The R x FM grid coloured by segment, each cell with its segment name and customers."""
    data = cells.with_columns(
        pl.format("{} customers", pl.col("customers")).alias("label"),
        pl.col("rfm_segment").is_in(DARK).alias("dark"),
    )
    base = alt.Chart(data, title="Segment map: recency (R) by frequency & money (FM)").encode(
        x=alt.X("r:O", title="R score (5 = bought most recently)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("fm:O", title="FM score (5 = buys most often, spends most)", sort="descending"),
    )
    rect = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("rfm_segment:N", scale=SEG_SCALE, legend=None),
        tooltip=[
            alt.Tooltip("rfm_segment:N", title="segment"),
            alt.Tooltip("r:O", title="R"),
            alt.Tooltip("fm:O", title="FM"),
            alt.Tooltip("customers:Q", format=","),
            alt.Tooltip("customer_share:Q", format=".1%"),
            alt.Tooltip("revenue:Q", format=",.0f"),
            alt.Tooltip("revenue_share:Q", format=".1%"),
        ],
    )
    text_color = alt.condition("datum.dark", alt.value("white"), alt.value("#1f1f1f"))
    name = base.mark_text(dy=-8, fontSize=11, fontWeight="bold").encode(
        text="rfm_segment:N", color=text_color
    )
    count = base.mark_text(dy=9, fontSize=11).encode(text="label:N", color=text_color)
    return alt.layer(rect, name, count).properties(height=420)


def ci_chart(frame: pl.DataFrame, title: str, fmt: str) -> alt.LayerChart:
    """The difference with its confidence interval and the zero line."""
    base = alt.Chart(frame, title=title)
    rule = base.mark_rule(strokeWidth=3, color="#4F46E5").encode(
        x=alt.X("ci_low:Q", title="difference", axis=alt.Axis(format=fmt)),
        x2="ci_high:Q",
        y=alt.Y("measure:N", title=None),
    )
    point = base.mark_point(filled=True, size=120, color="#4F46E5").encode(
        x="difference:Q",
        y="measure:N",
        tooltip=[
            alt.Tooltip("measure:N"),
            alt.Tooltip("difference:Q", format=fmt),
            alt.Tooltip("ci_low:Q", format=fmt),
            alt.Tooltip("ci_high:Q", format=fmt),
            alt.Tooltip("p_value:Q", format=".4f"),
        ],
    )
    zero = alt.Chart(pl.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return alt.layer(rule, point, zero).properties(height=90)


# ---------------------------------------------------------------- the page
data = state.app_data()
s = data.settings
st.title("Customers & segments")
st.caption(
    f"{data.name} · as of {s.as_of}"
    + (" · filtered" if data.filters.active else "")
    + " · who are our most valuable customers, and who are they?"
)

try:
    with st.spinner("Computing customer metrics…"):
        hub = data.customer_table()
except InputError as exc:
    ui.show_error(exc, "The customer table cannot be built")
    st.stop()
if hub.is_empty():
    st.warning("No customers to segment: the orders hold no customer with an order up to as-of.")
    st.stop()

c_bins, c_note = st.columns([1, 3])
bins = c_bins.segmented_control(
    "RFM score bins",
    options=[3, 4, 5],
    default=5,
    key="seg_bins",
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
k = segments.segment_kpis(scored)
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
    ],
    per_row=5,
)

tabs = st.tabs(
    [
        "RFM segments",
        "Value tiers & personas",
        "Loyalty & repeat",
        "Contribution",
        "Demographics",
        "Customer drill-down",
        "Customer table",
    ]
)

# ---------------------------------------------------------------- RFM segments
with tabs[0]:
    summary = segments.segment_summary(scored)
    show(segment_map_chart(segments.segment_cells(scored, bins)))
    left, right = st.columns(2)
    show(
        share_bars(summary, "rfm_segment", list(segments.SEGMENT_ORDER), "Customers vs revenue"),
        left,
    )
    show(
        charts.bar(
            summary,
            "rfm_segment",
            "revenue_per_customer",
            title="Revenue per customer",
            tooltip=["rfm_segment", "customers", "revenue_per_customer", "aov", "repeat_rate"],
            value_title="revenue per customer",
            category_title="segment",
            sort_by_value=False,
        ).encode(
            y=alt.Y("rfm_segment:N", sort=list(segments.SEGMENT_ORDER), title=None),
            color=alt.Color("rfm_segment:N", scale=SEG_SCALE, legend=None),
        ),
        right,
    )
    st.subheader("Segments: who they are and what to do")
    table(summary, "rfm_segments", key="rfm_summary")

    @st.fragment
    def segment_members(scored: pl.DataFrame, summary: pl.DataFrame) -> None:
        st.subheader("Customers in a segment")
        present = summary["rfm_segment"].to_list()
        pick = st.selectbox(
            "Segment",
            present,
            index=present.index("Champions") if "Champions" in present else 0,
            key="seg_pick",
        )
        desc, action = segments.SEGMENTS[pick]
        st.markdown(f"**{pick}**: {desc} *Suggested action:* {action}")
        members = scored.filter(pl.col("rfm_segment") == pick)
        table(members, f"segment_{pick.lower().replace(' ', '_')}", key="seg_members", height=300)

    segment_members(scored, summary)

    st.subheader("Score thresholds")
    st.caption(
        "The value range behind each score on this data. A score with 0 customers was jumped "
        "over by a large tie (e.g. many one-order customers all get F = 1)."
    )
    table(segments.rfm_thresholds(scored, bins), "rfm_thresholds", key="rfm_thresholds")
    st.subheader("The segment map")
    st.caption(
        "R and FM on a 1-5 scale (with 3 bins scores 1, 2, 3 become 1, 3, 5; with 4 bins "
        "1, 2, 4, 5); FM is the mean of F and M, rounded half up."
    )
    table(segments.segment_map(), "rfm_segment_map", key="rfm_map")

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
        default_tiers = pl.DataFrame(
            {
                "tier": [n for n, _ in segments.DEFAULT_TIERS],
                "share_pct": [100 * v for _, v in segments.DEFAULT_TIERS],
            }
        )
        edited = st.data_editor(
            default_tiers,
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
    rows = [
        (str(r["tier"]), float(r["share_pct"]) / 100)
        for r in pl.DataFrame(edited).iter_rows(named=True)
        if r["tier"] is not None and r["share_pct"] is not None
    ]
    tiers = tuple(rows)
    try:
        tiered, edges = _tiered(f"{key}|{tiers}", scored, tiers)
    except InputError as exc:
        c1.error(f"These tiers cannot be used: {exc}. The default tiers are shown.")
        tiers = segments.DEFAULT_TIERS
        tiered, edges = _tiered(f"{key}|{tiers}", scored, tiers)
    tier_names = [n for n, _ in tiers]
    tier_summary = segments.segment_summary(tiered, "value_tier", order=tier_names)
    with c2:
        show(share_bars(tier_summary, "value_tier", tier_names, "Customers vs revenue by tier"))
    table(tier_summary, "value_tiers", key="tier_summary")
    st.caption("Revenue range of each tier on this data:")
    table(edges, "value_tier_edges", key="tier_edges")

    st.subheader("Personas")
    p1, p2, p3 = st.columns(3)
    top_share = p1.slider("Top group: top % of customers by revenue", 5, 50, 20, 5, key="p_top")
    aov_q = p2.slider("Big basket: AOV at or above this percentile", 50, 95, 75, 5, key="p_aov")
    loyal_orders = p3.number_input("Many orders: at least", 2, 50, 3, key="p_orders")
    rules = (top_share / 100, aov_q / 100, int(loyal_orders))
    tkey = f"{key}|{tiers}"
    with_persona, persona_rules = _personas(f"{tkey}|{rules}", tiered, rules)
    st.caption("Rules, evaluated top to bottom (the first that matches wins):")
    table(persona_rules, "persona_rules", key="persona_rules")
    persona_summary = segments.segment_summary(with_persona, "persona")
    c1, c2 = st.columns(2)
    show(
        share_bars(
            persona_summary,
            "persona",
            list(segments.PERSONAS),
            "Customers vs revenue by persona",
        ),
        c1,
    )
    show(
        charts.bar(
            persona_summary,
            "persona",
            "revenue_per_customer",
            title="Revenue per customer by persona",
            tooltip=["persona", "customers", "revenue_per_customer", "aov", "repeat_rate"],
            value_title="revenue per customer",
            category_title="persona",
        ),
        c2,
    )
    table(persona_summary, "personas", key="persona_summary")

# ---------------------------------------------------------------- loyalty & repeat
with tabs[2]:
    st.subheader("New, returning and loyal customers")
    l1, l2, _ = st.columns([1, 1, 2])
    returning_min = l1.number_input("Returning from (orders)", 2, 100, 2, key="loy_returning")
    loyal_min = l2.number_input("Loyal from (orders)", 3, 500, 4, key="loy_loyal")
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
    st.caption(
        f"New: 1 to {int(returning_min) - 1} order(s). Returning: {int(returning_min)} to "
        f"{int(loyal_min) - 1} orders. Loyal: {int(loyal_min)} orders or more."
    )
    loyalty_summary = segments.segment_summary(labelled, "loyalty")
    c1, c2 = st.columns(2)
    show(
        share_bars(
            loyalty_summary, "loyalty", list(segments.LOYALTY_ORDER), "Customers vs revenue"
        ),
        c1,
    )
    dist = segments.orders_distribution(labelled)
    show(
        alt.Chart(dist, title="Customers by number of orders")
        .mark_bar(color="#4F46E5")
        .encode(
            x=alt.X("orders:N", sort=dist["orders"].to_list(), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("customers:Q", title="customers"),
            tooltip=[
                alt.Tooltip("orders:N"),
                alt.Tooltip("customers:Q", format=","),
                alt.Tooltip("share:Q", format=".1%"),
                alt.Tooltip("revenue_share:Q", format=".1%", title="share of revenue"),
            ],
        )
        .properties(height=280),
        c2,
    )
    table(loyalty_summary, "loyalty", key="loyalty_summary")
    table(dist, "orders_per_customer", key="orders_dist")

    st.subheader("Time to the second order")
    second = _second_order(data.key, data.orders)
    so = segments.second_order_summary(second, customers=hub.height)
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
    buckets = segments.second_order_buckets(second)
    show(
        alt.Chart(buckets, title="Days from the first to the second order")
        .mark_bar(color="#00897B")
        .encode(
            x=alt.X(
                "bucket:N",
                sort=buckets["bucket"].to_list(),
                title=None,
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("customers:Q"),
            tooltip=[
                alt.Tooltip("bucket:N"),
                alt.Tooltip("customers:Q", format=","),
                alt.Tooltip("share:Q", format=".1%"),
                alt.Tooltip("cumulative_share:Q", format=".1%"),
            ],
        )
        .properties(height=260)
    )
    table(buckets, "time_to_second_order", key="second_buckets")

# ---------------------------------------------------------------- contribution
with tabs[3]:

    @st.fragment
    def contribution(labelled: pl.DataFrame, tier_names: list[str], lkey: str) -> None:
        c1, c2 = st.columns([1, 3])
        label = c1.selectbox("Group customers by", list(GROUPINGS), key="contrib_by")
        by = GROUPINGS[label]
        order = tier_names if by == "value_tier" else None
        summ = segments.segment_summary(labelled, by, order=order)
        groups = summ[by].to_list()
        with c2:
            st.caption(
                "Revenue, customers and AOV per group. AOV = the group's revenue / its orders."
            )
        g1, g2 = st.columns(2)
        show(share_bars(summ, by, groups, f"Customers vs revenue by {label.lower()}"), g1)
        show(
            charts.bar(
                summ,
                by,
                "aov",
                title=f"Average order value by {label.lower()}",
                tooltip=[by, "aov", "orders", "customers"],
                value_title="AOV",
                category_title=label.lower(),
                sort_by_value=False,
            ).encode(y=alt.Y(f"{by}:N", sort=groups, title=None)),
            g2,
        )
        table(summ, f"contribution_by_{by}", key="contrib_table")

        st.subheader("What each group buys")
        try:
            prods = _products(f"{lkey}|{by}", data.orders, labelled, by, 10)
        except InputError as exc:
            st.info(f"No product breakdown: {exc}.")
            return
        item = prods.columns[1]
        p1, p2 = st.columns([1, 3])
        group = p1.selectbox(label, groups, key="contrib_group")
        top = p1.slider("Top items", 3, 10, 5, key="contrib_top")
        one = prods.filter((pl.col(by) == group) & (pl.col("rank") <= top))
        show(
            charts.bar(
                one,
                item,
                "revenue",
                title=f"Top {item}s of {group} customers",
                tooltip=[item, "revenue", "customers", "share_of_group"],
                value_title="revenue",
                category_title=item,
            ),
            p2,
        )
        table(prods.filter(pl.col("rank") <= top), f"top_{item}s_by_{by}", key="contrib_prods")

    contribution(labelled, tier_names, lkey)

# ---------------------------------------------------------------- demographics
with tabs[4]:

    @st.fragment
    def demographics(labelled: pl.DataFrame) -> None:
        attrs = segments.attribute_columns(labelled)
        if not attrs:
            st.info(
                "No customer attributes in this data (age, gender, subscription, region ...). "
                "Add columns to the orders file or load a customers file on the Data page."
            )
            return
        c1, c2, c3 = st.columns([1, 1, 2])
        attr = c1.selectbox("Attribute", attrs, key="demo_attr")
        numeric = labelled.schema[attr].is_numeric()
        nbins = c2.slider("Groups (quantiles)", 2, 10, 4, key="demo_bins", disabled=not numeric)
        with c3:
            if numeric:
                st.caption(f"{attr} is numeric: binned into {nbins} groups of about equal size.")
            if attr in data.orders.columns:
                inc = _inconsistent(data.key, data.orders, (attr,))
                n_bad = int(inc["inconsistent_customers"][0]) if inc.height else 0
                if n_bad:
                    st.caption(
                        f"{n_bad:,} customers have more than one {attr} in their orders; "
                        "their most frequent value is used."
                    )
        breakdown = segments.attribute_breakdown(labelled, attr, nbins)
        groups = breakdown["group"].to_list()
        b1, b2 = st.columns(2)
        show(share_bars(breakdown, "group", groups, f"Customers vs revenue by {attr}"), b1)
        show(
            charts.bar(
                breakdown,
                "group",
                "revenue_per_customer",
                title=f"Revenue per customer by {attr}",
                tooltip=["group", "customers", "revenue_per_customer", "aov", "repeat_rate"],
                value_title="revenue per customer",
                category_title=attr,
                sort_by_value=False,
            ).encode(y=alt.Y("group:N", sort=groups, title=None)),
            b2,
        )
        table(breakdown, f"customers_by_{attr}", key="demo_table")

        st.subheader("Does a two-valued attribute pay off?")
        two = segments.two_valued_attributes(labelled)
        if not two:
            st.info("No attribute with exactly two values (e.g. subscription yes / no).")
            return
        d1, d2, d3 = st.columns(3)
        guess = next((i for i, a in enumerate(two) if "subscri" in a.lower()), 0)
        attr2 = d1.selectbox("Attribute with two values", two, index=guess, key="cmp_attr")
        metrics = segments.metric_columns(labelled)
        metric = d2.selectbox("Compare", metrics, key="cmp_metric")
        values = segments.two_groups(labelled, attr2)
        group_b = d3.selectbox("Group", values[::-1], key="cmp_group")
        try:
            cmp = segments.compare_groups(labelled, attr2, metric, group_b=group_b)
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
        show(ci_chart(frame.head(1), f"{attr2} = {cmp.group_b} minus {cmp.group_a}", ",.0f"), e1)
        show(ci_chart(frame.tail(1), "Repeat rate difference", ".1%"), e2)
        table(frame, f"compare_{attr2}", key="cmp_table")

    demographics(labelled)

# ---------------------------------------------------------------- customer drill-down
with tabs[5]:

    @st.fragment
    def drill_down(labelled: pl.DataFrame) -> None:
        q = st.text_input(
            "Search a customer (id or name)", key="drill_query", placeholder="e.g. C00042"
        )
        found = segments.find_customers(labelled, q, limit=50)
        if found.is_empty():
            st.warning(f"No customer matches {q!r}.")
            return
        ids = found["customer_id"].to_list()
        info = dict(zip(ids, found["rfm_segment"].to_list(), strict=True))
        cid = st.selectbox(
            f"{len(ids)} match(es)" + (" (top 50 by revenue)" if len(ids) == 50 else ""),
            ids,
            format_func=lambda c: f"{c} · {info[c]}",
            key="drill_pick",
        )
        p = segments.customer_profile(labelled, cid)
        st.markdown(
            f"### {cid}\n**{p['rfm_segment']}** (R {p['r_score']} · F {p['f_score']} · "
            f"M {p['m_score']}) · {p['value_tier']} · {p.get('persona', '')} · "
            f"{p.get('loyalty', '')} · status **{p['status']}**"
        )
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
            items.append(ui.Kpi("P(alive)", ui.pct(p["p_alive"])))
        ui.kpi_cards(items)
        attrs = {a: p[a] for a in segments.attribute_columns(labelled) if a in p}
        if attrs:
            st.caption(" · ".join(f"{a}: {v if v is not None else '–'}" for a, v in attrs.items()))
        timeline = segments.customer_timeline(data.orders, cid)
        show(
            alt.Chart(timeline, title="Cumulative revenue")
            .mark_line(point=True, interpolate="step-after", color="#4F46E5")
            .encode(
                x=alt.X("order_date:T", title=None, axis=alt.Axis(format="%b %Y")),
                y=alt.Y("cumulative_revenue:Q", title="revenue to date"),
                tooltip=[
                    alt.Tooltip("order_date:T"),
                    alt.Tooltip("revenue:Q", format=",.2f", title="spent that day"),
                    alt.Tooltip("cumulative_revenue:Q", format=",.2f"),
                ],
            )
            .properties(height=220)
        )
        table(segments.customer_orders(data.orders, cid), f"orders_{cid}", key="drill_orders")

    drill_down(labelled)

# ---------------------------------------------------------------- the full table
with tabs[6]:
    st.caption(
        f"{labelled.height:,} customers × {len(labelled.columns)} columns: the customer metrics "
        "table with the segment, tier, persona and loyalty chosen on this page. The same table "
        "comes from `python -m core customers ORDERS --out FILE`."
    )
    table(labelled, "customer_table", key="full_table", height=420)
