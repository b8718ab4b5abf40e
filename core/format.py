"""Number formats, in one place: counts, money, days, percentages and p-values, as text.

Each format has a scalar form (for sentences, KPI cards and the command line) and, where a
whole column is worded at once (reasons, the churn list), a polars-expression form that gives
the same text. A missing value reads "–" in the scalar forms and stays null in the expressions.
Rounding is to the nearest (12.35% -> "12.4%" at one decimal), never truncation.
"""

from __future__ import annotations

import math

import polars as pl

DASH = "–"
KIND_FORMATS = ("money", "days", "percent", "count", "p_value", "text", "date")


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def number(x: float | int | None, digits: int = 0) -> str:
    """1234.5 -> "1,235" (digits=0) or "1,234.50" (digits=2)."""
    if _missing(x):
        return DASH
    return f"{round(float(x), digits) + 0.0:,.{digits}f}"


def count(n: int, noun: str, plural: str | None = None) -> str:
    """A count and its noun, singular for one: (1, "row") -> "1 row", (1234, "customer") ->
    "1,234 customers"; `plural` when adding an s is wrong ("entry", "entries")."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def currency_prefix(currency: str | None) -> str:
    """What goes in front of an amount in `currency` (an ISO code, as ingest detects it): its
    symbol when it has one ("EUR" -> "€"), else the code and a space ("CHF "); "" for None
    (the file never says its currency, so no symbol is shown)."""
    if not currency:
        return ""
    from core.ingest.currency import SYMBOLS  # the one symbol table (symbol -> code)

    if currency in SYMBOLS:  # already a symbol
        return currency
    symbol = {code: sym for sym, code in SYMBOLS.items()}.get(currency.upper())
    return symbol or f"{currency.upper()} "


def money(
    x: float | None, digits: int = 0, *, compact: bool = False, currency: str | None = None
) -> str:
    """An amount: "12,346" (digits=0) or "1,234.50" (digits=2). compact: "1.23M" from a million,
    "12.3k" from ten thousand (the KPI cards). `currency` (an ISO code) puts its symbol in front:
    "€12,346", "CHF 12,346" (see currency_prefix; a symbol is kept as it is)."""
    if _missing(x):
        return DASH
    sign, x, currency = ("-" if x < 0 else ""), abs(float(x)), currency_prefix(currency)
    if compact and x >= 1e6:
        return f"{sign}{currency}{x / 1e6:,.2f}M"
    if compact and x >= 1e4:
        return f"{sign}{currency}{x / 1e3:,.1f}k"
    return f"{sign}{currency}{number(x, digits)}"


def percent(x: float | None, digits: int = 1) -> str:
    """A share held as 0..1: 0.1234 -> "12.3%" (rounded)."""
    if _missing(x):
        return DASH
    return f"{number(float(x) * 100, digits)}%"


def days(x: float | int | None) -> str:
    """A number of days, whole: "1 day", "45 days", "1,234 days"."""
    if _missing(x):
        return DASH
    n = round(float(x))
    return f"{number(n)} {'day' if abs(n) == 1 else 'days'}"


def p_value(p: float | None) -> str:
    """A p-value: "< 0.0001" when tiny, else four decimals below 0.01 and three above."""
    if _missing(p):
        return DASH
    if p < 0.0001:
        return "< 0.0001"
    return f"{p:.4f}" if p < 0.01 else f"{p:.3f}"


def by_kind(x: object, kind: str, digits: int = 0) -> str:
    """Format a value by its kind (core.model.schema.KINDS, plus p_value); `digits` for money."""
    if _missing(x):
        return DASH
    if kind == "money":
        return money(x, digits)  # type: ignore[arg-type]
    if kind == "days":
        return days(x)  # type: ignore[arg-type]
    if kind == "percent":
        return percent(x)  # type: ignore[arg-type]
    if kind == "count":
        return number(x)  # type: ignore[arg-type]
    if kind == "p_value":
        return p_value(x)  # type: ignore[arg-type]
    if kind == "date" and hasattr(x, "isoformat"):
        return x.isoformat()  # type: ignore[union-attr]
    return str(x)


# ---------------------------------------------------------------- polars forms
def thousands_expr(e: pl.Expr) -> pl.Expr:
    """A non-negative whole-number expression as text with thousands separators."""
    return (
        e.cast(pl.Int64)
        .cast(pl.Utf8)
        .str.reverse()
        .str.replace_all(r"(\d{3})", "${1},")
        .str.reverse()
        .str.strip_chars_start(",")
    )


def number_expr(e: pl.Expr, digits: int = 0) -> pl.Expr:
    """Expression form of `number`: 1234.5 -> "1,235" / "1,234.50"; null stays null."""
    e = e.cast(pl.Float64)
    scaled = (e.abs() * 10**digits).round(0).cast(pl.Int64)
    sign = pl.when((e < 0) & (scaled > 0)).then(pl.lit("-")).otherwise(pl.lit(""))
    whole = thousands_expr(scaled // 10**digits)
    if digits == 0:
        return sign + whole
    frac = (scaled % 10**digits).cast(pl.Utf8).str.zfill(digits)
    return sign + whole + pl.lit(".") + frac


def money_format(digits: int = 0, currency: str | None = None) -> str:
    """The printf number format of a money column in a table: "%,.0f", "€%,.2f", "CHF %,.0f"."""
    return f"{currency_prefix(currency)}%,.{digits}f"


def money_expr(e: pl.Expr, digits: int = 0, currency: str | None = None) -> pl.Expr:
    """Expression form of `money` (not compact)."""
    e = e.cast(pl.Float64)
    return (
        pl.when(e < 0).then(pl.lit("-")).otherwise(pl.lit(""))
        + pl.lit(currency_prefix(currency))
        + (number_expr(e.abs(), digits))
    )


def percent_expr(e: pl.Expr, digits: int = 1) -> pl.Expr:
    """Expression form of `percent`: 0.1234 -> "12.3%"."""
    return number_expr(e.cast(pl.Float64) * 100, digits) + pl.lit("%")


def days_expr(e: pl.Expr) -> pl.Expr:
    """Expression form of `days`: "1 day", "45 days", "1,234 days"."""
    n = e.cast(pl.Float64).round(0)
    unit = pl.when(n.abs() == 1).then(pl.lit(" day")).otherwise(pl.lit(" days"))
    return number_expr(n, 0) + unit
