"""Insight rules: the condition language, its compilation to polars, and rule evaluation.

A rule says "customers like this -> do that": name, enabled, condition, reason, action,
confidence (High / Medium / Low) and priority (higher wins when a customer matches several rules;
ties go to the rule listed first).

Conditions are a small language over the customer metrics table, parsed by the recursive-descent
parser below (never `eval`) and compiled to a polars expression:

    recency_days >= 180 and orders <= 2
    rfm_segment in ["At Risk", "Cannot Lose Them"] or not (status == "active")
    revenue between 1k and 5k            # units: k, %, d/days, w/weeks, mo/months, y/years
    return_rate >= 30%                   # ratios; day columns take days/weeks/months/years
    last_order < "2025-01-01"            # dates as ISO strings
    p_alive is null

Anything else (calls, attribute access, arithmetic, names starting with "_", Python keywords,
huge literals, nesting deeper than 30 levels) is refused with a RuleSyntaxError naming the
problem and its position. A rule whose condition or reason is bad is reported and skipped; the
other rules keep working.

Reason templates use `{column}` placeholders, formatted by kind (money, days, percent, counts);
`{column:money}`, `:days`, `:pct`, `:int`, `:num`, `:text` force a format.

This module also owns: priority resolution, per-rule statistics and overlaps, the sensitivity
curve of one threshold, the default rule set and JSON import / export with validation.
"""

from __future__ import annotations

import difflib
import json
import keyword
import math
import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from core.churn import STATUS_LABELS
from core.errors import InputError

CONFIDENCES = ("High", "Medium", "Low")
DEFAULT_RULES_PATH = Path(__file__).resolve().parent.parent / "data" / "default_rules.json"
KEY_METRICS = (
    "recency_days",
    "orders",
    "revenue",
    "aov",
    "status",
    "rfm_segment",
    "expected_clv_365d",
)
AT_RISK_STATUSES = ("at_risk", "churned")

MAX_CONDITION_CHARS = 2000
MAX_DEPTH = 30
MAX_LIST_ITEMS = 500
MAX_STRING_CHARS = 200
MAX_NUMBER_DIGITS = 15
MAX_NUMBER = 1e15

# unit -> (factor, kind). kind "time": only for *_days columns; "ratio": only for rates.
UNITS: dict[str, tuple[float, str]] = {
    "d": (1, "time"),
    "day": (1, "time"),
    "days": (1, "time"),
    "w": (7, "time"),
    "wk": (7, "time"),
    "week": (7, "time"),
    "weeks": (7, "time"),
    "mo": (30, "time"),
    "month": (30, "time"),
    "months": (30, "time"),
    "y": (365, "time"),
    "yr": (365, "time"),
    "year": (365, "time"),
    "years": (365, "time"),
    "k": (1000, "scale"),
    "%": (0.01, "ratio"),
}
_WORDS = {"and", "or", "not", "in", "between", "is", "null", "none", "true", "false"}
_PY_KEYWORDS = {k.lower() for k in keyword.kwlist} - _WORDS | {"lambda", "import", "exec", "eval"}
_CMP_OPS = {
    "==": "==",
    "=": "==",
    "!=": "!=",
    "<>": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


class RuleSyntaxError(InputError):
    """A condition or reason that cannot be used; `position` is the 0-based character offset."""

    def __init__(self, message: str, position: int | None = None, text: str = "") -> None:
        self.position = position
        self.detail = message
        where = f" at position {position + 1}" if position is not None else ""
        excerpt = ""
        if position is not None and text:
            lo = max(0, position - 15)
            excerpt = f" (near {text[lo : position + 15]!r})"
        super().__init__(f"{message}{where}{excerpt}")


# ---------------------------------------------------------------- tokens
@dataclass(frozen=True)
class _Tok:
    kind: str  # num, str, name, op, end
    text: str
    pos: int
    end: int
    value: Any = None


_NUM_RE = re.compile(r"[$€£]?(\d[\d_]*(?:\.\d+)?|\.\d+)")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPS = ("==", "!=", "<>", "<=", ">=", "<", ">", "=", "(", ")", "[", "]", ",", "-", "%")
_BAD_CHARS = {
    ".": "attribute access is not allowed",
    "+": "arithmetic is not supported",
    "*": "arithmetic is not supported",
    "/": "arithmetic is not supported",
    "@": "decorators and matrix operators are not allowed",
    ";": "only one condition per rule (no ';')",
    "{": "braces are not allowed in a condition",
    "}": "braces are not allowed in a condition",
    "`": "backticks are not allowed",
    "\\": "backslashes are only allowed inside strings",
    ":": "':' is not allowed (no lambdas, slices or annotations)",
    "&": "use 'and' instead of '&'",
    "|": "use 'or' instead of '|'",
    "~": "use 'not' instead of '~'",
    "!": "use 'not' or '!=' instead of '!'",
}


def _tokenize(text: str) -> list[_Tok]:
    if len(text) > MAX_CONDITION_CHARS:
        raise RuleSyntaxError(f"the condition is longer than {MAX_CONDITION_CHARS} characters")
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c in "\"'":
            j, buf = i + 1, []
            while j < n and text[j] != c:
                if text[j] == "\\" and j + 1 < n and text[j + 1] in (c, "\\"):
                    j += 1
                buf.append(text[j])
                j += 1
            if j >= n:
                raise RuleSyntaxError("unterminated string", i, text)
            if len(buf) > MAX_STRING_CHARS:
                raise RuleSyntaxError(f"string longer than {MAX_STRING_CHARS} characters", i, text)
            toks.append(_Tok("str", text[i : j + 1], i, j + 1, "".join(buf)))
            i = j + 1
            continue
        m = _NUM_RE.match(text, i)
        if m and (c.isdigit() or (c in "$€£." and m.end() > i + 1)):
            raw = m.group(1).replace("_", "")
            if len(raw.replace(".", "").lstrip("0")) > MAX_NUMBER_DIGITS:
                raise RuleSyntaxError(f"number with more than {MAX_NUMBER_DIGITS} digits", i, text)
            end = m.end()
            if end < n and (
                text[end].isalpha()
                and text[end].lower() in "ej"
                and (end + 1 >= n or not text[end + 1].isalpha())
            ):
                raise RuleSyntaxError(
                    "scientific and complex number notation is not supported", i, text
                )
            toks.append(_Tok("num", text[i:end], i, end, float(raw)))
            i = end
            continue
        m = _NAME_RE.match(text, i)
        if m:
            word = m.group(0)
            if word.startswith("_"):
                raise RuleSyntaxError(
                    f"names starting with '_' are not allowed ({word!r})", i, text
                )
            if word.lower() in _PY_KEYWORDS:
                raise RuleSyntaxError(f"{word!r} is not allowed in a condition", i, text)
            toks.append(_Tok("name", word, i, m.end()))
            i = m.end()
            continue
        for op in _OPS:
            if text.startswith(op, i):
                toks.append(_Tok("op", op, i, i + len(op)))
                i += len(op)
                break
        else:
            reason = _BAD_CHARS.get(c, f"unexpected character {c!r}")
            raise RuleSyntaxError(reason, i, text)
    toks.append(_Tok("end", "", n, n))
    return toks


# ---------------------------------------------------------------- syntax tree
@dataclass(frozen=True)
class Col:
    name: str
    pos: int


@dataclass(frozen=True)
class Lit:
    value: Any  # float, str, bool or None
    pos: int
    end: int
    unit: str | None = None
    threshold: int | None = None  # index of a numeric threshold (sliders, sensitivity)


@dataclass(frozen=True)
class Cmp:
    op: str
    left: Col | Lit
    right: Col | Lit
    pos: int


@dataclass(frozen=True)
class InList:
    left: Col
    values: tuple[Lit, ...]
    negate: bool
    pos: int


@dataclass(frozen=True)
class Between:
    left: Col
    low: Lit
    high: Lit
    negate: bool
    pos: int


@dataclass(frozen=True)
class IsNull:
    left: Col
    negate: bool
    pos: int


@dataclass(frozen=True)
class BoolOp:
    op: str  # and / or
    items: tuple[Any, ...]


@dataclass(frozen=True)
class Not:
    item: Any


@dataclass(frozen=True)
class Bare:
    """A column or literal used on its own as a condition (a boolean column, true, false)."""

    item: Col | Lit


@dataclass(frozen=True)
class Threshold:
    """One numeric literal of a condition that a slider can move."""

    index: int
    column: str
    op: str  # the comparison (>=, <, between-low, between-high, ...)
    value: float  # in base units (days, currency, ratio)
    start: int  # character span of the literal (unit included) in the condition
    end: int


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0
        self.depth = 0
        self.thresholds: list[Threshold] = []

    # helpers
    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def _word(self, tok: _Tok | None = None) -> str:
        tok = tok or self.tok
        return tok.text.lower() if tok.kind == "name" else ""

    def _is(self, *words: str) -> bool:
        return self._word() in words or (self.tok.kind == "op" and self.tok.text in words)

    def _take(self) -> _Tok:
        tok = self.tok
        self.i += 1
        return tok

    def _fail(self, message: str, tok: _Tok | None = None) -> RuleSyntaxError:
        tok = tok or self.tok
        return RuleSyntaxError(message, tok.pos, self.text)

    def _expect(self, what: str) -> _Tok:
        if not self._is(what):
            raise self._fail(f"expected {what!r}, found {self._describe()}")
        return self._take()

    def _describe(self, tok: _Tok | None = None) -> str:
        tok = tok or self.tok
        return "the end of the condition" if tok.kind == "end" else repr(tok.text)

    # grammar
    def parse(self) -> Any:
        if self.tok.kind == "end":
            raise self._fail("the condition is empty")
        node = self._or()
        if self.tok.kind != "end":
            tok = self.tok
            if tok.kind == "op" and tok.text in _CMP_OPS:
                raise self._fail("chained comparisons are not supported; use 'between'")
            if tok.kind == "op" and tok.text == ")":
                raise self._fail("unbalanced ')'")
            raise self._fail(f"expected 'and' or 'or', found {self._describe()}")
        return node

    def _or(self) -> Any:
        items = [self._and()]
        while self._is("or"):
            self._take()
            items.append(self._and())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def _and(self) -> Any:
        items = [self._not()]
        while self._is("and"):
            self._take()
            items.append(self._not())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def _nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._fail(f"nested more than {MAX_DEPTH} levels deep")

    def _not(self) -> Any:
        if self._is("not"):
            self._take()
            self._nest()
            item = self._not()
            self.depth -= 1
            return Not(item)
        return self._comparison()

    def _comparison(self) -> Any:
        if self._is("("):
            self._nest()
            self._take()
            node = self._or()
            if not self._is(")"):
                raise self._fail(f"missing ')': found {self._describe()}")
            self._take()
            self.depth -= 1
            return node
        start = self.tok
        left = self._operand()
        tok = self.tok
        if tok.kind == "op" and tok.text in _CMP_OPS:
            self._take()
            right = self._operand()
            op = _CMP_OPS[tok.text]
            if isinstance(left, Lit) and isinstance(right, Lit):
                raise self._fail("a comparison needs a column on at least one side", start)
            if isinstance(left, Lit):  # 180 <= recency_days -> recency_days >= 180
                left, right, op = right, left, _FLIP[op]
            if isinstance(right, Lit) and isinstance(right.value, float):
                right = self._threshold(left, op, right)
            return Cmp(op, left, right, tok.pos)
        negate = False
        if self._is("not") and self._word(self.toks[self.i + 1]) in ("in", "between"):
            self._take()
            negate = True
        if self._is("in"):
            kw = self._take()
            col = self._need_col(left, kw)
            return InList(col, self._list(), negate, kw.pos)
        if self._is("between"):
            kw = self._take()
            col = self._need_col(left, kw)
            low = self._literal()
            if not self._is("and"):
                raise self._fail(f"'between' needs 'and': found {self._describe()}")
            self._take()
            high = self._literal()
            if not isinstance(low.value, float) or not isinstance(high.value, float):
                raise self._fail("'between' takes two numbers", kw)
            low = self._threshold(col, "between-low", low)
            high = self._threshold(col, "between-high", high)
            return Between(col, low, high, negate, kw.pos)
        if self._is("is"):
            kw = self._take()
            col = self._need_col(left, kw)
            neg = False
            if self._is("not"):
                self._take()
                neg = True
            if not self._is("null", "none"):
                raise self._fail(f"'is' takes 'null' or 'not null', found {self._describe()}")
            self._take()
            return IsNull(col, neg, kw.pos)
        if self._is("("):
            raise self._fail("function calls are not allowed")
        return Bare(left)

    def _need_col(self, left: Col | Lit, kw: _Tok) -> Col:
        if not isinstance(left, Col):
            raise self._fail(f"{kw.text!r} needs a column on its left", kw)
        return left

    def _threshold(self, col: Col | Lit, op: str, lit: Lit) -> Lit:
        """Number `lit` compared with column `col`: give it a threshold index."""
        if not isinstance(col, Col):
            return lit
        idx = len(self.thresholds)
        self.thresholds.append(Threshold(idx, col.name, op, lit.value, lit.pos, lit.end))
        return replace(lit, threshold=idx)

    def _list(self) -> tuple[Lit, ...]:
        if not self._is("["):
            raise self._fail(f'\'in\' takes a list like ["a", "b"], found {self._describe()}')
        self._take()
        values: list[Lit] = []
        while not self._is("]"):
            values.append(self._literal())
            if len(values) > MAX_LIST_ITEMS:
                raise self._fail(f"a list may hold at most {MAX_LIST_ITEMS} values")
            if self._is(","):
                self._take()
            elif not self._is("]"):
                raise self._fail(f"expected ',' or ']' in the list, found {self._describe()}")
        self._take()
        if not values:
            raise self._fail("the list is empty")
        kinds = {type(v.value) for v in values}
        if len(kinds) > 1:
            raise RuleSyntaxError(
                "a list must hold only numbers or only strings", values[0].pos, self.text
            )
        return tuple(values)

    def _operand(self) -> Col | Lit:
        tok = self.tok
        if tok.kind == "name":
            word = tok.text.lower()
            if word in ("true", "false"):
                self._take()
                return Lit(word == "true", tok.pos, tok.end)
            if word in ("null", "none"):
                raise self._fail("use 'is null' / 'is not null' to test for missing values")
            if word in _WORDS:
                raise self._fail(f"expected a column or a value, found {tok.text!r}")
            if tok.text.startswith("_"):
                raise self._fail(f"names starting with '_' are not allowed ({tok.text!r})")
            if word in _PY_KEYWORDS:
                raise self._fail(f"{tok.text!r} is not allowed in a condition")
            self._take()
            if self._is("("):
                raise self._fail(f"function calls are not allowed ({tok.text}(...))", tok)
            return Col(tok.text, tok.pos)
        return self._literal()

    def _literal(self) -> Lit:
        tok = self.tok
        sign = 1.0
        if tok.kind == "op" and tok.text == "-":
            self._take()
            sign = -1.0
            if self.tok.kind != "num":
                raise self._fail("'-' must be followed by a number (no arithmetic)")
        num = self.tok
        if num.kind == "num":
            self._take()
            value, unit, end = sign * num.value, None, num.end
            nxt = self.tok
            key = "%" if nxt.text == "%" else self._word(nxt)
            if key in UNITS and (nxt.kind == "op" or nxt.kind == "name"):
                self._take()
                unit, end = key, nxt.end
                value *= UNITS[key][0]
            if abs(value) > MAX_NUMBER or not math.isfinite(value):
                raise self._fail(f"number too large (limit {MAX_NUMBER:g})", num)
            return Lit(value, tok.pos, end, unit)
        if sign < 0:
            raise self._fail("'-' must be followed by a number")
        if tok.kind == "str":
            self._take()
            return Lit(tok.value, tok.pos, tok.end)
        if self._word() in ("true", "false"):
            self._take()
            return Lit(self._word(tok) == "true", tok.pos, tok.end)
        if tok.kind == "name" and tok.text.startswith("_"):
            raise self._fail(f"names starting with '_' are not allowed ({tok.text!r})")
        if tok.kind == "name" and tok.text.lower() in _PY_KEYWORDS:
            raise self._fail(f"{tok.text!r} is not allowed in a condition")
        raise self._fail(f"expected a value, found {self._describe()}")


@dataclass(frozen=True)
class Condition:
    """A parsed condition: its text, syntax tree and numeric thresholds."""

    text: str
    tree: Any
    thresholds: tuple[Threshold, ...]


def parse_condition(text: str) -> Condition:
    """Parse a condition; raise RuleSyntaxError naming the problem and its position."""
    if not isinstance(text, str):
        raise RuleSyntaxError("the condition must be text")
    parser = _Parser(text)
    tree = parser.parse()
    return Condition(text, tree, tuple(parser.thresholds))


# ---------------------------------------------------------------- compilation
def _is_numeric(dtype: pl.DataType) -> bool:
    return dtype.is_numeric()


def _is_text(dtype: pl.DataType) -> bool:
    return dtype in (pl.Utf8, pl.Categorical) or isinstance(dtype, (pl.Categorical, pl.Enum))


def _is_time_col(name: str) -> bool:
    return name.endswith("days") or "_days_" in name


def _is_ratio_col(name: str) -> bool:
    return "rate" in name or "share" in name or name.startswith("p_") or name.endswith("_pct")


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
            if kind == "time" and not _is_time_col(col.name):
                raise self.fail(
                    f"unit {lit.unit!r} fits only day columns such as recency_days, "
                    f"not {col.name!r}",
                    lit.pos,
                )
            if kind == "ratio" and not _is_ratio_col(col.name):
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
        if _is_numeric(dtype):
            if not isinstance(value, float) or isinstance(value, bool):
                raise self.fail(
                    f"column {col.name!r} is numeric; compare it with a number, not {value!r}",
                    lit.pos,
                )
            return pl.lit(value)
        if _is_text(dtype):
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
                    (_is_numeric(dtype) and _is_numeric(rtype))
                    or dtype == rtype
                    or (_is_text(dtype) and _is_text(rtype))
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
            if (_is_text(dtype) or dtype == pl.Boolean) and node.op not in ("==", "!="):
                raise self.fail(
                    f"column {node.left.name!r} takes only ==, != or in [...]", node.pos
                )
            left = pl.col(node.left.name)
            if _is_text(dtype):
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
            if _is_text(dtype):
                left = left.cast(pl.Utf8)
            elif _is_numeric(dtype):
                left = left.cast(pl.Float64)
            out = left.is_in(raw)
            return ~out if node.negate else out
        if isinstance(node, Between):
            dtype = self.col(node.left)
            if not _is_numeric(dtype):
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


def thresholds(condition: str) -> list[Threshold]:
    """The numeric thresholds of a condition (one per number compared with a column)."""
    return list(parse_condition(condition).thresholds)


def _fmt_value(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def set_threshold(condition: str, index: int, value: float) -> str:
    """The condition with threshold `index` replaced by `value` (in base units, unit dropped)."""
    found = thresholds(condition)
    if not 0 <= index < len(found):
        raise InputError(f"the condition has no threshold number {index + 1}")
    t = found[index]
    return condition[: t.start] + _fmt_value(value) + condition[t.end :]


def threshold_range(table: pl.DataFrame, threshold: Threshold) -> tuple[float, float, float]:
    """(low, high, step) for a slider over `threshold`: the column's range and the value."""
    col = threshold.column
    if col not in table.columns or not table.schema[col].is_numeric() or table.height == 0:
        v = threshold.value
        return (min(0.0, v), max(v * 2, 1.0), 1.0)
    stats = table.select(pl.col(col).min().alias("lo"), pl.col(col).quantile(0.99).alias("hi")).row(
        0
    )
    lo = float(stats[0]) if stats[0] is not None else 0.0
    hi = float(stats[1]) if stats[1] is not None else 1.0
    lo, hi = min(lo, threshold.value), max(hi, threshold.value)
    integer = table.schema[col].is_integer()
    if hi <= lo:
        hi = lo + 1
    span = hi - lo
    if integer:
        step = 1.0
        lo, hi = math.floor(lo), math.ceil(hi)
    else:
        raw = span / 100
        mag = 10 ** math.floor(math.log10(raw))
        step = float(min((m * mag for m in (1, 2, 5, 10) if m * mag >= raw), default=mag))
        lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    return float(lo), float(hi), step


# ---------------------------------------------------------------- reasons
_MONEY_WORDS = ("revenue", "aov", "clv", "spend", "profit", "monetary", "amount", "value")


def _column_kind(name: str, dtype: pl.DataType) -> str:
    if dtype in (pl.Date,) or isinstance(dtype, pl.Datetime):
        return "date"
    if not dtype.is_numeric():
        return "text"
    if _is_time_col(name):
        return "days"
    if _is_ratio_col(name):
        return "pct"
    if any(w in name for w in _MONEY_WORDS):
        return "money"
    return "int" if dtype.is_integer() else "num"


def _thousands(e: pl.Expr) -> pl.Expr:
    """Non-negative integer expression -> text with thousands separators."""
    return (
        e.cast(pl.Int64)
        .cast(pl.Utf8)
        .str.reverse()
        .str.replace_all(r"(\d{3})", "${1},")
        .str.reverse()
        .str.strip_chars_start(",")
    )


def _number(e: pl.Expr, decimals: int) -> pl.Expr:
    sign = pl.when(e < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    scaled = (e.abs() * 10**decimals).round(0).cast(pl.Int64)
    whole = _thousands(scaled // 10**decimals)
    if decimals == 0:
        return sign + whole
    frac = (scaled % 10**decimals).cast(pl.Utf8).str.zfill(decimals)
    return sign + whole + pl.lit(".") + frac


def format_expr(
    name: str, dtype: pl.DataType, kind: str | None = None, currency: str = ""
) -> pl.Expr:
    """Text of column `name` formatted for a sentence: money, days, percent, count or text."""
    kind = kind or _column_kind(name, dtype)
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


# ---------------------------------------------------------------- rules
@dataclass(frozen=True)
class Rule:
    name: str
    condition: str
    action: str
    reason: str = ""
    confidence: str = "Medium"
    priority: int = 50
    enabled: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "enabled": self.enabled,
            "condition": self.condition,
            "reason": self.reason,
            "action": self.action,
            "confidence": self.confidence,
            "priority": self.priority,
        }


RULE_FIELDS = ("name", "enabled", "condition", "reason", "action", "confidence", "priority")


def _as_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in (
        "true",
        "yes",
        "1",
        "false",
        "no",
        "0",
        "",
    ):
        return value.strip().lower() in ("true", "yes", "1")
    raise InputError(f"{where}: 'enabled' must be true or false, got {value!r}")


def rule_from_dict(obj: Any, where: str = "rule") -> Rule:
    """Validate one rule object (as in a rules JSON file or an edited table row)."""
    if not isinstance(obj, dict):
        raise InputError(f"{where}: a rule must be an object with name, condition, action")
    unknown = sorted(set(obj) - set(RULE_FIELDS))
    if unknown:
        raise InputError(
            f"{where}: unknown field(s) {', '.join(map(repr, unknown))}; "
            f"a rule has {', '.join(RULE_FIELDS)}"
        )

    def text(key: str, required: bool) -> str:
        value = obj.get(key)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            value = ""
        if not isinstance(value, str):
            raise InputError(f"{where}: {key!r} must be text, got {value!r}")
        value = value.strip()
        if required and not value:
            raise InputError(f"{where}: {key!r} is missing")
        if len(value) > MAX_CONDITION_CHARS:
            raise InputError(f"{where}: {key!r} is longer than {MAX_CONDITION_CHARS} characters")
        return value

    name = text("name", True)
    where = f"{where} ({name!r})"
    confidence = text("confidence", False) or "Medium"
    matches = [c for c in CONFIDENCES if c.lower() == confidence.lower()]
    if not matches:
        raise InputError(f"{where}: confidence must be High, Medium or Low, got {confidence!r}")
    priority = obj.get("priority", 50)
    if priority is None or (isinstance(priority, float) and math.isnan(priority)):
        priority = 50
    if isinstance(priority, str):
        try:
            priority = float(priority.strip())
        except ValueError:
            raise InputError(f"{where}: priority must be a number, got {priority!r}") from None
    if (
        isinstance(priority, bool)
        or not isinstance(priority, (int, float))
        or not (float(priority).is_integer() and abs(priority) <= 1_000_000)
    ):
        raise InputError(f"{where}: priority must be a whole number, got {priority!r}")
    enabled = obj.get("enabled", True)
    return Rule(
        name=name,
        condition=text("condition", False),
        action=text("action", True),
        reason=text("reason", False),
        confidence=matches[0],
        priority=int(priority),
        enabled=True if enabled is None else _as_bool(enabled, where),
    )


def validate_rules(objs: Iterable[Any], source: str = "rules") -> list[Rule]:
    """Rules from a list of objects; names must be unique. Conditions are checked later, per
    rule, so one bad condition never blocks the others."""
    rules = [rule_from_dict(o, f"{source}: rule {i + 1}") for i, o in enumerate(objs)]
    seen: dict[str, int] = {}
    for i, r in enumerate(rules):
        if r.name.lower() in seen:
            raise InputError(
                f"{source}: rule {i + 1} has the same name as rule {seen[r.name.lower()] + 1} "
                f"({r.name!r}); names must be unique"
            )
        seen[r.name.lower()] = i
    return rules


def rules_from_json(text: str | bytes, source: str = "rules file") -> list[Rule]:
    """Parse a rules JSON document: a list of rule objects (or {"rules": [...]})."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{source} is not valid JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("rules"), list):
        data = data["rules"]
    if not isinstance(data, list):
        raise InputError(f"{source} must hold a JSON list of rule objects")
    if len(data) > 500:
        raise InputError(f"{source} holds {len(data)} rules; at most 500 are supported")
    return validate_rules(data, source)


def rules_to_json(rules: Sequence[Rule]) -> str:
    return json.dumps([r.to_dict() for r in rules], indent=2, ensure_ascii=False)


def load_rules(path: str | Path) -> list[Rule]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the rules file: {exc.strerror}", file=str(path)) from None
    return rules_from_json(text, source=f"rules file {path.name!r}")


def default_rules() -> list[Rule]:
    """The bundled default rule set (data/default_rules.json)."""
    return load_rules(DEFAULT_RULES_PATH)


def diff_rules(old: Sequence[Rule], new: Sequence[Rule]) -> list[str]:
    """Human-readable changes from `old` to `new` (added, removed, changed fields)."""
    before = {r.name: r for r in old}
    after = {r.name: r for r in new}
    out = [f"added {n!r}" for n in after if n not in before]
    out += [f"removed {n!r}" for n in before if n not in after]
    for n, r in after.items():
        if n in before and before[n] != r:
            a, b = before[n].to_dict(), r.to_dict()
            changes = [f"{k} {a[k]!r} -> {b[k]!r}" for k in RULE_FIELDS if a[k] != b[k]]
            out.append(f"changed {n!r}: " + "; ".join(changes))
    if not out and [r.name for r in old] != [r.name for r in new]:
        out.append("reordered rules")
    return out


# ---------------------------------------------------------------- evaluation
@dataclass(frozen=True)
class CompiledRule:
    index: int
    rule: Rule
    match: pl.Expr | None  # None when disabled or broken
    reason: pl.Expr | None
    error: str | None


def compile_rules(
    rules: Sequence[Rule], schema: dict[str, pl.DataType] | pl.Schema, currency: str = ""
) -> list[CompiledRule]:
    """Compile every rule; a bad condition or reason only disables that rule (see `error`)."""
    out = []
    for i, rule in enumerate(rules):
        match = reason = error = None
        if rule.enabled:
            try:
                if not rule.condition.strip():
                    raise RuleSyntaxError("the condition is empty")
                match = compile_condition(rule.condition, schema)
                reason = reason_expr(rule.reason, schema, currency)
            except RuleSyntaxError as exc:
                match = reason = None
                error = str(exc)
        out.append(CompiledRule(i, rule, match, reason, error))
    return out


def _at_risk_revenue_col(table: pl.DataFrame | pl.LazyFrame) -> str:
    names = table.collect_schema().names() if isinstance(table, pl.LazyFrame) else table.columns
    return "revenue_365d" if "revenue_365d" in names else "revenue"


def _need(table: pl.DataFrame, cols: Iterable[str]) -> None:
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise InputError(f"the customer table has no column {missing[0]!r}")


def _winner_expr(compiled: Sequence[CompiledRule]) -> pl.Expr:
    active = [c for c in compiled if c.match is not None]
    order = sorted(active, key=lambda c: (-c.rule.priority, c.index))
    if not order:
        return pl.lit(None, dtype=pl.Int32)
    return pl.coalesce(
        [pl.when(pl.col(f"__m{c.index}")).then(pl.lit(c.index, dtype=pl.Int32)) for c in order]
    )


@dataclass(frozen=True)
class Evaluation:
    """Rule statistics, pairwise overlaps and (optionally) the insights per customer."""

    customers: int
    stats: pl.DataFrame  # rule, enabled, error, priority, action, confidence, matched, share,
    # revenue, revenue_share, revenue_at_risk, assigned, assigned_revenue, overlap
    overlaps: pl.DataFrame  # rule, other, customers (both matched)
    insights: pl.DataFrame | None  # customer_id, rule, reason, action, confidence, key metrics
    errors: dict[str, str] = field(default_factory=dict)


def evaluate(
    table: pl.DataFrame,
    rules: Sequence[Rule],
    *,
    with_insights: bool = True,
    currency: str = "",
    key_metrics: Sequence[str] = KEY_METRICS,
) -> Evaluation:
    """Match every rule against the customer table and give each customer its winning rule.

    matched: customers matching the rule; assigned: customers for whom it is the winning rule
    (highest priority, ties to the rule listed first); overlap: matched customers who also match
    at least one other active rule; revenue_at_risk: revenue (revenue_365d when present) of
    matched customers whose status is at_risk or churned.
    """
    _need(table, ("customer_id", "revenue"))
    compiled = compile_rules(rules, table.schema, currency)
    active = [c for c in compiled if c.match is not None]
    n = table.height
    risk_col = _at_risk_revenue_col(table)
    at_risk = (
        pl.col("status").cast(pl.Utf8).is_in(AT_RISK_STATUSES).fill_null(False)
        if "status" in table.columns
        else pl.lit(False)
    )
    flags = [c.match.alias(f"__m{c.index}") for c in active]
    lf = table.lazy().with_columns(*flags, __risk=at_risk)
    nmatch = (
        pl.sum_horizontal([pl.col(f"__m{c.index}").cast(pl.Int32) for c in active])
        if (active)
        else pl.lit(0)
    )
    lf = lf.with_columns(__win=_winner_expr(compiled), __n=nmatch)

    aggs: list[pl.Expr] = [pl.col("revenue").sum().alias("__total_revenue")]
    for c in active:
        m = pl.col(f"__m{c.index}")
        i = c.index
        aggs += [
            m.sum().alias(f"matched{i}"),
            pl.col("revenue").filter(m).sum().alias(f"revenue{i}"),
            pl.col(risk_col).filter(m & pl.col("__risk")).sum().alias(f"risk{i}"),
            (pl.col("__win") == i).sum().alias(f"assigned{i}"),
            pl.col("revenue").filter(pl.col("__win") == i).sum().alias(f"arev{i}"),
            (m & (pl.col("__n") > 1)).sum().alias(f"overlap{i}"),
        ]
        for d in active:
            if d.index > c.index:
                aggs.append((m & pl.col(f"__m{d.index}")).sum().alias(f"pair{i}_{d.index}"))
    if with_insights:
        frames = pl.collect_all([lf.select(aggs), lf.filter(pl.col("__win").is_not_null())])
        agg, matched = frames
    else:
        agg, matched = lf.select(aggs).collect(), None
    a = agg.row(0, named=True)
    total_rev = a["__total_revenue"] or 0.0

    rows = []
    for c in compiled:
        i, r = c.index, c.rule
        ok = c.match is not None
        matched_n = int(a[f"matched{i}"]) if ok else 0
        revenue = float(a[f"revenue{i}"] or 0.0) if ok else 0.0
        rows.append(
            {
                "rule": r.name,
                "enabled": r.enabled and c.error is None,
                "error": c.error,
                "priority": r.priority,
                "action": r.action,
                "confidence": r.confidence,
                "matched": matched_n,
                "share": matched_n / n if n else 0.0,
                "revenue": revenue,
                "revenue_share": revenue / total_rev if total_rev else 0.0,
                "revenue_at_risk": float(a[f"risk{i}"] or 0.0) if ok else 0.0,
                "assigned": int(a[f"assigned{i}"]) if ok else 0,
                "assigned_revenue": float(a[f"arev{i}"] or 0.0) if ok else 0.0,
                "overlap": int(a[f"overlap{i}"]) if ok else 0,
            }
        )
    stats = pl.DataFrame(
        rows,
        schema={
            "rule": pl.Utf8,
            "enabled": pl.Boolean,
            "error": pl.Utf8,
            "priority": pl.Int64,
            "action": pl.Utf8,
            "confidence": pl.Utf8,
            "matched": pl.Int64,
            "share": pl.Float64,
            "revenue": pl.Float64,
            "revenue_share": pl.Float64,
            "revenue_at_risk": pl.Float64,
            "assigned": pl.Int64,
            "assigned_revenue": pl.Float64,
            "overlap": pl.Int64,
        },
    )
    pairs = []
    for c in active:
        for d in active:
            if c.index == d.index:
                continue
            lo, hi = sorted((c.index, d.index))
            pairs.append(
                {"rule": c.rule.name, "other": d.rule.name, "customers": int(a[f"pair{lo}_{hi}"])}
            )
    overlaps = pl.DataFrame(
        pairs, schema={"rule": pl.Utf8, "other": pl.Utf8, "customers": pl.Int64}
    )
    insights = None
    if matched is not None:
        insights = _insights_frame(matched, active, key_metrics)
    errors = {c.rule.name: c.error for c in compiled if c.error}
    return Evaluation(n, stats, overlaps, insights, errors)


def _insights_frame(
    matched: pl.DataFrame, active: Sequence[CompiledRule], key_metrics: Sequence[str]
) -> pl.DataFrame:
    """One row per customer with a winning rule; each reason rendered only on its own rows."""
    metrics = [m for m in key_metrics if m in matched.columns and m != "customer_id"]
    lf = matched.lazy()
    parts = [
        lf.filter(pl.col("__win") == c.index).select(
            pl.col("customer_id"),
            pl.lit(c.rule.name, dtype=pl.Utf8).alias("rule"),
            c.reason.cast(pl.Utf8).alias("reason"),
            pl.lit(c.rule.action, dtype=pl.Utf8).alias("action"),
            pl.lit(c.rule.confidence, dtype=pl.Utf8).alias("confidence"),
            pl.lit(c.rule.priority, dtype=pl.Int64).alias("priority"),
            *metrics,
        )
        for c in active
    ]
    if not parts:
        empty = {
            "customer_id": pl.Utf8,
            "rule": pl.Utf8,
            "reason": pl.Utf8,
            "action": pl.Utf8,
            "confidence": pl.Utf8,
            "priority": pl.Int64,
        }
        return pl.DataFrame(schema=empty)
    by = ["priority", "revenue"] if "revenue" in metrics else ["priority"]
    return pl.concat(pl.collect_all(parts)).sort(by, descending=True, nulls_last=True)


def summary_by_action(insights: pl.DataFrame) -> pl.DataFrame:
    """Customers and revenue per action, biggest revenue first."""
    if insights.height == 0:
        return pl.DataFrame(
            schema={
                "action": pl.Utf8,
                "customers": pl.UInt32,
                "revenue": pl.Float64,
                "rules": pl.Utf8,
            }
        )
    rev = pl.col("revenue").sum() if "revenue" in insights.columns else pl.lit(0.0)
    return (
        insights.group_by("action")
        .agg(
            pl.len().alias("customers"),
            rev.alias("revenue"),
            pl.col("rule").unique().sort().str.join(", ").alias("rules"),
        )
        .sort(["revenue", "customers"], descending=True)
    )


def filter_insights(
    insights: pl.DataFrame,
    *,
    rules: Sequence[str] = (),
    actions: Sequence[str] = (),
    confidences: Sequence[str] = (),
    search: str = "",
) -> pl.DataFrame:
    """Insights narrowed to the chosen rules, actions and confidences (empty = all) and to
    customer ids containing `search` (case-insensitive, literal text)."""
    conds = [pl.lit(True)]
    for col, values in (("rule", rules), ("action", actions), ("confidence", confidences)):
        if values:
            conds.append(pl.col(col).is_in(list(values)))
    if search.strip():
        conds.append(
            pl.col("customer_id")
            .str.to_lowercase()
            .str.contains(search.strip().lower(), literal=True)
        )
    return insights.filter(pl.all_horizontal(conds))


def vocabulary(table: pl.DataFrame, examples: int = 6) -> pl.DataFrame:
    """The columns a condition can use: name, kind and the range or example values."""
    rows = []
    for name, dtype in table.schema.items():
        kind = _column_kind(name, dtype)
        if dtype == pl.Boolean:
            kind, values = "true/false", "true, false"
        elif dtype.is_numeric():
            lo, hi = table.select(
                pl.col(name).min().alias("lo"), pl.col(name).max().alias("hi")
            ).row(0)
            values = (
                ""
                if lo is None
                else f"{_fmt_value(round(float(lo), 2))} .. {_fmt_value(round(float(hi), 2))}"
            )
        elif kind == "date":
            lo, hi = table.select(
                pl.col(name).min().alias("lo"), pl.col(name).max().alias("hi")
            ).row(0)
            values = f"{lo} .. {hi}"
        else:
            top = table[name].cast(pl.Utf8).drop_nulls().value_counts(sort=True).head(examples)
            n = table[name].n_unique()
            values = ", ".join(f'"{v}"' for v in top[name].to_list())
            values += f" (+{n - examples} more)" if n > examples else ""
        rows.append({"column": name, "kind": kind, "values": values})
    return pl.DataFrame(rows, schema={"column": pl.Utf8, "kind": pl.Utf8, "values": pl.Utf8})


def sample_matches(
    table: pl.DataFrame,
    rule: Rule,
    n: int = 10,
    currency: str = "",
    columns: Sequence[str] = KEY_METRICS,
) -> pl.DataFrame:
    """Up to `n` customers matching `rule` (most revenue first) with the rendered reason."""
    match = compile_condition(rule.condition, table.schema)
    reason = reason_expr(rule.reason, table.schema, currency)
    cols = [c for c in columns if c in table.columns and c != "customer_id"]
    return (
        table.lazy()
        .filter(match)
        .sort("revenue", descending=True, nulls_last=True)
        .head(n)
        .select(pl.col("customer_id"), reason.alias("reason"), *cols)
        .collect()
    )


def sensitivity(
    table: pl.DataFrame,
    rule: Rule,
    threshold: int,
    *,
    points: int = 25,
    low: float | None = None,
    high: float | None = None,
) -> pl.DataFrame:
    """Customers and revenue matched by `rule` alone as threshold `threshold` moves from `low`
    to `high` (default: the slider range). Columns: value, customers, revenue, current."""
    cond = parse_condition(rule.condition)
    if not 0 <= threshold < len(cond.thresholds):
        raise InputError(f"rule {rule.name!r} has no threshold number {threshold + 1}")
    t = cond.thresholds[threshold]
    if low is None or high is None:
        lo, hi, step = threshold_range(table, t)
        low = lo if low is None else low
        high = hi if high is None else high
    else:
        step = 0.0
    grid = [low + (high - low) * k / (points - 1) for k in range(points)] if points > 1 else [low]
    if step == 1.0:
        grid = sorted({float(round(v)) for v in grid})
    grid = sorted(set(grid) | {t.value})
    aggs = []
    for k, v in enumerate(grid):
        m = compile_condition(cond, table.schema, {threshold: v})
        aggs += [m.sum().alias(f"n{k}"), pl.col("revenue").filter(m).sum().alias(f"r{k}")]
    row = table.lazy().select(aggs).collect().row(0)
    return pl.DataFrame(
        {
            "value": grid,
            "customers": [int(row[2 * k]) for k in range(len(grid))],
            "revenue": [float(row[2 * k + 1] or 0.0) for k in range(len(grid))],
            "current": [v == t.value for v in grid],
        }
    )


@dataclass(frozen=True)
class Preview:
    """Everything the live editor shows after one change."""

    evaluation: Evaluation
    sample: pl.DataFrame | None
    curve: pl.DataFrame | None
    error: str | None


def preview(
    table: pl.DataFrame,
    rules: Sequence[Rule],
    selected: int | None = None,
    threshold: int | None = None,
    *,
    sample_size: int = 10,
    points: int = 25,
    currency: str = "",
) -> Preview:
    """Rule statistics and overlaps for all rules, plus a sample and a sensitivity curve for the
    selected rule (when its condition compiles)."""
    ev = evaluate(table, rules, with_insights=False, currency=currency)
    sample = curve = error = None
    if selected is not None and 0 <= selected < len(rules):
        rule = rules[selected]
        try:
            sample = sample_matches(table, rule, sample_size, currency)
            if threshold is not None and threshold < len(thresholds(rule.condition)):
                curve = sensitivity(table, rule, threshold, points=points)
        except RuleSyntaxError as exc:
            error = str(exc)
    return Preview(ev, sample, curve, error)


def rules_frame(rules: Sequence[Rule]) -> pl.DataFrame:
    """Rules as a table (for the editor and exports)."""
    return pl.DataFrame(
        [r.to_dict() for r in rules],
        schema={
            "name": pl.Utf8,
            "enabled": pl.Boolean,
            "condition": pl.Utf8,
            "reason": pl.Utf8,
            "action": pl.Utf8,
            "confidence": pl.Utf8,
            "priority": pl.Int64,
        },
    )


def with_rule(rules: Sequence[Rule], index: int, **changes: Any) -> list[Rule]:
    """A copy of `rules` with rule `index` changed."""
    out = list(rules)
    out[index] = replace(out[index], **changes)
    return out


def with_threshold(rules: Sequence[Rule], index: int, k: int, value: float) -> list[Rule]:
    """A copy of `rules` with threshold `k` of rule `index` set to `value`."""
    return with_rule(rules, index, condition=set_threshold(rules[index].condition, k, value))


# ---------------------------------------------------------------- editor and page helpers
THRESHOLD_WORDS = {
    ">=": "at least",
    ">": "more than",
    "<=": "at most",
    "<": "less than",
    "==": "equal to",
    "!=": "not equal to",
    "between-low": "from",
    "between-high": "to",
}
NEW_RULE: dict[str, Any] = {
    "enabled": True,
    "condition": "",
    "reason": "",
    "action": "Review",
    "confidence": "Medium",
    "priority": 50,
}
STAT_COLUMNS = (
    "rule",
    "priority",
    "enabled",
    "matched",
    "share",
    "revenue",
    "revenue_at_risk",
    "assigned",
    "assigned_revenue",
    "overlap",
    "action",
    "confidence",
    "error",
)


def threshold_label(t: Threshold) -> str:
    """ "recency_days at least": the column and the comparison in words."""
    return f"{t.column} {THRESHOLD_WORDS.get(t.op, t.op)}"


@dataclass(frozen=True)
class SliderSpec:
    """A slider for one threshold: whole numbers when the column and the value are whole."""

    index: int
    column: str
    label: str
    low: float
    high: float
    value: float
    step: float

    @property
    def curve_label(self) -> str:
        return f"{self.column} threshold"


def slider_specs(table: pl.DataFrame, condition: str) -> list[SliderSpec] | None:
    """One slider per numeric threshold of `condition` (None when it does not parse)."""
    try:
        found = thresholds(condition)
    except RuleSyntaxError:
        return None
    specs = []
    for t in found:
        lo, hi, step = threshold_range(table, t)
        cast = int if step == 1.0 and float(t.value).is_integer() else float
        specs.append(
            SliderSpec(
                t.index, t.column, threshold_label(t), cast(lo), cast(hi), cast(t.value), cast(step)
            )
        )
    return specs


def default_curve(condition: str) -> int | None:
    """The threshold the sensitivity curve starts on: the first one, None when there is none."""
    try:
        return 0 if thresholds(condition) else None
    except RuleSyntaxError:
        return None


def rules_table(rules: Sequence[Rule], stats: pl.DataFrame) -> pl.DataFrame:
    """The editor's table: the rules plus customers matched and a check ("ok", "switched off"
    or the condition's error), read from `stats` (same order as `rules`)."""
    check = (
        pl.when(pl.col("error").is_not_null())
        .then(pl.col("error"))
        .when(~pl.col("enabled"))
        .then(pl.lit("switched off"))
        .otherwise(pl.lit("ok"))
    )
    return rules_frame(rules).with_columns(stats.select(pl.col("matched"), check.alias("check")))


def apply_table_edits(
    rules: Sequence[Rule], delta: dict[str, Any], source: str = "rules table"
) -> list[Rule]:
    """The rules after a table edit: {"edited_rows": {row: {column: value}}, "deleted_rows":
    [row, ...], "added_rows": [{column: value}, ...]} (st.data_editor's change record).
    New rows get the defaults of NEW_RULE and the name "New rule N". Raises InputError."""
    rows = [r.to_dict() for r in rules]
    for idx, changes in delta.get("edited_rows", {}).items():
        rows[int(idx)].update({k: v for k, v in changes.items() if k in RULE_FIELDS})
    for idx in sorted(delta.get("deleted_rows", []), reverse=True):
        del rows[idx]
    for added in delta.get("added_rows", []):
        row = {"name": f"New rule {len(rows) + 1}", **NEW_RULE}
        row.update({k: v for k, v in added.items() if k in RULE_FIELDS and v not in (None, "")})
        rows.append(row)
    return validate_rules(rows, source=source)


def replace_rule(
    rules: Sequence[Rule], index: int, fields: dict[str, Any], source: str = "rule form"
) -> list[Rule]:
    """The rules with rule `index` replaced by `fields` (validated with the whole set)."""
    rows = [r.to_dict() for r in rules]
    rows[index] = {k: fields.get(k) for k in RULE_FIELDS}
    return validate_rules(rows, source=source)


def rules_by_priority(stats: pl.DataFrame) -> list[str]:
    """Names of the working rules, highest priority first (ties in listed order)."""
    return (
        stats.filter(pl.col("enabled"))
        .sort("priority", descending=True, maintain_order=True)["rule"]
        .to_list()
    )


def rule_measures(stats: pl.DataFrame) -> pl.DataFrame:
    """Working rules in long form for the matched-vs-wins chart: rule, revenue, share,
    priority, measure ("matched" / "assigned (wins)"), customers."""
    return (
        stats.filter(pl.col("enabled"))
        .unpivot(
            on=["matched", "assigned"],
            index=["rule", "revenue", "share", "priority"],
            variable_name="measure",
            value_name="customers",
        )
        .with_columns(pl.col("measure").replace({"assigned": "assigned (wins)"}))
    )


def rule_stats_table(stats: pl.DataFrame) -> pl.DataFrame:
    """The per-rule statistics as the page lists and exports them."""
    return stats.select(STAT_COLUMNS)


def coverage_text(evaluation: Evaluation) -> str:
    """ "5,579 of 8,000 customers get an action (69.7%)."""
    n = evaluation.insights.height if evaluation.insights is not None else 0
    total = evaluation.customers
    share = n / total if total else 0.0
    return f"{n:,} of {total:,} customers get an action ({share:.1%})."


def insight_choices(insights: pl.DataFrame) -> tuple[list[str], list[str]]:
    """The rules and the actions present in the insights, sorted (for filter pickers)."""
    return (
        insights["rule"].unique().sort().to_list(),
        insights["action"].unique().sort().to_list(),
    )


def label_statuses(frame: pl.DataFrame) -> pl.DataFrame:
    """`status` codes shown as Active / At risk / Churned (other values kept as they are)."""
    if "status" not in frame.columns:
        return frame
    return frame.with_columns(pl.col("status").cast(pl.Utf8).replace(STATUS_LABELS))


__all__ = [
    "CONFIDENCES",
    "KEY_METRICS",
    "NEW_RULE",
    "STAT_COLUMNS",
    "THRESHOLD_WORDS",
    "CompiledRule",
    "Condition",
    "Evaluation",
    "Preview",
    "Rule",
    "RuleSyntaxError",
    "SliderSpec",
    "Threshold",
    "apply_table_edits",
    "compile_condition",
    "compile_rules",
    "coverage_text",
    "default_curve",
    "default_rules",
    "diff_rules",
    "evaluate",
    "filter_insights",
    "format_expr",
    "insight_choices",
    "label_statuses",
    "load_rules",
    "parse_condition",
    "preview",
    "reason_expr",
    "render_reasons",
    "replace_rule",
    "rule_from_dict",
    "rule_measures",
    "rule_stats_table",
    "rules_by_priority",
    "rules_frame",
    "rules_from_json",
    "rules_table",
    "rules_to_json",
    "sample_matches",
    "sensitivity",
    "set_threshold",
    "slider_specs",
    "summary_by_action",
    "threshold_label",
    "threshold_range",
    "thresholds",
    "validate_rules",
    "vocabulary",
    "with_rule",
    "with_threshold",
]
