"""core.format: one text for each kind of number, the same in scalar and polars form."""

from __future__ import annotations

import polars as pl
import pytest

from core import format as fmt


@pytest.mark.parametrize(
    ("call", "text"),
    [
        (lambda: fmt.number(1234567), "1,234,567"),
        (lambda: fmt.number(1234.567, 2), "1,234.57"),
        (lambda: fmt.number(-0.4), "0"),  # no "-0"
        (lambda: fmt.number(None), "–"),
        (lambda: fmt.number(float("nan")), "–"),
        (lambda: fmt.money(12345.6), "12,346"),
        (lambda: fmt.money(1234.5, 2), "1,234.50"),
        (lambda: fmt.money(12345.6, compact=True), "12.3k"),
        (lambda: fmt.money(-2_345_678, compact=True), "-2.35M"),
        (lambda: fmt.money(9999, compact=True), "9,999"),
        (lambda: fmt.money(12, currency="€"), "€12"),
        (lambda: fmt.percent(0.1234), "12.3%"),
        (lambda: fmt.percent(0.12399), "12.4%"),  # rounded, not cut to 12.3
        (lambda: fmt.percent(0.999), "99.9%"),
        (lambda: fmt.percent(0.9999), "100.0%"),
        (lambda: fmt.percent(0.5, 0), "50%"),
        (lambda: fmt.days(1), "1 day"),
        (lambda: fmt.days(44.6), "45 days"),
        (lambda: fmt.days(1234), "1,234 days"),
        (lambda: fmt.p_value(0.00004), "< 0.0001"),
        (lambda: fmt.p_value(0.00432), "0.0043"),
        (lambda: fmt.p_value(0.0432), "0.043"),
        (lambda: fmt.by_kind(0.25, "percent"), "25.0%"),
        (lambda: fmt.by_kind(3, "count"), "3"),
    ],
)
def test_scalar_forms(call, text):
    assert call() == text


def test_expression_forms_match_the_scalar_ones():
    values = [1234567.0, 1234.567, 0.4, 12.0, 0.12399, 1.0, 44.6, None]
    df = pl.DataFrame({"x": values})
    out = df.select(
        n=fmt.number_expr(pl.col("x")),
        n2=fmt.number_expr(pl.col("x"), 2),
        m=fmt.money_expr(pl.col("x"), 2),
        p=fmt.percent_expr(pl.col("x")),
        d=fmt.days_expr(pl.col("x")),
    )
    for i, x in enumerate(values):
        row = out.row(i, named=True)
        if x is None:
            assert set(row.values()) == {None}
            continue
        assert row["n"] == fmt.number(x)
        assert row["n2"] == fmt.number(x, 2)
        assert row["m"] == fmt.money(x, 2)
        assert row["p"] == fmt.percent(x)
        assert row["d"] == fmt.days(x)


@pytest.mark.parametrize(
    ("call", "text"),
    [
        (lambda: fmt.money(10_204_000, compact=True, currency="EUR"), "€10.20M"),
        (lambda: fmt.money(-1234.5, 2, currency="GBP"), "-£1,234.50"),
        (lambda: fmt.money(12_346, currency="CHF"), "CHF 12,346"),
        (lambda: fmt.money(12_346, currency=None), "12,346"),  # the file never says: no symbol
        (lambda: fmt.money_format(0, "EUR"), "€%,.0f"),
        (lambda: fmt.money_format(2, None), "%,.2f"),
    ],
)
def test_money_in_the_data_currency(call, text):
    assert call() == text


def test_money_expression_carries_the_currency_too():
    df = pl.DataFrame({"x": [1234.5, -20.0]})
    got = df.select(fmt.money_expr(pl.col("x"), 2, "USD")).to_series().to_list()
    assert got == ["$1,234.50", "-$20.00"]


def test_count_says_one_in_the_singular():
    from core.format import count

    assert count(1, "row") == "1 row"
    assert count(0, "row") == "0 rows"
    assert count(1234, "customer") == "1,234 customers"
    assert count(2, "entry", "entries") == "2 entries"
