"""`python -m core insights ORDERS --rules FILE [--db FILE] --json`."""

from __future__ import annotations

import json
import sqlite3

import pytest

from core.__main__ import main

# as_of = last order = 2024-12-31.
# A: one order on 2024-01-01 (100)            -> recency 365 days, 1 order
# B: 2024-12-01 (50) and 2024-12-31 (70)      -> recency 0, 2 orders, revenue 120
# C: 2024-03-01 (20) and 2024-04-01 (30)      -> recency 274 days (Apr 1 -> Dec 31), revenue 50
ORDERS = """order_id,customer_id,order_date,revenue
o1,A,2024-01-01,100
o2,B,2024-12-01,50
o3,B,2024-12-31,70
o4,C,2024-03-01,20
o5,C,2024-04-01,30
"""
RULES = [
    {
        "name": "Winback",
        "condition": "recency_days >= 180 and orders <= 2",
        "reason": "Inactive for {recency_days}",
        "action": "Send reactivation offer / incentive",
        "confidence": "High",
        "priority": 90,
    },
    {"name": "Recent", "condition": "recency_days < 30", "action": "Thank you", "priority": 10},
    {"name": "Broken", "condition": "revnue > 1", "action": "x"},
]


@pytest.fixture
def files(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS)
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES))
    return orders, rules, tmp_path / "ws.db"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_output(files, capsys) -> None:
    orders, rules, _ = files
    code, out, err = run(
        capsys, "insights", str(orders), "--rules", str(rules), "--skip-invalid", "--json"
    )
    assert code == 0
    data = json.loads(out)
    by_name = {r["name"]: r for r in data["rules"]}
    assert (by_name["Winback"]["matched"], by_name["Winback"]["revenue"]) == (2, 150.0)  # A+C
    assert (by_name["Recent"]["matched"], by_name["Recent"]["revenue"]) == (1, 120.0)  # B
    assert by_name["Broken"]["matched"] == 0 and "revnue" in by_name["Broken"]["error"]
    assert "warning: rule 'Broken' skipped" in err
    insights = {i["customer_id"]: i for i in data["insights"]}
    assert set(insights) == {"A", "B", "C"}
    assert insights["A"] == {
        "customer_id": "A",
        "rule": "Winback",
        "reason": "Inactive for 365 days",
        "action": "Send reactivation offer / incentive",
        "confidence": "High",
    }
    assert insights["C"]["reason"] == "Inactive for 274 days"
    assert insights["B"]["rule"] == "Recent"
    assert data["as_of"] == "2024-12-31"


def test_db_upsert_twice(files, capsys) -> None:
    orders, rules, db = files
    for expected_run in (1, 2):
        code, out, _ = run(
            capsys,
            *("insights", str(orders), "--rules", str(rules), "--db", str(db)),
            *("--skip-invalid", "--json"),
        )
        assert code == 0 and json.loads(out)["run_id"] == expected_run
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM insights").fetchone()[0] == 3
    assert conn.execute("SELECT COUNT(*) FROM insight_runs").fetchone()[0] == 2
    assert conn.execute("SELECT COUNT(*) FROM latest_insights").fetchone()[0] == 3
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_bad_rules_file_exits_2(files, capsys) -> None:
    orders, rules, _ = files
    rules.write_text('[{"name": "x", "condition": "orders > 1", "confidence": "sure"}]')
    code, out, err = run(capsys, "insights", str(orders), "--rules", str(rules))
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "rule 1 ('x'): confidence must be High, Medium or Low" in err


def test_missing_rules_file_exits_2(files, capsys) -> None:
    orders, _, tmp = files
    code, _, err = run(capsys, "insights", str(orders), "--rules", str(tmp / "nope.json"))
    assert code == 2 and err.startswith("error: cannot read the rules file")


def test_invalid_rule_fails_the_nightly_run(files, capsys) -> None:
    """A nightly job: the first run (with --skip-invalid) saves; the next run without it must
    fail with exit 2 naming the broken rule, and save nothing."""
    orders, rules, db = files
    code, _, _ = run(
        capsys, "insights", str(orders), "--rules", str(rules), "--db", str(db), "--skip-invalid"
    )
    assert code == 0
    code, out, err = run(
        capsys, "insights", str(orders), "--rules", str(rules), "--db", str(db), "--json"
    )
    assert code == 2 and out == ""
    assert err.startswith("error: rule 'Broken' is invalid: ") and err.count("\n") == 1
    assert "revnue" in err and "--skip-invalid" in err and "rules.json" in err
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM insight_runs").fetchone()[0] == 1  # not 2
    conn.close()


def test_every_invalid_rule_is_counted(files, capsys) -> None:
    orders, rules, _ = files
    rules.write_text(
        json.dumps([*RULES, {"name": "Also broken", "condition": "x > 1", "action": "y"}])
    )
    code, _, err = run(capsys, "insights", str(orders), "--rules", str(rules))
    assert (
        code == 2 and "rule 'Broken' is invalid" in err and "1 more invalid: 'Also broken'" in err
    )
