"""The Insight rules editor's rule set, for other pages: the rules being edited (or the
workspace's newest, or the defaults: the same start as the Insight rules page) and a change of
one rule's condition that lands in that editor (its undo brings the old one back) and is saved
to the workspace as that page saves.

The editor's state lives in st.session_state under the Insight rules page's keys: ir_rules (the
rules), ir_undo (earlier versions), ir_ver (bumped to redraw its widgets), ir_origin, ir_author,
ir_autosave.
"""

from __future__ import annotations

import streamlit as st

from core import rules as R
from core import store
from core.errors import InputError
from views import workspace as W

ss = st.session_state


def current_rules() -> list[R.Rule]:
    """The rules being edited on the Insight rules page, else the workspace's newest saved
    version, else the default rule set."""
    if "ir_rules" in ss:
        return ss["ir_rules"]
    ws = W.current()
    try:
        saved = store.newest_rules(ws.path, rule_set=ws.rule_set)
    except InputError:
        saved = None
    return saved or R.default_rules()


def set_condition(rule: str, condition: str, note: str) -> str:
    """Give `rule` a new condition in the editor and save it when auto-save is on. Returns what
    happened, in words; raises InputError when the rule is gone."""
    rules = current_rules()
    names = [r.name for r in rules]
    if rule not in names:
        raise InputError(f"the rule {rule!r} is no longer in the rule set")
    new = R.with_rule(rules, names.index(rule), condition=condition)
    if "ir_rules" in ss:
        ss["ir_undo"] = [*ss.get("ir_undo", []), rules][-50:]
        ss["ir_rules"] = new
        ss["ir_ver"] = ss.get("ir_ver", 0) + 1
    else:
        ss.update(ir_rules=new, ir_origin=note, ir_undo=[rules], ir_ver=0)
    ws = W.current()
    if ss.get("ir_autosave", W.autosave_by_default(ws)):
        author = (ss.get("ir_author") or "").strip() or "analyst"
        try:
            store.autosave(
                ws.path, new, before=rules, author=author, note=note, rule_set=ws.rule_set
            )
        except InputError as exc:
            return f"Rule {rule!r} now reads: {condition} (not saved to the workspace: {exc})"
    return f"Rule {rule!r} now reads: {condition}"
