"""AppTest: the Insight rules page on the sample data. Moving a threshold slider changes the
matched count, undo brings it back, a broken condition disables only its rule, and saving a
run writes the insights to the workspace database."""

from __future__ import annotations

import sqlite3

import pytest

from tests.app.conftest import assert_no_exception, run_page


@pytest.fixture(autouse=True)
def private_by_default(monkeypatch):
    """No shared workspace configured: each session gets its own private one."""
    monkeypatch.delenv("CUSTOMER_PULSE_DB", raising=False)


def _db(at):
    return at.session_state["ir_workspace"].path


def _metric(at, label: str) -> int:
    value = next(m.value for m in at.metric if m.label == label)
    return int(value.replace(",", ""))


def _insights(at):
    return next(
        df.value
        for df in at.dataframe
        if {"customer_id", "confidence", "action"} <= set(df.value.columns)
    )


def _select_rule(at, name: str):
    box = at.selectbox(key="ir_sel")
    box.set_value(box.options.index(name)).run()
    return at


def test_page_renders_with_default_rules():
    at = run_page("views/insights.py")
    assert_no_exception(at)
    assert at.title[0].value == "Insight rules"
    assert [t.label for t in at.tabs][:3] == ["Rules & live preview", "Insights", "History"]
    labels = {m.label for m in at.metric}
    assert {"Customers matched", "Share of base", "Revenue at risk covered", "Overlap"} <= labels
    assert not at.error
    # the insights table: one row per customer, the columns a CRM needs
    ins = _insights(at)
    assert ins["customer_id"].is_unique
    assert {"customer_id", "rule", "reason", "action", "confidence"} <= set(ins.columns)


def test_threshold_slider_changes_the_match_and_undo_restores_it():
    at = _select_rule(run_page("views/insights.py"), "Reactivate inactive")
    assert_no_exception(at)
    before = _metric(at, "Customers matched")
    slider = next(s for s in at.slider if s.label == "recency_days at least")
    assert slider.value == 180
    slider.set_value(90).run()
    assert_no_exception(at)
    after = _metric(at, "Customers matched")
    # fewer days of inactivity needed -> at least as many customers, and here strictly more
    assert after > before
    assert at.session_state["ir_rules"][1].condition == "recency_days >= 90 and orders <= 2"
    # auto-save recorded the starting point and the change, with what changed
    conn = sqlite3.connect(_db(at))
    changes = conn.execute("SELECT changes FROM rule_set_versions ORDER BY version").fetchall()
    conn.close()
    assert len(changes) == 2
    expected = (
        "changed 'Reactivate inactive': condition 'recency_days >= 180 and orders <= 2' -> "
        "'recency_days >= 90 and orders <= 2'"
    )
    assert expected in changes[1][0]
    at.button(key="ir_undo_btn").click().run()
    assert_no_exception(at)
    assert _metric(at, "Customers matched") == before


def test_bad_condition_disables_only_that_rule():
    at = run_page("views/insights.py")
    at.text_area(key="ir_form_condition_0").set_value("recency_days >= 180 and len(x)")
    at.button[[b.label for b in at.button].index("Apply changes")].click().run()
    assert_no_exception(at)
    assert any("function calls are not allowed" in e.value for e in at.error)
    # the other rules still match customers
    stats = next(
        df.value
        for df in at.dataframe
        if "wins revenue" in str(df.proto) or "assigned_revenue" in df.value.columns
    )
    matched = dict(zip(stats["rule"], stats["matched"], strict=True))
    assert matched["Cannot Lose Them"] == 0
    assert matched["Reactivate inactive"] > 0


def test_save_run_writes_insights():
    at = run_page("views/insights.py")
    at.button(key="ir_save_run").click().run()
    assert_no_exception(at)
    assert any("Run 1 saved" in s.value for s in at.success)
    conn = sqlite3.connect(_db(at))
    n = conn.execute("SELECT COUNT(*) FROM insights").fetchone()[0]
    runs = conn.execute("SELECT COUNT(*) FROM insight_runs").fetchone()[0]
    conn.close()
    assert n > 0 and runs == 1
    # saving again does not duplicate the insights
    at.button(key="ir_save_run").click().run()
    conn = sqlite3.connect(_db(at))
    assert conn.execute("SELECT COUNT(*) FROM insights").fetchone()[0] == n
    conn.close()


def test_insights_filter_by_rule():
    at = run_page("views/insights.py")
    at.multiselect(key="ir_f_rule").set_value(["High returns"]).run()
    assert_no_exception(at)
    ins = _insights(at)
    assert set(ins["rule"]) == {"High returns"}
