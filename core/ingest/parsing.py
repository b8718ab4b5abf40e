"""Parsing values of a text column: amounts with currency symbols and either decimal separator,
dates in ISO, day-first or month-first order (the format inferred once per column; timestamps keep
the local date as written), and order statuses normalised to the canonical five.
"""

from __future__ import annotations

import polars as pl

_CURRENCY = r"[^\d,.\-()]"


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
    both = cleaned.filter(cleaned.str.contains(r"\.") & cleaned.str.contains(","))
    comma_decimal = False
    if both.len():
        comma_decimal = bool((both.str.extract(r"([.,])[^.,]*$") == ",").mean() > 0.5)
    else:
        commas = cleaned.filter(cleaned.str.contains(","))
        if commas.len():
            comma_decimal = bool(commas.str.contains(r",\d{1,2}\)?-?$").mean() > 0.5)
    if comma_decimal:
        num = cleaned.str.replace_all(r"\.", "").str.replace(",", ".")
    else:
        num = cleaned.str.replace_all(",", "")
    negative = num.str.contains(r"^\(.*\)$") | num.str.contains(r"-$")
    num = num.str.replace_all(r"[()]", "").str.replace(r"-$", "")
    out = num.cast(pl.Float64, strict=False)
    return pl.select(pl.when(negative).then(-out).otherwise(out)).to_series().alias(col.name)


_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d/%m/%y",
    "%m/%d/%y",
    "%Y%m%d",
    "%d %b %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%B %d, %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
)


def _date_part(s: pl.Series) -> pl.Series:
    """Drop a time and an offset: keep the date as written (local to the shop)."""
    return (
        s.str.strip_chars()
        .str.replace(
            r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[AaPp][Mm]|[+-]\d{2}:?\d{2}|UTC)?$", ""
        )
        .str.strip_chars()
    )


def infer_date_format(col: pl.Series) -> tuple[str | None, float, bool]:
    """Best format for a text column: (format, share parsed, ambiguous day/month order)."""
    sample = _date_part(col.drop_nulls().cast(pl.Utf8)).head(5000)
    if sample.len() == 0:
        return None, 0.0, False
    scores = {
        fmt: sample.str.strptime(pl.Date, fmt, strict=False).is_not_null().mean() or 0.0
        for fmt in _DATE_FORMATS
    }
    best = max(_DATE_FORMATS, key=lambda f: scores[f])  # ties keep the earlier (preferred) one
    pairs = {"%d/%m/%Y": "%m/%d/%Y", "%d-%m-%Y": "%m-%d-%Y", "%d/%m/%y": "%m/%d/%y"}
    pairs |= {v: k for k, v in pairs.items()}
    ambiguous = best in pairs and scores[pairs[best]] == scores[best]
    return best, float(scores[best]), ambiguous


def parse_date(col: pl.Series) -> tuple[pl.Series, str | None, bool]:
    """Parse a column into pl.Date: (dates, format used, ambiguous day/month order)."""
    if col.dtype == pl.Date:
        return col, None, False
    if isinstance(col.dtype, pl.Datetime):
        return col.dt.date(), None, False
    if col.dtype.is_numeric():
        col = col.cast(pl.Int64).cast(pl.Utf8)
    fmt, _, ambiguous = infer_date_format(col)
    if fmt is None:
        return pl.Series(col.name, [None] * col.len(), dtype=pl.Date), None, False
    out = _date_part(col.cast(pl.Utf8)).str.strptime(pl.Date, fmt, strict=False)
    return out.alias(col.name), fmt, ambiguous


_STATUS_PATTERNS = (
    ("returned", r"return|refund|rma|chargeback"),
    ("cancelled", r"cancel|void|fail|declin|reject"),
    ("in_transit", r"transit|ship|pending|process|unfulfil|partial|dispatch|on.?hold|open|await"),
    ("delivered", r"deliver|complete|fulfil|paid|closed|done|success|received"),
)


def normalise_status(col: pl.Series) -> pl.Series:
    s = col.cast(pl.Utf8).str.to_lowercase().str.strip_chars()
    expr = pl.lit("unknown")
    for label, pattern in reversed(_STATUS_PATTERNS):
        expr = pl.when(pl.col("s").str.contains(pattern)).then(pl.lit(label)).otherwise(expr)
    return pl.DataFrame({"s": s}).select(expr.alias(col.name)).to_series()
