"""Tuning a rule's numbers: the numeric thresholds of a condition, moving one, the slider range
over the customer table, the sensitivity curve (customers and revenue as one threshold moves)
and the slider specifications the editor shows."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from core.errors import InputError
from core.rules.compiler import compile_condition
from core.rules.lexer import RuleSyntaxError
from core.rules.model import Rule, with_rule
from core.rules.parser import parse_condition
from core.rules.syntax import Threshold


def thresholds(condition: str) -> list[Threshold]:
    """The numeric thresholds of a condition (one per number compared with a column)."""
    return list(parse_condition(condition).thresholds)


def plain_number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def set_threshold(condition: str, index: int, value: float) -> str:
    """The condition with threshold `index` replaced by `value` (in base units, unit dropped)."""
    found = thresholds(condition)
    if not 0 <= index < len(found):
        raise InputError(f"the condition has no threshold number {index + 1}")
    t = found[index]
    return condition[: t.start] + plain_number(value) + condition[t.end :]


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


def with_threshold(rules: Sequence[Rule], index: int, k: int, value: float) -> list[Rule]:
    """A copy of `rules` with threshold `k` of rule `index` set to `value`."""
    return with_rule(rules, index, condition=set_threshold(rules[index].condition, k, value))


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
