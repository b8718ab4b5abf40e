"""What a customer-table column holds, read from its name and dtype: numeric, text, days,
ratio, money or date. The compiler checks units against it; reasons format by it."""

from __future__ import annotations

import polars as pl

MONEY_WORDS = ("revenue", "aov", "clv", "spend", "profit", "monetary", "amount", "value")


def is_numeric(dtype: pl.DataType) -> bool:
    """True for integer and float columns."""
    return dtype.is_numeric()


def is_time_col(name: str) -> bool:
    """Day columns (recency_days, days_between_orders, ...) take time units."""
    return name.endswith("days") or "_days_" in name


def is_ratio_col(name: str) -> bool:
    """Rates, shares and probabilities take '%'."""
    return "rate" in name or "share" in name or name.startswith("p_") or name.endswith("_pct")


def column_kind(name: str, dtype: pl.DataType) -> str:
    """date, text, days, pct, money, int or num."""
    if dtype in (pl.Date,) or isinstance(dtype, pl.Datetime):
        return "date"
    if not dtype.is_numeric():
        return "text"
    if is_time_col(name):
        return "days"
    if is_ratio_col(name):
        return "pct"
    if any(w in name for w in MONEY_WORDS):
        return "money"
    return "int" if dtype.is_integer() else "num"
