"""The Sales page's computations, cached: one core.sales call each (KPI comparison, trend,
breakdowns, root cause, Pareto, period lines, top products, leakage), keyed by what they read
(views.loading.dataset_cache). The `*_of` functions are the uncached calls the closed tabs'
workbook sheets make when the workbook is downloaded."""

from __future__ import annotations

from datetime import date

import polars as pl

from core import sales
from core.ingest.returns import with_credit_lines
from core.model.filters import Filters, apply_filters
from core.sales import Period
from views import loading


# ---------------------------------------------------------------- what the tabs compute
# Each function here is one core computation the page shows; the cached ones below call them for
# the tab in view, and a closed tab's workbook sheets call them when the workbook is downloaded.
def leakage_of(lines: pl.DataFrame, returns: pl.DataFrame, period: Period) -> sales.Leakage:
    """The period's lines with its return and cancellation lines (kept apart by ingest)."""
    return sales.leakage(with_credit_lines(lines, sales.in_period(returns, period)))


def explain_of(history, a: Period, b: Period, dims, first_seen) -> sales.ChangeExplanation:
    return sales.explain_change(history, a, b, list(dims), first_seen=first_seen)


# ---------------------------------------------------------------- cached core calls
@loading.dataset_cache(shared=8, private=2)
def history_without_dates(key: str, _all_orders: pl.DataFrame, _filters) -> pl.DataFrame:
    """Every order line under the sidebar's value filters, whatever its dates (comparisons reach
    back before the date filter)."""
    return apply_filters(_all_orders, Filters(values=_filters.values))


@loading.dataset_cache(shared=24, private=6)
def comparison(
    key: str, start: date, end: date, _history, _first_seen, all_lines: int
) -> sales.KpiComparison:
    """The period's KPIs with the previous period and last year. `_first_seen` is over every
    line of the file (`all_lines`): when `_history` holds them all, its rows are the customers."""
    total = _first_seen.height if _history.height == all_lines else None
    return sales.compare_kpis(
        _history, Period(start, end), first_seen=_first_seen, total_customers=total
    )


@loading.dataset_cache(shared=24, private=6)
def trend(key: str, grain: str, _orders, _first_seen) -> pl.DataFrame:
    return sales.trend(_orders, grain, first_seen=_first_seen)


@loading.dataset_cache(shared=24, private=6)
def breakdown(key: str, dimension: str, start: date, end: date, _history) -> pl.DataFrame:
    return sales.period_breakdown(_history, dimension, Period(start, end))


@loading.dataset_cache(shared=24, private=6, spinner="Explaining the change…")
def explain(key: str, a: tuple, b: tuple, dims: tuple, _history, _fs) -> sales.ChangeExplanation:
    return explain_of(_history, Period(*a), Period(*b), dims, _fs)


@loading.dataset_cache(shared=4, private=1)
def first_seen(key: str, _all_orders: pl.DataFrame) -> pl.DataFrame:
    """Each customer's first order in the whole file (depends on the dataset only)."""
    return sales.first_orders(_all_orders)


@loading.dataset_cache(shared=24, private=6)
def seasonality(key: str, _orders: pl.DataFrame, _first_seen) -> pl.DataFrame:
    """From the monthly trend the Trends tab shows (its revenue per month: first_seen plays
    no part)."""
    return sales.seasonality_of(trend(key, "month", _orders, _first_seen))


@loading.dataset_cache(shared=24, private=4)
def pareto(key: str, _orders: pl.DataFrame, by: str) -> sales.Pareto:
    return sales.pareto(_orders, by)


@loading.dataset_cache(shared=24, private=6)
def period_lines(key: str, start: date, end: date, _orders: pl.DataFrame) -> pl.DataFrame:
    return sales.in_period(_orders, Period(start, end))


@loading.dataset_cache(shared=24, private=6)
def top_products(key: str, start: date, end: date, n: int, _lines) -> pl.DataFrame:
    return sales.top_products(_lines, n)


@loading.dataset_cache(shared=24, private=6)
def leakage(key: str, start: date, end: date, _lines, _returns) -> sales.Leakage:
    return leakage_of(_lines, _returns, Period(start, end))
