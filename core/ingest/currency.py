"""Currencies: an amount column never sums two currencies silently.

The currency of each line comes from a currency column (codes such as USD, EUR) or from the
symbol or code written in the amount itself ('€12,50', 'USD 12.00'). When there is more than
one, amounts in currencies with a rate (`--fx CUR=RATE`: one CUR is RATE of the reporting
currency) are converted; of the rest, the chosen currency (or the most common one) is reported
and the other lines are set aside, with rows and totals per currency in the warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from core.errors import InputError

SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "₹": "INR", "¥": "JPY", "₩": "KRW", "₽": "RUB"}
CURRENCY_NAMES = ("currency", "currencycode", "curr", "ccy", "wahrung", "waehrung", "moneda")
_CODE = r"\b([A-Z]{3})\b"


@dataclass(frozen=True)
class CurrencyChoice:
    """Which currency the figures are in, and what happened to the others."""

    currency: str | None  # the reporting currency (None when the file never says)
    converted: dict[str, float] = field(default_factory=dict)  # currency -> rate used
    set_aside: dict[str, int] = field(default_factory=dict)  # currency -> lines set aside
    summary: pl.DataFrame | None = None  # currency, rows, total (as written)
    sentence: str = ""


def parse_fx(items: list[str] | None) -> dict[str, float]:
    """--fx CUR=RATE items as {CUR: rate}."""
    out: dict[str, float] = {}
    for item in items or []:
        cur, sep, rate = item.partition("=")
        cur = SYMBOLS.get(cur.strip(), cur.strip().upper())
        try:
            value = float(rate)
        except ValueError:
            value = -1.0
        if not sep or not cur or value <= 0 or value != value or value == float("inf"):
            raise InputError(f"--fx takes CUR=RATE with a positive rate, got {item!r}")
        out[cur] = value
    return out


def line_currency(raw: pl.DataFrame, amount_column: str | None) -> tuple[pl.Series | None, str]:
    """Per line currency code (or None when the file says nothing), and where it came from."""
    norm = {c: "".join(ch for ch in c.lower() if ch.isalnum()) for c in raw.columns}
    for column, n in norm.items():
        if n in CURRENCY_NAMES and raw[column].dtype == pl.Utf8:
            s = raw[column].str.strip_chars()
            codes = s.replace(SYMBOLS).str.to_uppercase()
            if (codes.drop_nulls().str.contains(r"^[A-Z]{3}$").mean() or 0.0) >= 0.9:
                return codes, column
    if amount_column is None or raw[amount_column].dtype != pl.Utf8:
        return None, ""
    s = raw[amount_column]
    if not s.str.contains(r"[A-Z$€£₹¥₩₽]").any():  # plain numbers: no symbol, no code
        return None, ""
    s = s.str.strip_chars()
    symbol = s.str.extract(r"([$€£₹¥₩₽])", 1).replace(SYMBOLS)
    code = s.str.extract(_CODE, 1)
    cur = pl.select(pl.coalesce(symbol, code)).to_series()
    if cur.is_null().all():
        return None, ""
    return cur.alias("currency"), amount_column


def choose_currency(
    currency: pl.Series | None,
    revenue: pl.Series,
    fx: dict[str, float] | None = None,
    pick: str | None = None,
) -> tuple[pl.Series, pl.Series, CurrencyChoice]:
    """(revenue in the reporting currency, lines set aside for their currency, the choice)."""
    n = revenue.len()
    keep_all = pl.repeat(False, n, eager=True)
    if currency is None or currency.drop_nulls().n_unique() == 0:
        return revenue, keep_all, CurrencyChoice(None)
    fx = fx or {}
    frame = pl.DataFrame({"cur": currency, "amount": revenue})
    summary = (
        frame.group_by("cur")
        .agg(rows=pl.len(), total=pl.col("amount").sum())
        .sort(["rows", "cur"], descending=[True, False], nulls_last=True)
        .rename({"cur": "currency"})
    )
    found = [c for c in summary["currency"].to_list() if c is not None]
    if pick and pick not in found:
        raise InputError(f"no amounts in {pick}; the file has {', '.join(found)}")
    unconverted = [c for c in found if c not in fx]
    if pick:
        reporting = pick
    elif unconverted:
        reporting = unconverted[0]  # the most common currency with no rate
    else:
        reporting = None
    if len(found) == 1:
        c = found[0]
        return revenue, keep_all, CurrencyChoice(c, summary=summary, sentence=f"Amounts in {c}.")
    rate = pl.col("cur").replace_strict(fx, default=None, return_dtype=pl.Float64)
    ok = (pl.col("cur") == reporting) | pl.col("cur").is_null() | rate.is_not_null()
    if pick:
        ok = (pl.col("cur") == pick) | pl.col("cur").is_null()
    converted = frame.select(
        pl.when((pl.col("cur") != reporting) & rate.is_not_null())
        .then(pl.col("amount") * rate)
        .otherwise(pl.col("amount"))
    ).to_series()
    aside = frame.select(~ok.fill_null(False)).to_series()
    used = {c: fx[c] for c in found if c in fx and c != reporting and not pick}
    left = {r["currency"]: r["rows"] for r in summary.iter_rows(named=True) if r["currency"]}
    left = {c: v for c, v in left.items() if c != reporting and c not in used}
    per = "; ".join(
        f"{r['currency']}: {r['rows']:,} rows, {r['total']:,.2f}"
        for r in summary.iter_rows(named=True)
        if r["currency"]
    )
    text = f"The amounts are in {len(found)} currencies ({per}). "
    text += f"Figures are in {reporting}" if reporting else "Figures are converted with your rates"
    if used:
        text += ", converted with " + ", ".join(f"1 {c} = {r:g}" for c, r in used.items())
    if left:
        text += (
            f"; {sum(left.values()):,} lines in {', '.join(left)} are set aside "
            "(give a rate with --fx CUR=RATE or in the currency table to include them)"
        )
    choice = CurrencyChoice(reporting, used, left, summary, text + ".")
    return converted.alias(revenue.name), aside, choice
