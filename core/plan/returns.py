"""Costs and return: what an action adds, what it costs, its net gain and return on spend, per
customer and per action, each with the interval the uplift's interval gives.

Per customer with baseline chance p of buying again, value at stake V (expected revenue over the
horizon) and relative uplift u:
- expected revenue if they buy R = V / p;
- expected incremental revenue = (min(p x (1 + u), 1) - p) x R  (p x u x R below the cap);
- cost = cost per contact + offer share x chance of buying with the action x next order value
  (the offer, e.g. a discount on the next order, is paid by everyone who uses it);
- net gain = incremental revenue - cost; return on spend (ROI) = net gain / cost.
Per action these are sums over its customers; ROI is the sum of net gains over the sum of costs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from core.model.errors import InputError
from core.plan.uplift import DEFAULT_ASSUMED_UPLIFT, Uplift, added_chance, assumed


@dataclass(frozen=True)
class Costs:
    """What an action costs: per contact (email, call, postage) and the offer as a share of the
    next order (a 10% discount is 0.10)."""

    per_contact: float = 0.0
    offer_share: float = 0.0

    def __post_init__(self) -> None:
        if not self.per_contact >= 0:
            raise InputError(f"a cost per contact cannot be negative, got {self.per_contact}")
        if not 0 <= self.offer_share <= 1:
            raise InputError(f"the offer is a share of the order (0-1), got {self.offer_share}")


def parameters(
    rules: list[tuple[str, str]],
    uplifts: Mapping[str, Uplift] | None = None,
    costs: Mapping[str, Costs] | None = None,
    default_uplift: Uplift | None = None,
) -> pl.DataFrame:
    """One row per (rule, action): u, u_low, u_high, uplift_source, uplift_label, per_contact,
    offer_share. Rules without an uplift take `default_uplift` (an assumption)."""
    uplifts, costs = uplifts or {}, costs or {}
    fallback = default_uplift or assumed(DEFAULT_ASSUMED_UPLIFT, "default assumption")
    rows = []
    for rule, action in rules:
        u = uplifts.get(rule, fallback)
        c = costs.get(rule, Costs())
        rows.append(
            {
                "rule": rule,
                "action": action,
                "u": u.relative,
                "u_low": u.low,
                "u_high": u.high,
                "uplift_source": u.source,
                "uplift_label": u.label,
                "per_contact": c.per_contact,
                "offer_share": c.offer_share,
            }
        )
    schema = {
        "rule": pl.Utf8,
        "action": pl.Utf8,
        "u": pl.Float64,
        "u_low": pl.Float64,
        "u_high": pl.Float64,
        "uplift_source": pl.Utf8,
        "uplift_label": pl.Utf8,
        "per_contact": pl.Float64,
        "offer_share": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)


def _incremental(u: str) -> pl.Expr:
    p = pl.col("p_buy")
    if_buy = pl.when(p > 0).then(pl.col("value_at_stake") / p).otherwise(0.0)
    return added_chance(p, pl.col(u)) * if_buy


def _cost(u: str) -> pl.Expr:
    with_action = pl.min_horizontal(pl.col("p_buy") * (1.0 + pl.col(u)), pl.lit(1.0))
    return pl.col("per_contact") + pl.col("offer_share") * with_action * pl.col("spend_per_order")


def customer_gains(customers: pl.DataFrame, params: pl.DataFrame) -> pl.DataFrame:
    """`customers` (customer_id, rule, p_buy, value_at_stake, spend_per_order, ...) joined with
    the per-rule `params`, plus incremental and cost (and their _low / _high at the ends of the
    uplift's interval) and net_gain = incremental - cost."""
    frame = customers.join(params.drop("action"), on="rule", how="left")
    return frame.with_columns(
        *(_incremental(u).alias(f"incremental{s}") for u, s in _ENDS),
        *(_cost(u).alias(f"cost{s}") for u, s in _ENDS),
    ).with_columns(net_gain=pl.col("incremental") - pl.col("cost"))


_ENDS = (("u", ""), ("u_low", "_low"), ("u_high", "_high"))


def _ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den > 0).then(num / den)


def action_table(gains: pl.DataFrame, params: pl.DataFrame) -> pl.DataFrame:
    """Per rule and action, ranked by net gain: customers, value_at_stake, baseline_return_rate
    (mean chance of buying again), the uplift with its interval and source, expected incremental
    revenue (low, high), cost, net_gain (low, high) and roi (low, high)."""
    sums = gains.group_by("rule").agg(
        pl.len().alias("customers"),
        pl.col("value_at_stake").sum(),
        pl.col("p_buy").mean().alias("baseline_return_rate"),
        *(pl.col(f"incremental{s}").sum() for _, s in _ENDS),
        *(pl.col(f"cost{s}").sum() for _, s in _ENDS),
    )
    table = params.join(sums, on="rule", how="left").with_columns(
        pl.col("customers").fill_null(0).cast(pl.Int64),
        pl.col("value_at_stake", "^incremental.*$", "^cost.*$").fill_null(0.0),
    )
    net = {s: pl.col(f"incremental{s}") - pl.col(f"cost{s}") for s in ("", "_low", "_high")}
    table = table.with_columns(
        *(n.alias(f"net{s}") for s, n in net.items()),
        *(_ratio(n, pl.col(f"cost{s}")).alias(f"roi{s}") for s, n in net.items()),
    ).rename({"net": "net_gain", "roi_low": "roi_at_low", "roi_high": "roi_at_high"})
    # list min / max: polars' min_horizontal returns one row when every value is null
    table = table.with_columns(
        net_gain_low=pl.concat_list("net_low", "net_high").list.min(),
        net_gain_high=pl.concat_list("net_low", "net_high").list.max(),
        roi_low=pl.concat_list("roi_at_low", "roi_at_high").list.min(),
        roi_high=pl.concat_list("roi_at_low", "roi_at_high").list.max(),
    )
    return table.select(
        "action",
        "rule",
        "customers",
        "value_at_stake",
        pl.when(pl.col("customers") > 0)
        .then(pl.col("baseline_return_rate"))
        .alias("baseline_return_rate"),
        pl.col("u").alias("uplift"),
        pl.col("u_low").alias("uplift_low"),
        pl.col("u_high").alias("uplift_high"),
        "uplift_source",
        "uplift_label",
        pl.col("incremental").alias("expected_incremental_revenue"),
        pl.col("incremental_low").alias("expected_incremental_revenue_low"),
        pl.col("incremental_high").alias("expected_incremental_revenue_high"),
        "cost",
        "net_gain",
        "net_gain_low",
        "net_gain_high",
        "roi",
        "roi_low",
        "roi_high",
    ).sort(["net_gain", "customers", "rule"], descending=[True, True, False])
