"""Parsing values of a text column: amounts with currency symbols and either decimal separator,
dates (core.ingest.dates decides the format from the whole column), and order statuses
normalised to the canonical five.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from core.ingest.dates import decide_date_format, read_dates
from core.model.schema import per_distinct

_CURRENCY = r"[^\d,.\-()]"


EARLIEST = date(1950, 1, 1)


LATEST = date(2099, 12, 31)


def latest_plausible(dates: pl.Series | None = None) -> date:
    """The last plausible order date: a year from today, or ten years after the file's median
    date when the file (or the clock) is ahead of today; never after 2099. A typo such as 2099
    or 9999 does not move as of."""
    soon = date.today() + timedelta(days=366)
    if dates is not None and dates.len():
        # the sorted dates' middle value (the higher one of an even count), without a sort
        days = dates.to_physical().quantile(0.5, interpolation="higher")
        middle = date(1970, 1, 1) + timedelta(days=int(days))
        if middle.year < LATEST.year - 10:
            soon = max(soon, middle.replace(year=middle.year + 10, day=min(middle.day, 28)))
    return min(soon, LATEST)


def _comma_decimal(cleaned: pl.Series) -> bool | None:
    both = cleaned.filter(cleaned.str.contains(r"\.") & cleaned.str.contains(","))
    if both.len():
        return bool((both.str.extract(r"([.,])[^.,]*$") == ",").mean() > 0.5)
    commas = cleaned.filter(cleaned.str.contains(","))
    if commas.len():
        return bool(commas.str.contains(r",\d{1,2}\)?-?$").mean() > 0.5)
    if cleaned.str.contains(r"\.\d").any():
        return False
    return None


def decimal_comma(col: pl.Series) -> bool | None:
    """Whether a text amount column writes decimals with a comma (None: it never says)."""
    if col.dtype != pl.Utf8:
        return None
    return _comma_decimal(col.drop_nulls().str.strip_chars().str.replace_all(_CURRENCY, ""))


def parse_amount(col: pl.Series) -> pl.Series:
    """Parse amounts like '₹1,346.60', '$1,200', '1.234,56 €', '(12.50)' into floats.

    The decimal separator is decided once for the column: a comma is decimal when it is the last
    separator in values that hold both, or when it is followed by one or two digits.
    """
    if col.dtype.is_numeric():
        return col.cast(pl.Float64)
    if col.dtype == pl.Boolean:
        return col.cast(pl.Float64)
    s = col.cast(pl.Utf8).str.strip_chars()
    direct = s.cast(pl.Float64, strict=False)
    if direct.null_count() == s.null_count():  # plain numbers: the fast path
        return direct.alias(col.name)
    cleaned = s.str.replace_all(_CURRENCY, "")
    if _comma_decimal(cleaned):
        num = cleaned.str.replace_all(r"\.", "").str.replace(",", ".")
    else:
        num = cleaned.str.replace_all(",", "")
    negative = num.str.contains(r"^\(.*\)$") | num.str.contains(r"-$")
    num = num.str.replace_all(r"[()]", "").str.replace(r"-$", "")
    out = num.cast(pl.Float64, strict=False)
    special = s.str.contains(r"(?i)^[+-]?(nan|inf|infinity)$")  # kept as NaN: set aside by name
    return (
        pl.select(pl.when(special).then(float("nan")).when(negative).then(-out).otherwise(out))
        .to_series()
        .alias(col.name)
    )


def infer_date_format(col: pl.Series) -> tuple[str | None, float, bool]:
    """Best format for a text column: (format, share parsed, ambiguous day/month order)."""
    d = decide_date_format(col)
    return d.format, d.share, d.ambiguous


def parse_date(col: pl.Series) -> tuple[pl.Series, str | None, bool]:
    """Parse a column into pl.Date: (dates, format used, ambiguous day/month order)."""
    d = decide_date_format(col)
    return read_dates(col, d), d.format, d.ambiguous


_STATUS_PATTERNS = (
    ("delivered", r"^(not|no|non|never)[\s_-]*(return|refund|cancel)"),  # "Not Returned": kept
    ("returned", r"return|refund|rma|chargeback"),
    ("cancelled", r"cancel|void|fail|declin|reject"),
    ("in_transit", r"transit|ship|pending|process|unfulfil|partial|dispatch|on.?hold|open|await"),
    ("delivered", r"deliver|complete|fulfil|paid|closed|done|success|received"),
)


def normalise_status(col: pl.Series) -> pl.Series:
    """Each status as one of the canonical labels ("unknown" when no pattern matches; a
    missing status too). The patterns run once per distinct value."""
    if isinstance(col.dtype, pl.Categorical):  # read coded: its distinct texts, then each line's
        return per_distinct(col, normalise_status).fill_null("unknown")
    expr = pl.lit("unknown")
    for label, pattern in reversed(_STATUS_PATTERNS):
        expr = pl.when(pl.col("s").str.contains(pattern)).then(pl.lit(label)).otherwise(expr)
    raw = col.cast(pl.Utf8).alias("raw")
    labels = (
        raw.unique()
        .to_frame()
        .with_columns(s=pl.col("raw").str.to_lowercase().str.strip_chars())
        .select("raw", label=expr)
    )
    out = raw.to_frame().join(labels, on="raw", how="left", maintain_order="left", nulls_equal=True)
    return out["label"].alias(col.name)
