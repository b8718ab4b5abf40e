"""The condition language: supported forms, precedence, hostile inputs refused with a position,
schema errors (core.rules lexer, parser and compiler)."""

from __future__ import annotations

import pytest

from core.errors import InputError
from core.rules import (
    MAX_DEPTH,
    RuleSyntaxError,
    compile_condition,
    parse_condition,
)
from tests.unit.rules.hand import TABLE, matches


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
