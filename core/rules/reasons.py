"""Reason templates: `{column}` / `{column:kind}` placeholders compiled to a text expression,
each value formatted by its kind (money, days, percent, counts, dates, text)."""

from __future__ import annotations

import difflib
import re
import string

import polars as pl

from core import format as fmt
from core.rules.kinds import column_kind
from core.rules.lexer import MAX_CONDITION_CHARS, RuleSyntaxError

# the number formats of core.format (one home for them)
_thousands = fmt.thousands_expr
_number = fmt.number_expr


def format_expr(
    name: str, dtype: pl.DataType, kind: str | None = None, currency: str = ""
) -> pl.Expr:
    """Text of column `name` formatted for a sentence: money, days, percent, count or text."""
    kind = kind or column_kind(name, dtype)
    e = pl.col(name)
    if kind in ("money", "days", "pct", "int", "num") and not dtype.is_numeric():
        kind = "text"
    if kind == "money":
        e = e.cast(pl.Float64)
        text = pl.when(e.abs() >= 100).then(_number(e, 0)).otherwise(_number(e, 2))
        text = pl.lit(currency) + text
    elif kind == "days":
        n = e.cast(pl.Float64).round(0)
        text = _number(n, 0) + pl.when(n.abs() == 1).then(pl.lit(" day")).otherwise(pl.lit(" days"))
    elif kind == "pct":
        text = _number(e.cast(pl.Float64) * 100, 0) + pl.lit("%")
    elif kind == "int":
        text = _number(e.cast(pl.Float64), 0)
    elif kind == "num":
        text = _number(e.cast(pl.Float64), 2)
    elif kind == "date":
        text = e.dt.strftime("%Y-%m-%d") if dtype != pl.Utf8 else e
    else:
        text = e.cast(pl.Utf8)
    return text.fill_null("n/a")


_FORMAT_KINDS = ("money", "days", "pct", "int", "num", "text", "date")


def reason_expr(
    template: str, schema: dict[str, pl.DataType] | pl.Schema, currency: str = ""
) -> pl.Expr:
    """Compile a reason template with `{column}` / `{column:kind}` placeholders to a text
    expression. Raises RuleSyntaxError for unknown columns or malformed braces."""
    schema = dict(schema)
    template = template or ""
    if len(template) > MAX_CONDITION_CHARS:
        raise RuleSyntaxError(f"the reason is longer than {MAX_CONDITION_CHARS} characters")
    try:
        pieces = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise RuleSyntaxError(f"reason: {exc} (write {{{{ and }}}} for literal braces)") from None
    parts: list[pl.Expr] = []
    pos = 0
    for literal, fieldname, spec, conv in pieces:
        pos += len(literal)
        if literal:
            parts.append(pl.lit(literal))
        if fieldname is None:
            continue
        where = template.find("{" + fieldname, pos)
        where = where if where >= 0 else None
        if conv or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", fieldname):
            raise RuleSyntaxError(
                f"reason: placeholder {{{fieldname}}} must be a plain column name", where, template
            )
        if fieldname not in schema:
            close = difflib.get_close_matches(fieldname, list(schema), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise RuleSyntaxError(f"reason: unknown column {fieldname!r}{hint}", where, template)
        if spec and spec not in _FORMAT_KINDS:
            raise RuleSyntaxError(
                f"reason: format {spec!r} is not one of {', '.join(_FORMAT_KINDS)}", where, template
            )
        parts.append(format_expr(fieldname, schema[fieldname], spec or None, currency))
    if not parts:
        return pl.lit("")
    return pl.concat_str(parts)


def render_reasons(table: pl.DataFrame, template: str, currency: str = "") -> pl.Series:
    """The reason rendered for every row of `table`."""
    return table.select(reason_expr(template, table.schema, currency).alias("reason"))["reason"]
