"""Insight rules: turn the customer metrics into "what to do for each customer".

A toolbar (undo, reset, import / export JSON, who is editing, auto-save), then three tabs inside
one fragment, so a change reruns only this part of the page:
- Rules & live preview: the rules table, the selected rule's sliders and form, its preview
  (KPIs, sensitivity curve, sample of matched customers) and all rules side by side.
- Insights: the summary by action and one row per customer with the winning rule; save run.
- History: saved versions of the rule set (restore) and past runs.
Every figure comes from core.rules and core.store; every chart from core.charts.rules; the rule
set being edited and the callbacks that change it are views.rule_editor's. Rules, history and
runs go to this visitor's workspace (views.workspace: private to the browser session unless the
deployment names a shared one). Rule names, reasons, actions and file names are shown as plain
text (ui.plain), never as Markdown.
"""

from __future__ import annotations

import time

import polars as pl
import streamlit as st

from core import format as fmt
from core import rules as R
from core import segments, store
from core.charts import MONEY
from core.charts import rules as RC
from core.errors import InputError
from core.report.crm import crm_from_insights
from views import downloads, loading, needs, state, ui, widgets
from views import rule_editor as E
from views import workspace as W

ss = st.session_state
Col = st.column_config


EDITOR_COLUMNS = {
    "name": Col.TextColumn("Name", required=True, width="medium"),
    "enabled": Col.CheckboxColumn("On", width="small"),
    "condition": Col.TextColumn(
        "Condition",
        width="medium",
        help='e.g. recency_days >= 180 and orders <= 2, rfm_segment in ["At Risk"]',
    ),
    "reason": Col.TextColumn("Reason", width="medium", help="Text with {column} placeholders"),
    "action": Col.TextColumn("Action", width="medium", required=True),
    "confidence": Col.SelectboxColumn(
        "Confidence", options=list(R.CONFIDENCES), required=True, width="small"
    ),
    "priority": Col.NumberColumn(
        "Priority", step=1, format="%d", width="small", help="Higher wins among matching rules"
    ),
    "matched": Col.NumberColumn("Matched", format="%,d", width="small"),
    "check": Col.TextColumn("Check", width="medium"),
}
STATS_LABELS = {"share": "Share of base", "assigned": "Wins", "assigned_revenue": "Wins revenue"}


@loading.dataset_cache(shared=16, private=5, spinner="Evaluating the rules…")
def _evaluate(key: str, rules_json: str, _hub: pl.DataFrame) -> R.Evaluation:
    return R.evaluate(_hub, R.rules_from_json(rules_json))


@loading.dataset_cache(shared=16, private=5)
def _preview_of(
    key: str, rules_json: str, sel: int, curve_at: int | None, _hub: pl.DataFrame, _rules
) -> tuple[R.Preview, float]:
    """The live preview and the milliseconds it took (a rerun that changed nothing shows it
    again: every customer evaluated again was 0.1 s at 745,000 customers)."""
    t0 = time.perf_counter()
    p = R.preview(_hub, _rules, sel, curve_at)
    return p, (time.perf_counter() - t0) * 1000


@loading.dataset_cache(shared=16, private=5)
def _by_action(key: str, rules_json: str, _insights: pl.DataFrame):
    """The summary by action and the rule and action choices of the insights."""
    return R.summary_by_action(_insights), R.insight_choices(_insights)


@loading.dataset_cache(shared=16, private=5)
def _filtered(key: str, rules_json: str, picked: tuple, _insights: pl.DataFrame):
    """The insights the filters keep, and the same with status labels (shown)."""
    rules, actions, confidences, search = picked
    kept = R.filter_insights(
        _insights, rules=rules, actions=actions, confidences=confidences, search=search
    )
    return kept, R.label_statuses(kept)


@loading.dataset_cache(shared=4, private=2)
def _vocabulary(key: str, _hub: pl.DataFrame) -> pl.DataFrame:
    return R.vocabulary(_hub)


# ---------------------------------------------------------------- page
data = state.app_data()
needs.dates(data, "Insight rules (recency and churn status)")
st.title("Insight rules")
st.caption(
    f"{ui.plain(data.name)} · as of {data.settings.as_of}"
    + (" · filtered" if data.filters.active else "")
    + " · each customer gets the matching rule with the highest priority"
)
try:
    hub = data.customer_table()  # the cached call shows its own spinner
except InputError as exc:
    ui.show_error(exc, "The customer metrics cannot be computed")
    st.stop()
if hub.height == 0:
    st.warning("No customers to evaluate rules on.")
    st.stop()
if note := segments.relative_scores_note(hub):  # rules on rfm_segment / scores are relative
    st.info(note, icon=":material/info:")
ss["ir_workspace"] = W.current()
E.start()


def _toolbar() -> None:
    c1, c2, c3, c4, c5, c6 = st.columns([1, 1.4, 1.3, 1.3, 1.8, 1.2], vertical_alignment="bottom")
    c1.button(
        "↶ Undo",
        key="ir_undo_btn",
        on_click=E.undo,
        disabled=not ss["ir_undo"],
        help="Undo the last change to the rules.",
        width="stretch",
    )
    c2.button(
        "Reset to defaults",
        key="ir_reset",
        on_click=E.reset,
        width="stretch",
        help="Replace the rules with the default rule set (undo brings yours back).",
    )
    with c3.popover("Import JSON", width="stretch"):
        key = f"ir_import_{ss['ir_ver']}"
        st.file_uploader(
            "Rules file (.json): a list of rule objects",
            type=["json"],
            key=key,
            on_change=E.import_file,
            args=(key,),
        )
    c4.download_button(
        "Export JSON",
        data=R.rules_to_json(ss["ir_rules"]),
        file_name="rules.json",
        mime="application/json",
        key="ir_export",
        on_click="ignore",
        width="stretch",
    )
    c5.text_input("Your name (for the history)", key="ir_author", placeholder="analyst")
    ws = E.workspace()
    c6.toggle(
        "Auto-save",
        key="ir_autosave",
        value=W.autosave_by_default(ws),
        help="Save every change as a new version of the rule set in the workspace, with who "
        "and what changed."
        + (" This workspace is shared: others see what you save." if ws.shared else ""),
    )
    # one container, present on every run: the tabs below keep their place (and the open tab)
    # whether or not there is a message
    with st.container():
        if msg := ss.pop("ir_message", None):
            getattr(st, msg[0])(ui.plain(msg[1]))
        if saved := ss.pop("ir_saved", None):
            st.caption(f":material/cloud_done: {saved}")
        note = ws.describe()
        if ws.shared and not ss.get("ir_autosave", W.autosave_by_default(ws)):
            note += " Auto-save is off: turn it on to save every change here."
        st.caption(f":material/{'group' if ws.shared else 'lock'}: {ui.plain(note)}")
        if not ss["ir_rules"]:
            st.info("No rules: add a row to the table, import a file or reset to the defaults.")


def _editor(rules: list[R.Rule], stats: pl.DataFrame) -> None:
    key = f"ir_editor_{ss['ir_ver']}"
    st.data_editor(
        R.rules_table(rules, stats),
        key=key,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        on_change=E.table_edited,
        args=(key,),
        disabled=["matched", "check"],
        column_config=EDITOR_COLUMNS,
        # what a rule does, how sure and how strong before the long reason text (fits 1440 px)
        column_order=[
            *("name", "enabled", "condition", "action", "confidence", "priority", "matched"),
            *("reason", "check"),
        ],
    )
    with st.expander("Columns and values you can use in conditions and reasons"):
        st.markdown(
            "Conditions: `column >= 180`, `and` / `or` / `not`, parentheses, "
            '`column in ["A", "B"]`, `column between 1000 and 5000`, `column is null`. '
            "Units: `6 months`, `2 weeks`, `30%`, `5k`. Reasons: `{column}` "
            "placeholders (money, days and rates are formatted for you)."
        )
        ui.table(_vocabulary(data.key, hub), "condition_vocabulary", download=False)


def _sliders(specs: list[R.SliderSpec] | None, sel: int) -> None:
    """A slider per numeric threshold of the selected rule, and the pick of the curve."""
    if specs == []:
        st.caption("This condition has no numeric threshold to slide.")
    if not specs:
        return
    st.markdown("**Thresholds**")
    for t in specs:
        key = f"ir_th_{ss['ir_ver']}_{sel}_{t.index}"
        st.slider(
            t.label,
            min_value=t.low,
            max_value=t.high,
            value=t.value,
            step=t.step,
            key=key,
            on_change=E.threshold_changed,
            args=(sel, t.index, key),
        )
    st.radio(
        "Sensitivity curve for",
        range(len(specs)),
        format_func=lambda i: specs[i].label,
        horizontal=True,
        key=f"ir_curve_{sel}",
    )


def _rule_form(r: R.Rule, sel: int) -> None:
    ver = ss["ir_ver"]
    with st.form(f"ir_form_{ver}", border=True):
        st.markdown(f"**Edit “{ui.plain(r.name)}”**")
        st.text_input("Name", value=r.name, key=f"ir_form_name_{ver}")
        st.text_area("Condition", value=r.condition, key=f"ir_form_condition_{ver}", height=80)
        st.text_input(
            "Reason",
            value=r.reason,
            key=f"ir_form_reason_{ver}",
            help="{column} placeholders, e.g. {recency_days} or {revenue}",
        )
        st.text_input("Action", value=r.action, key=f"ir_form_action_{ver}")
        f1, f2, f3 = st.columns(3)
        conf = R.CONFIDENCES.index(r.confidence)
        f1.selectbox("Confidence", R.CONFIDENCES, index=conf, key=f"ir_form_confidence_{ver}")
        f2.number_input("Priority", value=r.priority, step=1, key=f"ir_form_priority_{ver}")
        f3.checkbox("Enabled", value=r.enabled, key=f"ir_form_enabled_{ver}")
        st.form_submit_button(
            "Apply changes", type="primary", on_click=E.form_submitted, args=(sel, ver)
        )


def _preview(rule: R.Rule, row: dict, curve_label: str | None, p: R.Preview, ms: float) -> None:
    n = ui.num(p.evaluation.customers)
    st.markdown(f"#### Preview · {ui.plain(rule.name)}")
    if row["error"]:
        st.error(
            f"This rule is switched off until its condition is fixed: {ui.plain(row['error'])}"
        )
    elif not row["enabled"]:
        st.info("This rule is switched off (tick “On” in the table to use it).")
    kpis = [
        ("Customers matched", ui.num(row["matched"]), "Customers for whom the condition is true."),
        ("Share of base", ui.pct(row["share"]), f"Matched / all {n} customers."),
        (
            "Revenue matched",
            ui.money(row["revenue"]),
            f"{ui.pct(row['revenue_share'])} of all revenue.",
        ),
        (
            "Revenue at risk covered",
            ui.money(row["revenue_at_risk"]),
            "Last-365-day revenue of matched customers who are at risk or churned.",
        ),
        ("Wins", ui.num(row["assigned"]), "Matched customers for whom this rule wins."),
        ("Overlap", ui.num(row["overlap"]), "Matched customers who also match another rule."),
    ]
    ui.kpi_cards([ui.Kpi(label, value, help=tip) for label, value, tip in kpis], per_row=3)
    customers = fmt.count(p.evaluation.customers, "customer")
    st.caption(f"Preview computed in {ms:.0f} ms for {customers}.")
    if p.curve is not None and curve_label is not None:
        c1, c2 = st.columns(2)
        ui.chart(RC.sensitivity_chart(p.curve, label=curve_label), "sensitivity_customers", c1)
        ui.chart(
            RC.sensitivity_chart(
                p.curve, "revenue", title="Revenue matched", label=curve_label, value_format=MONEY
            ),
            "sensitivity_revenue",
            c2,
        )
        with st.expander("Sensitivity curve as a table"):
            ui.table(p.curve, "sensitivity", key="ir_curve_tbl")
    if p.sample is not None:
        st.markdown("**Sample of matched customers** (most revenue first)")
        if p.sample.height == 0:
            st.info("No customer matches this condition.")
        else:
            sample = R.label_statuses(p.sample)
            ui.table(sample, "matched_sample", download=False)


def _all_rules(ev: R.Evaluation) -> None:
    st.markdown("#### All rules")
    for name, error in ev.errors.items():
        st.error(f"Rule “{ui.plain(name)}” is switched off until fixed: {ui.plain(error)}")
    order = R.rules_by_priority(ev.stats)
    c1, c2 = st.columns([2, 3])
    c1.markdown("**Customers per rule** (matched vs. won after priority)")
    if order:
        ui.chart(RC.rules_chart(ev.stats), "customers_per_rule", c1)
    c2.markdown("**Overlaps between rules** (customers matching both)")
    if ev.overlaps.height:
        ui.chart(RC.overlap_chart(ev.overlaps, order), "rule_overlaps", c2)
    else:
        c2.caption("Overlaps need at least two working rules.")
    show = R.rule_stats_table(ev.stats)
    ui.table(show, "rule_stats", key="ir_stats", labels=STATS_LABELS)
    with st.expander("Overlaps as a table"):
        ui.table(ev.overlaps, "rule_overlaps", key="ir_overlaps")


def _rules_tab(rules: list[R.Rule]) -> None:
    st.caption(
        f"Started from {ss['ir_origin']}. Edit cells, add or delete rows; the preview follows "
        "every change."
    )
    sel = min(max(int(ss.get("ir_sel", 0) or 0), 0), len(rules) - 1)
    ss["ir_sel"] = sel
    specs = R.slider_specs(hub, rules[sel].condition)
    curve_at = None
    if specs:  # a stale pick (the rule lost a threshold) falls back to the first one
        curve_at = ss[f"ir_curve_{sel}"] = min(int(ss.get(f"ir_curve_{sel}") or 0), len(specs) - 1)
    # the preview first (fast, see bench/bench_rules.py), so the table shows the counts
    p, ms = _preview_of(data.key, R.rules_to_json(rules), sel, curve_at, hub, rules)
    _editor(rules, p.evaluation.stats)
    st.selectbox(
        "Rule to tune",
        range(len(rules)),
        format_func=lambda i: rules[i].name,
        **widgets.keep("ir_sel"),
    )
    c1, c2 = st.columns([2, 3])
    with c1:
        _sliders(specs, sel)
        _rule_form(rules[sel], sel)
    with c2:
        label = specs[curve_at].curve_label if specs and curve_at is not None else None
        _preview(rules[sel], p.evaluation.stats.row(sel, named=True), label, p, ms)
    _all_rules(p.evaluation)


def _insights_tab(rules: list[R.Rule]) -> None:
    rules_json = R.rules_to_json(rules)
    ev = _evaluate(data.key, rules_json, hub)
    ins = ev.insights
    st.markdown(
        f"**{R.coverage_text(ev)}** Each customer appears once, under the matching rule with "
        "the highest priority."
    )
    summary, (rule_names, actions) = _by_action(data.key, rules_json, ins)
    st.markdown("#### Summary by action")
    if summary.height:
        ui.chart(RC.action_chart(summary), "insights_by_action", fit=True)
    ui.table(summary, "insights_by_action", key="ir_summary")
    st.markdown("#### Insights per customer")
    f1, f2, f3, f4 = st.columns([1.4, 1.6, 1, 1])
    pick_rules = f1.multiselect("Rule", rule_names, key="ir_f_rule", placeholder="All")
    pick_actions = f2.multiselect("Action", actions, key="ir_f_action", placeholder="All")
    pick_conf = f3.multiselect("Confidence", R.CONFIDENCES, key="ir_f_conf", placeholder="All")
    search = f4.text_input("Customer id contains", key="ir_f_search")
    picked = (tuple(pick_rules), tuple(pick_actions), tuple(pick_conf), search)
    shown, labelled = _filtered(data.key, rules_json, picked, ins)
    st.caption(f"{fmt.count(shown.height, 'customer')} in the list")
    ui.table(labelled, "insights", key="ir_insights", height=420)
    downloads.crm_download(lambda: crm_from_insights(shown, hub, data.mapping), "insights")
    st.markdown("#### Save run")
    st.caption(
        "Upserts these insights into the workspace database (table `insights`, one row per "
        "customer and rule; view `latest_insights` for BI tools) and records the run in "
        f"`insight_runs`. {ui.plain(E.workspace().describe())}"
    )
    if st.button("Save run", type="primary", key="ir_save_run"):
        try:
            with st.spinner("Saving the run…"):
                version, run_id = store.record_run(
                    E.workspace().path,
                    ins,
                    rules,
                    customers=ev.customers,
                    as_of=data.settings.as_of,
                    author=E.author(),
                    source=data.name,
                    rule_set=E.workspace().rule_set,
                )
            st.success(
                f"Run {run_id} saved: {ui.num(ins.height)} insights (rule set version {version})."
            )
        except InputError as exc:
            ui.show_error(exc, "The run cannot be saved")


def _history_tab() -> None:
    try:
        found = store.history(E.workspace().path, rule_set=E.workspace().rule_set)
    except InputError as exc:
        ui.show_error(exc, "The workspace database cannot be read")
        return
    if found is None:
        st.info(
            "Nothing saved yet. With auto-save on, every change to the rules is saved here as "
            "a new version; “Save run” on the Insights tab records a run."
        )
        return
    hist, runs = found
    st.markdown("#### Rule set versions")
    if hist.height == 0:
        st.info("No saved versions yet.")
    else:
        ui.table(hist, "rule_set_versions", download=False)
        c1, c2, _ = st.columns([1, 1, 3], vertical_alignment="bottom")
        version = c1.selectbox("Version", hist["version"].to_list(), key="ir_restore_v")
        c2.button(
            "Restore this version",
            key="ir_restore",
            on_click=E.restore,
            args=(int(version or 0),),
            disabled=version is None or version == hist["version"][0],
        )
    st.markdown("#### Saved runs")
    if runs.height == 0:
        st.caption("No runs saved yet.")
    else:
        ui.table(runs, "insight_runs", key="ir_runs")


@st.fragment
def workspace() -> None:
    _toolbar()
    rules = ss["ir_rules"]
    tab_edit, tab_ins, tab_hist = widgets.tabs(
        ["Rules & live preview", "Insights", "History"], "insights_tab"
    )
    with tab_edit:
        if rules:
            _rules_tab(rules)
        else:  # the empty table, to add a first rule
            _editor(rules, R.evaluate(hub, rules, with_insights=False).stats)
    with tab_ins:
        if rules:
            _insights_tab(rules)
    with tab_hist:
        _history_tab()


workspace()
downloads.tables_workbook("insights_tables")
