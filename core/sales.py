"""Sales performance: KPIs with period comparisons, trends, breakdowns, Pareto, root cause, leakage.

Every figure is a pure function of the canonical orders frame (one row per order line, see
core.schema). Definitions follow SPEC "Metric definitions"; the ones this module adds:

- A period is a closed date range [start, end]. The previous period has the same number of days and
  ends the day before `start`; the same period last year is shifted back one calendar year.
- A customer is *new* in a period when their first order ever (in `first_seen`, by default the
  frame passed in) falls in that period; all their revenue in the period is new revenue. Everyone
  else who orders in the period is *returning*.
- profit = revenue - cost over the lines that have a cost; margin = profit / revenue of those lines.
- A period of a trend is *partial* when the data range does not cover all of its days.
- Breakdown dimensions: region, category, product, channel, status, and attribute columns (any other
  text column that is not an id and has at most 50 distinct values; numeric attributes with more
  than 6 distinct values are binned at their customer-level quartiles). A missing value is its own
  bucket, labelled "(missing)".
- Revenue bridge: revenue = customers x orders per customer x average order value. The change
  between two periods is split into the three effects by the additive LMDI-I log-mean Divisia
  decomposition (Ang 2005): effect_X = L(R_b, R_a) * ln(X_b / X_a) with the logarithmic mean
  L(x, y) = (x - y) / (ln x - ln y). Because ln(R_b/R_a) is the sum of the three log ratios, the
  three effects sum exactly to R_b - R_a (up to float rounding) and do not depend on an order.
  When a factor is zero or revenue is not positive in either period, logs are undefined and the
  bridge falls back to the sequential decomposition (customers first, then orders per customer,
  then order value), which is also exact; `Bridge.method` says which one was used.
- Concentration risk (Pareto): Herfindahl-Hirschman index of revenue shares with the thresholds of
  the U.S. DOJ/FTC Horizontal Merger Guidelines (2010): below 0.15 unconcentrated, 0.15-0.25
  moderately, above 0.25 highly concentrated; a single customer or product above 10% (moderate) or
  25% (high) of revenue raises the flag too.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from core.errors import InputError
from core.schema import DIMENSIONS, NET_EXCLUDED, ROLES

MISSING = "(missing)"
GRAINS: dict[str, str] = {"day": "1d", "week": "1w", "month": "1mo", "quarter": "1q"}
_YEAR_BACK: dict[str, str] = {"day": "-1y", "week": "-52w", "month": "-1y", "quarter": "-1y"}
_NOT_ATTRIBUTES = set(ROLES) | {"source_row"}
MAX_ATTRIBUTE_VALUES = 50
_NUMERIC_AS_CATEGORY = 6

# metric -> (label, kind); kind is "money", "count" or "rate" (a share between 0 and 1)
KPI_LABELS: dict[str, tuple[str, str]] = {
    "revenue": ("Revenue", "money"),
    "net_revenue": ("Net revenue", "money"),
    "orders": ("Orders", "count"),
    "customers": ("Active customers", "count"),
    "total_customers": ("Total customers", "count"),
    "aov": ("Average order value", "money"),
    "revenue_per_customer": ("Revenue per customer", "money"),
    "repeat_rate": ("Repeat purchase rate", "rate"),
    "new_customers": ("New customers", "count"),
    "returning_customers": ("Returning customers", "count"),
    "new_revenue": ("Revenue from new customers", "money"),
    "returning_revenue": ("Revenue from returning customers", "money"),
    "profit": ("Profit", "money"),
    "margin": ("Margin", "rate"),
    "returned_revenue": ("Returned revenue", "money"),
    "return_rate": ("Return rate", "rate"),
}


# ---------------------------------------------------------------- periods
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
        """The period of equal length that ends the day before this one starts."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def last_year(self) -> Period:
        """The same dates one year earlier (29 February becomes 28 February)."""
        return Period(_year_back(self.start), _year_back(self.end))

    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"


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


# ---------------------------------------------------------------- KPIs
@dataclass(frozen=True)
class Kpis:
    """The headline figures of one period. Ratios are None when undefined (no orders, no cost)."""

    revenue: float
    net_revenue: float
    orders: int
    customers: int
    total_customers: int
    aov: float | None
    revenue_per_customer: float | None
    repeat_rate: float | None
    new_customers: int
    returning_customers: int
    new_revenue: float
    returning_revenue: float
    profit: float | None = None
    margin: float | None = None
    returned_revenue: float | None = None
    return_rate: float | None = None

    def as_dict(self) -> dict[str, float | int | None]:
        return {k: getattr(self, k) for k in KPI_LABELS}


def _div(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def kpis(
    orders: pl.DataFrame,
    period: Period | None = None,
    *,
    first_seen: pl.DataFrame | None = None,
    total_customers: int | None = None,
) -> Kpis:
    """KPIs of `orders` within `period` (whole frame when None).

    `first_seen` (customer_id, first_order) decides who is new; default: first orders in `orders`.
    `total_customers` defaults to the distinct customers of the whole `orders` frame.
    """
    fs = first_orders(orders) if first_seen is None else first_seen
    rng = period or date_range(orders)
    df = in_period(orders, period)
    fs_start = None if rng is None or df.height == 0 else rng.start
    cost = has_column(df, "cost")
    status = has_column(df, "status")
    is_new = (
        pl.col("first_order") >= fs_start if fs_start is not None else pl.lit(False)
    ).fill_null(False)
    excluded = (
        pl.col("status").is_in(list(NET_EXCLUDED)).fill_null(False) if status else pl.lit(False)
    )
    per_customer = df.group_by("customer_id").agg(pl.col("order_id").n_unique().alias("n"))
    row = (
        df.join(fs, on="customer_id", how="left")
        .select(
            pl.col("revenue").sum().alias("revenue"),
            pl.col("revenue").filter(~excluded).sum().alias("net_revenue"),
            pl.col("order_id").n_unique().alias("orders"),
            pl.col("customer_id").n_unique().alias("customers"),
            pl.col("customer_id").filter(is_new).n_unique().alias("new_customers"),
            pl.col("revenue").filter(is_new).sum().alias("new_revenue"),
            *(
                [
                    (pl.col("revenue") - pl.col("cost"))
                    .filter(pl.col("cost").is_not_null())
                    .sum()
                    .alias("profit"),
                    pl.col("revenue").filter(pl.col("cost").is_not_null()).sum().alias("costed"),
                ]
                if cost
                else []
            ),
            *(
                [pl.col("revenue").filter(pl.col("status") == "returned").sum().alias("returned")]
                if status
                else []
            ),
        )
        .row(0, named=True)
    )
    revenue = float(row["revenue"] or 0.0)
    n_orders = int(row["orders"])
    n_customers = int(row["customers"])
    repeaters = per_customer.filter(pl.col("n") >= 2).height
    total = total_customers if total_customers is not None else orders["customer_id"].n_unique()
    profit = float(row["profit"]) if cost else None
    returned = float(row["returned"] or 0.0) if status else None
    return Kpis(
        revenue=revenue,
        net_revenue=float(row["net_revenue"] or 0.0),
        orders=n_orders,
        customers=n_customers,
        total_customers=int(total),
        aov=_div(revenue, n_orders),
        revenue_per_customer=_div(revenue, n_customers),
        repeat_rate=_div(repeaters, n_customers),
        new_customers=int(row["new_customers"]),
        returning_customers=n_customers - int(row["new_customers"]),
        new_revenue=float(row["new_revenue"] or 0.0),
        returning_revenue=revenue - float(row["new_revenue"] or 0.0),
        profit=profit,
        margin=_div(profit, row["costed"]) if cost else None,
        returned_revenue=returned,
        return_rate=_div(returned, revenue) if status else None,
    )


@dataclass(frozen=True)
class KpiComparison:
    """KPIs of a period against the previous period of equal length and the same period last year
    (None when the data does not reach back that far)."""

    period: Period
    current: Kpis
    previous_period: Period
    previous: Kpis | None
    last_year_period: Period
    last_year: Kpis | None

    def table(self) -> pl.DataFrame:
        """One row per metric: current, previous, change, change_pct, last_year, yoy_pct.

        Changes of rates (repeat_rate, margin, return_rate) are differences in rate units."""
        cur, prev = self.current.as_dict(), self.previous.as_dict() if self.previous else {}
        ly = self.last_year.as_dict() if self.last_year else {}
        rows = []
        for metric, (label, kind) in KPI_LABELS.items():
            c, p, y = cur[metric], prev.get(metric), ly.get(metric)
            if c is None and p is None:
                continue
            rows.append(
                {
                    "metric": metric,
                    "label": label,
                    "kind": kind,
                    "current": _f(c),
                    "previous": _f(p),
                    "change": _f(None if c is None or p is None else c - p),
                    "change_pct": _f(_div(None if c is None or p is None else c - p, p)),
                    "last_year": _f(y),
                    "yoy_pct": _f(_div(None if c is None or y is None else c - y, y)),
                }
            )
        return pl.DataFrame(rows, schema=_COMPARISON_SCHEMA)

    def delta(self, metric: str) -> str | None:
        """The change of a KPI in words for its card, e.g. "+16.1% · +30.7% YoY"; rates change
        in percentage points, e.g. "-0.9 pts · +1.3 pts YoY". None when nothing to compare."""
        now = getattr(self.current, metric)
        if now is None:
            return None
        rate = KPI_LABELS[metric][1] == "rate"
        parts = []
        for base, suffix in ((self.previous, ""), (self.last_year, " YoY")):
            before = None if base is None else getattr(base, metric)
            if before is None:
                continue
            if rate:
                parts.append(f"{(now - before) * 100:+.1f} pts{suffix}")
            elif before:
                parts.append(f"{(now - before) / before:+.1%}{suffix}")
        return " · ".join(parts) or None

    def basis(self) -> str:
        """What the deltas compare with, in one sentence."""
        prev = (
            f"Deltas: against the previous {self.period.days} days ({self.previous_period.label()})"
            if self.previous
            else "No data for the previous period of equal length: pick a shorter period for deltas"
        )
        ly = (
            f", and year over year ({self.last_year_period.label()})."
            if self.last_year
            else "; no data a year earlier."
        )
        return prev + ly

    def figures(self) -> pl.DataFrame:
        """The comparison table for reading: KPI, current, previous, change, change_pct,
        last_year, yoy_pct. Rates are in percent (label ends with "(%)"), so their change is in
        percentage points and one number format fits every row."""
        is_rate = pl.col("kind") == "rate"
        levels = ["current", "previous", "change", "last_year"]
        return (
            self.table()
            .select(
                pl.when(is_rate)
                .then(pl.col("label") + " (%)")
                .otherwise(pl.col("label"))
                .alias("KPI"),
                *(
                    pl.when(is_rate).then(pl.col(c) * 100).otherwise(pl.col(c)).alias(c)
                    for c in levels
                ),
                pl.when(is_rate).then(None).otherwise(pl.col("change_pct")).alias("change_pct"),
                pl.when(is_rate).then(None).otherwise(pl.col("yoy_pct")).alias("yoy_pct"),
            )
            .select("KPI", "current", "previous", "change", "change_pct", "last_year", "yoy_pct")
        )


_COMPARISON_SCHEMA = {
    "metric": pl.Utf8,
    "label": pl.Utf8,
    "kind": pl.Utf8,
    "current": pl.Float64,
    "previous": pl.Float64,
    "change": pl.Float64,
    "change_pct": pl.Float64,
    "last_year": pl.Float64,
    "yoy_pct": pl.Float64,
}


def _f(x: float | int | None) -> float | None:
    return None if x is None else float(x)


def compare_kpis(
    orders: pl.DataFrame,
    period: Period,
    *,
    first_seen: pl.DataFrame | None = None,
    total_customers: int | None = None,
) -> KpiComparison:
    """KPIs of `period` with the previous period and last year when `orders` covers them.

    `orders` should hold the history before `period` too (it is filtered by date here)."""
    fs = first_orders(orders) if first_seen is None else first_seen
    kw = {"first_seen": fs, "total_customers": total_customers}
    prev_p, ly_p = period.previous(), period.last_year()
    return KpiComparison(
        period=period,
        current=kpis(orders, period, **kw),
        previous_period=prev_p,
        previous=kpis(orders, prev_p, **kw) if covers(orders, prev_p) else None,
        last_year_period=ly_p,
        last_year=kpis(orders, ly_p, **kw) if covers(orders, ly_p) else None,
    )


# ---------------------------------------------------------------- trends
_TREND_SCHEMA = {
    "period": pl.Date,
    "period_end": pl.Date,
    "label": pl.Utf8,
    "revenue": pl.Float64,
    "orders": pl.UInt32,
    "customers": pl.UInt32,
    "new_customers": pl.UInt32,
    "new_revenue": pl.Float64,
    "returning_revenue": pl.Float64,
    "partial": pl.Boolean,
    "growth": pl.Float64,
    "yoy_growth": pl.Float64,
}


def _grain(grain: str) -> str:
    if grain not in GRAINS:
        raise InputError(f"unknown time grain {grain!r}: use one of {', '.join(GRAINS)}")
    return GRAINS[grain]


def trend(
    orders: pl.DataFrame,
    grain: str = "month",
    *,
    first_seen: pl.DataFrame | None = None,
    start: date | None = None,
    end: date | None = None,
) -> pl.DataFrame:
    """Revenue, orders, customers and new / returning revenue per day, week, month or quarter.

    Every period between `start` and `end` (default: the data's first and last dates) is present,
    empty ones with zeros. `partial` marks periods the range does not fully cover. `growth` is
    against the period before, `yoy_growth` against the same period a year earlier (weeks: 52
    weeks); both are null when the base is missing or zero.
    """
    every = _grain(grain)
    rng = date_range(orders)
    if rng is None:
        return pl.DataFrame(schema=_TREND_SCHEMA)
    start, end = start or rng.start, end or rng.end
    fs = first_orders(orders) if first_seen is None else first_seen
    period = pl.col("order_date").dt.truncate(every)
    is_new = (pl.col("first_order").dt.truncate(every) == period).fill_null(False)
    agg = (
        orders.lazy()
        .join(fs.lazy(), on="customer_id", how="left")
        .with_columns(period.alias("period"), is_new.alias("is_new"))
        .group_by("period")
        .agg(
            pl.col("revenue").sum(),
            pl.col("order_id").n_unique().alias("orders"),
            pl.col("customer_id").n_unique().alias("customers"),
            pl.col("customer_id").filter("is_new").n_unique().alias("new_customers"),
            pl.col("revenue").filter("is_new").sum().alias("new_revenue"),
        )
    )
    first_period = pl.select(pl.lit(start).dt.truncate(every)).item()
    calendar = pl.LazyFrame(
        {"period": pl.date_range(first_period, end, every, eager=True)}
    ).with_columns(pl.col("period").dt.offset_by(every).dt.offset_by("-1d").alias("period_end"))
    labels = {
        "day": pl.col("period").dt.strftime("%Y-%m-%d"),
        "week": pl.col("period").dt.strftime("%Y-%m-%d"),
        "month": pl.col("period").dt.strftime("%Y-%m"),
        "quarter": pl.col("period").dt.strftime("%Y-Q")
        + pl.col("period").dt.quarter().cast(pl.Utf8),
    }
    out = (
        calendar.join(agg, on="period", how="left")
        .with_columns(
            pl.col("revenue", "new_revenue").fill_null(0.0),
            pl.col("orders", "customers", "new_customers").fill_null(0).cast(pl.UInt32),
        )
        .with_columns(
            labels[grain].alias("label"),
            (pl.col("revenue") - pl.col("new_revenue")).alias("returning_revenue"),
            ((pl.col("period") < start) | (pl.col("period_end") > end)).alias("partial"),
            _growth(pl.col("revenue"), pl.col("revenue").shift(1)).alias("growth"),
            pl.col("period").dt.offset_by(_YEAR_BACK[grain]).alias("_ly"),
        )
        .sort("period")
    )
    last_year = out.select(pl.col("period").alias("_ly"), pl.col("revenue").alias("_ly_revenue"))
    return (
        out.join(last_year, on="_ly", how="left")
        .with_columns(_growth(pl.col("revenue"), pl.col("_ly_revenue")).alias("yoy_growth"))
        .select(list(_TREND_SCHEMA))
        .sort("period")
        .collect()
    )


def growth_rows(trend_table: pl.DataFrame, column: str = "growth") -> pl.DataFrame:
    """The periods of a trend that have a `column` ("growth" or "yoy_growth") value."""
    return trend_table.filter(pl.col(column).is_not_null())


def trend_figures(trend_table: pl.DataFrame) -> pl.DataFrame:
    """A trend as a table for reading: the period label first, without the date columns."""
    return trend_table.drop("period", "period_end")


def _growth(now: pl.Expr, before: pl.Expr) -> pl.Expr:
    return pl.when(before.is_not_null() & (before != 0)).then((now - before) / before.abs())


def seasonality(orders: pl.DataFrame) -> pl.DataFrame:
    """Month-of-year profile: year, month (1-12), month_name, revenue, partial, index.

    index = the month's revenue / the mean revenue of that year's complete months (1.0 = an average
    month of that year); null for partial months.
    """
    m = trend(orders, "month")
    return (
        m.with_columns(
            pl.col("period").dt.year().alias("year"),
            pl.col("period").dt.month().alias("month"),
            pl.col("period").dt.strftime("%b").alias("month_name"),
        )
        .with_columns(
            pl.col("revenue").filter(~pl.col("partial")).mean().over("year").alias("_mean")
        )
        .with_columns(
            pl.when(~pl.col("partial") & (pl.col("_mean") > 0))
            .then(pl.col("revenue") / pl.col("_mean"))
            .alias("index")
        )
        .select("year", "month", "month_name", "revenue", "partial", "index")
    )


# ---------------------------------------------------------------- dimensions
def _is_id(name: str) -> bool:
    low = name.lower().replace(" ", "_")
    return low == "id" or low.endswith("_id") or low.startswith("id_") or low.endswith("id")


def dimension_columns(orders: pl.DataFrame) -> list[str]:
    """The columns a breakdown can use: canonical dimensions present, then attribute columns."""
    dims = [d for d in DIMENSIONS if has_column(orders, d)]
    for name, dtype in orders.schema.items():
        if name in _NOT_ATTRIBUTES or name in dims or _is_id(name) or not has_column(orders, name):
            continue
        if dtype in (pl.Utf8, pl.Categorical, pl.Boolean) or isinstance(dtype, pl.Enum):
            if orders[name].n_unique() <= MAX_ATTRIBUTE_VALUES:
                dims.append(name)
        elif dtype.is_numeric():
            dims.append(name)
    return dims


def _check_dimension(orders: pl.DataFrame, dimension: str) -> None:
    if dimension not in orders.columns:
        raise InputError(
            f"no column {dimension!r} to break down by; available: "
            + ", ".join(dimension_columns(orders))
        )


def _fmt_num(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def label_dimension(orders: pl.DataFrame, dimension: str, alias: str = "value") -> pl.DataFrame:
    """Add `alias`: the dimension as text, missing values as "(missing)".

    Numeric columns with more than 6 distinct values are binned at the quartiles of their
    per-customer values (each customer counted once), e.g. "<= 30", "30-42", "42-55", "> 55"
    (intervals closed on the right)."""
    _check_dimension(orders, dimension)
    col = pl.col(dimension)
    dtype = orders.schema[dimension]
    if dtype.is_numeric() and orders[dimension].n_unique() > _NUMERIC_AS_CATEGORY:
        per_customer = orders.group_by("customer_id").agg(col.drop_nulls().first())[dimension]
        qs = [per_customer.quantile(q, "linear") for q in (0.25, 0.5, 0.75)]
        breaks = sorted({float(q) for q in qs if q is not None})
        if breaks:
            names = [f"<= {_fmt_num(breaks[0])}"]
            names += [f"{_fmt_num(a)}-{_fmt_num(b)}" for a, b in itertools.pairwise(breaks)]
            names.append(f"> {_fmt_num(breaks[-1])}")
            text = col.cut(breaks, labels=names).cast(pl.Utf8)
        else:
            text = col.cast(pl.Utf8)
    else:
        text = col.cast(pl.Utf8)
    return orders.with_columns(
        pl.when(text.is_null() | (text.str.strip_chars() == ""))
        .then(pl.lit(MISSING))
        .otherwise(text)
        .alias(alias)
    )


def filter_values(orders: pl.DataFrame, dimension: str, values: list[str]) -> pl.DataFrame:
    """The lines whose `dimension` (labelled as in breakdowns: "(missing)", numeric bins) is one
    of `values`; all lines when `values` is empty."""
    if not values:
        return orders
    return (
        label_dimension(orders, dimension, "_picked")
        .filter(pl.col("_picked").is_in(list(values)))
        .drop("_picked")
    )


def _segment_aggs(orders: pl.DataFrame) -> list[pl.Expr]:
    aggs = [
        pl.col("revenue").sum(),
        pl.col("order_id").n_unique().alias("orders"),
        pl.col("customer_id").n_unique().alias("customers"),
    ]
    if has_column(orders, "cost"):
        aggs.append(
            (pl.col("revenue") - pl.col("cost"))
            .filter(pl.col("cost").is_not_null())
            .sum()
            .alias("profit")
        )
        aggs.append(pl.col("revenue").filter(pl.col("cost").is_not_null()).sum().alias("_costed"))
    if has_column(orders, "status"):
        aggs.append(
            pl.col("revenue").filter(pl.col("status") == "returned").sum().alias("returned_revenue")
        )
    return aggs


def breakdown(
    orders: pl.DataFrame, dimension: str, *, previous: pl.DataFrame | None = None
) -> pl.DataFrame:
    """One row per value of `dimension`, largest revenue first.

    Columns: value, revenue, orders, customers, aov, share (of revenue); profit and margin when
    cost exists; returned_revenue and return_rate when status exists; with `previous` (the same
    orders in an earlier period): previous_revenue and growth. `below_median` marks revenue below
    the median value's, `declining` a negative growth; `note` says which (null when neither).
    """
    _check_dimension(orders, dimension)
    both = [orders.with_columns(pl.lit(True).alias("_cur"))]
    if previous is not None:
        both.append(previous.select(orders.columns).with_columns(pl.lit(False).alias("_cur")))
    labelled = label_dimension(pl.concat(both, how="vertical_relaxed"), dimension)
    cur = labelled.filter("_cur")
    out = (
        cur.group_by("value")
        .agg(_segment_aggs(cur))
        .with_columns(
            (pl.col("revenue") / pl.col("orders")).alias("aov"),
            (pl.col("revenue") / pl.col("revenue").sum()).alias("share"),
        )
    )
    if "profit" in out.columns:
        out = out.with_columns(
            pl.when(pl.col("_costed") != 0)
            .then(pl.col("profit") / pl.col("_costed"))
            .alias("margin")
        ).drop("_costed")
    if "returned_revenue" in out.columns:
        out = out.with_columns(
            (pl.col("returned_revenue") / pl.col("revenue")).alias("return_rate")
        )
    if previous is not None:
        prev = (
            labelled.filter(~pl.col("_cur"))
            .group_by("value")
            .agg(pl.col("revenue").sum().alias("previous_revenue"))
        )
        out = (
            out.join(prev, on="value", how="left")
            .with_columns(pl.col("previous_revenue").fill_null(0.0))
            .with_columns(_growth(pl.col("revenue"), pl.col("previous_revenue")).alias("growth"))
        )
        declining = (pl.col("growth") < 0).fill_null(False)
    else:
        declining = pl.lit(False)
    below = pl.col("revenue") < pl.col("revenue").median()
    return (
        out.with_columns(below.alias("below_median"), declining.alias("declining"))
        .with_columns(
            pl.when(pl.col("declining") & pl.col("below_median"))
            .then(pl.lit("declining, below median"))
            .when(pl.col("declining"))
            .then(pl.lit("declining"))
            .when(pl.col("below_median"))
            .then(pl.lit("below median"))
            .alias("note")
        )
        .sort(["revenue", "value"], descending=[True, False])
    )


def underperformers(table: pl.DataFrame) -> pl.DataFrame:
    """The rows of a breakdown that are declining or below the median, declining first."""
    return table.filter(pl.col("note").is_not_null()).sort(
        ["declining", "revenue"], descending=[True, False]
    )


def breakdown_figures(table: pl.DataFrame) -> pl.DataFrame:
    """A breakdown as a table for reading: without the helper flags (`note` says them)."""
    return table.drop("below_median", "declining")


def describe_underperformers(table: pl.DataFrame, dimension: str, top: int = 8) -> str | None:
    """E.g. "Underperformers by region (declining, or below the median value's revenue):
    Central (below median); West (declining)." None when there are none."""
    weak = underperformers(table).head(top)
    if weak.height == 0:
        return None
    items = weak.select(pl.format("{} ({})", "value", "note"))["value"].to_list()
    return (
        f"**Underperformers by {dimension}** (declining, or below the median value's revenue): "
        + "; ".join(items)
    )


_CONTRACT = ["value", "revenue", "orders", "customers", "share"]


def breakdowns(orders: pl.DataFrame, dimensions: list[str] | None = None) -> dict[str, list[dict]]:
    """{dimension: [{value, revenue, orders, customers, share}]} for `report --json`.

    Default dimensions: dimension_columns(orders). Largest revenue first; a missing value is its
    own bucket "(missing)"."""
    dims = dimension_columns(orders) if dimensions is None else dimensions
    return {
        d: breakdown(orders, d)
        .select("value", "revenue", "orders", "customers", "share")
        .to_dicts()
        for d in dims
    }


def top_products(orders: pl.DataFrame, n: int = 5, *, within: str = "category") -> pl.DataFrame:
    """The n best-selling products of each value of `within`: within, rank, product, revenue,
    orders, customers, share (of the group's revenue)."""
    for c in (within, "product"):
        if not has_column(orders, c):
            raise InputError(f"top products need a {c!r} column")
    df = label_dimension(label_dimension(orders, within, "_group"), "product", "_product")
    return (
        df.group_by("_group", "_product")
        .agg(
            pl.col("revenue").sum(),
            pl.col("order_id").n_unique().alias("orders"),
            pl.col("customer_id").n_unique().alias("customers"),
        )
        .with_columns(
            (pl.col("revenue") / pl.col("revenue").sum().over("_group")).alias("share"),
            pl.struct(pl.col("revenue").neg(), "_product")
            .rank("ordinal")
            .over("_group")
            .cast(pl.UInt32)
            .alias("rank"),
        )
        .filter(pl.col("rank") <= n)
        .sort(["_group", "rank"])
        .select(
            pl.col("_group").alias(within),
            "rank",
            pl.col("_product").alias("product"),
            "revenue",
            "orders",
            "customers",
            "share",
        )
    )


# ---------------------------------------------------------------- Pareto
@dataclass(frozen=True)
class Pareto:
    """Cumulative revenue share of customers or products, biggest first.

    table: rank, key, revenue, share, cum_share, cum_entity_share (rank / entities)."""

    by: str
    table: pl.DataFrame
    entities: int
    total: float
    top_n: int
    top_n_share: float
    n_for_80: int
    top_20pct_share: float
    largest_share: float
    hhi: float
    risk: str  # "low" | "moderate" | "high"

    @property
    def noun(self) -> str:
        """What the entities are called: "customers", "products", ..."""
        return "customers" if self.by == "customer_id" else f"{self.by}s"

    def named_table(self) -> pl.DataFrame:
        """The table with `key` renamed to the column analysed (customer_id, product, ...)."""
        return self.table.rename({"key": self.by})

    def statement(self) -> str:
        noun = self.noun
        if self.entities == 0:
            return f"No {noun} with revenue."
        return (
            f"Top {self.top_n} {noun} = {self.top_n_share:.1%} of revenue; "
            f"the top 20% of {noun} bring {self.top_20pct_share:.1%}; "
            f"80% of revenue comes from {self.n_for_80:,} of {self.entities:,} {noun} "
            f"({self.n_for_80 / self.entities:.1%}). Concentration risk: {self.risk} "
            f"(largest {self.largest_share:.1%}, HHI {self.hhi:.4f})."
        )


def pareto(orders: pl.DataFrame, by: str = "customer_id", *, top_n: int = 10) -> Pareto:
    """Pareto analysis of revenue by `by` ("customer_id" or "product", any dimension works)."""
    _check_dimension(orders, by)
    table = (
        label_dimension(orders, by, "key")
        .group_by("key")
        .agg(pl.col("revenue").sum())
        .sort(["revenue", "key"], descending=[True, False])
        .with_columns(
            pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).alias("rank"),
            (pl.col("revenue") / pl.col("revenue").sum()).alias("share"),
        )
        .with_columns(
            pl.col("share").cum_sum().alias("cum_share"),
            (pl.col("rank") / pl.len()).alias("cum_entity_share"),
        )
        .select("rank", "key", "revenue", "share", "cum_share", "cum_entity_share")
    )
    n = table.height
    total = float(table["revenue"].sum()) if n else 0.0
    if n == 0 or total <= 0:
        return Pareto(by, table, n, total, 0, 0.0, 0, 0.0, 0.0, 0.0, "low")
    k = min(top_n, n)
    k20 = max(1, math.ceil(0.2 * n))
    stats = table.select(
        pl.col("cum_share").get(k - 1).alias("top"),
        pl.col("cum_share").get(k20 - 1).alias("top20"),
        ((pl.col("cum_share") < 0.8 - 1e-12).sum() + 1).alias("n80"),
        pl.col("share").max().alias("largest"),
        (pl.col("share").clip(lower_bound=0.0) ** 2).sum().alias("hhi"),
    ).row(0, named=True)
    largest, hhi = float(stats["largest"]), float(stats["hhi"])
    if largest > 0.25 or hhi > 0.25:
        risk = "high"
    elif largest > 0.10 or hhi >= 0.15:
        risk = "moderate"
    else:
        risk = "low"
    return Pareto(
        by=by,
        table=table,
        entities=n,
        total=total,
        top_n=k,
        top_n_share=float(stats["top"]),
        n_for_80=min(int(stats["n80"]), n),
        top_20pct_share=float(stats["top20"]),
        largest_share=largest,
        hhi=hhi,
        risk=risk,
    )


# ---------------------------------------------------------------- root cause
EFFECTS = ("customers_effect", "frequency_effect", "aov_effect")
EFFECT_LABELS = {
    "customers_effect": "Customers",
    "frequency_effect": "Orders per customer",
    "aov_effect": "Average order value",
}


def _effect_exprs() -> list[pl.Expr]:
    """LMDI-I effects on columns r_a, r_b, c_a, c_b, o_a, o_b, with the sequential fallback."""
    r0, r1, c0, c1, o0, o1 = (pl.col(c) for c in ("r_a", "r_b", "c_a", "c_b", "o_a", "o_b"))
    ok = (r0 > 0) & (r1 > 0) & (c0 > 0) & (c1 > 0) & (o0 > 0) & (o1 > 0)
    lmean = pl.when(r1 == r0).then(r1).otherwise((r1 - r0) / (r1.log() - r0.log()))
    f0r, f1r = pl.when(c0 > 0).then(o0 / c0), pl.when(c1 > 0).then(o1 / c1)
    a0r, a1r = pl.when(o0 > 0).then(r0 / o0), pl.when(o1 > 0).then(r1 / o1)
    f0, f1 = pl.coalesce(f0r, f1r, 0.0), pl.coalesce(f1r, f0r, 0.0)
    a0, a1 = pl.coalesce(a0r, a1r, 0.0), pl.coalesce(a1r, a0r, 0.0)
    seq = [(c1 - c0) * f0 * a0, c1 * (f1 - f0) * a0, c1 * f1 * (a1 - a0)]
    lmdi = [lmean * (c1 / c0).log(), lmean * (f1r / f0r).log(), lmean * (a1r / a0r).log()]
    return [
        pl.when(ok).then(lm).otherwise(sq).alias(name) for lm, sq, name in zip(lmdi, seq, EFFECTS)
    ] + [pl.when(ok).then(pl.lit("lmdi")).otherwise(pl.lit("sequential")).alias("method")]


@dataclass(frozen=True)
class Bridge:
    """Revenue of period a -> period b split into customers, orders per customer and AOV effects.

    customers_effect + frequency_effect + aov_effect == revenue_b - revenue_a (see module doc)."""

    period_a: Period
    period_b: Period
    revenue_a: float
    revenue_b: float
    customers_a: int
    customers_b: int
    orders_a: int
    orders_b: int
    customers_effect: float
    frequency_effect: float
    aov_effect: float
    method: str  # "lmdi" or "sequential"

    @property
    def change(self) -> float:
        return self.revenue_b - self.revenue_a

    @property
    def change_pct(self) -> float | None:
        return _div(self.change, self.revenue_a)

    def counts(self) -> str:
        """E.g. "Customers 3 → 3 · orders 3 → 5 · method: lmdi." """
        return (
            f"Customers {self.customers_a:,} → {self.customers_b:,} · orders {self.orders_a:,} → "
            f"{self.orders_b:,} · method: {self.method}."
        )

    def steps(self) -> pl.DataFrame:
        """Waterfall rows: step, amount, kind ("total" / "effect"), in display order."""
        return pl.DataFrame(
            {
                "step": [
                    f"Revenue {self.period_a.label()}",
                    *EFFECT_LABELS.values(),
                    f"Revenue {self.period_b.label()}",
                ],
                "amount": [
                    self.revenue_a,
                    self.customers_effect,
                    self.frequency_effect,
                    self.aov_effect,
                    self.revenue_b,
                ],
                "kind": ["total", "effect", "effect", "effect", "total"],
            }
        )


def _two_periods(
    orders: pl.DataFrame,
    period_a: Period,
    period_b: Period,
    first_seen: pl.DataFrame | None,
) -> pl.DataFrame:
    """The lines of both periods with `_b` (True in period b) and `is_new` (new in that period)."""
    fs = first_orders(orders) if first_seen is None else first_seen
    a = in_period(orders, period_a).with_columns(pl.lit(False).alias("_b"))
    b = in_period(orders, period_b).with_columns(pl.lit(True).alias("_b"))
    start = pl.when("_b").then(pl.lit(period_b.start)).otherwise(pl.lit(period_a.start))
    return (
        pl.concat([a, b], how="vertical_relaxed")
        .join(fs, on="customer_id", how="left")
        .with_columns((pl.col("first_order") >= start).fill_null(False).alias("is_new"))
    )


def _by_period(df: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """r_a, r_b, c_a, c_b, o_a, o_b, new_a, new_b per `keys` (all groups when keys is empty)."""
    aggs = []
    for suffix, flag in (("a", ~pl.col("_b")), ("b", pl.col("_b"))):
        aggs += [
            pl.col("revenue").filter(flag).sum().alias(f"r_{suffix}"),
            pl.col("customer_id").filter(flag).n_unique().alias(f"c_{suffix}"),
            pl.col("order_id").filter(flag).n_unique().alias(f"o_{suffix}"),
            pl.col("revenue").filter(flag & pl.col("is_new")).sum().alias(f"new_{suffix}"),
        ]
    out = df.group_by(keys).agg(aggs) if keys else df.select(aggs)
    return out.with_columns(pl.col("c_a", "c_b", "o_a", "o_b").cast(pl.Float64))


def revenue_bridge(
    orders: pl.DataFrame,
    period_a: Period,
    period_b: Period,
    *,
    first_seen: pl.DataFrame | None = None,
) -> Bridge:
    """The revenue bridge from period a to period b (see the module doc for the method)."""
    row = (
        _by_period(_two_periods(orders, period_a, period_b, first_seen), [])
        .with_columns(_effect_exprs())
        .row(0, named=True)
    )
    return Bridge(
        period_a=period_a,
        period_b=period_b,
        revenue_a=float(row["r_a"]),
        revenue_b=float(row["r_b"]),
        customers_a=int(row["c_a"]),
        customers_b=int(row["c_b"]),
        orders_a=int(row["o_a"]),
        orders_b=int(row["o_b"]),
        customers_effect=float(row["customers_effect"]),
        frequency_effect=float(row["frequency_effect"]),
        aov_effect=float(row["aov_effect"]),
        method=str(row["method"]),
    )


_DRIVER_WORDS = {
    "customers_effect": ("more customers", "fewer customers"),
    "frequency_effect": ("more orders per customer", "fewer orders per customer"),
    "aov_effect": ("higher order value", "lower order value"),
}


def change_contributions(
    orders: pl.DataFrame,
    period_a: Period,
    period_b: Period,
    dimension: str,
    *,
    first_seen: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Each value's part in the revenue change from period a to b, largest |change| first.

    Columns: value, revenue_a, revenue_b, change, points (change as percentage points of period
    a's total revenue; they sum to the total change %), share_of_change, the value's own
    customers / frequency / aov effects, new_change and returning_change (revenue change from
    customers new in the period vs returning ones), driver (the largest effect, in words) and
    mostly ("new" or "returning")."""
    df = label_dimension(_two_periods(orders, period_a, period_b, first_seen), dimension)
    seg = _by_period(df, ["value"]).with_columns(_effect_exprs())
    total_a = float(seg["r_a"].sum())
    total_change = float(seg["r_b"].sum()) - total_a
    abs_effects = [pl.col(e).abs() for e in EFFECTS]
    biggest = pl.max_horizontal(abs_effects)
    driver = pl.when(pl.lit(False)).then(pl.lit(None, dtype=pl.Utf8))
    for e in EFFECTS:
        up, down = _DRIVER_WORDS[e]
        driver = driver.when(pl.col(e).abs() == biggest).then(
            pl.when(pl.col(e) >= 0).then(pl.lit(up)).otherwise(pl.lit(down))
        )
    return (
        seg.with_columns(
            (pl.col("r_b") - pl.col("r_a")).alias("change"),
            (pl.col("new_b") - pl.col("new_a")).alias("new_change"),
            ((pl.col("r_b") - pl.col("new_b")) - (pl.col("r_a") - pl.col("new_a"))).alias(
                "returning_change"
            ),
        )
        .with_columns(
            (pl.col("change") / total_a * 100 if total_a else pl.lit(None, pl.Float64)).alias(
                "points"
            ),
            (pl.col("change") / total_change if total_change else pl.lit(None, pl.Float64)).alias(
                "share_of_change"
            ),
            driver.alias("driver"),
            pl.when(pl.col("new_change").abs() > pl.col("returning_change").abs())
            .then(pl.lit("new"))
            .otherwise(pl.lit("returning"))
            .alias("mostly"),
        )
        .sort([pl.col("change").abs(), pl.col("value")], descending=[True, False])
        .select(
            "value",
            pl.col("r_a").alias("revenue_a"),
            pl.col("r_b").alias("revenue_b"),
            "change",
            "points",
            "share_of_change",
            *EFFECTS,
            "new_change",
            "returning_change",
            "driver",
            "mostly",
        )
    )


@dataclass(frozen=True)
class ChangeExplanation:
    """The bridge, each dimension's contributions, and the change said in plain words."""

    bridge: Bridge
    contributions: dict[str, pl.DataFrame]
    sentences: dict[str, str]

    @property
    def summary(self) -> str:
        """The headline: the bridge sentence and the first dimension's sentence."""
        first = next(iter(self.sentences.values()), "")
        return f"{headline(self.bridge)} {first}".strip()


def headline(bridge: Bridge) -> str:
    """E.g. "Revenue fell 12.0% (10,000 -> 8,800): customers -500, orders per customer -300,
    order value -400." """
    pct = bridge.change_pct
    verb = "rose" if bridge.change > 0 else "fell" if bridge.change < 0 else "was flat"
    size = f" {abs(pct):.1%}" if pct is not None and bridge.change else ""
    parts = ", ".join(f"{EFFECT_LABELS[e].lower()} {getattr(bridge, e):+,.0f}" for e in EFFECTS)
    return f"Revenue {verb}{size} ({bridge.revenue_a:,.0f} -> {bridge.revenue_b:,.0f}): {parts}."


def describe_contributions(table: pl.DataFrame, dimension: str, top: int = 3) -> str:
    """E.g. "By region: West -8.0 points, mainly fewer orders per customer (mostly returning
    customers); East -3.1 points, mainly lower order value (mostly new customers)." """
    rows = table.filter(pl.col("change") != 0).head(top)
    if rows.height == 0:
        return f"By {dimension}: no change."
    parts = []
    for r in rows.iter_rows(named=True):  # at most `top` rows: building the sentence
        size = f"{r['points']:+.1f} points" if r["points"] is not None else f"{r['change']:+,.0f}"
        parts.append(f"{r['value']} {size}, mainly {r['driver']} (mostly {r['mostly']} customers)")
    return f"By {dimension}: " + "; ".join(parts) + "."


ROOT_CAUSE_DIMENSIONS = ("region", "category", "product", "channel")


def root_cause_dimensions(orders: pl.DataFrame) -> list[str]:
    """The dimensions a root cause looks at: region, category, product, channel when present."""
    return [d for d in ROOT_CAUSE_DIMENSIONS if has_column(orders, d)]


def top_contributions(table: pl.DataFrame, n: int = 15) -> pl.DataFrame:
    """The `n` largest contributions (by |change|) that have a points value to draw."""
    return table.head(n).filter(pl.col("points").is_not_null())


def explain_change(
    orders: pl.DataFrame,
    period_a: Period,
    period_b: Period,
    dimensions: list[str] | None = None,
    *,
    first_seen: pl.DataFrame | None = None,
) -> ChangeExplanation:
    """Root cause of the revenue change from period a to period b: the bridge plus, for each
    dimension (default: region, category, product, channel when present), the contribution of
    each value, largest first, and a sentence saying it."""
    fs = first_orders(orders) if first_seen is None else first_seen
    dims = root_cause_dimensions(orders) if dimensions is None else dimensions
    contributions = {
        d: change_contributions(orders, period_a, period_b, d, first_seen=fs) for d in dims
    }
    return ChangeExplanation(
        bridge=revenue_bridge(orders, period_a, period_b, first_seen=fs),
        contributions=contributions,
        sentences={d: describe_contributions(t, d) for d, t in contributions.items()},
    )


# ---------------------------------------------------------------- operational leakage
def _need_status(orders: pl.DataFrame) -> None:
    if not has_column(orders, "status"):
        raise InputError("this needs an order status column (delivered / returned / ...)")


def status_breakdown(orders: pl.DataFrame) -> pl.DataFrame:
    """Revenue by shipping status: status, revenue, orders, lines, share."""
    _need_status(orders)
    return (
        label_dimension(orders, "status", "status_")
        .group_by("status_")
        .agg(
            pl.col("revenue").sum(),
            pl.col("order_id").n_unique().alias("orders"),
            pl.len().alias("lines"),
        )
        .with_columns((pl.col("revenue") / pl.col("revenue").sum()).alias("share"))
        .sort(["revenue", "status_"], descending=[True, False])
        .rename({"status_": "status"})
    )


SHIPPING_STATUS_LABELS: dict[str, str] = {
    "delivered": "Delivered",
    "returned": "Returned",
    "cancelled": "Cancelled",
    "in_transit": "In transit",
    "unknown": "Unknown",
}


def label_statuses(table: pl.DataFrame, column: str = "status") -> pl.DataFrame:
    """`column` with shipping status codes shown as words ("in_transit" -> "In transit");
    other values (e.g. "(missing)") stay as they are."""
    return table.with_columns(pl.col(column).replace(SHIPPING_STATUS_LABELS).alias(column))


def returns_by(orders: pl.DataFrame, dimension: str = "product") -> pl.DataFrame:
    """Returns per value of `dimension`: value, revenue, returned_revenue, return_rate,
    returned_orders, share_of_returns; most returned revenue first."""
    _need_status(orders)
    returned = pl.col("status") == "returned"
    return (
        label_dimension(orders, dimension)
        .group_by("value")
        .agg(
            pl.col("revenue").sum(),
            pl.col("revenue").filter(returned).sum().alias("returned_revenue"),
            pl.col("order_id").filter(returned).n_unique().alias("returned_orders"),
        )
        .with_columns(
            pl.when(pl.col("revenue") != 0)
            .then(pl.col("returned_revenue") / pl.col("revenue"))
            .alias("return_rate"),
            (pl.col("returned_revenue") / pl.col("returned_revenue").sum()).alias(
                "share_of_returns"
            ),
        )
        .sort(["returned_revenue", "value"], descending=[True, False])
        .select(
            "value",
            "revenue",
            "returned_revenue",
            "return_rate",
            "returned_orders",
            "share_of_returns",
        )
    )
