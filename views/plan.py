"""Action plan: what each action is worth, backed by the experiment, with a holdout to keep
measuring it.

Settings (horizon, holdout, which experiment measures which action), then per action its uplift
(measured or assumed) and costs; the ranked actions with their intervals (chart and table); best
action per customer compared with the priority assignment; who responds (lift by segment and a
narrowing of the rule applied in one click to the Insight rules editor); the export with its
holdout, recorded in the workspace; and, later, measuring a recorded plan on a newer orders file.
Every figure comes from core.plan; the chart from core.charts.plan.
"""

from __future__ import annotations

import hashlib
from datetime import date

import polars as pl
import streamlit as st

from core import format as fmt
from core import plan as P
from core.charts import plan as PC
from core.errors import InputError
from core.ingest import load_orders
from core.plan import _deps, record
from views import downloads, loading, needs, state, ui
from views import rule_editor as RE
from views import workspace as W

ss = st.session_state
NONE = "(no experiment)"
EXP_NAME = "the loaded experiment"
EDITOR_COLUMNS = {
    "rule": st.column_config.TextColumn("Rule", disabled=True, width="medium"),
    "action": st.column_config.TextColumn("Action", disabled=True, width="medium"),
    "source": st.column_config.TextColumn("Uplift from", disabled=True, width="small"),
    "uplift_pct": st.column_config.NumberColumn(
        "Assumed uplift %",
        min_value=-100.0,
        max_value=500.0,
        step=1.0,
        format="%.1f%%",
        help="Relative change in the chance of buying again; ignored when an experiment "
        "measures the action.",
    ),
    "cost_per_contact": st.column_config.NumberColumn(
        "Cost per contact", min_value=0.0, step=0.5, format="%.2f"
    ),
    "offer_pct": st.column_config.NumberColumn(
        "Offer % of next order",
        min_value=0.0,
        max_value=100.0,
        step=1.0,
        format="%.0f%%",
        help="e.g. a 10% discount: paid on the orders of the customers who use it",
    ),
}
VIEW_FORMATS = {
    "value_at_stake": "money",
    "expected_incremental_revenue": "money",
    "cost": "money",
    "net_gain": "money",
    "chance_of_buying_again": "percent",
    "roi": "percent",
}
VIEW_LABELS = {
    "chance_of_buying_again": "Chance of buying again",
    "expected_incremental_revenue": "Expected incremental revenue",
    "incremental_interval": "Interval",
    "net_gain": "Expected net gain",
    "net_gain_interval": "Net gain interval",
    "roi": "ROI",
    "roi_interval": "ROI interval",
}


# ---------------------------------------------------------------- cached core calls
@loading.dataset_cache(shared=8, private=3, spinner="Valuing every customer's next year…")
def _value(
    key: str, horizon: int, as_of: date, churn: int, at_risk: int, _hub, _orders, _fitted
) -> P.CustomerValue:
    """`_fitted`: the customer table's CLV fit (data.clv_fit): judged again, not refitted."""
    return P.customer_value(_hub, _orders, as_of, horizon, churn, at_risk, fitted=_fitted)


@st.cache_data(show_spinner=False, max_entries=4)
def _experiment(key: str, name: str, _df: pl.DataFrame):
    return _deps.from_frame(_df, name=name)


@st.cache_data(show_spinner="Analysing the experiment…", max_entries=8)
def _measure(key: str, control: str, treatment: str, metric: str, name: str, _exp) -> P.Uplift:
    return P.measure(_exp, P.ExperimentLink(control, treatment, metric, name))


@loading.dataset_cache(shared=8, private=3, spinner="Lift by segment…")
def _lifts(key: str, hub_key: str, control: str, treatment: str, metric: str, _exp, _hub):
    return P.segment_lifts(_exp, _hub, P.ExperimentLink(control, treatment, metric))


@loading.dataset_cache(shared=8, private=3)
def _plans(key: str, inputs: str, by_best: bool, _hub, _rules, _value, _options) -> tuple:
    """The plan by priority, and the plan shown (by best action when asked), once per dataset
    and inputs (`inputs`: the rules, uplifts, costs, holdout and horizon in words)."""
    by_priority = P.build_plan(_hub, _rules, _value, **_options)
    if not by_best:
        return by_priority, by_priority
    return by_priority, P.build_plan(_hub, _rules, _value, **_options, by="best")


@loading.dataset_cache(shared=8, private=3)
def _best(key: str, inputs: str, _hub, _rules, _params, _value) -> pl.DataFrame:
    return P.best_actions(_hub, _rules, _params, _value)


def _frame_key(df: pl.DataFrame) -> str:
    return f"{df.shape}-{int(df.hash_rows().sum())}"


# ---------------------------------------------------------------- the rule editor
def _apply_narrowing(rule: str, condition: str) -> None:
    try:
        ss["plan_message"] = ("success", RE.set_condition(rule, condition, "from the Action plan"))
    except InputError as exc:
        ss["plan_message"] = ("error", f"Not applied: {exc}")


# ---------------------------------------------------------------- page
data = state.app_data()
needs.dates(data, "The action plan (recency and churn status)")
st.title("Action plan")
st.caption(
    f"{ui.plain(data.name)} · as of {data.settings.as_of}"
    + (" · filtered" if data.filters.active else "")
    + " · what each action is worth, backed by the experiment, with a holdout to keep measuring"
)
if "plan_message" in ss:
    kind, text = ss.pop("plan_message")
    getattr(st, kind)(ui.plain(text))
try:
    hub = data.customer_table()
except InputError as exc:
    ui.show_error(exc, "The customer metrics cannot be computed")
    st.stop()
if hub.height == 0:
    st.warning("No customers to plan for.")
    st.stop()
rules = RE.current_rules()
active = [r for r in rules if r.enabled]
if not active:
    st.warning("No rule is switched on: turn rules on on the Insight rules page.")
    st.stop()

with st.expander("How the plan is computed", icon=":material/function:"):
    st.markdown(ui.plain(P.FORMULA))

c1, c2, c3 = st.columns([1, 1.2, 2], vertical_alignment="bottom")
horizon = int(
    c1.number_input(
        "Horizon (days)", min_value=30, max_value=1825, value=365, step=30, key="plan_horizon"
    )
)
holdout_pct = c2.slider(
    "Holdout",
    0,
    50,
    10,
    step=1,
    format="%d%%",
    key="plan_holdout",
    help="Share of each action's customers not contacted, to keep measuring it",
)
holdout = holdout_pct / 100

# ---- experiment link
exp, link, measured = None, None, None
exp_df = data.experiment
if exp_df is not None:
    exp_key = _frame_key(exp_df)
    try:
        exp = _experiment(exp_key, EXP_NAME, exp_df)
    except InputError as exc:
        ui.show_error(exc, "The loaded experiment cannot be used")
if exp is not None:
    names = [r.name for r in active]
    try:
        default_rule = P.resolve_rule(active, "reactivation")
    except InputError:
        default_rule = NONE
    with c3.container():
        e1, e2, e3 = st.columns([1.6, 1, 1])
        choices = [NONE, *names]
        linked_rule = e1.selectbox(
            "The loaded experiment measures",
            choices,
            index=choices.index(default_rule),
            key="plan_link_rule",
            help="Its treatment's relative lift becomes that action's uplift, with its interval",
        )
        control = e2.selectbox(
            "Control",
            exp.variants,
            index=exp.variants.index(_deps.default_control(exp.variants)),
            key="plan_control",
        )
        others = [v for v in exp.variants if v != control]
        treatment = e3.selectbox("Treatment", others, key="plan_treatment")
    metric = exp.outcomes[0]
    if len(exp.outcomes) > 1:
        metric = st.selectbox("Experiment outcome", exp.outcomes, key="plan_metric")
    if linked_rule != NONE and treatment is not None:
        link = P.ExperimentLink(control, treatment, metric, EXP_NAME)
        try:
            measured = _measure(exp_key, control, treatment, metric, EXP_NAME, exp)
        except InputError as exc:
            ui.show_error(exc, "The experiment cannot measure the action")
            link = None
else:
    linked_rule = NONE
    c3.caption("Load an experiment on the A/B test page to measure an action's uplift.")

# ---- uplift and costs per action
st.subheader("Uplift and costs per action")
base = pl.DataFrame(
    {
        "rule": [r.name for r in active],
        "action": [r.action for r in active],
        "source": [
            f"experiment: {treatment} vs {control}"
            if measured is not None and r.name == linked_rule
            else "assumption"
            for r in active
        ],
        "uplift_pct": [P.DEFAULT_ASSUMED_UPLIFT * 100] * len(active),
        "cost_per_contact": [0.0] * len(active),
        "offer_pct": [0.0] * len(active),
    }
)
rules_key = hashlib.sha1("|".join(base["rule"]).encode()).hexdigest()[:8]
edited = st.data_editor(
    base,
    column_config=EDITOR_COLUMNS,
    hide_index=True,
    width="stretch",
    key=f"plan_inputs_{rules_key}",  # edits hold while the experiment link changes
    column_order=["rule", "source", "uplift_pct", "cost_per_contact", "offer_pct", "action"],
)
edited = pl.DataFrame(edited) if not isinstance(edited, pl.DataFrame) else edited
try:
    uplifts = {
        r["rule"]: P.assumed((r["uplift_pct"] or 0.0) / 100, "assumed on this page")
        for r in edited.iter_rows(named=True)
    }
    costs = {
        r["rule"]: P.Costs(r["cost_per_contact"] or 0.0, (r["offer_pct"] or 0.0) / 100)
        for r in edited.iter_rows(named=True)
    }
except InputError as exc:
    ui.show_error(exc, "A value in the table cannot be used")
    st.stop()
if measured is not None:
    uplifts[linked_rule] = measured

# ---- the plan
s = data.settings
try:
    value = _value(
        data.key, horizon, s.as_of, s.churn_days, s.at_risk_days, hub, data.orders, data.clv_fit()
    )
except InputError as exc:  # e.g. too short a history to measure who buys again
    ui.show_error(exc, "The customers' value cannot be estimated")
    st.stop()
if value.note:
    st.warning(ui.plain(value.note), icon=":material/warning:")
by_best = st.toggle(
    "Assign each customer the action with the highest expected net gain (instead of the rule "
    "with the highest priority)",
    key="plan_by_best",
)
try:
    options = dict(as_of=s.as_of, uplifts=uplifts, costs=costs, holdout=holdout)
    inputs = hashlib.sha1(repr((rules, options, horizon)).encode()).hexdigest()
    by_priority, plan = _plans(data.key, inputs, by_best, hub, rules, value, options)
except InputError as exc:
    ui.show_error(exc, "The plan cannot be computed")
    st.stop()
for name, message in plan.errors.items():
    st.warning(ui.plain(f"Rule {name!r} is left out: {message}"))

st.subheader("Actions ranked by expected net gain")
st.caption(
    "Expected incremental revenue = sum over the action's customers of (chance of buying again "
    "× uplift, capped so the chance stays at most 1) × expected revenue if they buy; net gain = "
    "that − cost. Details under “How the plan is computed”."
)
t = P.totals(plan)
ui.kpi_cards(
    [
        ui.Kpi(
            "Customers with an action",
            ui.num(t["customers"]),
            delta=f"{ui.num(t['held_out'])} held out",
            delta_color="off",
            help="Each customer gets the matching rule with the highest priority",
        ),
        ui.Kpi(
            f"Value at stake ({horizon} days)",
            ui.money(t["value_at_stake"]),
            help="Expected revenue of these customers over the horizon without any action",
        ),
        ui.Kpi(
            "Incremental revenue",
            ui.money(t["incremental"]),
            delta=f"{ui.money(t['incremental_low'])} to {ui.money(t['incremental_high'])}",
            delta_color="off",
            help="The interval comes from the experiment's interval; assumptions have none",
        ),
        ui.Kpi(
            "Expected net gain",
            ui.money(t["net_gain"]),
            delta=f"{ui.money(t['net_gain_low'])} to {ui.money(t['net_gain_high'])}",
            delta_color="off",
            help=f"Incremental revenue minus cost ({ui.money(t['cost'])})",
        ),
    ]
)
if measured is not None:
    st.caption(
        ui.plain(
            f"{linked_rule}: uplift measured by the experiment, "
            f"{P.uplift_text(measured.relative, measured.low, measured.high, measured.source)}. "
            "Every other uplift is an assumption."
        )
    )
else:
    st.caption("Every uplift is an assumption: link an experiment to measure one.")
ui.chart(PC.net_gain_chart(plan.actions), "plan_net_gain", fit=True)
ui.table(
    P.ranked_view(plan.actions),
    "action_plan",
    labels=VIEW_LABELS,
    formats=VIEW_FORMATS,
    hide=["action"],  # the rule names it; the table above and the downloads hold the text
)

# ---- best action per customer
with st.expander("How assigning by expected net gain differs from assigning by priority"):
    best = _best(data.key, inputs, hub, rules, by_priority.params, value)
    summary, moves = P.compare_assignments(by_priority, best)
    ui.kpi_cards(
        [
            ui.Kpi("Customers who change action", ui.num(summary["changed"])),
            ui.Kpi("Net gain by priority", ui.money(summary["net_gain_by_priority"])),
            ui.Kpi("Net gain by best action", ui.money(summary["net_gain_by_best"])),
            ui.Kpi(
                "Difference",
                ui.money(summary["net_gain_by_best"] - summary["net_gain_by_priority"]),
            ),
        ]
    )
    if moves.height:
        ui.table(moves, "action_moves")
    else:
        st.caption("The priority order already gives every customer their best action.")

# ---- who responds
st.subheader("Who responds")
if exp is None or link is None:
    st.caption("Link the experiment to an action above to see who responds to it.")
elif P.matched_units(exp, hub) == 0:
    st.info("The experiment's units are not customer ids of these orders: no lift by segment.")
else:
    lifts = _lifts(exp_key, data.key, control, treatment, metric, exp, hub)
    columns = lifts["column"].unique(maintain_order=True).to_list()
    col = st.selectbox("Split by", columns, key="plan_split")
    part = lifts.filter(pl.col("column") == col).drop("column")
    st.caption(
        f"{treatment} against {control} within each {col}, Holm-corrected across its segments "
        "(as the variants are); a segment works when the corrected p-value is below 0.05 and "
        "the whole interval is above 0."
    )
    ui.table(part, f"lift_by_{col}", formats={"ci_low": "percent", "ci_high": "percent"})
    rule = next(r for r in active if r.name == linked_rule)
    own = plan.customers.filter(pl.col("rule") == rule.name).select("customer_id")
    found = [
        n
        for n in P.narrowings(lifts, rule.condition, hub.join(own, on="customer_id"), hub)
        if n.column == col
    ]
    if found:
        n = found[0]
        st.info(ui.plain(n.text[:1].upper() + n.text[1:] + "."))
        st.code(n.condition, language=None)
        st.button(
            f"Apply to the rule {rule.name!r}",
            key="plan_apply",
            on_click=_apply_narrowing,
            args=(rule.name, n.condition),
            type="primary",
        )
    else:
        st.caption(f"No narrowing by {col}: the offer works in all or none of its segments.")

# ---- export with holdout
st.subheader("Export with a holdout")
st.caption(
    f"{ui.num(t['held_out'])} of {ui.num(t['customers'])} customers ({holdout:.0%}) are held out: "
    "do not contact them. The same plan holds out the same customers (hashed assignment). "
    "The figures above count every customer of an action: the holdout gives up its share of "
    "the gain to keep measuring it."
)
ALL = "All actions"
which = st.selectbox("Export", [ALL, *plan.actions["rule"]], key="plan_export_rule")
rows = P.export_rows(plan, None if which == ALL else which)
st.caption(f"{fmt.count(rows.height, 'customer')}, {ui.num(int(rows['holdout'].sum()))} held out.")
downloads.download_buttons(rows, "action_plan_customers", key="plan_export")
if st.button("Record this plan in the workspace", key="plan_record"):
    ws = W.current()
    try:
        pid = record.record_plan(
            ws.path,
            plan.customers,
            send_date=date.today(),
            holdout=holdout,
            holdout_key=plan.holdout_key,
            as_of=s.as_of,
            source=data.name,
        )
        st.success(f"Recorded as plan {pid}, sent today: measure it later below.")
    except InputError as exc:
        ui.show_error(exc, "The plan cannot be recorded")

# ---- measure a recorded plan
st.subheader("Measure a recorded plan")
try:
    runs = record.plan_runs(W.current().path)
except InputError as exc:
    ui.show_error(exc, "The workspace cannot be read")
    runs = pl.DataFrame()
if runs.height == 0:
    st.caption("Record a plan above; later, a newer orders file shows what it did.")
else:
    labels = {
        r["plan_id"]: f"Plan {r['plan_id']} · sent {r['send_date']} · {r['customers']:,} customers"
        for r in runs.iter_rows(named=True)
    }
    m1, m2, m3 = st.columns([2, 1, 1], vertical_alignment="bottom")
    pid = m1.selectbox("Plan", list(labels), format_func=labels.get, key="plan_measure_id")
    run = runs.filter(pl.col("plan_id") == pid).row(0, named=True)
    send = m2.date_input("Sent on", value=date.fromisoformat(run["send_date"]), key="plan_sent")
    within = int(m3.number_input("Retained = ordered within (days)", 1, 365, 60, key="plan_within"))
    newer = st.file_uploader(
        "Newer orders file (else the loaded orders are used)",
        type=["csv", "tsv", "txt", "gz", "xlsx", "parquet"],
        key="plan_newer",
    )
    try:
        orders = load_orders(newer.getvalue(), name=newer.name).orders if newer else data.orders
        frame, notes = P.outcome_experiment(
            record.plan_assignments(W.current().path, pid), orders, send, within
        )
    except InputError as exc:
        ui.show_error(exc, "The plan cannot be measured")
        st.stop()
    for note in notes:
        st.warning(note)
    which = st.selectbox(
        "Action to measure",
        ["All actions", *frame["rule"].unique(maintain_order=True).sort().to_list()],
        key="plan_measure_rule",
    )
    if which != "All actions":
        frame = frame.filter(pl.col("rule") == which)
    frame = frame.drop("rule")
    rates = frame.group_by("group").agg(
        pl.len().alias("customers"), pl.col("retained").mean().alias("retained")
    )
    ui.table(rates.sort("group", descending=True), "plan_outcome", download=False)
    d1, d2 = st.columns(2)
    with d1:
        downloads.download_buttons(frame, f"plan_{pid}_experiment", key="plan_exp_dl")
    if d2.button(
        "Analyse on the A/B test page",
        key="plan_to_ab",
        type="primary",
        disabled=not P.comparable(frame),
    ):
        label = "" if which == "All actions" else f", {which}"
        ss["experiment_offer"] = (f"plan {pid}{label}: treated vs held out", frame)
        st.switch_page("views/experiments.py")

downloads.tables_workbook("plan_tables")
