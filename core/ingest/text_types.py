"""Which columns of a text table can be read typed: decided from a sample of its lines read as
text. core.ingest.readers then reads the whole file with these types: all of it as text when a
later number does not read, a date column as text when a later date does not.

Plain numbers become Int64 (whole, up to 18 digits) or Float64 (with a decimal point): an
optional minus, digits without a leading zero, no thousands separator, currency symbol, sign,
exponent, NaN or infinity. ISO dates (YYYY-MM-DD) become pl.Date. Everything else stays text,
and so do numbers a text role could take (a column core.ingest.roles may name an id, product,
status... or the order date), numbers named like ids or codes ("Row ID", "Postal Code"), whole
numbers of six digits or more on every line (codes, phone numbers, yyyymmdd dates), and decimals
when a d/m or m/d date column is undecided in the sample (core.ingest.dates may then decide the
day/month order by the amounts' decimal separator, read from their text). A column the user
maps to a text role stays text too (text_columns).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import polars as pl

from core.ingest.roles import _TEXT_ROLES, name_score, norm
from core.model.schema import CODED_ROLES

_INT = r"^-?(0|[1-9]\d{0,17})$"  # no sign but minus, no leading zero, no separator
_DECIMAL = r"^-?(0|[1-9]\d*)\.\d+$"
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
_CODE_NAMES = ("code", "zip", "postal", "phone", "number")
_ID_WORDS = ("id", "no", "nr", "ean", "upc", "isbn", "gtin", "sku")
_DAY_MONTH = r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}\b"


def column_types(sample: pl.DataFrame) -> list[pl.DataType]:
    """The type each column of a text sample can be read with: Date for ISO dates, Int64 or
    Float64 for plain numbers, else text (Utf8)."""
    plain, floats = {}, []
    for c in sample.columns:
        values = sample[c].drop_nulls()
        values = values.filter(values != "")
        plain[c] = _plain_type(c, values)
        if plain[c] == pl.Float64:
            floats.append(c)
    if floats and _day_month_undecided(sample, plain):
        # the order dates may be decided by the amounts' decimal separator, which core.ingest
        # reads from their text (core.ingest.parsing.decimal_comma): keep the decimals as text
        plain |= dict.fromkeys(floats, pl.Utf8)
    return list(plain.values())


def _plain_type(column: str, values: pl.Series) -> pl.DataType:
    if values.len() == 0:
        return pl.Utf8
    if values.str.contains(_ISO_DATE).all():
        return pl.Date  # read back as text, an ISO date is the same text
    if _names_an_id(column) or _text_role(column):
        return pl.Utf8  # an id, code or date written as a number keeps its text
    whole = values.str.contains(_INT)
    if whole.all():
        # six digits or more on every line: a code, a phone number or a yyyymmdd date
        return pl.Utf8 if (values.str.len_bytes() >= 6).all() else pl.Int64
    if (whole | values.str.contains(_DECIMAL)).all():
        return pl.Float64
    return pl.Utf8


def _names_an_id(column: str) -> bool:
    """ "Row ID", "zip", "Postal Code", "Phone Number", "EAN": numbers that are names."""
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", column)]
    n = norm(column)
    return bool(words) and (words[-1] in _ID_WORDS or any(w in n for w in _CODE_NAMES))


def coded_name(column: str) -> bool:
    """Whether the column's name says a dimension the orders table holds coded (a product,
    category, region or channel) or the status rather than an id or a date: such a column is
    read coded when its values repeat."""
    best = max(name_score(r, column) for r in (*CODED_ROLES, "status"))
    return best > max(name_score(r, column) for r in ("customer_id", "order_id", "order_date"))


def _text_role(column: str) -> bool:
    """Whether core.ingest.roles could give the column a text role (or the order date) by name."""
    return any(name_score(role, column) > 0 for role in (*_TEXT_ROLES, "order_date"))


def _day_month_undecided(sample: pl.DataFrame, types: dict[str, pl.DataType]) -> bool:
    """Whether a text column of the sample holds d/m or m/d dates that no value decides."""
    for c, t in types.items():
        if t != pl.Utf8:
            continue
        parts = sample[c].drop_nulls().str.extract_groups(_DAY_MONTH).struct.unnest()
        parts = parts.drop_nulls().cast(pl.Int32)
        if parts.height and (parts.max_horizontal().max() or 0) <= 12:
            return True
    return False


def text_columns(roles: Mapping[str, str]) -> set[str]:
    """The columns a role -> column mapping gives a text role (an id, the product, ...)."""
    return {column for role, column in roles.items() if role in _TEXT_ROLES and column}
