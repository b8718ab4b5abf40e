"""Who responds: when an experiment's units are customer ids found in the orders, the treatment's
lift within each segment of the customer table (RFM segment, status, value tier, attributes;
numeric attributes grouped by core.model.attributes' one binning), with the same multiple-testing
correction the variants get (Holm by default), and a suggested narrowing of a rule's condition to
the segments where the offer works (`col in [...]` for text, ranges of the bins for numbers).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import polars as pl

from core.model.attributes import customer_attributes, numeric_bins
from core.model.errors import InputError
from core.plan import _deps
from core.plan.uplift import ExperimentLink

SEGMENT_COLUMNS = ("rfm_segment", "status", "value_tier")
MAX_LEVELS = 12
_LIFT_SCHEMA = {
    "column": pl.Utf8,
    "segment": pl.Utf8,
    "control_units": pl.Int64,
    "units": pl.Int64,
    "control_value": pl.Float64,
    "value": pl.Float64,
    "relative_lift": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "p_value": pl.Float64,
    "p_adjusted": pl.Float64,
    "works": pl.Boolean,
    "low": pl.Float64,
    "high": pl.Float64,
}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Narrowing:
    """A rule condition narrowed to the segments of one column where the offer works."""

    column: str
    values: tuple[str, ...]
    condition: str
    text: str


def segment_columns(table: pl.DataFrame) -> list[str]:
    """The hub's columns to split by: RFM segment, status, value tier, then the customer
    attributes (text with at most MAX_LEVELS values, numbers)."""
    known = [c for c in SEGMENT_COLUMNS if c in table.columns]
    return known + [c for c in customer_attributes(table, MAX_LEVELS) if c not in known]


def _groups(table: pl.DataFrame, column: str) -> tuple[pl.Expr, pl.DataFrame | None]:
    """The segment label of each customer for `column`, and for a number the range of each
    label (segment, low, high: low < x <= high, a missing end open; low = high: x == low)."""
    series = table[column]
    if not series.dtype.is_numeric():
        return pl.col(column).cast(pl.Utf8), None
    bins = numeric_bins(series)
    if bins.values:
        ranges = {"segment": list(bins.labels), "low": list(bins.values), "high": list(bins.values)}
    else:
        ranges = {
            "segment": list(bins.labels),
            "low": [None, *bins.edges],
            "high": [*bins.edges, None],
        }
    return bins.expr(column), pl.DataFrame(ranges, schema={k: _LIFT_SCHEMA[k] for k in ranges})


def matched_units(experiment, table: pl.DataFrame) -> int:
    """How many of the experiment's units are customer ids of `table` (0 when it has no units)."""
    unit = experiment.unit
    if experiment.aggregated or not unit:
        return 0
    ids = experiment.frame.select(pl.col(unit).cast(pl.Utf8)).to_series()
    return int(ids.is_in(table["customer_id"].cast(pl.Utf8).implode()).sum())


def segment_lifts(
    experiment,
    table: pl.DataFrame,
    link: ExperimentLink,
    columns: Sequence[str] | None = None,
    alpha: float = 0.05,
    correction: str = "holm",
) -> pl.DataFrame:
    """The treatment's relative lift against the control in each segment of each column
    (_LIFT_SCHEMA). p_adjusted: the segments' p-values corrected as the A/B page corrects them
    (core.experiments.segment_results: over every segment and variant of a column); `works`
    = p_adjusted < alpha and the whole interval above 0. Raises InputError when no experiment
    unit is a customer id of the table."""
    if matched_units(experiment, table) == 0:
        raise InputError("the experiment's units are not customer ids of these orders")
    columns = list(columns) if columns is not None else segment_columns(table)
    metric = link.metric or experiment.outcomes[0]
    unit, variant = experiment.unit, experiment.variant
    groups = {c: _groups(table, c) for c in columns}
    frame = experiment.frame.select(pl.col(unit).cast(pl.Utf8), variant, metric).join(
        table.select(
            pl.col("customer_id").cast(pl.Utf8).alias(unit),
            *(expr.alias(c) for c, (expr, _) in groups.items()),
        ),
        on=unit,
        how="inner",
    )
    exp = replace(experiment, frame=frame, segments=tuple(columns))
    parts = []
    for col in columns:
        res = _deps.segment_results(exp, metric, link.control, col, alpha, correction)
        res = res.filter(pl.col("variant") == link.treatment).with_columns(
            pl.lit(col).alias("column")
        )
        ranges = groups[col][1]
        if ranges is not None:
            res = res.join(ranges, on="segment", how="left")
        else:
            res = res.with_columns(low=pl.lit(None, pl.Float64), high=pl.lit(None, pl.Float64))
        if res.height:
            parts.append(res)
    if not parts:
        return pl.DataFrame(schema=_LIFT_SCHEMA)
    return (
        pl.concat(parts, how="diagonal_relaxed")
        .with_columns(works=(pl.col("p_adjusted") < alpha) & (pl.col("ci_low") > 0))
        .select(list(_LIFT_SCHEMA))
        .cast(_LIFT_SCHEMA)
    )


def _pct(x: float) -> str:
    return f"{x:+.0%}"


def _bound(column: str, low: float | None, high: float | None) -> str:
    def num(x: float) -> str:
        return f"{x:g}" if float(x).is_integer() else repr(float(x))

    if low is not None and high is not None and low == high:
        return f"{column} == {num(low)}"
    parts = ([f"{column} > {num(low)}"] if low is not None else []) + (
        [f"{column} <= {num(high)}"] if high is not None else []
    )
    return " and ".join(parts)


def _condition(column: str, works: pl.DataFrame) -> str | None:
    """`column in [...]` for text segments, the bins' ranges joined by `or` for a number; None
    when the column's name cannot be written in a condition."""
    if not _NAME.fullmatch(column):
        return None
    has_ranges = works["low"].is_not_null().any() or works["high"].is_not_null().any()
    if not has_ranges:
        return f"{column} in [{', '.join(json.dumps(v) for v in works['segment'])}]"
    ranges = [_bound(column, r["low"], r["high"]) for r in works.sort("low").iter_rows(named=True)]
    return ranges[0] if len(ranges) == 1 else "(" + " or ".join(f"({r})" for r in ranges) + ")"


def narrowing(
    lifts: pl.DataFrame, column: str, condition: str, present: Sequence[str] | None = None
) -> Narrowing | None:
    """The rule's condition narrowed to `column`'s segments where the offer works, with the
    sentence that says why. `present`: the segment values among the rule's customers (the others
    cannot narrow it). None when the offer works in none or in all of them."""
    part = lifts.filter(pl.col("column") == column).sort("relative_lift", descending=True)
    if present is not None:
        part = part.filter(pl.col("segment").is_in(list(present)))
    works = part.filter(pl.col("works"))
    if works.height == 0 or works.height == part.height:
        return None
    values = tuple(works["segment"].to_list())
    said = [
        f"{r['segment']} by {_pct(r['relative_lift'])} [{_pct(r['ci_low'])}, {_pct(r['ci_high'])}]"
        for r in works.iter_rows(named=True)
    ]
    others = part.filter(~pl.col("works"))["segment"].to_list()
    text = "the offer lifts " + ", ".join(said) + "; no clear effect on " + ", ".join(others)
    narrowed = _condition(column, works)
    if narrowed is None:
        return None
    new = f"({condition}) and {narrowed}" if condition.strip() else narrowed
    return Narrowing(column, values, new, text)


def narrowings(
    lifts: pl.DataFrame,
    condition: str,
    customers: pl.DataFrame | None = None,
    table: pl.DataFrame | None = None,
) -> list[Narrowing]:
    """Every column's narrowing of `condition`; `customers` (the rule's rows of the customer
    table) limits each column to the segments its customers are in; numbers are grouped with
    the bins of `table` (the whole customer table the lifts were measured on)."""
    found = []
    for col in lifts["column"].unique(maintain_order=True):
        present = None
        if customers is not None and col in customers.columns:
            label, _ = _groups(table if table is not None else customers, col)
            present = customers.select(label).to_series().drop_nulls().unique().to_list()
        found.append(narrowing(lifts, col, condition, present))
    return [n for n in found if n is not None]
