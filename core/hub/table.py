"""The customer metrics table (SPEC's hub): one row per customer, read by segments, churn,
insight rules and exports.

Computed once per dataset and as-of, without thresholds (`customer_metrics`): order counts and
revenue, recency and tenure, average days between orders, return rate, favourite category and
region, customer attributes (their most frequent value per customer), RFM scores and segment,
value tier, and the BG/NBD + Gamma-Gamma predictions. Status depends on the churn thresholds, so
it is a cheap view on that table (`with_status`): changing a threshold never refits CLV.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import polars as pl

from core import segments
from core.clv import ClvFit, customer_clv, fit
from core.hub.base import attribute_columns, base_aggs, base_columns, dated_up_to
from core.model.attributes import customer_values
from core.model.ids import coded_ids, is_code, pair_key, sorted_codes, unpair
from core.model.profit import profit_expr
from core.model.schema import Frame, as_lazy, decoded, is_text, resolve_as_of
from core.model.settings import AT_RISK_DAYS, CHURN_DAYS, Settings, check_thresholds
from core.model.status import status_expr

CLV_COLUMNS = ("p_alive", "expected_purchases_90d", "expected_clv_365d")
LEAD = (
    *("customer_id", "first_order", "last_order", "orders", "revenue", "aov"),
    *("recency_days", "tenure_days", "avg_days_between_orders", "return_rate"),
    *("r_score", "f_score", "m_score", "rfm_segment", "value_tier", "status"),
    *CLV_COLUMNS,
    "revenue_365d",
)


def customer_metrics(
    orders: Frame,
    *,
    as_of: date | None = None,
    customers: pl.DataFrame | None = None,
    rfm_bins: int = 5,
    with_clv: bool = True,
) -> pl.DataFrame:
    """The hub without status: one row per customer with orders up to as_of. Columns:
    core.model.schema.CUSTOMER_COLUMNS except status, plus revenue_365d, order_days,
    favourite_category, region, profit (when cost exists) and attributes. Sorted by revenue
    (largest first, ties by customer_id). Thresholds play no part: one table serves them all."""
    return metrics_with_fit(
        orders, as_of=as_of, customers=customers, rfm_bins=rfm_bins, with_clv=with_clv
    )[0]


def metrics_with_fit(
    orders: Frame,
    *,
    as_of: date | None = None,
    customers: pl.DataFrame | None = None,
    rfm_bins: int = 5,
    with_clv: bool = True,
    ready: Callable[[pl.DataFrame], None] | None = None,
) -> tuple[pl.DataFrame, ClvFit | None]:
    """customer_metrics and the CLV fit its columns come from (None without CLV): equal to
    core.clv.fit(orders, as_of) (the same parameters and summary rows, in the order of the ids'
    codes rather than sorted by id), so the Churn page's diagnostics and the Action plan's value
    read it instead of fitting again. `ready`, when given, is called with the table before the
    fit, its CLV columns null (customer_metrics with_clv=False: what reads no CLV column need
    not wait for the fit)."""
    as_of = resolve_as_of(as_lazy(orders), as_of)
    # customers grouped by integer codes (one per id), their ids put back on the result rows
    coded, ids = coded_ids(orders) if isinstance(orders, pl.DataFrame) else (orders, None)
    values = _code_values(coded) if ids is not None else {}
    lf = as_lazy(coded.with_columns(values[c][0] for c in values)).filter(dated_up_to(as_of))
    df = _metrics_plan(lf, as_of).collect()
    if ids is not None:
        df = df.with_columns(ids.gather(df["customer_id"]).alias("customer_id"))
    for column, (_, by_code) in values.items():  # the values back from their codes
        out = "favourite_category" if column == "category" else column
        if out in df.columns:
            df = df.with_columns(by_code.gather(df[out]).alias(out))
    # the table holds text, not codes (a lazy frame's coded region or category comes coded)
    df = df.with_columns(
        decoded(df[c]) for c, t in df.schema.items() if isinstance(t, pl.Categorical)
    )
    if customers is not None and "customer_id" in customers.columns:
        # attributes the orders already carry win (compared ignoring case: Region ~ region)
        have = {c.lower() for c in df.columns}
        add = [c for c in customers.columns if c.lower() not in have]
        if add:
            df = df.join(customers.select("customer_id", *add), on="customer_id", how="left")
    df = segments.add_value_tier(segments.add_rfm(df, bins=rfm_bins))
    df = df.with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in CLV_COLUMNS)
    # largest revenue first; ties by id, so the order never depends on the group-by
    table = _ordered_columns(df).sort(["revenue", "customer_id"], descending=[True, False])
    del df  # (the unsorted copy is not kept through the fit)
    if ready is not None:
        ready(table)
    if not with_clv:
        return table, None
    # one fit for the table, the Churn page's diagnostics and the Action plan: core.clv on
    # kept lines, its summary grouped by the codes and given its ids back
    fitted = fit(lf, as_of)
    if ids is not None:
        named = fitted.summary.with_columns(ids.gather(fitted.summary["customer_id"]))
        fitted = replace(fitted, summary=named)
    return with_clv_of(table, customer_clv(lf, as_of, fitted=fitted)), fitted


def with_clv_of(table: pl.DataFrame, clv: pl.DataFrame) -> pl.DataFrame:
    """`table` (customers with CLV_COLUMNS, e.g. null ones) with the CLV columns of `clv`
    (customer_id and CLV_COLUMNS; null for a customer it lacks): the same rows in the same
    order, the same columns in the same places."""
    got = table.select("customer_id").join(
        clv.select("customer_id", *CLV_COLUMNS), on="customer_id", how="left", maintain_order="left"
    )
    return table.with_columns(got.get_column(c) for c in CLV_COLUMNS)


def _code_values(coded: pl.DataFrame) -> dict[str, tuple[pl.Series, pl.Series]]:
    """The text columns the hub takes one value of per customer (region, category, attributes)
    as sorted codes (core.model.ids.sorted_codes: codes, values by code), so the (customer,
    value) counts group one integer; the smallest code is the smallest value."""
    names = ["region", "category", *attribute_columns(coded)]
    return {c: sorted_codes(coded[c]) for c in names if is_text(coded.schema.get(c, pl.Null))}


def _metrics_plan(lf: pl.LazyFrame, as_of: date) -> pl.LazyFrame:
    """The hub's order-line figures per customer in one group_by (customer_base's beside return
    rate and profit), then the most frequent region and attributes and the favourite category,
    each from its own small (customer, value) count."""
    names = lf.collect_schema().names()
    extra: list[pl.Expr] = []
    if "status" in names:
        returned = pl.col("revenue").filter(pl.col("status") == "returned").sum()
        extra.append((returned / pl.col("revenue").sum()).alias("return_rate"))
    else:
        extra.append(pl.lit(None, dtype=pl.Float64).alias("return_rate"))
    if "cost" in names:
        extra.append(profit_expr())
    table = base_columns(lf.group_by("customer_id").agg(*base_aggs(lf, as_of), *extra), as_of)
    for column in (["region"] if "region" in names else []) + attribute_columns(lf):
        table = table.join(customer_values(lf, column), on="customer_id", how="left")
    table = table.with_columns(aov=pl.col("revenue") / pl.col("orders"))
    if "category" in names:
        table = table.join(_favourite_category(lf), on="customer_id", how="left")
    return table


def _favourite_category(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Per customer, the category with the most revenue; ties to the smallest, a null category
    first (the order of a sort by revenue descending, then category with nulls first; NaN
    revenue counts as the largest, as in a sort)."""
    schema = lf.collect_schema()
    if is_code(schema["customer_id"]) and is_code(schema["category"]):
        per_category = (
            lf.group_by(pair_key("customer_id", "category"))
            .agg(pl.col("revenue").sum())
            .select(*unpair("customer_id", "category"), "revenue")
        )
    else:
        per_category = lf.group_by("customer_id", "category").agg(pl.col("revenue").sum())
    top = per_category.filter(pl.col("revenue") == pl.col("revenue").nan_max().over("customer_id"))
    category = pl.col("category")
    return top.group_by("customer_id").agg(
        favourite_category=pl.when(~category.is_null().any()).then(category.min())
    )


def with_status(
    metrics: pl.DataFrame, churn_days: int = CHURN_DAYS, at_risk_days: int = AT_RISK_DAYS
) -> pl.DataFrame:
    """The hub: customer_metrics with `status` for these thresholds (a view: milliseconds)."""
    check_thresholds(churn_days, at_risk_days)
    return _ordered_columns(metrics.with_columns(status_expr(churn_days, at_risk_days)))


def customer_table(
    orders: Frame,
    *,
    as_of: date | None = None,
    churn_days: int = CHURN_DAYS,
    at_risk_days: int = AT_RISK_DAYS,
    customers: pl.DataFrame | None = None,
    rfm_bins: int = 5,
    with_clv: bool = True,
    settings: Settings | None = None,
) -> pl.DataFrame:
    """One row per customer with orders up to as_of: customer_metrics with its status.

    `settings` (as_of and thresholds), when given, replaces the three keyword arguments."""
    if settings is not None:
        as_of, churn_days, at_risk_days = settings.as_of, settings.churn_days, settings.at_risk_days
    metrics = customer_metrics(
        orders, as_of=as_of, customers=customers, rfm_bins=rfm_bins, with_clv=with_clv
    )
    return with_status(metrics, churn_days, at_risk_days)


def _ordered_columns(df: pl.DataFrame) -> pl.DataFrame:
    lead = [c for c in LEAD if c in df.columns]
    return df.select(*lead, *[c for c in df.columns if c not in lead])
