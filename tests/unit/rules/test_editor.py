"""What the rules page shows and edits: sample and preview, the rules table and its edits,
statistics shapes, coverage and labels (core.rules.editor)."""

from __future__ import annotations

import polars as pl
import pytest

from core.errors import InputError
from core.rules import (
    Rule,
    evaluate,
    preview,
    sample_matches,
)
from tests.unit.rules.hand import BIG, RULES, TABLE, WINBACK


def test_sample_and_preview() -> None:
    sample = sample_matches(TABLE, RULES[1], n=2)
    assert sample["customer_id"].to_list() == ["C", "D"]  # most revenue first
    assert sample["reason"].to_list() == ["Spent 4,000", "Spent 2,500"]
    p = preview(TABLE, RULES, selected=3, threshold=0)
    assert p.error is not None and "revnue" in p.error
    p = preview(TABLE, RULES, selected=0, threshold=1)
    assert p.error is None and p.curve is not None and p.sample.height == 2
    assert p.evaluation.insights is None


def test_rules_table_counts_and_checks() -> None:
    from core.rules import rules_table

    rules = [WINBACK, Rule("Off", "orders >= 5", "X", enabled=False), Rule("Bad", "len(x)", "Y")]
    table = rules_table(rules, evaluate(TABLE, rules).stats)
    assert table["name"].to_list() == ["Winback", "Off", "Bad"]
    # recency >= 180: A (200) and B (190); switched-off and broken rules match nobody
    assert table["matched"].to_list() == [2, 0, 0]
    assert table["check"][:2].to_list() == ["ok", "switched off"]
    assert "function calls are not allowed" in table["check"][2]


def test_apply_table_edits_and_replace_rule() -> None:
    from core.rules import apply_table_edits, replace_rule

    delta = {
        "edited_rows": {"0": {"priority": 70, "unknown": 1}},
        "deleted_rows": [1],
        "added_rows": [{"condition": "orders >= 5", "name": None}],
    }
    new = apply_table_edits([WINBACK, BIG], delta)
    # one rule left after the delete, so the added row is "New rule 2" with the defaults
    assert new == [
        Rule("Winback", "recency_days >= 180", "Offer", priority=70),
        Rule("New rule 2", "orders >= 5", "Review", confidence="Medium", priority=50),
    ]
    with pytest.raises(InputError, match="same name"):
        apply_table_edits([WINBACK, BIG], {"edited_rows": {1: {"name": "winback"}}})
    form = {"name": "Big spenders", "enabled": False, "condition": "revenue >= 1k"}
    form |= {"reason": "", "action": "Call", "confidence": "Low", "priority": 10}
    assert replace_rule([WINBACK, BIG], 1, form)[1] == Rule(
        "Big spenders", "revenue >= 1k", "Call", confidence="Low", priority=10, enabled=False
    )
    with pytest.raises(InputError, match="'action' is missing"):
        replace_rule([WINBACK], 0, {"name": "W", "condition": "orders >= 1", "action": ""})


def test_rule_measures_order_and_stats_table() -> None:
    from core.rules import STAT_COLUMNS, rule_measures, rule_stats_table, rules_by_priority

    off = Rule("Off", "orders >= 1", "X", priority=99, enabled=False)
    stats = evaluate(TABLE, [WINBACK, BIG, off]).stats
    # Big (80) before Winback (50); the switched-off rule is left out
    assert rules_by_priority(stats) == ["Big", "Winback"]
    long = rule_measures(stats).sort("rule", "measure")
    # Winback matches A, B; Big matches B (300), C, D, F (900). B goes to Big (priority 80),
    # so Winback wins 1 (A) and Big wins all 4 of its matches.
    assert long.select("rule", "measure", "customers").rows() == [
        ("Big", "assigned (wins)", 4),
        ("Big", "matched", 4),
        ("Winback", "assigned (wins)", 1),
        ("Winback", "matched", 2),
    ]
    assert long.filter(pl.col("rule") == "Winback")["revenue"].to_list() == [350.0, 350.0]
    assert tuple(rule_stats_table(stats).columns) == STAT_COLUMNS


def test_coverage_choices_and_status_labels() -> None:
    from core.rules import coverage_text, insight_choices, label_statuses

    ev = evaluate(TABLE, [WINBACK, BIG])
    # A (Winback) + B, C, D, F (Big) = 5 of 6 customers; 5 / 6 = 83.3%
    assert coverage_text(ev) == "5 of 6 customers get an action (83.3%)."
    assert insight_choices(ev.insights) == (["Big", "Winback"], ["Offer", "VIP care"])
    labelled = label_statuses(TABLE.select("customer_id", "status"))
    assert labelled["status"].to_list() == [
        "Churned",
        "Churned",
        "Active",
        "Churned",
        "Active",
        "At risk",
    ]
    assert label_statuses(TABLE.select("customer_id")).columns == ["customer_id"]
