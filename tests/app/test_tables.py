"""The app-wide table rules of views/tables.py: a column's kind (its number format) and its header
follow from its name and dtype; pages override single columns. Expectations written by hand from
the rule table at the top of views/tables.py."""

from __future__ import annotations

import polars as pl
import pytest

from views import tables

F, N, S = pl.Float64, pl.Int64, pl.Utf8  # float, integer, text


@pytest.mark.parametrize(
    ("name", "dtype", "kind"),
    [
        # money totals (no decimals) and amounts per unit (cents kept)
        ("revenue", F, "money"),
        ("revenue_365d", F, "money"),
        ("net_revenue", F, "money"),
        ("expected_clv_365d", F, "money"),
        ("profit", F, "money"),
        ("cost", F, "money"),
        ("amount", F, "money"),
        ("aov_effect", F, "money"),  # part of a revenue change, not an order value
        ("aov", F, "unit_money"),
        ("unit_price", F, "unit_money"),
        ("revenue_per_customer", F, "unit_money"),
        # shares and rates before money: these are fractions even if they name revenue
        ("revenue_share", F, "percent"),
        ("revenue_retention", F, "percent"),
        ("repeat_rate", F, "percent"),
        ("share", F, "percent"),
        ("churn", F, "percent"),
        ("margin", F, "percent"),
        ("p_alive", F, "percent"),
        ("change_pct", F, "percent"),
        ("yoy_growth", F, "percent"),
        ("chance_to_win", F, "percent"),
        # p-values before shares
        ("p_value", F, "p_value"),
        ("relative_p_value", F, "p_value"),
        ("fisher_p", F, "p_value"),
        # counts: any integer, and count names even when stored as floats
        ("orders", N, "count"),
        ("customers", pl.UInt32, "count"),
        ("previous_customers", F, "count"),
        ("orders_per_customer", F, "decimal"),  # a ratio of counts, no money word
        # days, whole
        ("recency_days", N, "days"),
        ("avg_days_between_orders", F, "days"),
        ("max_days", F, "days"),
        # numbers that are names, not sizes: no thousands separator
        ("year", pl.Int32, "plain_int"),
        ("r_score", pl.Int8, "plain_int"),
        ("run_id", N, "plain_int"),
        # everything else
        ("index", F, "decimal"),
        ("last_order", pl.Date, "date"),
        ("created_at", pl.Datetime("us"), "datetime"),
        ("partial", pl.Boolean, "bool"),
        ("reason", S, "long_text"),
        ("rfm_segment", S, "text"),
    ],
)
def test_column_kind(name, dtype, kind):
    assert tables.column_kind(name, dtype) == kind


def test_long_text_by_length():
    # 60 characters is still short, 61 is wide
    assert tables.column_kind("product", S, longest=60) == "text"
    assert tables.column_kind("product", S, longest=61) == "long_text"
    # a prose column (rule, reason ...) is wide unless all its values are short (<= 30)
    assert tables.column_kind("rule", S, longest=11) == "text"  # "R 5, FM 4-5"
    assert tables.column_kind("rule", S, longest=31) == "long_text"


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("revenue_365d", "Revenue (365 days)"),
        ("expected_clv_365d", "Expected CLV (365 days)"),
        ("expected_purchases_90d", "Expected purchases (90 days)"),
        ("aov", "AOV"),
        ("recency_days", "Days since last order"),
        ("customer_id", "Customer"),
        ("rfm_segment", "RFM segment"),
        ("p_alive", "P(alive)"),
        ("p_value", "p-value"),
        ("repeat_rate", "Repeat rate"),
        ("share_of_returns", "Share of returns"),
        ("ci_low_cuped", "CI low CUPED"),
        # not snake_case: a header from the user's own file stays as it is
        ("Signup Date", "Signup Date"),
        ("Subscription = Yes", "Subscription = Yes"),
        ("0", "0"),
    ],
)
def test_readable(name, label):
    assert tables.readable(name) == label


def test_table_config_formats_and_overrides():
    df = pl.DataFrame(
        {
            "revenue": [1234.5],
            "aov": [61.7],
            "share": [0.1234],
            "p_value": [0.01234],
            "orders": [20],
            "year": [2024],
            "value": [1.5],
        }
    )
    cfg = tables.table_config(df, labels={"value": "Region"}, formats={"revenue": "unit_money"})
    fmt = {c: cfg[c]["type_config"].get("format") for c in df.columns}
    assert fmt == {
        "revenue": "%,.2f",  # overridden: a per-unit amount
        "aov": "%,.2f",
        "share": "percent",
        "p_value": "%.4f",
        "orders": "%,.0f",
        "year": "%d",
        "value": "%,.2f",
    }
    # shares are rounded to 0.001 before the % sign: 0.1234 -> 12.3%
    assert cfg["share"]["type_config"]["step"] == tables.PERCENT_STEP == 0.001
    assert [cfg[c]["label"] for c in df.columns] == [
        *("Revenue", "AOV", "Share", "p-value", "Orders", "Year", "Region"),
    ]


def test_given_column_keeps_its_settings_and_gets_a_label():
    import streamlit as st

    df = pl.DataFrame({"share": [0.5]})
    given = st.column_config.ProgressColumn(format="percent")
    cfg = tables.table_config(df, formats={"share": given})
    assert cfg["share"]["label"] == "Share" and cfg["share"]["type_config"]["format"] == "percent"
