"""Calendar periods: grains, the calendar grid, partial flags and the same period a year back.

One rule for "partial": a period is partial when the data range [start, end] does not cover all
of its days (it starts before the first day of data or ends after the last). The grid always
starts at the start of the period that holds the first day, never at the first day itself, so
truncating an order date always lands on a row of the grid.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from core.model.errors import InputError

GRAINS: dict[str, str] = {"day": "1d", "week": "1w", "month": "1mo", "quarter": "1q"}
YEAR_BACK: dict[str, str] = {"day": "-1y", "week": "-52w", "month": "-1y", "quarter": "-1y"}


def every(grain: str) -> str:
    """The polars interval of a grain ("month" -> "1mo"); InputError for an unknown grain."""
    if grain not in GRAINS:
        raise InputError(f"unknown time grain {grain!r}: use one of {', '.join(GRAINS)}")
    return GRAINS[grain]


def period_start(value: date, grain: str) -> date:
    """The first day of the period of `grain` that holds `value` (weeks start on Monday)."""
    return pl.select(pl.lit(value).dt.truncate(every(grain))).item()


def period_expr(column: str | pl.Expr, grain: str) -> pl.Expr:
    """The first day of each date's period (an expression over a Date column)."""
    col = pl.col(column) if isinstance(column, str) else column
    return col.dt.truncate(every(grain))


def period_end_expr(grain: str, column: str = "period") -> pl.Expr:
    """The last day of the period that starts on `column`."""
    return pl.col(column).dt.offset_by(every(grain)).dt.offset_by("-1d")


def partial_expr(start: date, end: date, grain: str, column: str = "period") -> pl.Expr:
    """True for a period (starting on `column`) that the range [start, end] covers only in part.

    The one partial-period rule of the app."""
    return (pl.col(column) < pl.lit(start)) | (period_end_expr(grain, column) > pl.lit(end))


def is_partial(period: date, start: date, end: date, grain: str) -> bool:
    """Scalar form of partial_expr for one period start."""
    return bool(pl.DataFrame({"p": [period]}).select(partial_expr(start, end, grain, "p")).item())


def label_expr(grain: str, column: str = "period") -> pl.Expr:
    """The period as text: 2024-03-31 (day, week start), 2024-03 (month), 2024-Q1 (quarter)."""
    every(grain)
    p = pl.col(column)
    if grain == "month":
        return p.dt.strftime("%Y-%m")
    if grain == "quarter":
        return pl.format("{}-Q{}", p.dt.year(), p.dt.quarter())
    return p.dt.strftime("%Y-%m-%d")


def year_back_expr(grain: str, column: str = "period") -> pl.Expr:
    """The start of the same period a year earlier (weeks: 52 weeks earlier)."""
    every(grain)
    return pl.col(column).dt.offset_by(YEAR_BACK[grain])


def calendar(start: date, end: date, grain: str) -> pl.DataFrame:
    """Every period from the one holding `start` to the one holding `end`.

    Columns: period (first day), period_end (last day), partial (see partial_expr)."""
    step = every(grain)
    first = period_start(start, grain)
    return (
        pl.DataFrame({"period": pl.date_range(first, end, step, eager=True)})
        .with_columns(period_end=period_end_expr(grain))
        .with_columns(partial=partial_expr(start, end, grain))
    )


def like_for_like(growth: pl.Expr, partial: pl.Expr, base_partial: pl.Expr) -> pl.Expr:
    """A growth figure kept only when neither the period nor the one it is compared with is
    partial: a partial period is never compared with a full one (null, and the period stays
    marked partial). The one rule for growth around partial periods."""
    return pl.when(~partial.fill_null(False) & ~base_partial.fill_null(False)).then(growth)
