"""The headline sales figures of a period and their comparison with the previous period and the
same period last year.

- A customer is *new* in a period when their first order ever (in `first_seen`, by default the
  frame passed in) falls in that period; all their revenue in the period is new revenue. Everyone
  else who orders in the period is *returning*.
- profit = revenue - cost over the lines that have a cost; margin = profit / revenue of those lines
  (core.model.profit, the one definition).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from core.model.profit import costed_revenue_expr, profit_expr, profit_margin
from core.model.schema import NET_EXCLUDED
from core.sales.periods import (
    Period,
    covers,
    date_range,
    first_orders,
    has_column,
    in_period,
    period_presets,
)

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


def safe_div(a: float | None, b: float | None) -> float | None:
    """a / b, or None when a is missing or b is missing or zero."""
    return None if a is None or not b else a / b


_KPI_COLUMNS = ("customer_id", "order_id", "order_date", "revenue", "cost", "status")


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
    df = in_period(orders.select(c for c in _KPI_COLUMNS if c in orders.columns), period)
    fs_start = None if rng is None or df.height == 0 else rng.start
    cost = has_column(df, "cost")
    status = has_column(df, "status")
    # new: a first order on or after the period's start (the few such customers looked up,
    # not every customer's first order joined onto the lines)
    newcomers = (
        fs.filter(pl.col("first_order") >= fs_start)["customer_id"].implode()
        if fs_start is not None
        else None
    )
    is_new = (
        pl.col("customer_id").is_in(newcomers).fill_null(False)
        if newcomers is not None
        else pl.lit(False)
    )
    excluded = (
        pl.col("status").is_in(list(NET_EXCLUDED)).fill_null(False) if status else pl.lit(False)
    )
    per_customer = df.group_by("customer_id").agg(pl.col("order_id").n_unique().alias("n"))
    row = df.select(
        pl.col("revenue").sum().alias("revenue"),
        pl.col("revenue").filter(~excluded).sum().alias("net_revenue"),
        pl.col("order_id").n_unique().alias("orders"),
        pl.col("customer_id").n_unique().alias("customers"),
        pl.col("customer_id").filter(is_new).n_unique().alias("new_customers"),
        pl.col("revenue").filter(is_new).sum().alias("new_revenue"),
        *([profit_expr(), costed_revenue_expr()] if cost else []),
        *(
            [pl.col("revenue").filter(pl.col("status") == "returned").sum().alias("returned")]
            if status
            else []
        ),
    ).row(0, named=True)
    revenue = float(row["revenue"] or 0.0)
    n_orders = int(row["orders"])
    n_customers = int(row["customers"])
    repeaters = per_customer.filter(pl.col("n") >= 2).height
    total = total_customers if total_customers is not None else orders["customer_id"].n_unique()
    profit = float(row["profit"]) if cost and row["profit"] is not None else None
    returned = float(row["returned"] or 0.0) if status else None
    return Kpis(
        revenue=revenue,
        net_revenue=float(row["net_revenue"] or 0.0),
        orders=n_orders,
        customers=n_customers,
        total_customers=int(total),
        aov=safe_div(revenue, n_orders),
        revenue_per_customer=safe_div(revenue, n_customers),
        repeat_rate=safe_div(repeaters, n_customers),
        new_customers=int(row["new_customers"]),
        returning_customers=n_customers - int(row["new_customers"]),
        new_revenue=float(row["new_revenue"] or 0.0),
        returning_revenue=revenue - float(row["new_revenue"] or 0.0),
        profit=profit,
        margin=profit_margin(profit, row["costed_revenue"]) if cost else None,
        returned_revenue=returned,
        return_rate=safe_div(returned, revenue) if status else None,
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
                    "change_pct": _f(safe_div(None if c is None or p is None else c - p, p)),
                    "last_year": _f(y),
                    "yoy_pct": _f(safe_div(None if c is None or y is None else c - y, y)),
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
            f"Deltas: against the previous period ({self.previous_period.label()})"
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
    last_year: bool = True,
) -> KpiComparison:
    """KPIs of `period` with the previous period and last year when `orders` covers them
    (`last_year=False`: the previous period only).

    `orders` should hold the history before `period` too (it is filtered by date here)."""
    fs = first_orders(orders) if first_seen is None else first_seen
    if total_customers is None:  # (once for the three periods)
        # the first orders of these very lines have a row per customer: no second count
        total_customers = fs.height if first_seen is None else orders["customer_id"].n_unique()
    kw = {"first_seen": fs, "total_customers": total_customers}
    prev_p, ly_p = period.previous(), period.last_year()
    return KpiComparison(
        period=period,
        current=kpis(orders, period, **kw),
        previous_period=prev_p,
        previous=kpis(orders, prev_p, **kw) if covers(orders, prev_p) else None,
        last_year_period=ly_p,
        last_year=kpis(orders, ly_p, **kw) if last_year and covers(orders, ly_p) else None,
    )


def last_month_change(orders: pl.DataFrame) -> KpiComparison | None:
    """The last complete month against the month before (the Overview's deltas: like for like,
    whole months only; a partial last month is left out). None without dates or without two
    whole months. Its ids are only counted: `orders` may hold them as integer codes
    (core.model.ids.counting_ids)."""
    rng = date_range(orders) if "order_date" in orders.columns else None
    month = period_presets(rng.start, rng.end).get("Last full month") if rng else None
    if month is None:
        return None
    cmp = compare_kpis(orders, month, last_year=False)
    return cmp if cmp.previous is not None else None
