"""Headline metrics computed from the registry: the KPIs of the Overview and `report`, the monthly
series and the `report` JSON.

Every figure uses the orders up to as_of (SPEC: as of is the last order date unless the user sets
another), so revenue, orders, customers, the statuses and the monthly series describe the same
window: active + at risk + churned = customers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from core.hub import customer_base
from core.metrics.registry import KPIS
from core.model.ids import counting_ids
from core.model.schema import Frame, as_lazy, resolve_as_of
from core.model.settings import AT_RISK_DAYS, CHURN_DAYS, Settings, check_thresholds
from core.model.status import status_expr
from core.sales.breakdowns import breakdown_plans, contract_rows, dimension_columns
from core.sales.kpis import KpiComparison, last_month_change
from core.sales.trends import trend_sums, trend_table

_PYTHON = {"count": int, "money": float, "percent": float}


def _until(frame: Frame, as_of: date | None) -> Frame:
    """The lines up to as_of (all of them without dates), always with a status column."""
    columns = frame.collect_schema().names()
    if as_of is not None and "order_date" in columns:
        frame = frame.filter(pl.col("order_date").is_null() | (pl.col("order_date") <= as_of))
    if "status" not in columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias("status"))
    return frame


def kpis(
    orders: Frame,
    *,
    as_of: date | None = None,
    churn_days: int = CHURN_DAYS,
    at_risk_days: int = AT_RISK_DAYS,
    customers_file: pl.DataFrame | None = None,
    returns: pl.DataFrame | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Every KPI of the registry (core.metrics.registry.KPIS), by name, on the orders up to
    as_of. `returns` (core.ingest's return and cancellation lines, negative) count in rows and
    come off net revenue. Without order dates as_of, the dates and the customer figures are
    None. `settings`, when given, replaces as_of and the thresholds."""
    if settings is not None:
        as_of, churn_days, at_risk_days = settings.as_of, settings.churn_days, settings.at_risk_days
    df = orders.collect() if isinstance(orders, pl.LazyFrame) else orders
    plan = _KpiPlan(df, counting_ids(df), as_of, churn_days, at_risk_days, customers_file)
    results = pl.collect_all(list(plan.queries.values()))
    return plan.values(dict(zip(plan.queries, results, strict=True)), returns)


def _as_of(df: pl.DataFrame, as_of: date | None) -> date | None:
    """The as-of date of the KPIs: as given, else the last order date; None without dates."""
    dated = bool(df["order_date"].is_not_null().any())
    return resolve_as_of(df, as_of) if dated or as_of else None


class _KpiPlan:
    """The lazy queries of kpis() (to collect together with other queries) and how their
    results become the KPI values. `counted`: the orders with their ids as integer codes
    (core.model.ids.counting_ids), which every count reads."""

    def __init__(
        self,
        df: pl.DataFrame,
        counted: pl.DataFrame,
        as_of: date | None,
        churn_days: int,
        at_risk_days: int,
        customers_file: pl.DataFrame | None,
    ) -> None:
        check_thresholds(churn_days, at_risk_days)
        self.as_of = _as_of(df, as_of)
        # lazy: each query reads only its columns
        self.lines = _until(counted.lazy(), self.as_of)
        self.customers_file = customers_file
        frames = {"orders": self.lines}
        if self.as_of is not None:
            status = status_expr(churn_days, at_risk_days)
            frames["customers"] = customer_base(self.lines, self.as_of).with_columns(status)
        self.queries: dict[str, pl.LazyFrame] = {
            source: frames[source].select(k.expr.alias(k.name) for k in KPIS if k.source == source)
            for source in ("orders", "customers")
            if source in frames
        }
        if customers_file is not None and "customer_id" in customers_file.columns:
            ids = _until(df.lazy(), self.as_of).select(pl.col("customer_id").unique())
            self.queries["ids"] = ids  # the ids themselves, to find them in the customers file

    def values(
        self, results: dict[str, pl.DataFrame], returns: pl.DataFrame | None
    ) -> dict[str, Any]:
        """The KPI values (Python numbers and dates) from the collected queries."""
        as_of = self.as_of
        values: dict[str, Any] = {}
        for source in ("orders", "customers"):
            if source in results:
                values.update(results[source].row(0, named=True))
            else:
                values.update({k.name: None for k in KPIS if k.source == source})
        extra = 0
        if "ids" in results:
            ids = results["ids"]["customer_id"].implode()
            known = self.customers_file.filter(~pl.col("customer_id").is_in(ids))
            extra = known["customer_id"].n_unique()
        if returns is not None and returns.height:
            back = _until(returns, as_of)
            extras = [k for k in KPIS if k.returns_expr is not None]
            row = back.select(k.returns_expr.alias(k.name) for k in extras).row(0, named=True)
            for name, v in row.items():
                values[name] = (values[name] or 0) + (v or 0)
        context = {"as_of": as_of, "extra_customers": extra}
        for k in KPIS:
            if k.source == "derived":
                values[k.name] = k.derive({**values, **context})
        out: dict[str, Any] = {}
        for k in KPIS:
            v, cast = values[k.name], _PYTHON.get(k.kind)
            out[k.name] = cast(v) if cast is not None and v is not None else v
        return out


def monthly(orders: Frame, as_of: date | None = None) -> pl.DataFrame:
    """Revenue, orders, customers and AOV per calendar month with growth % and partial flags.

    The month rows of core.sales.trend (one monthly series for Sales, the Overview and
    `report`), on the orders up to as_of: every month from the first order to as_of (default:
    the last order), zero when empty; partial months by core.model.periods. growth is the
    month-on-month change, null after a month without revenue and around partial months
    (core.model.periods.like_for_like).
    """
    lf = as_lazy(orders)
    if as_of is not None:
        lf = lf.filter(pl.col("order_date") <= as_of)
    span = lf.select(pl.col("order_date").min().alias("first"), pl.col("order_date").max())
    sums, span = pl.collect_all([trend_sums(lf, "month"), span])
    first, last = span.row(0)
    return _monthly_table(sums, first, as_of or last)


_MONTHLY_SCHEMA = {
    "month": pl.Utf8,
    "month_start": pl.Date,
    "revenue": pl.Float64,
    "orders": pl.UInt32,
    "customers": pl.UInt32,
    "growth": pl.Float64,
    "partial": pl.Boolean,
    "aov": pl.Float64,
}


def _monthly_table(sums: pl.DataFrame, first: date | None, end: date | None) -> pl.DataFrame:
    """monthly()'s rows from core.sales.trend_sums' result: every month from `first` to `end`."""
    if first is None or end is None:
        return pl.DataFrame(schema=_MONTHLY_SCHEMA)
    t = trend_table(sums, "month", first, end)
    return t.select(
        pl.col("label").alias("month"),
        pl.col("period").alias("month_start"),
        "revenue",
        "orders",
        "customers",
        "growth",
        "partial",
        aov=pl.when(pl.col("orders") > 0).then(pl.col("revenue") / pl.col("orders")),
    )


def kpis_and_monthly(
    orders: pl.DataFrame,
    settings: Settings,
    *,
    customers_file: pl.DataFrame | None = None,
    returns: pl.DataFrame | None = None,
) -> tuple[dict[str, Any], pl.DataFrame]:
    """kpis() and monthly() of the same orders with `settings` (the Overview's cards and
    curves): the ids coded once and every query collected together, as in report()."""
    days = {"churn_days": settings.churn_days, "at_risk_days": settings.at_risk_days}
    out, m, _ = _headline(
        orders, counting_ids(orders), settings.as_of, days, customers_file, returns, {}
    )
    return out, m


def overview_figures(
    orders: pl.DataFrame,
    settings: Settings,
    *,
    customers_file: pl.DataFrame | None = None,
    returns: pl.DataFrame | None = None,
) -> tuple[dict[str, Any], pl.DataFrame, KpiComparison | None]:
    """The Overview's figures: kpis_and_monthly and the last complete month against the month
    before (core.sales.last_month_change), the ids coded once for all of them."""
    counted = counting_ids(orders)
    days = {"churn_days": settings.churn_days, "at_risk_days": settings.at_risk_days}
    out, m, _ = _headline(orders, counted, settings.as_of, days, customers_file, returns, {})
    return out, m, last_month_change(counted)


def _headline(
    orders: pl.DataFrame,
    counted: pl.DataFrame,
    as_of: date | None,
    days: dict[str, int],
    customers_file: pl.DataFrame | None,
    returns: pl.DataFrame | None,
    extra: dict[str, pl.LazyFrame],
) -> tuple[dict[str, Any], pl.DataFrame, list[pl.DataFrame]]:
    """The KPI values and the monthly table of `orders` (`counted`: the same lines with coded
    ids), and the results of the `extra` queries, all collected in one pl.collect_all."""
    plan = _KpiPlan(orders, counted, as_of, customers_file=customers_file, **days)
    as_of = plan.as_of
    lines = counted.lazy()
    month_lines = lines if as_of is None else lines.filter(pl.col("order_date") <= as_of)
    queries = [trend_sums(month_lines, "month"), *plan.queries.values(), *extra.values()]
    month_sums, *rest = pl.collect_all(queries)
    n = len(plan.queries)
    out = plan.values(dict(zip(plan.queries, rest[:n], strict=True)), returns)
    first = out["first_date"] if as_of is not None else None
    return out, _monthly_table(month_sums, first, as_of), rest[n:]


def report(
    loaded: Any,
    *,
    customers: pl.DataFrame | None = None,
    as_of: date | None = None,
    churn_days: int = CHURN_DAYS,
    at_risk_days: int = AT_RISK_DAYS,
) -> dict[str, Any]:
    """SPEC `report`: the registry's KPIs, mapping, warnings, monthly series and breakdowns,
    JSON-ready; every figure on the orders up to as_of. `loaded` is a core.ingest.Loaded.

    The KPIs, monthly() and breakdowns() of the same orders, their queries collected together
    (pl.collect_all: polars runs them side by side and reads each column once)."""
    orders = loaded.orders
    counted = counting_ids(orders)  # every query below counts ids, none shows them
    days = {"churn_days": churn_days, "at_risk_days": at_risk_days}
    check_thresholds(churn_days, at_risk_days)
    as_of = _as_of(orders, as_of)
    dates = orders["order_date"]
    everything = as_of is None or (dates.null_count() == 0 and dates.max() <= as_of)
    window = counted if everything else counted.filter(pl.col("order_date") <= as_of)
    dims = dimension_columns(window)
    grouped = breakdown_plans(window.lazy(), dims)
    out, m, rest = _headline(
        orders, counted, as_of, days, customers, getattr(loaded, "returns", None), grouped
    )
    by_dim = dict(zip(grouped, rest, strict=True))
    for key in ("first_date", "last_date", "as_of"):
        out[key] = out[key].isoformat() if out[key] else None
    out["mapping"] = dict(loaded.mapping)
    out["warnings"] = list(loaded.warnings)
    keys = ("month", "revenue", "orders", "customers", "growth", "partial")
    out["monthly"] = m.select(keys).to_dicts()
    out["breakdowns"] = {d: contract_rows(window, d, by_dim.get(d)) for d in dims}
    return out
