"""AppTest: workspaces are private to a session by default, a shared one is opt-in and never
auto-saved into silently, and rule names are plain text (a Markdown image stays characters)."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path

import pytest

from core.workspace import SESSION_PREFIX
from tests.app.conftest import assert_no_exception, run_page

IMAGE_NAME = "![pixel](http://evil.example/p.png) see www.evil.example :red[now]"


@pytest.fixture(autouse=True)
def no_shared(monkeypatch):
    monkeypatch.delenv("CUSTOMER_PULSE_DB", raising=False)


def _versions(path: Path) -> int:
    if not path.exists():
        return 0
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT COUNT(*) FROM rule_set_versions").fetchone()[0]
    finally:
        conn.close()


def _change_a_threshold(at):
    slider = next(s for s in at.slider if s.label.endswith("at least"))
    slider.set_value(slider.value - 1).run()
    assert_no_exception(at)


def test_each_session_has_its_own_private_workspace():
    first = run_page("views/insights.py")
    ws1 = first.session_state["ir_workspace"]
    assert not ws1.shared
    assert ws1.path.parent.name.startswith(SESSION_PREFIX)
    assert ws1.path.parent.parent == Path(tempfile.gettempdir())
    _change_a_threshold(first)
    assert _versions(ws1.path) == 2  # the starting point and the change, auto-saved
    captions = " ".join(c.value for c in first.caption).replace("\\", "")
    assert "Private workspace" in captions

    second = run_page("views/insights.py")
    ws2 = second.session_state["ir_workspace"]
    assert ws2.path != ws1.path and not ws2.path.exists()
    # the second visitor starts from the defaults and sees no history of the first
    assert second.session_state["ir_origin"] == "the default rule set"
    texts = " ".join(i.value for i in second.info)
    assert "Nothing saved yet" in texts


def test_a_shared_workspace_is_opt_in_and_not_auto_saved_silently(tmp_path, monkeypatch):
    shared = tmp_path / "team.db"
    monkeypatch.setenv("CUSTOMER_PULSE_DB", str(shared))
    at = run_page("views/insights.py")
    ws = at.session_state["ir_workspace"]
    assert ws.shared and ws.path == shared
    captions = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "Shared workspace" in captions and "Auto-save is off" in captions
    assert at.toggle(key="ir_autosave").value is False
    _change_a_threshold(at)
    assert _versions(shared) == 0  # nothing written without the user turning auto-save on
    at.toggle(key="ir_autosave").set_value(True).run()
    _change_a_threshold(at)
    assert _versions(shared) == 2


def test_rule_names_render_as_plain_text(tmp_path):
    rules = [
        {
            "name": IMAGE_NAME,
            "condition": "orders >= 1",
            "reason": "![r](http://evil.example/r.png)",
            "action": "[click](http://evil.example)",
            "confidence": "High",
            "priority": 1,
        }
    ]
    at = run_page("views/insights.py")
    at.session_state["ir_rules"] = __import__("core.rules", fromlist=["x"]).rules_from_json(
        json.dumps(rules)
    )
    at.session_state["ir_ver"] = at.session_state["ir_ver"] + 1
    at.run()
    assert_no_exception(at)
    shown = [m.value for m in at.markdown] + [e.value for e in at.error]
    with_name = [t for t in shown if "pixel" in t]
    assert with_name, "the rule name is shown"
    for text in with_name:
        # every Markdown character is escaped: no image, no link, no colour directive
        assert "![" not in text and "](" not in text and ":red[" not in text
        assert r"\!\[pixel\]\(http\://evil\.example/p\.png\)" in text.replace("\u2060", "")


def test_an_unreadable_workspace_says_so_and_starts_from_the_defaults(tmp_path, monkeypatch):
    shared = tmp_path / "team.db"
    shared.write_bytes(b"this is not a SQLite database" * 100)
    monkeypatch.setenv("CUSTOMER_PULSE_DB", str(shared))
    at = run_page("views/insights.py")
    assert_no_exception(at)
    assert at.session_state["ir_origin"] == "the default rule set"
    warnings = " ".join(w.value for w in at.warning)
    assert "The workspace cannot be read, using the defaults" in warnings
