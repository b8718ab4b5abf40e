"""Reason templates: placeholders formatted by kind, bad templates refused (core.rules.reasons)."""

from __future__ import annotations

import polars as pl
import pytest

from core.rules import (
    RuleSyntaxError,
    reason_expr,
    render_reasons,
)
from tests.unit.rules.hand import TABLE


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
