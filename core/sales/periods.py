"""Sales periods: the date range of the data, the period presets, the previous period and the
same period last year, and the helpers that cut orders to a period.

- A period is a closed date range [start, end]. The previous period has the same number of days and
  ends the day before `start`; the same period last year is shifted back one calendar year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from core.errors import InputError


@dataclass(frozen=True)
class Period:
    """A closed date range [start, end]."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InputError(f"period end {self.end} is before its start {self.start}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period before this one: whole calendar months compare with the same number of
        whole months before (May with April, not with the 31 days from 31 March); any other
        range with the range of equal length that ends the day before it starts."""
        months = _whole_months(self)
        if months:
            end = self.start - timedelta(days=1)
            first = end.replace(day=1)
            for _ in range(months - 1):
                first = (first - timedelta(days=1)).replace(day=1)
            return Period(first, end)
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def last_year(self) -> Period:
        """The same dates one year earlier (29 February becomes 28 February)."""
        return Period(_year_back(self.start), _year_back(self.end))

    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"


def _whole_months(p: Period) -> int:
    """How many calendar months `p` covers exactly (0 when it does not start on a 1st and end
    on a month's last day)."""
    if p.start.day != 1 or (p.end + timedelta(days=1)).day != 1 or p.end < p.start:
        return 0
    return (p.end.year - p.start.year) * 12 + p.end.month - p.start.month + 1


def _year_back(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def date_range(orders: pl.DataFrame) -> Period | None:
    """First and last order date of the frame, or None when it is empty."""
    lo, hi = orders.select(
        pl.col("order_date").min().alias("lo"), pl.col("order_date").max().alias("hi")
    ).row(0)
    return None if lo is None else Period(lo, hi)


def period_presets(first: date, last: date) -> dict[str, Period]:
    """Named periods ending at `last` (clipped to start no earlier than `first`)."""

    def clip(p: Period) -> Period:
        return Period(max(p.start, first), p.end) if p.end >= first else p

    # a month or quarter is complete when `last` is its final day
    after = last + timedelta(days=1)
    prev_month_end = after.replace(day=1) - timedelta(days=1)
    prev_q_end = date(after.year, 3 * ((after.month - 1) // 3) + 1, 1) - timedelta(days=1)
    prev_q_start = date(prev_q_end.year, 3 * ((prev_q_end.month - 1) // 3) + 1, 1)
    presets = {
        "Whole range": Period(first, last),
        "Last 30 days": clip(Period(last - timedelta(days=29), last)),
        "Last 90 days": clip(Period(last - timedelta(days=89), last)),
        "Last 365 days": clip(Period(last - timedelta(days=364), last)),
        "Last full month": Period(prev_month_end.replace(day=1), prev_month_end),
        "Last full quarter": Period(prev_q_start, prev_q_end),
        "Year to date": clip(Period(date(last.year, 1, 1), last)),
    }
    return {k: v for k, v in presets.items() if v.end >= first}


def default_preset(presets: dict[str, Period]) -> str:
    """The preset a page opens on: the last full month when there is one, else the whole range."""
    return "Last full month" if "Last full month" in presets else "Whole range"


def baseline(period: Period, against: str) -> Period:
    """The period to compare `period` with: "previous" (equal length, just before) or
    "last_year" (the same dates a year earlier)."""
    if against == "previous":
        return period.previous()
    if against == "last_year":
        return period.last_year()
    raise InputError(f"unknown comparison {against!r}: use 'previous' or 'last_year'")


def in_period(orders: pl.DataFrame, period: Period | None) -> pl.DataFrame:
    if period is None:
        return orders
    return orders.filter(pl.col("order_date").is_between(period.start, period.end))


def covers(orders: pl.DataFrame, period: Period) -> bool:
    """True when the data reaches back to the period's first day (so it is fully covered)."""
    rng = date_range(orders)
    return rng is not None and rng.start <= period.start and rng.end >= period.start


def has_column(orders: pl.DataFrame, column: str) -> bool:
    """The column exists and holds at least one value."""
    return column in orders.columns and orders[column].null_count() < orders.height


def first_orders(orders: pl.DataFrame) -> pl.DataFrame:
    """customer_id, first_order: each customer's first order date in the frame."""
    return orders.group_by("customer_id").agg(pl.col("order_date").min().alias("first_order"))
