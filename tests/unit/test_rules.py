"""Insight rules: the condition language, hostile inputs, priority, reasons, stats, JSON."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from core.errors import InputError
from core.rules import (
    MAX_DEPTH,
    Rule,
    RuleSyntaxError,
    compile_condition,
    default_rules,
    diff_rules,
    evaluate,
    parse_condition,
    preview,
    reason_expr,
    render_reasons,
    rules_from_json,
    rules_to_json,
    sample_matches,
    sensitivity,
    set_threshold,
    summary_by_action,
    threshold_range,
    thresholds,
)

# Six hand-made customers with the hub's columns (dtypes as core.customers produces them).
TABLE = pl.DataFrame(
    {
        "customer_id": ["A", "B", "C", "D", "E", "F"],
        "first_order": [date(2024, 1, 5)] * 6,
        "last_order": [
            date(2024, 1, 5),
            date(2024, 2, 1),
            date(2024, 7, 20),
            date(2024, 4, 1),
            date(2024, 7, 10),
            date(2024, 5, 21),
        ],
        "orders": pl.Series([1, 2, 8, 5, 1, 3], dtype=pl.UInt32),
        "revenue": [50.0, 300.0, 4000.0, 2500.0, 80.0, 900.0],
        "revenue_365d": [0.0, 100.0, 4000.0, 2000.0, 80.0, 900.0],
        "aov": [50.0, 150.0, 500.0, 500.0, 80.0, 300.0],
        "recency_days": [200, 190, 10, 120, 20, 70],
        "tenure_days": [400, 300, 700, 500, 20, 365],
        "avg_days_between_orders": [None, 45.5, 80.0, 95.0, None, 140.0],
        "return_rate": [0.0, 0.5, 0.1, 0.0, None, 0.35],
        "r_score": pl.Series([1, 1, 5, 2, 5, 3], dtype=pl.Int8),
        "f_score": pl.Series([1, 2, 5, 4, 1, 3], dtype=pl.Int8),
        "m_score": pl.Series([1, 2, 5, 5, 1, 4], dtype=pl.Int8),
        "rfm_segment": [
            "Lost",
            "At Risk",
            "Champions",
            "Cannot Lose Them",
            "New Customers",
            "Need Attention",
        ],
        "value_tier": [
            "Bottom 50%",
            "Middle 30%",
            "Top 5%",
            "Next 15%",
            "Bottom 50%",
            "Middle 30%",
        ],
        "status": ["churned", "churned", "active", "churned", "active", "at_risk"],
        "p_alive": [0.1, 0.2, 0.95, 0.4, 0.9, None],
        "expected_clv_365d": [0.0, 20.0, 3000.0, 400.0, 60.0, 300.0],
        "subscriber": [False, False, True, True, False, True],
        "region": ["North", "South", "North", "East", None, "West"],
    }
)


def matches(condition: str, table: pl.DataFrame = TABLE) -> list[str]:
    return table.filter(compile_condition(condition, table.schema))["customer_id"].to_list()


# ---------------------------------------------------------------- supported forms
@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        # recency 200, 190 >= 180
        ("recency_days >= 180", ["A", "B"]),
        ("recency_days > 190", ["A"]),
        ("recency_days < 20", ["C"]),
        ("recency_days <= 20", ["C", "E"]),
        ("orders == 1", ["A", "E"]),
        ("orders = 1", ["A", "E"]),
        ("orders != 1", ["B", "C", "D", "F"]),
        ("orders <> 1", ["B", "C", "D", "F"]),
        # literal on the left is flipped: 180 <= recency_days
        ("180 <= recency_days", ["A", "B"]),
        ("status == 'churned'", ["A", "B", "D"]),
        ('status != "churned"', ["C", "E", "F"]),
        ('rfm_segment in ["At Risk", "Cannot Lose Them"]', ["B", "D"]),
        ('rfm_segment not in ["At Risk", "Cannot Lose Them"]', ["A", "C", "E", "F"]),
        ("m_score in [4, 5]", ["C", "D", "F"]),
        # inclusive on both ends: 300 and 2500 are in
        ("revenue between 300 and 2500", ["B", "D", "F"]),
        ("revenue not between 300 and 2500", ["A", "C", "E"]),
        # 1k = 1000, 3k = 3000: only 2500 lies inside
        ("revenue between 1k and 3k", ["D"]),
        # 6 months = 180 days, 2 weeks = 14 days
        ("recency_days >= 6 months", ["A", "B"]),
        ("recency_days < 2 weeks", ["C"]),
        ("tenure_days >= 1 year", ["A", "C", "D", "F"]),  # 365 days: A 400, C 700, D 500, F 365
        ("recency_days >= 190d", ["A", "B"]),
        # 30% = 0.3: 0.5 and 0.35
        ("return_rate >= 30%", ["B", "F"]),
        ("return_rate >= 0.3", ["B", "F"]),
        ("revenue >= $2,500".replace(",", "_"), ["C", "D"]),
        ("p_alive is null", ["F"]),
        ("p_alive is not null", ["A", "B", "C", "D", "E"]),
        ("subscriber", ["C", "D", "F"]),
        ("subscriber == true", ["C", "D", "F"]),
        ("not subscriber", ["A", "B", "E"]),
        ('last_order < "2024-03-01"', ["A", "B"]),
        # column vs column, revenue_365d < revenue: A (0 < 50), B (100 < 300), D (2000 < 2500)
        ("revenue_365d < revenue", ["A", "B", "D"]),
        ("revenue > -1", ["A", "B", "C", "D", "E", "F"]),
        ("TRUE", ["A", "B", "C", "D", "E", "F"]),
        # keywords are case-insensitive
        ("orders == 1 AND recency_days > 100", ["A"]),
    ],
)
def test_supported_forms(condition: str, expected: list[str]) -> None:
    assert matches(condition) == expected


def test_missing_values_never_match() -> None:
    # E has no return_rate: neither the comparison nor its negation matches E
    assert "E" not in matches("return_rate < 0.2")
    assert "E" not in matches("not (return_rate < 0.2)")
    # region is null for E; != keeps only known regions that differ
    assert matches('region != "North"') == ["B", "D", "F"]


def test_precedence_not_and_or() -> None:
    # and binds tighter than or: orders == 1 or (recency_days < 20 and m_score == 5)
    # orders == 1 -> A, E; recency < 20 and m_score 5 -> C
    assert matches("orders == 1 or recency_days < 20 and m_score == 5") == ["A", "C", "E"]
    # parentheses change it: (orders == 1 or recency_days < 20) and m_score == 5 -> C only
    assert matches("(orders == 1 or recency_days < 20) and m_score == 5") == ["C"]
    # not binds tighter than and: (not orders == 1) and recency_days > 100 -> B, D
    assert matches("not orders == 1 and recency_days > 100") == ["B", "D"]
    # not over a parenthesised or: not (A,E or C) -> B, D, F
    assert matches("not (orders == 1 or m_score == 5)") == ["B", "F"]
    # between's "and" is not the boolean and: revenue in [50, 100] and orders == 1 -> A, E
    assert matches("revenue between 50 and 100 and orders == 1") == ["A", "E"]
    assert matches("not not orders == 1") == ["A", "E"]


# ---------------------------------------------------------------- refused inputs
HOSTILE = [
    ("__import__('os').system('rm -rf /')", "names starting with '_'"),
    ("orders.__class__", "attribute access"),
    ("revenue.real > 1", "attribute access"),
    ("len(orders) > 1", "function calls"),
    ("open('x')", "function calls"),
    ("import os", "'import' is not allowed"),
    ("lambda: 1", "'lambda' is not allowed"),
    ("orders > (lambda x: x)", "'lambda' is not allowed"),
    ("__builtins__", "names starting with '_'"),
    ("_secret > 1", "names starting with '_'"),
    ("orders > 1; import os", "only one condition"),
    ("orders > 10**1000", "arithmetic"),
    ("orders + 1 > 2", "arithmetic"),
    ("orders > 1e999", "scientific"),
    ("orders > 99999999999999999999999", "digits"),
    ("orders > 1 if True else 0", "'if' is not allowed"),
    ("[x for x in orders]", "'for' is not allowed"),
    ("[1, 2] == orders", "expected a value"),
    ("orders > `1`", "backticks"),
    ("orders > {1}", "braces"),
    ("orders @ 2", "decorators"),
    ("orders > 1 &  m_score > 2", "use 'and'"),
    ("orders > 1 || 2", "use 'or'"),
    ("!orders", "use 'not'"),
    ("orders > 1 and", "expected a value, found the end"),
    ("orders >", "expected a value"),
    ("(orders > 1", "missing ')'"),
    ("orders > 1)", "unbalanced ')'"),
    ("1 < orders < 5", "chained comparisons"),
    ("", "empty"),
    ("   ", "empty"),
    ('status == "unterminated', "unterminated string"),
    ("orders > None", "is null"),
    ("orders in []", "the list is empty"),
    ('orders in [1, "a"]', "only numbers or only strings"),
    ("orders in 5", "'in' takes a list"),
    ("revenue between 1 or 2", "'between' needs 'and'"),
    ("orders > 1 orders", "expected 'and' or 'or'"),
    ("x" * 3000, "longer than"),
    ("(" * 200 + "orders > 1" + ")" * 200, "nested more than"),
    ("not " * 200 + "orders > 1", "nested more than"),
]


@pytest.mark.parametrize(("condition", "message"), HOSTILE)
def test_hostile_inputs_are_refused(condition: str, message: str) -> None:
    with pytest.raises(RuleSyntaxError) as info:
        compile_condition(condition, TABLE.schema)
    assert message in str(info.value)
    assert isinstance(info.value, InputError)


def test_error_names_the_position() -> None:
    with pytest.raises(RuleSyntaxError) as info:
        parse_condition("orders > 1 and len(x) > 2")
    # "len" starts at offset 15 -> reported 1-based as position 16
    assert info.value.position == 15
    assert "at position 16" in str(info.value)


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("recency > 180", "unknown column 'recency'; did you mean 'recency_days'?"),
        ("orders == 'one'", "is numeric"),
        ("status == 1", "holds text"),
        ("status > 'a'", "takes only ==, != or in"),
        ("revenue >= 6 months", "fits only day columns"),
        ("revenue >= 30%", "fits only rate columns"),
        ("orders", "on its own is not a condition"),
        ("last_order < '2024-13-01'", "is not a date"),
        ("status between 1 and 2", "needs a numeric column"),
        ("revenue == status", "cannot compare"),
    ],
)
def test_schema_errors(condition: str, message: str) -> None:
    with pytest.raises(RuleSyntaxError, match="position") as info:
        compile_condition(condition, TABLE.schema)
    assert message in str(info.value)


def test_depth_just_under_the_limit_is_fine() -> None:
    depth = MAX_DEPTH - 1
    assert matches("(" * depth + "orders == 1" + ")" * depth) == ["A", "E"]


# ---------------------------------------------------------------- thresholds
def test_thresholds_and_set_threshold() -> None:
    cond = "recency_days >= 6 months and orders <= 2 and revenue between 1k and 5k"
    found = thresholds(cond)
    assert [(t.column, t.op, t.value) for t in found] == [
        ("recency_days", ">=", 180.0),  # 6 x 30 days
        ("orders", "<=", 2.0),
        ("revenue", "between-low", 1000.0),
        ("revenue", "between-high", 5000.0),
    ]
    assert set_threshold(cond, 0, 150) == (
        "recency_days >= 150 and orders <= 2 and revenue between 1k and 5k"
    )
    assert set_threshold("orders > -2", 0, 0.25) == "orders > 0.25"
    assert thresholds('status == "x" and m_score in [4, 5]') == []
    with pytest.raises(InputError):
        set_threshold("orders > 1", 3, 5)


def test_threshold_range_covers_data_and_value() -> None:
    t = thresholds("recency_days >= 500")[0]
    lo, hi, step = threshold_range(TABLE, t)
    # recency ranges 10..200; the value 500 stretches the top; integer column -> step 1
    assert (lo, hi, step) == (10.0, 500.0, 1.0)


# ---------------------------------------------------------------- reasons
def test_reason_placeholders_are_formatted() -> None:
    template = (
        "{customer_id}: {revenue} over {orders} orders, last {recency_days} ago, "
        "returns {return_rate}, {{literal}}"
    )
    got = render_reasons(TABLE.filter(pl.col("customer_id").is_in(["B", "C"])), template)
    assert got.to_list() == [
        "B: 300 over 2 orders, last 190 days ago, returns 50%, {literal}",
        "C: 4,000 over 8 orders, last 10 days ago, returns 10%, {literal}",
    ]


def test_reason_formats_money_days_nulls_and_explicit_kinds() -> None:
    df = pl.DataFrame(
        {
            "revenue": [1234567.891, 45.5, -2500.0, None],
            "recency_days": [1, 0, 400, None],
            "p_alive": [0.456, 1.0, 0.0, None],
        }
    )
    out = df.select(
        reason_expr("{revenue}|{recency_days}|{p_alive}|{revenue:num}", df.schema, currency="$")
    ).to_series()
    assert out.to_list() == [
        # >= 100 rounds to whole money; 1 day singular; 0.456 -> 46%
        "$1,234,568|1 day|46%|1,234,567.89",
        # under 100 keeps cents
        "$45.50|0 days|100%|45.50",
        "$-2,500|400 days|0%|-2,500.00",
        "n/a|n/a|n/a|n/a",
    ]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{revnue}", "did you mean 'revenue'"),
        ("{revenue.__class__}", "plain column name"),
        ("{revenue[0]}", "plain column name"),
        ("{revenue!r}", "plain column name"),
        ("{revenue:>10}", "format '>10'"),
        ("unbalanced {", "literal braces"),
    ],
)
def test_bad_reason_templates(template: str, message: str) -> None:
    with pytest.raises(RuleSyntaxError) as info:
        reason_expr(template, TABLE.schema)
    assert message in str(info.value)


# ---------------------------------------------------------------- evaluation
RULES = [
    Rule(
        "Winback",
        "recency_days >= 180 and orders <= 2",
        "Send reactivation offer",
        reason="Inactive {recency_days}",
        confidence="High",
        priority=50,
    ),
    Rule("Big", "revenue >= 900", "VIP care", reason="Spent {revenue}", priority=80),
    Rule("Churned", 'status == "churned"', "Win-back email", priority=50),
    Rule("Broken", "revnue > 5", "Nothing", priority=99),
    Rule("Off", "orders >= 1", "Nothing", enabled=False, priority=100),
]


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


def test_sensitivity_curve() -> None:
    rule = RULES[0]
    curve = sensitivity(TABLE, rule, 0, low=0, high=200, points=5)
    # grid 0, 50, 100, 150, 200 (180, the current value, added); orders <= 2 keeps A, B, E:
    # recency A 200, B 190, E 20
    assert curve["value"].to_list() == [0.0, 50.0, 100.0, 150.0, 180.0, 200.0]
    assert curve["customers"].to_list() == [3, 2, 2, 2, 2, 1]
    assert curve["revenue"].to_list() == [430.0, 350.0, 350.0, 350.0, 350.0, 50.0]
    assert curve.filter("current")["value"].to_list() == [180.0]


def test_sample_and_preview() -> None:
    sample = sample_matches(TABLE, RULES[1], n=2)
    assert sample["customer_id"].to_list() == ["C", "D"]  # most revenue first
    assert sample["reason"].to_list() == ["Spent 4,000", "Spent 2,500"]
    p = preview(TABLE, RULES, selected=3, threshold=0)
    assert p.error is not None and "revnue" in p.error
    p = preview(TABLE, RULES, selected=0, threshold=1)
    assert p.error is None and p.curve is not None and p.sample.height == 2
    assert p.evaluation.insights is None


def test_no_active_rules() -> None:
    ev = evaluate(TABLE, [Rule("Off", "orders > 1", "x", enabled=False)])
    assert ev.insights.height == 0 and ev.stats["matched"].to_list() == [0]


# ---------------------------------------------------------------- JSON and defaults
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


# ---------------------------------------------------------------- editor and page helpers
WINBACK = Rule("Winback", "recency_days >= 180", "Offer", priority=50)
BIG = Rule("Big", "revenue >= 300", "VIP care", confidence="High", priority=80)


def test_slider_specs_whole_numbers_and_ratios() -> None:
    from core.rules import slider_specs

    specs = slider_specs(TABLE, "recency_days >= 180 and orders <= 2")
    # recency_days: min 10; 99th percentile (nearest) of [10, 20, 70, 120, 190, 200] is 200
    # orders: min 1; 99th percentile of [1, 1, 2, 3, 5, 8] is 8; whole-number steps of 1
    assert [(t.label, t.low, t.high, t.value, t.step) for t in specs] == [
        ("recency_days at least", 10, 200, 180, 1),
        ("orders at most", 1, 8, 2, 1),
    ]
    assert all(isinstance(v, int) for v in (specs[0].low, specs[0].value, specs[0].step))
    assert specs[1].curve_label == "orders threshold"
    # return_rate 0 .. 0.5 (99th pct of [0, 0, 0.1, 0.35, 0.5]): span / 100 = 0.005 -> step 0.005
    (ratio,) = slider_specs(TABLE, "return_rate >= 30%")
    assert (ratio.low, ratio.high, ratio.value) == (0.0, 0.5, 0.3)
    assert ratio.step == pytest.approx(0.005) and isinstance(ratio.value, float)
    between = slider_specs(TABLE, "revenue between 1k and 3k")
    assert [t.label for t in between] == ["revenue from", "revenue to"]
    assert slider_specs(TABLE, "status == 'churned'") == []  # nothing to slide
    assert slider_specs(TABLE, "len(x)") is None  # does not parse


def test_default_curve() -> None:
    from core.rules import default_curve

    assert default_curve("recency_days >= 180 and orders <= 2") == 0
    assert default_curve("status == 'churned'") is None
    assert default_curve("len(x)") is None


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


def test_with_threshold() -> None:
    from core.rules import with_threshold

    rules = [Rule("R", "recency_days >= 180 and orders <= 2", "Act")]
    assert with_threshold(rules, 0, 1, 3.0)[0].condition == "recency_days >= 180 and orders <= 3"
    assert rules[0].condition == "recency_days >= 180 and orders <= 2"  # a copy


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
