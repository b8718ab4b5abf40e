"""The syntax tree of a parsed condition: columns, literals, comparisons and boolean nodes,
plus the numeric thresholds a slider can move."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
