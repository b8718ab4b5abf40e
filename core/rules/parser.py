"""The condition language's recursive-descent parser (never `eval`).

Conditions are a small language over the customer metrics table, parsed here and compiled to a
polars expression by `core.rules.compiler`:

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
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from core.rules.lexer import (
    _CMP_OPS,
    _FLIP,
    _PY_KEYWORDS,
    _WORDS,
    MAX_DEPTH,
    MAX_LIST_ITEMS,
    MAX_NUMBER,
    UNITS,
    RuleSyntaxError,
    _Tok,
    _tokenize,
)
from core.rules.syntax import (
    Bare,
    Between,
    BoolOp,
    Cmp,
    Col,
    InList,
    IsNull,
    Lit,
    Not,
    Threshold,
)


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
