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
from core.model.schema import Frame, as_lazy, resolve_as_of
from core.model.settings import AT_RISK_DAYS, CHURN_DAYS, Settings, check_thresholds
from core.model.status import status_expr
from core.sales import breakdowns, trend

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
    check_thresholds(churn_days, at_risk_days)
    df = orders.collect() if isinstance(orders, pl.LazyFrame) else orders
    dated = bool(df["order_date"].is_not_null().any())
    as_of = resolve_as_of(df, as_of) if dated or as_of else None
    lf = _until(df.lazy(), as_of)  # lazy: each KPI query reads only the columns it needs
    extra = 0
    if customers_file is not None and "customer_id" in customers_file.columns:
        ids = lf.select(pl.col("customer_id").unique()).collect()["customer_id"].implode()
        extra = customers_file.filter(~pl.col("customer_id").is_in(ids))["customer_id"].n_unique()
    values: dict[str, Any] = {}
    frames = {"orders": lf}
    if as_of is not None:
        status = status_expr(churn_days, at_risk_days)
        frames["customers"] = customer_base(lf, as_of).with_columns(status)
    queries = {}
    for source in ("orders", "customers"):
        entries = [k for k in KPIS if k.source == source]
        if source not in frames:
            values.update(dict.fromkeys((k.name for k in entries), None))
            continue
        queries[source] = frames[source].select(k.expr.alias(k.name) for k in entries)
    for result in pl.collect_all(list(queries.values())):
        values.update(result.row(0, named=True))
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
    df = lf.collect()
    t = trend(df, "month", end=as_of)
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


def report(
    loaded: Any,
    *,
    customers: pl.DataFrame | None = None,
    as_of: date | None = None,
    churn_days: int = CHURN_DAYS,
    at_risk_days: int = AT_RISK_DAYS,
) -> dict[str, Any]:
    """SPEC `report`: the registry's KPIs, mapping, warnings, monthly series and breakdowns,
    JSON-ready; every figure on the orders up to as_of. `loaded` is a core.ingest.Loaded."""
    orders = loaded.orders
    out = kpis(
        orders,
        as_of=as_of,
        churn_days=churn_days,
        at_risk_days=at_risk_days,
        customers_file=customers,
        returns=getattr(loaded, "returns", None),
    )
    as_of = out["as_of"]
    for key in ("first_date", "last_date", "as_of"):
        out[key] = out[key].isoformat() if out[key] else None
    out["mapping"] = dict(loaded.mapping)
    out["warnings"] = list(loaded.warnings)
    m = monthly(orders, as_of)
    keys = ("month", "revenue", "orders", "customers", "growth", "partial")
    out["monthly"] = m.select(keys).to_dicts()
    dates = orders["order_date"]
    everything = as_of is None or (dates.null_count() == 0 and dates.max() <= as_of)
    window = orders if everything else orders.filter(pl.col("order_date") <= as_of)
    out["breakdowns"] = breakdowns(window)
    return out
