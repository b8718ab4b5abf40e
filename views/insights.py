"""Insight rules: turn the customer metrics into "what to do for each customer".

Layout: a toolbar (undo, reset to defaults, import / export JSON, who is editing, auto-save),
then three tabs inside one fragment, so a change reruns only this part of the page:
- Rules & live preview: the rules table (add / delete / edit rows), the selected rule in a form
  with a slider per numeric threshold, and the preview: per-rule customers, share, revenue,
  revenue at risk covered and overlaps, a sample of matched customers with their reason, and the
  sensitivity curve of the chosen threshold.
- Insights: one row per customer with the winning rule (highest priority), filterable and
  downloadable; the summary by action; "save run" to the workspace database.
- History: saved versions of the rule set (who / when / what changed, restore) and past runs.
Every figure comes from core.rules and core.store.
"""

from __future__ import annotations

import time

import altair as alt
import polars as pl
import streamlit as st

from core import rules as R
from core import store
from core.errors import InputError
from views import state, ui

CONF_COLORS = alt.Scale(domain=list(R.CONFIDENCES), range=["#16A34A", "#F59E0B", "#94A3B8"])
MEASURE_COLORS = alt.Scale(domain=["matched", "assigned (wins)"], range=["#A5B4FC", "#4F46E5"])
OP_LABELS = {
    ">=": "at least",
    ">": "more than",
    "<=": "at most",
    "<": "less than",
    "==": "equal to",
    "!=": "not equal to",
    "between-low": "from",
    "between-high": "to",
}
EDIT_COLUMNS = ["name", "enabled", "condition", "reason", "action", "confidence", "priority"]


# ---------------------------------------------------------------- cached core calls
@st.cache_data(show_spinner="Evaluating the rules…", max_entries=16)
def _evaluate(key: str, rules_json: str, _hub: pl.DataFrame) -> R.Evaluation:
    return R.evaluate(_hub, R.rules_from_json(rules_json))


@st.cache_data(show_spinner=False, max_entries=4)
def _vocabulary(key: str, _hub: pl.DataFrame) -> pl.DataFrame:
    return R.vocabulary(_hub)


# ---------------------------------------------------------------- rule-set state
def _db_path():
    return store.default_db_path()


def _initial_rules() -> tuple[list[R.Rule], str]:
    """The newest saved rule set when the workspace has one, else the defaults."""
    path = _db_path()
    if path.exists():
        try:
            db = store.open_db(path)
            try:
                saved = store.load_rule_set(db)
            finally:
                db.close()
            if saved is not None:
                return saved, "the newest saved version"
        except InputError as exc:
            st.warning(f"The workspace database cannot be read, using the defaults: {exc}")
    return R.default_rules(), "the default rule set"


def _rules() -> list[R.Rule]:
    if "ir_rules" not in st.session_state:
        rules, origin = _initial_rules()
        st.session_state["ir_rules"] = rules
        st.session_state["ir_origin"] = origin
        st.session_state["ir_undo"] = []
        st.session_state["ir_ver"] = 0
    return st.session_state["ir_rules"]


def _autosave(rules: list[R.Rule], note: str = "", before: list[R.Rule] | None = None) -> None:
    """Save `rules` as a new version; the first save also records the starting point."""
    if not st.session_state.get("ir_autosave", True):
        return
    try:
        db = store.open_db(_db_path())
        try:
            if before is not None and store.load_rule_set(db) is None:
                store.save_rule_set(db, before, author=_author(), note="starting point")
            v = store.save_rule_set(db, rules, author=_author(), note=note)
        finally:
            db.close()
        st.session_state["ir_saved"] = f"Saved as version {v} of the rule set."
    except InputError as exc:
        st.session_state["ir_message"] = ("warning", f"Not saved to the workspace: {exc}")


def _author() -> str:
    return (st.session_state.get("ir_author") or "").strip() or "analyst"


def _set_rules(new: list[R.Rule], note: str = "") -> None:
    """Make `new` the current rules: remember the old ones for undo, refresh the widgets."""
    old = st.session_state["ir_rules"]
    if new == old:
        return
    st.session_state["ir_undo"] = (st.session_state["ir_undo"] + [old])[-50:]
    st.session_state["ir_rules"] = new
    st.session_state["ir_ver"] += 1
    _autosave(new, note, before=old)


def _undo() -> None:
    if st.session_state["ir_undo"]:
        st.session_state["ir_rules"] = st.session_state["ir_undo"].pop()
        st.session_state["ir_ver"] += 1
        _autosave(st.session_state["ir_rules"], "undo")


def _reset() -> None:
    _set_rules(R.default_rules(), "reset to defaults")
    st.session_state["ir_sel"] = 0


def _import(key: str) -> None:
    upload = st.session_state.get(key)
    if upload is None:
        return
    try:
        new = R.rules_from_json(upload.getvalue(), source=f"rules file {upload.name!r}")
    except InputError as exc:
        st.session_state["ir_message"] = ("error", f"Not imported: {exc}")
        return
    _set_rules(new, f"imported {upload.name}")
    st.session_state["ir_sel"] = 0
    st.session_state["ir_message"] = ("success", f"Imported {len(new)} rules from {upload.name}.")


def _editor_changed(key: str) -> None:
    """Apply the table's edits (changed cells, added and deleted rows) to the rules."""
    delta = st.session_state[key]
    rows = [r.to_dict() for r in st.session_state["ir_rules"]]
    for idx, changes in delta.get("edited_rows", {}).items():
        rows[int(idx)].update({k: v for k, v in changes.items() if k in EDIT_COLUMNS})
    for idx in sorted(delta.get("deleted_rows", []), reverse=True):
        del rows[idx]
    for added in delta.get("added_rows", []):
        row = {
            "name": f"New rule {len(rows) + 1}",
            "enabled": True,
            "condition": "",
            "reason": "",
            "action": "Review",
            "confidence": "Medium",
            "priority": 50,
        }
        row.update({k: v for k, v in added.items() if k in EDIT_COLUMNS and v not in (None, "")})
        rows.append(row)
    try:
        new = R.validate_rules(rows, source="rules table")
    except InputError as exc:
        st.session_state["ir_message"] = ("error", f"Change not applied: {exc}")
        st.session_state["ir_ver"] += 1  # redraw the table from the unchanged rules
        return
    _set_rules(new)


def _threshold_changed(index: int, k: int, key: str) -> None:
    rules = st.session_state["ir_rules"]
    value = float(st.session_state[key])
    new = R.with_rule(rules, index, condition=R.set_threshold(rules[index].condition, k, value))
    _set_rules(new)


def _form_submitted(index: int, ver: int) -> None:
    f = {c: st.session_state.get(f"ir_form_{c}_{ver}") for c in EDIT_COLUMNS}
    rows = [r.to_dict() for r in st.session_state["ir_rules"]]
    rows[index] = f
    try:
        new = R.validate_rules(rows, source="rule form")
    except InputError as exc:
        st.session_state["ir_message"] = ("error", f"Change not applied: {exc}")
        return
    _set_rules(new)


def _restore(version: int) -> None:
    try:
        db = store.open_db(_db_path())
        try:
            v = store.restore_rule_set(db, version, author=_author())
            rules = store.load_rule_set(db)
        finally:
            db.close()
    except InputError as exc:
        st.session_state["ir_message"] = ("error", f"Not restored: {exc}")
        return
    old = st.session_state["ir_rules"]
    st.session_state["ir_undo"] = (st.session_state["ir_undo"] + [old])[-50:]
    st.session_state["ir_rules"] = rules
    st.session_state["ir_ver"] += 1
    st.session_state["ir_message"] = ("success", f"Version {version} restored as version {v}.")


# ---------------------------------------------------------------- charts
def _rules_chart(stats: pl.DataFrame) -> alt.Chart:
    long = (
        stats.filter(pl.col("enabled"))
        .unpivot(
            on=["matched", "assigned"],
            index=["rule", "revenue", "share", "priority"],
            variable_name="measure",
            value_name="customers",
        )
        .with_columns(pl.col("measure").replace({"assigned": "assigned (wins)"}))
    )
    order = stats.sort("priority", descending=True)["rule"].to_list()
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y(
                "rule:N", sort=order, title=None, axis=alt.Axis(labelLimit=220, labelOverlap=False)
            ),
            yOffset=alt.YOffset("measure:N", sort=["matched", "assigned (wins)"]),
            x=alt.X("customers:Q", title="Customers"),
            color=alt.Color(
                "measure:N", scale=MEASURE_COLORS, title=None, legend=alt.Legend(orient="top")
            ),
            tooltip=[
                alt.Tooltip("rule:N", title="Rule"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("customers:Q", title="Customers", format=","),
                alt.Tooltip("share:Q", title="Share of base (matched)", format=".1%"),
                alt.Tooltip("revenue:Q", title="Revenue (matched)", format=",.0f"),
                alt.Tooltip("priority:Q", title="Priority"),
            ],
        )
        .properties(height=max(160, 56 * stats.height))
    )


def _overlap_chart(overlaps: pl.DataFrame, order: list[str]) -> alt.Chart:
    dark = max(int(overlaps["customers"].max() or 0), 1)  # white labels on the darkest cells
    base = alt.Chart(overlaps).encode(
        x=alt.X(
            "other:N",
            sort=order,
            title="…also matches",
            axis=alt.Axis(labelAngle=-35, labelLimit=160, labelOverlap=False),
        ),
        y=alt.Y(
            "rule:N",
            sort=order,
            title="Customers of…",
            axis=alt.Axis(labelLimit=200, labelOverlap=False),
        ),
        tooltip=[
            alt.Tooltip("rule:N", title="Rule"),
            alt.Tooltip("other:N", title="Other rule"),
            alt.Tooltip("customers:Q", title="Customers in both", format=","),
        ],
    )
    heat = base.mark_rect().encode(
        color=alt.Color("customers:Q", scale=alt.Scale(scheme="purples"), title="Customers")
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("customers:Q", format=","),
        color=alt.condition(
            f"datum.customers > {0.6 * dark:.0f}", alt.value("white"), alt.value("#111827")
        ),
    )
    return (heat + text).properties(height=max(200, 44 * len(order)))


def _curve_chart(curve: pl.DataFrame, measure: str, title: str, fmt: str, label: str):
    lo, hi = curve["value"].min(), curve["value"].max()
    x = alt.X("value:Q", title=label, scale=alt.Scale(domain=[lo, hi], nice=False))
    base = alt.Chart(curve).encode(x=x)
    line = base.mark_line(point=True, color="#4F46E5").encode(
        y=alt.Y(f"{measure}:Q", title=title),
        tooltip=[
            alt.Tooltip("value:Q", title=label, format=",.4~f"),
            alt.Tooltip("customers:Q", title="Customers", format=","),
            alt.Tooltip("revenue:Q", title="Revenue", format=",.0f"),
        ],
    )
    now = (
        alt.Chart(curve.filter("current"))
        .mark_rule(color="#DC2626", strokeDash=[4, 3])
        .encode(x="value:Q", tooltip=[alt.Tooltip("value:Q", title="Current value")])
    )
    return (line + now).properties(height=220, title=title)


def _action_chart(summary: pl.DataFrame) -> alt.Chart:
    return (
        alt.Chart(summary)
        .mark_bar(color="#4F46E5")
        .encode(
            y=alt.Y("action:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X("revenue:Q", title="Revenue of the customers"),
            tooltip=[
                alt.Tooltip("action:N", title="Action"),
                alt.Tooltip("customers:Q", title="Customers", format=","),
                alt.Tooltip("revenue:Q", title="Revenue", format=",.0f"),
                alt.Tooltip("rules:N", title="Rules"),
            ],
        )
        .properties(height=max(140, 32 * summary.height))
    )


# ---------------------------------------------------------------- page
data = state.app_data()
s = data.settings
st.title("Insight rules")
st.caption(
    f"{data.name} · as of {s.as_of}"
    + (" · filtered" if data.filters.active else "")
    + " · each customer gets the matching rule with the highest priority"
)
try:
    with st.spinner("Computing customer metrics…"):
        hub = data.customer_table()
except InputError as exc:
    ui.show_error(exc, "The customer metrics cannot be computed")
    st.stop()
if hub.height == 0:
    st.warning("No customers to evaluate rules on.")
    st.stop()
_rules()


def _toolbar() -> None:
    rules = st.session_state["ir_rules"]
    ver = st.session_state["ir_ver"]
    c1, c2, c3, c4, c5, c6 = st.columns([1, 1.4, 1.3, 1.3, 1.8, 1.2], vertical_alignment="bottom")
    c1.button(
        "↶ Undo",
        key="ir_undo_btn",
        on_click=_undo,
        disabled=not st.session_state["ir_undo"],
        help="Undo the last change to the rules.",
        width="stretch",
    )
    c2.button(
        "Reset to defaults",
        key="ir_reset",
        on_click=_reset,
        width="stretch",
        help="Replace the rules with the default rule set (undo brings yours back).",
    )
    with c3.popover("Import JSON", width="stretch"):
        st.file_uploader(
            "Rules file (.json): a list of rule objects",
            type=["json"],
            key=f"ir_import_{ver}",
            on_change=_import,
            args=(f"ir_import_{ver}",),
        )
    c4.download_button(
        "Export JSON",
        data=R.rules_to_json(rules),
        file_name="rules.json",
        mime="application/json",
        key="ir_export",
        on_click="ignore",
        width="stretch",
    )
    c5.text_input("Your name (for the history)", key="ir_author", placeholder="analyst")
    c6.toggle(
        "Auto-save",
        key="ir_autosave",
        value=True,
        help="Save every change as a new version of the rule set in the workspace "
        "database, with who and what changed.",
    )


def _messages() -> None:
    msg = st.session_state.pop("ir_message", None)
    if msg:
        getattr(st, msg[0])(msg[1])
    saved = st.session_state.pop("ir_saved", None)
    if saved:
        st.caption(f":material/cloud_done: {saved}")


def _selected(rules: list[R.Rule]) -> int:
    sel = int(st.session_state.get("ir_sel", 0) or 0)
    sel = min(max(sel, 0), len(rules) - 1)
    st.session_state["ir_sel"] = sel
    return sel


def _editor(rules: list[R.Rule], stats: pl.DataFrame) -> None:
    ver = st.session_state["ir_ver"]
    table = R.rules_frame(rules).with_columns(
        stats.select(
            pl.col("matched"),
            pl.when(pl.col("error").is_not_null())
            .then(pl.col("error"))
            .when(~pl.col("enabled"))
            .then(pl.lit("switched off"))
            .otherwise(pl.lit("ok"))
            .alias("check"),
        )
    )
    key = f"ir_editor_{ver}"
    st.data_editor(
        table,
        key=key,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        on_change=_editor_changed,
        args=(key,),
        disabled=["matched", "check"],
        column_config={
            "name": st.column_config.TextColumn("Name", required=True, width="medium"),
            "enabled": st.column_config.CheckboxColumn("On", width="small"),
            "condition": st.column_config.TextColumn(
                "Condition",
                width="large",
                help='e.g. recency_days >= 180 and orders <= 2, rfm_segment in ["At Risk"]',
            ),
            "reason": st.column_config.TextColumn(
                "Reason", width="medium", help="Text with {column} placeholders"
            ),
            "action": st.column_config.TextColumn("Action", width="medium", required=True),
            "confidence": st.column_config.SelectboxColumn(
                "Confidence", options=list(R.CONFIDENCES), required=True, width="small"
            ),
            "priority": st.column_config.NumberColumn(
                "Priority",
                step=1,
                format="%d",
                width="small",
                help="Higher wins when a customer matches several rules",
            ),
            "matched": st.column_config.NumberColumn("Matched", format="%d", width="small"),
            "check": st.column_config.TextColumn("Check", width="medium"),
        },
    )


def _rule_form(rules: list[R.Rule], sel: int) -> None:
    ver = st.session_state["ir_ver"]
    r = rules[sel]
    with st.form(f"ir_form_{ver}", border=True):
        st.markdown(f"**Edit “{r.name}”**")
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
        f1.selectbox(
            "Confidence",
            R.CONFIDENCES,
            index=R.CONFIDENCES.index(r.confidence),
            key=f"ir_form_confidence_{ver}",
        )
        f2.number_input("Priority", value=r.priority, step=1, key=f"ir_form_priority_{ver}")
        f3.checkbox("Enabled", value=r.enabled, key=f"ir_form_enabled_{ver}")
        st.form_submit_button(
            "Apply changes", type="primary", on_click=_form_submitted, args=(sel, ver)
        )


def _sliders(rules: list[R.Rule], sel: int) -> int | None:
    """A slider per numeric threshold of the selected rule; returns the one for the curve."""
    ver = st.session_state["ir_ver"]
    rule = rules[sel]
    try:
        found = R.thresholds(rule.condition)
    except R.RuleSyntaxError:
        return None
    if not found:
        st.caption("This condition has no numeric threshold to slide.")
        return None
    st.markdown("**Thresholds**")
    for t in found:
        lo, hi, step = R.threshold_range(hub, t)
        integer = step == 1.0 and float(t.value).is_integer()
        cast = int if integer else float
        key = f"ir_th_{ver}_{sel}_{t.index}"
        st.slider(
            f"{t.column} {OP_LABELS.get(t.op, t.op)}",
            min_value=cast(lo),
            max_value=cast(hi),
            value=cast(t.value),
            step=cast(step),
            key=key,
            on_change=_threshold_changed,
            args=(sel, t.index, key),
        )
    labels = [f"{t.column} {OP_LABELS.get(t.op, t.op)}" for t in found]
    pick = st.radio(
        "Sensitivity curve for",
        range(len(found)),
        format_func=lambda i: labels[i],
        horizontal=True,
        key=f"ir_curve_{sel}",
    )
    return int(pick or 0)


def _preview_section(
    rules: list[R.Rule], sel: int, curve_at: int | None, p: R.Preview, ms: float
) -> None:
    stats = p.evaluation.stats
    row = stats.row(sel, named=True)
    st.markdown(f"#### Preview · {rules[sel].name}")
    if row["error"]:
        st.error(f"This rule is switched off until its condition is fixed: {row['error']}")
    elif not row["enabled"]:
        st.info("This rule is switched off (tick “On” in the table to use it).")
    ui.kpi_cards(
        [
            ui.Kpi(
                "Customers matched",
                ui.num(row["matched"]),
                help="Customers for whom the condition is true.",
            ),
            ui.Kpi(
                "Share of base",
                ui.pct(row["share"]),
                help=f"Matched / all {ui.num(p.evaluation.customers)} customers.",
            ),
            ui.Kpi(
                "Revenue matched",
                ui.money(row["revenue"]),
                help=f"{ui.pct(row['revenue_share'])} of all revenue.",
            ),
            ui.Kpi(
                "Revenue at risk covered",
                ui.money(row["revenue_at_risk"]),
                help="Last-365-day revenue of matched customers who are at risk or churned.",
            ),
            ui.Kpi(
                "Wins",
                ui.num(row["assigned"]),
                help="Matched customers for whom this is the highest-priority rule.",
            ),
            ui.Kpi(
                "Overlap",
                ui.num(row["overlap"]),
                help="Matched customers who also match another rule.",
            ),
        ],
        per_row=3,
    )
    st.caption(f"Preview computed in {ms:.0f} ms for {ui.num(p.evaluation.customers)} customers.")
    if p.curve is not None and curve_at is not None:
        t = R.thresholds(rules[sel].condition)[curve_at]
        label = f"{t.column} threshold"
        c1, c2 = st.columns(2)
        c1.altair_chart(
            _curve_chart(p.curve, "customers", "Customers matched", ",", label), width="stretch"
        )
        c2.altair_chart(
            _curve_chart(p.curve, "revenue", "Revenue matched", ",.0f", label), width="stretch"
        )
        with st.expander("Sensitivity curve as a table"):
            ui.table_with_download(p.curve, "sensitivity", key="ir_curve_tbl")
    if p.sample is not None:
        st.markdown("**Sample of matched customers** (most revenue first)")
        if p.sample.height == 0:
            st.info("No customer matches this condition.")
        else:
            st.dataframe(p.sample, hide_index=True, width="stretch")


def _all_rules_section(p: R.Preview) -> None:
    stats = p.evaluation.stats
    st.markdown("#### All rules")
    for r in stats.filter(pl.col("error").is_not_null()).iter_rows(named=True):
        st.error(f"Rule “{r['rule']}” is switched off until fixed: {r['error']}")
    c1, c2 = st.columns([2, 3])
    with c1:
        st.markdown("**Customers per rule** (matched vs. won after priority)")
        if stats.filter(pl.col("enabled")).height:
            st.altair_chart(_rules_chart(stats), width="stretch")
    with c2:
        st.markdown("**Overlaps between rules** (customers matching both)")
        order = stats.filter(pl.col("enabled")).sort("priority", descending=True)["rule"].to_list()
        if p.evaluation.overlaps.height:
            st.altair_chart(_overlap_chart(p.evaluation.overlaps, order), width="stretch")
        else:
            st.caption("Overlaps need at least two working rules.")
    show = stats.select(
        "rule",
        "priority",
        "enabled",
        "matched",
        "share",
        "revenue",
        "revenue_at_risk",
        "assigned",
        "assigned_revenue",
        "overlap",
        "action",
        "confidence",
        "error",
    )
    st.dataframe(
        show,
        hide_index=True,
        width="stretch",
        column_config={
            "share": st.column_config.NumberColumn("share of base", format="percent"),
            "revenue": st.column_config.NumberColumn(format="%,.0f"),
            "revenue_at_risk": st.column_config.NumberColumn("revenue at risk", format="%,.0f"),
            "assigned": st.column_config.NumberColumn("wins"),
            "assigned_revenue": st.column_config.NumberColumn("wins revenue", format="%,.0f"),
        },
    )
    ui.download_buttons(show, "rule_stats", key="ir_stats")
    with st.expander("Overlaps as a table"):
        ui.table_with_download(p.evaluation.overlaps, "rule_overlaps", key="ir_overlaps")


def _insights_tab(rules: list[R.Rule]) -> None:
    ev = _evaluate(data.key, R.rules_to_json(rules), hub)
    ins = ev.insights
    st.markdown(
        f"**{ui.num(ins.height)}** of {ui.num(ev.customers)} customers get an action "
        f"({ui.pct(ins.height / ev.customers if ev.customers else 0)}). Each customer appears "
        "once, under the matching rule with the highest priority."
    )
    summary = R.summary_by_action(ins)
    st.markdown("#### Summary by action")
    if summary.height:
        st.altair_chart(_action_chart(summary), width="stretch")
    ui.table_with_download(
        summary,
        "insights_by_action",
        key="ir_summary",
        width="stretch",
        column_config={"revenue": st.column_config.NumberColumn(format="%,.0f")},
    )
    st.markdown("#### Insights per customer")
    f1, f2, f3, f4 = st.columns([1.4, 1.6, 1, 1])
    pick_rules = f1.multiselect(
        "Rule", sorted(ins["rule"].unique().to_list()), key="ir_f_rule", placeholder="All"
    )
    pick_actions = f2.multiselect(
        "Action", sorted(ins["action"].unique().to_list()), key="ir_f_action", placeholder="All"
    )
    pick_conf = f3.multiselect(
        "Confidence", list(R.CONFIDENCES), key="ir_f_conf", placeholder="All"
    )
    search = f4.text_input("Customer id contains", key="ir_f_search")
    shown = R.filter_insights(
        ins, rules=pick_rules, actions=pick_actions, confidences=pick_conf, search=search
    )
    st.caption(f"{ui.num(shown.height)} customers in the list")
    ui.table_with_download(
        shown,
        "insights",
        key="ir_insights",
        width="stretch",
        height=420,
        column_config={
            "revenue": st.column_config.NumberColumn(format="%,.0f"),
            "aov": st.column_config.NumberColumn(format="%,.2f"),
            "expected_clv_365d": st.column_config.NumberColumn("expected CLV 365d", format="%,.0f"),
            "reason": st.column_config.TextColumn(width="large"),
        },
    )
    st.markdown("#### Save run")
    st.caption(
        "Upserts these insights into the workspace database (table `insights`, one row per "
        "customer and rule; view `latest_insights` for BI tools) and records the run in "
        f"`insight_runs`. Database: `{_db_path().name}` (set {store.DB_ENV} to move it)."
    )
    if st.button("Save run", type="primary", key="ir_save_run"):
        try:
            with st.spinner("Saving the run…"):
                db = store.open_db(_db_path())
                try:
                    version = store.save_rule_set(db, rules, author=_author())
                    run_id = store.save_run(
                        db,
                        ins,
                        rules,
                        customers=ev.customers,
                        as_of=s.as_of,
                        author=_author(),
                        rule_set_version=version,
                        source=data.name,
                    )
                finally:
                    db.close()
            st.success(
                f"Run {run_id} saved: {ui.num(ins.height)} insights (rule set version {version})."
            )
        except InputError as exc:
            ui.show_error(exc, "The run cannot be saved")


def _history_tab() -> None:
    path = _db_path()
    if not path.exists():
        st.info("Nothing saved yet: turn on auto-save or save a run to start the history.")
        return
    try:
        db = store.open_db(path)
        try:
            hist = store.rule_set_history(db)
            runs = store.insight_runs(db)
        finally:
            db.close()
    except InputError as exc:
        ui.show_error(exc, "The workspace database cannot be read")
        return
    st.markdown("#### Rule set versions")
    if hist.height == 0:
        st.info("No saved versions yet.")
    else:
        st.dataframe(
            hist,
            hide_index=True,
            width="stretch",
            column_config={"changes": st.column_config.TextColumn(width="large")},
        )
        c1, c2, _ = st.columns([1, 1, 3], vertical_alignment="bottom")
        version = c1.selectbox("Version", hist["version"].to_list(), key="ir_restore_v")
        c2.button(
            "Restore this version",
            key="ir_restore",
            on_click=_restore,
            args=(int(version),) if version is not None else (0,),
            disabled=version is None or version == hist["version"][0],
        )
    st.markdown("#### Saved runs")
    if runs.height == 0:
        st.caption("No runs saved yet.")
    else:
        ui.table_with_download(runs, "insight_runs", key="ir_runs", width="stretch")


@st.fragment
def workspace() -> None:
    _toolbar()
    _messages()
    rules = st.session_state["ir_rules"]
    if not rules:
        st.info("No rules: add a row to the table, import a file or reset to the defaults.")
    tab_edit, tab_ins, tab_hist = st.tabs(["Rules & live preview", "Insights", "History"])
    with tab_edit:
        st.caption(
            f"Started from {st.session_state['ir_origin']}. Edit cells, add or delete "
            "rows; the preview follows every change."
        )
        sel = _selected(rules) if rules else None
        # the preview first (fast, see bench/bench_rules.py), so the table shows counts
        curve_at = None
        if sel is not None:
            try:
                curve_at = 0 if R.thresholds(rules[sel].condition) else None
            except R.RuleSyntaxError:
                curve_at = None
            curve_at = (
                st.session_state.get(f"ir_curve_{sel}", curve_at) if curve_at is not None else None
            )
        t0 = time.perf_counter()
        p = R.preview(hub, rules, sel, curve_at)
        ms = (time.perf_counter() - t0) * 1000
        _editor(rules, p.evaluation.stats)
        with st.expander("Columns and values you can use in conditions and reasons"):
            st.markdown(
                "Conditions: `column >= 180`, `and` / `or` / `not`, parentheses, "
                '`column in ["A", "B"]`, `column between 1000 and 5000`, `column is null`. '
                "Units: `6 months`, `2 weeks`, `30%`, `5k`. Reasons: `{column}` "
                "placeholders (money, days and rates are formatted for you)."
            )
            st.dataframe(_vocabulary(data.key, hub), hide_index=True, width="stretch")
        if sel is None:
            return
        st.selectbox(
            "Rule to tune", range(len(rules)), format_func=lambda i: rules[i].name, key="ir_sel"
        )
        c1, c2 = st.columns([2, 3])
        with c1:
            _sliders(rules, sel)
            _rule_form(rules, sel)
        with c2:
            _preview_section(rules, sel, curve_at, p, ms)
        _all_rules_section(p)
    with tab_ins:
        if rules:
            _insights_tab(rules)
    with tab_hist:
        _history_tab()


workspace()
