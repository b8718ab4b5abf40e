"""Tables: what a column is and how it is shown. Its kind (money, percent, count, date ...)
from its name and dtype (`column_kind`), its header (`readable`), and its st.column_config
column (`table_config`), one rule set for every table of the app (views.ui.table shows them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import polars as pl
import streamlit as st

from core import format as fmt
from core.model.schema import is_text

# One rule set for every table of the app. A column's look follows from its name and dtype:
#
#   kind         example names                                     shown as
#   money        revenue, revenue_365d, net_revenue, profit, cost,  12,346        (no decimals)
#                expected_clv_365d, amount, spend, *_effect
#   unit_money   aov, unit_price, price, revenue_per_customer,      1,234.50      (2 decimals)
#                *_per_customer, *_per_order, avg_*_value
#   percent      share, *_share, *_rate, retention, churn, margin,  12.3%         (1 decimal;
#                p_alive, growth, *_pct, chance_to_win, lifts        the data holds 0.123)
#   p_value      p_value, p_adjusted, *_p                           0.0123        (4 decimals)
#   count        customers, orders, units, any integer column       1,234
#   days         recency_days, tenure_days, *_days                  1,234         (whole days)
#   decimal      any other float                                    1,234.57      (2 decimals)
#   plain_int    year, version, run_id, rank, priority, source_row  2024          (no separator)
#   date         Date columns                                       2024-03-31
#   datetime     Datetime columns                                   2024-03-31 14:05
#   long_text    reason, action, description, condition ... or any text longer than 60 characters
#   text         other text
#
# Money totals drop the cents (they are read as sizes); amounts per order, customer or unit keep
# them (they are compared to a price). A page changes a column with `formats=` (a kind above, a
# printf / Streamlit number format, or a full st.column_config column) and its header with
# `labels=`.
MONEY_TOTAL_FORMAT = "%,.0f"
MONEY_UNIT_FORMAT = "%,.2f"
PERCENT_STEP = 0.001  # Streamlit rounds to the step: 0.1234 -> 0.123 -> "12.3%"
KINDS = (
    *("money", "unit_money", "percent", "p_value", "count", "days", "decimal", "plain_int"),
    *("date", "datetime", "long_text", "text", "bool"),
)
_NUMBER_FORMATS = {
    "money": MONEY_TOTAL_FORMAT,
    "unit_money": MONEY_UNIT_FORMAT,
    "p_value": "%.4f",
    "decimal": "%,.2f",
    "plain_int": "%d",
}

_MONEY_WORDS = ("revenue", "profit", "clv", "cost", "spend", "amount", "price", "sales")
_UNIT_MONEY = frozenset({"aov", "unit_price", "price", "unit_cost", "avg_order_value"})
_PER_UNIT = ("_per_customer", "_per_order", "_per_unit", "avg_", "mean_", "aov")
_MONEY = frozenset({"amount", "spend"})
_MONEY_PARTS = (*_MONEY_WORDS, "_effect")
_COUNTS = frozenset({"customers", "orders", "units", "lines", "retained", "matched", "active"})
_COUNT_SUFFIXES = ("_customers", "_orders", "_units", "_lines")
_PERCENT = frozenset(
    {"share", "rate", "retention", "churn", "margin", "p_alive", "growth", "chance_to_win"}
    | {"risk_control", "risk_variant", "cum_share", "cum_entity_share", "revenue_retention"}
)
_PERCENT_PARTS = ("share", "_rate", "rate_", "retention", "_pct", "growth", "relative_lift")
_PERCENT_PARTS += ("relative_ci", "margin")
_P_VALUES = ("p_value", "p_adjusted", "_p", "p_value_")
_PLAIN_INT = frozenset({"year", "version", "rule_set_version", "run_id", "rank", "priority"})
_PLAIN_INT |= {"source_row", "score", "r_score", "f_score", "m_score", "month", "order", "id"}
_LONG_TEXT = frozenset(
    {"reason", "action", "description", "condition", "changes", "meaning", "note", "rule"}
    | {"rules", "check", "error", "explanation", "sentence", "values", "detail", "comment"}
)
LONG_TEXT_CHARS = 60  # a text column with a longer value is shown wide ...
SHORT_TEXT_CHARS = 30  # ... and so is a prose column (reason, rule ...) unless all are this short

# Headers: snake_case names read as words ("days_since" -> "Days since"); these known names and
# word parts read better spelled out. A page adds or replaces labels with `labels=`.
LABELS: dict[str, str] = {
    "customer_id": "Customer",
    "order_id": "Order",
    "order_date": "Order date",
    "aov": "AOV",
    "recency_days": "Days since last order",
    "avg_recency_days": "Avg. days since last order",
    "tenure_days": "Customer for (days)",
    "avg_days_between_orders": "Days between orders",
    "order_days": "Order days",
    "n_orders": "Orders",
    "rfm_segment": "RFM segment",
    "loyalty": "Repeat behaviour",
    "rfm_code": "RFM code",
    "r_score": "R",
    "f_score": "F",
    "m_score": "M",
    "p_alive": "P(alive)",
    "p_value": "p-value",
    "p_adjusted": "p-value (adjusted)",
    "fisher_p": "Fisher's exact p",
    "relative_p_value": "p-value (relative)",
    "cum_share": "Cumulative revenue share",
    "cum_entity_share": "Cumulative share of the count",
    "yoy_growth": "Growth vs last year",
    "yoy_pct": "Change vs last year",
    "change_pct": "Change %",
    "last_year": "Last year",
    "points": "Change (pts)",
    "month_name": "Month",
    "revenue_low": "Lowest revenue",
    "revenue_high": "Highest revenue",
    "unit_price": "Unit price",
    "unit_cost": "Unit cost",
    "share_of_group": "Share of the group",
    "source_row": "Row in file",
    "is_control": "Control",
    "ok": "OK",
    "ci_low": "CI low",
    "ci_high": "CI high",
    "run_id": "Run",
    "created_at": "Saved at",
}
_WORDS = {
    "aov": "AOV",
    "clv": "CLV",
    "rfm": "RFM",
    "id": "ID",
    "ci": "CI",
    "yoy": "YoY",
    "cuped": "CUPED",
    "pct": "%",
    "avg": "Avg.",
    "cum": "Cumulative",
}
_DAYS_SUFFIX = re.compile(r"^(\d+)d$")


def readable(name: str) -> str:
    """The header of a column: LABELS, else its snake_case name as words ("revenue_365d" ->
    "Revenue (365 days)", "expected_clv_365d" -> "Expected CLV (365 days)"). A name that is not
    snake_case (a customer's own "Signup Date", "Subscription = Yes", "0") is kept as it is."""
    if name in LABELS:
        return LABELS[name]
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        return name
    words = []
    for w in name.split("_"):
        if not w:
            continue
        days = _DAYS_SUFFIX.match(w)
        words.append(f"({days.group(1)} days)" if days else _WORDS.get(w, w))
    text = " ".join(words)
    return text[0].upper() + text[1:] if text else name


def _is(name: str, names: frozenset[str], parts: tuple[str, ...]) -> bool:
    return name in names or any(p in name for p in parts)


def column_kind(name: str, dtype: pl.DataType, longest: int | None = None) -> str:
    """The kind (see KINDS) of a column from its name and dtype; `longest` is the length of
    the longest value of a text column, when known."""
    n = name.lower()
    if dtype == pl.Boolean:
        return "bool"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    if not dtype.is_numeric():
        if longest is None:
            return "long_text" if n in _LONG_TEXT else "text"
        wide = longest > LONG_TEXT_CHARS or (n in _LONG_TEXT and longest > SHORT_TEXT_CHARS)
        return "long_text" if wide else "text"
    if n in _PLAIN_INT or n.endswith("_score"):
        return "plain_int" if dtype.is_integer() else "decimal"
    if n.startswith("p_value") or n in _P_VALUES or n.endswith(_P_VALUES):
        return "p_value"
    if _is(n, _PERCENT, _PERCENT_PARTS) and dtype.is_float():
        return "percent"
    money = _is(n, _MONEY, _MONEY_PARTS)
    if n.endswith("_effect"):  # a share of a change of revenue
        return "money"
    if n in _UNIT_MONEY or n.startswith("aov") or (money and any(p in n for p in _PER_UNIT)):
        return "unit_money"
    if money:
        return "money"
    if "days" in n.split("_") or n.startswith("bin_"):
        return "days"
    if dtype.is_integer() or n in _COUNTS or n.endswith(_COUNT_SUFFIXES):
        return "count"
    return "decimal"


def column_config(kind_or_format: Any, label: str, currency: str | None = None) -> Any:
    """The st.column_config column for a kind (KINDS), a number format or a given column;
    money in `currency` (the data's: views.ui.currency)."""
    f = kind_or_format
    if isinstance(f, dict):  # an st.column_config column: keep it, with the label if it has none
        return {"label": label, **{k: v for k, v in f.items() if v is not None}}
    if f == "percent":
        return st.column_config.NumberColumn(label, format="percent", step=PERCENT_STEP)
    if f in ("count", "days"):
        return st.column_config.NumberColumn(label, format="%,.0f")
    if f == "date":
        return st.column_config.DateColumn(label, format="YYYY-MM-DD")
    if f == "datetime":
        return st.column_config.DatetimeColumn(label, format="YYYY-MM-DD HH:mm")
    if f == "long_text":
        return st.column_config.TextColumn(label, width="large")
    if f == "text":
        return st.column_config.TextColumn(label)
    if f == "bool":
        return st.column_config.CheckboxColumn(label)
    if f in ("money", "unit_money"):  # in the data's currency: "€12,346"
        digits = 2 if f == "unit_money" else 0
        return st.column_config.NumberColumn(label, format=fmt.money_format(digits, currency))
    return st.column_config.NumberColumn(label, format=_NUMBER_FORMATS.get(f, f))


def _longest(df: pl.DataFrame) -> dict[str, int]:
    text = [c for c, t in df.schema.items() if is_text(t)]
    if not text or df.is_empty():
        return {}
    row = df.select(pl.col(c).cast(pl.Utf8).str.len_chars().max() for c in text).row(0)
    return {c: n or 0 for c, n in zip(text, row, strict=True)}


def table_config(
    df: pl.DataFrame,
    labels: Mapping[str, str] | None = None,
    formats: Mapping[str, Any] | None = None,
    *,
    currency: str | None = None,
) -> dict[str, Any]:
    """st.column_config of every column of `df` by the app-wide rules, with the overrides;
    money in `currency`."""
    labels, formats = labels or {}, formats or {}
    longest = _longest(df)
    out = {}
    for c, t in df.schema.items():
        kind = formats.get(c) or column_kind(c, t, longest.get(c))
        label = labels.get(c) or readable(c)
        n = longest.get(c, 0)
        if kind in ("text", "long_text") and n > 24:  # wide enough for its longest value
            out[c] = st.column_config.TextColumn(label, width=min(7 * n + 32, 560))
        else:
            out[c] = column_config(kind, label, currency)
    return out
