"""The condition language compiled to one boolean polars expression, checked against the
customer table's schema (unknown columns, type mismatches and misplaced units are refused)."""

from __future__ import annotations

import difflib
from datetime import date
from typing import Any

import polars as pl

from core.model.schema import is_text
from core.rules.kinds import is_numeric, is_ratio_col, is_time_col
from core.rules.lexer import UNITS, RuleSyntaxError
from core.rules.parser import Condition, parse_condition
from core.rules.syntax import Bare, Between, BoolOp, Cmp, Col, InList, IsNull, Lit, Not


class _Compiler:
    def __init__(self, cond: Condition, schema: dict[str, pl.DataType], overrides: dict) -> None:
        self.cond, self.schema, self.overrides = cond, schema, overrides

    def fail(self, message: str, pos: int) -> RuleSyntaxError:
        return RuleSyntaxError(message, pos, self.cond.text)

    def col(self, c: Col) -> pl.DataType:
        if c.name not in self.schema:
            close = difflib.get_close_matches(c.name, list(self.schema), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise self.fail(f"unknown column {c.name!r}{hint}", c.pos)
        return self.schema[c.name]

    def lit(self, col: Col, dtype: pl.DataType, lit: Lit) -> pl.Expr:
        value = lit.value
        if lit.threshold is not None and lit.threshold in self.overrides:
            value = float(self.overrides[lit.threshold])
        if lit.unit is not None:
            kind = UNITS[lit.unit][1]
            if kind == "time" and not is_time_col(col.name):
                raise self.fail(
                    f"unit {lit.unit!r} fits only day columns such as recency_days, "
                    f"not {col.name!r}",
                    lit.pos,
                )
            if kind == "ratio" and not is_ratio_col(col.name):
                raise self.fail(f"'%' fits only rate columns, not {col.name!r}", lit.pos)
        if dtype == pl.Boolean:
            if not isinstance(value, bool):
                raise self.fail(
                    f"column {col.name!r} is true/false; compare with true or false", lit.pos
                )
            return pl.lit(value)
        if dtype in (pl.Date, pl.Datetime) or isinstance(dtype, pl.Datetime):
            if not isinstance(value, str):
                raise self.fail(f'column {col.name!r} holds dates; write "YYYY-MM-DD"', lit.pos)
            try:
                return pl.lit(date.fromisoformat(value))
            except ValueError:
                raise self.fail(f"{value!r} is not a date (YYYY-MM-DD)", lit.pos) from None
        if is_numeric(dtype):
            if not isinstance(value, float) or isinstance(value, bool):
                raise self.fail(
                    f"column {col.name!r} is numeric; compare it with a number, not {value!r}",
                    lit.pos,
                )
            return pl.lit(value)
        if is_text(dtype):
            if not isinstance(value, str):
                raise self.fail(f"column {col.name!r} holds text; put the value in quotes", lit.pos)
            return pl.lit(value)
        raise self.fail(f"column {col.name!r} ({dtype}) cannot be used in a condition", col.pos)

    def expr(self, node: Any) -> pl.Expr:
        if isinstance(node, BoolOp):
            exprs = [self.expr(i) for i in node.items]
            return pl.all_horizontal(exprs) if node.op == "and" else pl.any_horizontal(exprs)
        if isinstance(node, Not):
            return ~self.expr(node.item)
        if isinstance(node, Bare):
            item = node.item
            if isinstance(item, Lit):
                if isinstance(item.value, bool):
                    return pl.lit(item.value)
                raise self.fail("a value on its own is not a condition", item.pos)
            if self.col(item) != pl.Boolean:
                raise self.fail(
                    f"{item.name!r} on its own is not a condition; compare it, e.g. "
                    f"{item.name} > 0",
                    item.pos,
                )
            return pl.col(item.name)
        if isinstance(node, Cmp):
            dtype = self.col(node.left)
            if isinstance(node.right, Col):
                rtype = self.col(node.right)
                same = (
                    (is_numeric(dtype) and is_numeric(rtype))
                    or dtype == rtype
                    or (is_text(dtype) and is_text(rtype))
                )
                if not same:
                    raise self.fail(
                        f"cannot compare {node.left.name!r} ({dtype}) with "
                        f"{node.right.name!r} ({rtype})",
                        node.pos,
                    )
                right = pl.col(node.right.name)
            else:
                right = self.lit(node.left, dtype, node.right)
            if (is_text(dtype) or dtype == pl.Boolean) and node.op not in ("==", "!="):
                raise self.fail(
                    f"column {node.left.name!r} takes only ==, != or in [...]", node.pos
                )
            left = pl.col(node.left.name)
            if is_text(dtype):
                left = left.cast(pl.Utf8)
            return {
                "==": left == right,
                "!=": left != right,
                "<": left < right,
                "<=": left <= right,
                ">": left > right,
                ">=": left >= right,
            }[node.op]
        if isinstance(node, InList):
            dtype = self.col(node.left)
            for v in node.values:  # type and unit checks
                self.lit(node.left, dtype, v)
            raw = [v.value for v in node.values]
            left = pl.col(node.left.name)
            if is_text(dtype):
                left = left.cast(pl.Utf8)
            elif is_numeric(dtype):
                left = left.cast(pl.Float64)
            out = left.is_in(raw)
            return ~out if node.negate else out
        if isinstance(node, Between):
            dtype = self.col(node.left)
            if not is_numeric(dtype):
                raise self.fail(
                    f"'between' needs a numeric column, not {node.left.name!r}", node.pos
                )
            low = self.lit(node.left, dtype, node.low)
            high = self.lit(node.left, dtype, node.high)
            out = pl.col(node.left.name).is_between(low, high, closed="both")
            return ~out if node.negate else out
        if isinstance(node, IsNull):
            self.col(node.left)
            out = pl.col(node.left.name).is_null()
            return ~out if node.negate else out
        raise self.fail("unsupported expression", 0)  # pragma: no cover


def compile_condition(
    condition: str | Condition,
    schema: dict[str, pl.DataType] | pl.Schema,
    overrides: dict[int, float] | None = None,
) -> pl.Expr:
    """Compile a condition to a boolean polars expression (missing values count as no match).

    `overrides` replaces numeric thresholds by index (see `thresholds`), for sliders and curves.
    """
    cond = condition if isinstance(condition, Condition) else parse_condition(condition)
    expr = _Compiler(cond, dict(schema), overrides or {}).expr(cond.tree)
    return expr.fill_null(False)
