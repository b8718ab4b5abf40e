"""Rules as files: JSON round trip and validation, default rules, differences (core.rules.model)."""

from __future__ import annotations

import json

import pytest

from core.errors import InputError
from core.rules import (
    Rule,
    default_rules,
    diff_rules,
    evaluate,
    rules_from_json,
    rules_to_json,
)
from tests.unit.rules.hand import RULES, TABLE


def test_json_round_trip_and_validation() -> None:
    text = rules_to_json(RULES)
    assert rules_from_json(text) == RULES
    assert rules_from_json(json.dumps({"rules": json.loads(text)})) == RULES
    # defaults and case-normalised confidence
    (rule,) = rules_from_json(
        '[{"name": "x", "condition": "orders > 1", "action": "a", "confidence": "high"}]'
    )
    assert (rule.confidence, rule.priority, rule.enabled, rule.reason) == ("High", 50, True, "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"a": 1}', "JSON list"),
        ("[1]", "must be an object"),
        ('[{"condition": "x", "action": "a"}]', "'name' is missing"),
        ('[{"name": "x", "condition": "x"}]', "'action' is missing"),
        ('[{"name": "x", "action": "a", "confidence": "sure"}]', "High, Medium or Low"),
        ('[{"name": "x", "action": "a", "priority": "top"}]', "priority must be a number"),
        ('[{"name": "x", "action": "a", "priority": 1.5}]', "whole number"),
        ('[{"name": "x", "action": "a", "enabled": "maybe"}]', "true or false"),
        ('[{"name": "x", "action": "a", "colour": "red"}]', "unknown field"),
        ('[{"name": "x", "action": "a"}, {"name": "X", "action": "b"}]', "unique"),
    ],
)
def test_json_validation_errors(text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        rules_from_json(text, source="upload")
    assert message in str(info.value)


def test_bad_condition_in_json_is_kept_and_only_that_rule_disabled() -> None:
    rules = rules_from_json(
        '[{"name": "bad", "condition": "orders >", "action": "a"},'
        ' {"name": "good", "condition": "orders == 1", "action": "b"}]'
    )
    ev = evaluate(TABLE, rules)
    assert list(ev.errors) == ["bad"]
    assert sorted(ev.insights["customer_id"].to_list()) == ["A", "E"]


def test_default_rules_compile_on_the_hub_columns() -> None:
    rules = default_rules()
    names = [r.name for r in rules]
    assert {
        "Reactivate inactive",
        "VIP retention",
        "Cannot Lose Them",
        "Second-order nudge",
        "Discount-sensitive",
        "High returns",
    } <= set(names)
    seed = rules[names.index("Reactivate inactive")]
    assert (seed.condition, seed.action, seed.confidence) == (
        "recency_days >= 180 and orders <= 2",
        "Send reactivation offer / incentive",
        "High",
    )
    ev = evaluate(TABLE, rules)
    assert ev.errors == {}
    # A: 200 days inactive, 1 order -> the seed rule (D is "Cannot Lose Them", priority 100)
    winners = dict(ev.insights.select("customer_id", "rule").iter_rows())
    assert winners["A"] == "Reactivate inactive"
    assert winners["D"] == "Cannot Lose Them"
    assert winners["C"] == "VIP retention"


def test_diff_rules() -> None:
    new = [
        RULES[0],
        Rule("Big", "revenue >= 1000", "VIP care", reason="Spent {revenue}", priority=80),
        Rule("New", "orders == 1", "Nudge"),
    ]
    assert diff_rules(RULES[:3], new) == [
        "added 'New'",
        "removed 'Churned'",
        "changed 'Big': condition 'revenue >= 900' -> 'revenue >= 1000'",
    ]
    assert diff_rules(RULES, RULES) == []
