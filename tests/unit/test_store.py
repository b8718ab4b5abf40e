"""The workspace database: rule-set history, restore, insight runs and idempotent upserts."""

from __future__ import annotations

import json
import threading
from datetime import date

import polars as pl
import pytest

from core.errors import InputError
from core.rules import Rule, evaluate, with_rule
from core.store import (
    count_insights,
    insight_runs,
    latest_insights,
    load_rule_set,
    open_db,
    restore_rule_set,
    rule_set_history,
    rule_set_names,
    save_rule_set,
    save_run,
)

TABLE = pl.DataFrame(
    {
        "customer_id": ["A", "B", "C", "D"],
        "orders": [1, 2, 8, 5],
        "revenue": [50.0, 300.0, 4000.0, 2500.0],
        "recency_days": [200, 190, 10, 120],
        "status": ["churned", "churned", "active", "churned"],
    }
)
RULES = [
    Rule("Winback", "recency_days >= 180", "Offer", reason="{recency_days} idle", priority=50),
    Rule("Big", "revenue >= 2500", "VIP care", reason="Spent {revenue}", priority=80),
]


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "workspace.db")
    yield database
    database.close()


def test_wal_and_tables(db) -> None:
    assert db.journal_mode == "wal"
    assert {"rule_set_versions", "insight_runs", "insights"} <= set(db.table_names())
    assert "latest_insights" in db.view_names()
    assert db["insights"].pks == ["customer_id", "rule"]


def test_rule_set_history_and_restore(db) -> None:
    assert load_rule_set(db) is None
    assert save_rule_set(db, RULES, author="ann") == 1
    # saving the same rules again records nothing
    assert save_rule_set(db, RULES, author="ann") == 1
    changed = with_rule(RULES, 0, condition="recency_days >= 150")
    assert save_rule_set(db, changed, author="bob") == 2
    assert load_rule_set(db) == changed
    assert load_rule_set(db, version=1) == RULES
    # restoring v1 makes a new v3 equal to v1; v2 stays in the history
    assert restore_rule_set(db, 1, author="cy") == 3
    assert load_rule_set(db) == RULES
    hist = rule_set_history(db)
    assert hist["version"].to_list() == [3, 2, 1]
    assert hist["author"].to_list() == ["cy", "bob", "ann"]
    assert hist["changes"].to_list() == [
        "restored version 1; changed 'Winback': condition 'recency_days >= 150' -> "
        "'recency_days >= 180'",
        "changed 'Winback': condition 'recency_days >= 180' -> 'recency_days >= 150'",
        "created with 2 rules",
    ]
    assert rule_set_names(db) == ["default"]
    with pytest.raises(InputError, match="no version 9"):
        restore_rule_set(db, 9)


def test_named_rule_sets_are_separate(db) -> None:
    save_rule_set(db, RULES, name="spring")
    save_rule_set(db, RULES[:1], name="autumn")
    assert rule_set_names(db) == ["autumn", "spring"]
    assert load_rule_set(db, "autumn") == RULES[:1]


def test_save_run_twice_has_no_duplicates(db) -> None:
    ev = evaluate(TABLE, RULES)
    # A, B -> Winback (idle >= 180); C, D -> Big (revenue >= 2500, priority 80)
    assert ev.insights.height == 4
    first = save_run(db, ev.insights, RULES, customers=4, as_of=date(2024, 8, 1), author="ann")
    second = save_run(db, ev.insights, RULES, customers=4, as_of=date(2024, 8, 1), author="ann")
    assert (first, second) == (1, 2)
    assert count_insights(db) == 4
    rows = db.execute("SELECT customer_id, rule, COUNT(*) FROM insights GROUP BY 1, 2").fetchall()
    assert all(r[2] == 1 for r in rows) and len(rows) == 4
    latest = latest_insights(db).sort("customer_id")
    assert latest["run_id"].unique().to_list() == [2]
    assert latest.select("customer_id", "rule", "reason").rows() == [
        ("A", "Winback", "200 days idle"),
        ("B", "Winback", "190 days idle"),
        ("C", "Big", "Spent 4,000"),
        ("D", "Big", "Spent 2,500"),
    ]
    runs = insight_runs(db)
    assert runs["run_id"].to_list() == [2, 1]
    # 4 matched customers worth 50 + 300 + 4000 + 2500
    assert runs.row(0, named=True)["matched"] == 4
    assert runs.row(0, named=True)["revenue"] == 6850.0
    assert runs.row(0, named=True)["as_of"] == "2024-08-01"
    stored = json.loads(db.execute("SELECT rules FROM insight_runs WHERE run_id = 2").fetchone()[0])
    assert [r["name"] for r in stored] == ["Winback", "Big"]


def test_upsert_updates_changed_reason(db) -> None:
    ev = evaluate(TABLE, RULES)
    save_run(db, ev.insights, RULES, customers=4)
    new_rules = with_rule(RULES, 0, reason="idle for {recency_days}")
    save_run(db, evaluate(TABLE, new_rules).insights, new_rules, customers=4)
    assert count_insights(db) == 4
    reason = db.execute("SELECT reason FROM insights WHERE customer_id = 'A'").fetchone()[0]
    assert reason == "idle for 200 days"


def test_a_database_from_before_a_column_gets_it(tmp_path) -> None:
    import sqlite_utils

    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)  # an insights table without expected_clv_365d
    old["insights"].create(
        {"customer_id": str, "rule": str, "reason": str, "action": str, "run_id": int},
        pk=("customer_id", "rule"),
    )
    old["insights"].insert({"customer_id": "A", "rule": "Winback", "reason": "x", "action": "y"})
    old.close()
    db = open_db(path)
    insights = evaluate(TABLE, RULES).insights.with_columns(
        pl.Series("expected_clv_365d", [1.5, 2.5, 3.5, 4.5])
    )
    save_run(db, insights, RULES, customers=4)
    rows = db.execute(
        "SELECT customer_id, rule, reason, expected_clv_365d FROM insights ORDER BY 1"
    ).fetchall()
    assert [r[:2] for r in rows] == [("A", "Winback"), ("B", "Winback"), ("C", "Big"), ("D", "Big")]
    assert rows[0][2] == "200 days idle"  # the old row replaced, not duplicated
    assert sorted(r[3] for r in rows) == [1.5, 2.5, 3.5, 4.5]
    db.close()


def test_several_writers(tmp_path) -> None:
    path = tmp_path / "shared.db"
    open_db(path).close()
    ev = evaluate(TABLE, RULES)
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            conn = open_db(path)
            for _ in range(5):
                save_run(conn, ev.insights, RULES, customers=4, author=f"w{k}")
                save_rule_set(conn, with_rule(RULES, 1, priority=k), author=f"w{k}")
            conn.close()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db = open_db(path)
    assert db.execute("SELECT COUNT(*) FROM insight_runs").fetchone()[0] == 20
    assert count_insights(db) == 4
    versions = rule_set_history(db)["version"].to_list()
    assert versions == sorted(set(versions), reverse=True)  # unique, no gaps in numbering
    assert versions[-1] == 1 and versions[0] == len(versions)
    db.close()


def test_bad_path_is_an_input_error(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="workspace database"):
        open_db(blocker / "sub" / "w.db")


def test_foreign_file_is_an_input_error(tmp_path) -> None:
    bad = tmp_path / "not.db"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(InputError, match="workspace database"):
        open_db(bad)


# ---------------------------------------------------------------- one call per page action
def test_page_actions_on_a_path(tmp_path) -> None:
    from core.store import autosave, history, newest_rules, record_run, restore

    path = tmp_path / "sub" / "workspace.db"
    # nothing saved: no rules, no history, and no file created by asking
    assert newest_rules(path) is None and history(path) is None
    assert not path.exists()
    changed = with_rule(RULES, 0, condition="recency_days >= 150")
    # the first save records where the user started (v1), then the change (v2)
    assert autosave(path, changed, before=RULES, author="ann", note="slider") == 2
    assert newest_rules(path) == changed
    # later saves do not record a starting point again
    assert autosave(path, RULES, before=changed, author="ann") == 3
    assert restore(path, 2, author="bob") == (4, changed)
    ev = evaluate(TABLE, changed)
    # recency >= 150: A, B, D; revenue >= 2500: C, D -> D goes to Big (80): 4 insights
    version, run_id = record_run(path, ev.insights, changed, customers=4, author="cy")
    assert (version, run_id) == (4, 1)  # rules unchanged since v4: no new version
    hist, runs = history(path)
    assert hist["version"].to_list() == [4, 3, 2, 1]
    assert hist["changes"][2].startswith("slider; changed 'Winback'")
    assert hist["changes"][3] == "starting point; created with 2 rules"
    assert runs.select("run_id", "rule_set_version", "matched").rows() == [(1, 4, 4)]
