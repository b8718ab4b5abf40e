"""Evaluation: priority resolution, overlaps, statistics, insights and their summary
(core.rules.evaluation)."""

from __future__ import annotations

import polars as pl
import pytest

from core.rules import (
    Rule,
    evaluate,
    summary_by_action,
)
from tests.unit.rules.hand import RULES, TABLE


def test_priority_resolution_overlaps_and_stats() -> None:
    ev = evaluate(TABLE, RULES)
    # matches: Winback A, B; Big C, D, F; Churned A, B, D.
    # Winners: A, B -> Winback (50, listed before Churned at 50); C, D, F -> Big (80 > 50).
    winners = dict(ev.insights.select("customer_id", "rule").iter_rows())
    assert winners == {"A": "Winback", "B": "Winback", "C": "Big", "D": "Big", "F": "Big"}
    assert ev.insights["customer_id"].n_unique() == ev.insights.height
    stats = {r["rule"]: r for r in ev.stats.iter_rows(named=True)}
    assert stats["Winback"]["matched"] == 2
    assert stats["Winback"]["share"] == pytest.approx(2 / 6)
    assert stats["Winback"]["revenue"] == 350.0  # 50 + 300
    # revenue at risk uses revenue_365d of at_risk/churned: A 0 + B 100
    assert stats["Winback"]["revenue_at_risk"] == 100.0
    assert stats["Big"]["revenue"] == 7400.0  # 4000 + 2500 + 900
    assert stats["Big"]["revenue_at_risk"] == 2900.0  # D 2000 (churned) + F 900 (at_risk)
    assert stats["Big"]["revenue_share"] == pytest.approx(7400 / 7830)
    assert stats["Churned"]["matched"] == 3 and stats["Churned"]["assigned"] == 0
    # overlap: Winback's A, B are both churned; Big's D is churned; Churned's A, B, D all overlap
    assert (stats["Winback"]["overlap"], stats["Big"]["overlap"], stats["Churned"]["overlap"]) == (
        2,
        1,
        3,
    )
    pairs = {(r["rule"], r["other"]): r["customers"] for r in ev.overlaps.iter_rows(named=True)}
    assert pairs[("Winback", "Churned")] == 2
    assert pairs[("Churned", "Big")] == 1
    assert pairs[("Winback", "Big")] == 0
    # the broken rule is reported and skipped, the disabled one ignored, the rest work
    assert set(ev.errors) == {"Broken"}
    assert "unknown column 'revnue'" in ev.errors["Broken"]
    assert stats["Broken"]["enabled"] is False and stats["Broken"]["matched"] == 0
    assert stats["Off"]["enabled"] is False and stats["Off"]["error"] is None


def test_insights_carry_reason_action_confidence() -> None:
    ins = evaluate(TABLE, RULES).insights
    row = ins.filter(pl.col("customer_id") == "A").row(0, named=True)
    assert row["reason"] == "Inactive 200 days"
    assert (row["action"], row["confidence"]) == ("Send reactivation offer", "High")
    assert ins.filter(pl.col("customer_id") == "D")["reason"].item() == "Spent 2,500"


def test_summary_by_action() -> None:
    summary = summary_by_action(evaluate(TABLE, RULES).insights)
    assert summary.to_dicts() == [
        # C + D + F = 4000 + 2500 + 900
        {"action": "VIP care", "customers": 3, "revenue": 7400.0, "rules": "Big"},
        {"action": "Send reactivation offer", "customers": 2, "revenue": 350.0, "rules": "Winback"},
    ]


def test_no_active_rules() -> None:
    ev = evaluate(TABLE, [Rule("Off", "orders > 1", "x", enabled=False)])
    assert ev.insights.height == 0 and ev.stats["matched"].to_list() == [0]
