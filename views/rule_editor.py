"""The rule set being edited: its state, the Insight rules page's callbacks that change it
(start, undo, reset, import, table edits, sliders, the rule form, restore), its auto-save to the
workspace, and, for other pages, the rules being edited and a change of one rule's condition
that lands in the same editor (its undo brings the old one back).

The state lives in st.session_state: ir_rules (the rules), ir_undo (earlier versions), ir_ver
(bumped to redraw the editor's widgets), ir_origin, ir_author, ir_autosave, ir_workspace (the
visitor's workspace, set by the page on each run), ir_message and ir_saved (what the page says
next: it shows them as plain text, never Markdown).
"""

from __future__ import annotations

import streamlit as st

from core import rules as R
from core import store
from core.errors import InputError
from core.workspace import Workspace
from views import workspace as W

ss = st.session_state
UNDO_DEPTH = 50  # versions the undo button can bring back


def workspace() -> Workspace:
    """The visitor's workspace: the one the page set on this run, else looked up."""
    return ss["ir_workspace"] if "ir_workspace" in ss else W.current()


def author() -> str:
    """Who edits, for the history (the name typed on the page, else "analyst")."""
    return (ss.get("ir_author") or "").strip() or "analyst"


def say(kind: str, text: str) -> None:
    """A message (st.<kind>) for the page to show next, as plain text."""
    ss["ir_message"] = (kind, text)


def current_rules() -> list[R.Rule]:
    """The rules being edited on the Insight rules page, else the workspace's newest saved
    version, else the default rule set."""
    if "ir_rules" in ss:
        return ss["ir_rules"]
    ws = workspace()
    try:
        saved = store.newest_rules(ws.path, rule_set=ws.rule_set)
    except InputError:
        saved = None
    return saved or R.default_rules()


def start() -> None:
    """The rules to edit: the newest saved version when there is one, else the defaults."""
    if "ir_rules" in ss:
        return
    rules, origin = R.default_rules(), "the default rule set"
    ws = workspace()
    try:
        saved = store.newest_rules(ws.path, rule_set=ws.rule_set)
        if saved is not None:
            rules, origin = saved, "the newest saved version"
    except InputError as exc:
        say("warning", f"The workspace cannot be read, using the defaults: {exc}")
    ss.update(ir_rules=rules, ir_origin=origin, ir_undo=[], ir_ver=0)


def _save(rules: list[R.Rule], note: str, before: list[R.Rule] | None) -> int | None:
    """Save `rules` as the workspace's next version when auto-save is on: its number, None when
    off. Raises InputError when the workspace cannot be written."""
    ws = workspace()
    if not ss.get("ir_autosave", W.autosave_by_default(ws)):
        return None
    return store.autosave(
        ws.path, rules, before=before, author=author(), note=note, rule_set=ws.rule_set
    )


def _autosave(rules: list[R.Rule], note: str = "", before: list[R.Rule] | None = None) -> None:
    try:
        v = _save(rules, note, before)
    except InputError as exc:
        return say("warning", f"Not saved to the workspace: {exc}")
    if v is not None:
        ss["ir_saved"] = f"Saved as version {v} of the rule set."


def _push(new: list[R.Rule]) -> None:
    """Make `new` current; the old rules go on the undo stack; the widgets are redrawn."""
    ss["ir_undo"] = [*ss.get("ir_undo", []), ss["ir_rules"]][-UNDO_DEPTH:]
    ss["ir_rules"] = new
    ss["ir_ver"] = ss.get("ir_ver", 0) + 1


def _set_rules(new: list[R.Rule], note: str = "") -> None:
    old = ss["ir_rules"]
    if new != old:
        _push(new)
        _autosave(new, note, before=old)


# ---------------------------------------------------------------- the page's callbacks
def undo() -> None:
    if ss["ir_undo"]:
        ss["ir_rules"] = ss["ir_undo"].pop()
        ss["ir_ver"] += 1
        _autosave(ss["ir_rules"], "undo")


def reset() -> None:
    _set_rules(R.default_rules(), "reset to defaults")
    ss["ir_sel"] = 0


def import_file(key: str) -> None:
    """The rules file uploaded under `key` replaces the rules (or says why not)."""
    upload = ss.get(key)
    if upload is None:
        return
    try:
        new = R.rules_from_json(upload.getvalue(), source=f"rules file {upload.name!r}")
    except InputError as exc:
        return say("error", f"Not imported: {exc}")
    _set_rules(new, f"imported {upload.name}")
    ss["ir_sel"] = 0
    say("success", f"Imported {len(new)} rules from {upload.name}.")


def table_edited(key: str) -> None:
    """The edits of the rules table under `key` applied (or said why not)."""
    try:
        _set_rules(R.apply_table_edits(ss["ir_rules"], ss[key]))
    except InputError as exc:
        say("error", f"Change not applied: {exc}")
        ss["ir_ver"] += 1  # redraw the table from the unchanged rules


def threshold_changed(index: int, k: int, key: str) -> None:
    """Rule `index`'s k-th threshold set to the slider under `key`."""
    _set_rules(R.with_threshold(ss["ir_rules"], index, k, float(ss[key])))


def form_submitted(index: int, ver: int) -> None:
    """Rule `index` replaced by the rule form's fields (drawn at version `ver`)."""
    fields = {c: ss.get(f"ir_form_{c}_{ver}") for c in R.RULE_FIELDS}
    try:
        _set_rules(R.replace_rule(ss["ir_rules"], index, fields))
    except InputError as exc:
        say("error", f"Change not applied: {exc}")


def restore(version: int) -> None:
    """A saved version made current again (as a new version)."""
    ws = workspace()
    try:
        v, rules = store.restore(ws.path, version, author=author(), rule_set=ws.rule_set)
    except InputError as exc:
        return say("error", f"Not restored: {exc}")
    _push(rules)
    say("success", f"Version {version} restored as version {v}.")


# ---------------------------------------------------------------- other pages
def set_condition(rule: str, condition: str, note: str) -> str:
    """Give `rule` a new condition in the editor and save it when auto-save is on. Returns what
    happened, in words; raises InputError when the rule is gone."""
    rules = current_rules()
    names = [r.name for r in rules]
    if rule not in names:
        raise InputError(f"the rule {rule!r} is no longer in the rule set")
    new = R.with_rule(rules, names.index(rule), condition=condition)
    if "ir_rules" in ss:
        _push(new)
    else:
        ss.update(ir_rules=new, ir_origin=note, ir_undo=[rules], ir_ver=0)
    try:
        _save(new, note, before=rules)
    except InputError as exc:
        return f"Rule {rule!r} now reads: {condition} (not saved to the workspace: {exc})"
    return f"Rule {rule!r} now reads: {condition}"
