"""Customer segments on the customer metrics table: RFM scores and the 11 named segments, value
tiers, personas, loyalty, segment contribution, attribute breakdowns, group comparison
("subscription ROI") and the customer drill-down.

Every function takes the hub (core.customers.customer_table: one row per customer with
recency_days, orders, revenue, aov, status and attributes) and returns a polars frame or a small
frozen dataclass; nothing here loops over rows.

RFM scores and ties
-------------------
For a metric over n customers and `bins` scores (3 to 5), a customer's score is

    score = 1 + floor(bins * worse / n)

where `worse` is the number of customers with a strictly worse value: fewer orders (F), less
revenue (M), or MORE days since the last order (R, so 5 = most recent). `worse` is
rank(method="min") - 1, hence equal values always get equal scores and a tie sits in the bucket of
its lowest member (it never climbs into a score it has not earned). With distinct values this is
exact quantile bucketing: n = 10, bins = 5 gives two customers per score. A large tie leaves
scores empty: when 60% of customers have one order they all get F = 1 and two orders starts at
F = 1 + floor(5 * 0.6) = 4. `rfm_thresholds` shows the value range behind each score.

Segment map
-----------
Scores are put on the 1-5 scale (for 3 or 4 bins s5 = round(1 + (s - 1) * 4 / (bins - 1)), so
3 bins give 1, 3, 5), FM = round-half-up((F + M) / 2), and the segment is read from the widely
used R x FM grid (the R/F regex map of RFM tutorials, with cell R1-FM1 split off as Lost):

    FM\\R  1                 2                 3               4                  5
    5      Cannot Lose Them  Cannot Lose Them  Loyal           Loyal              Champions
    4      At Risk           At Risk           Loyal           Loyal              Champions
    3      At Risk           At Risk           Need Attention  Potential Loyalist Potential Loyalist
    2      Hibernating       Hibernating       About To Sleep  Potential Loyalist Potential Loyalist
    1      Lost              Hibernating       About To Sleep  Promising          New Customers

Value tiers
-----------
`worse` is replaced by `better` = customers with strictly more revenue. With tier shares
s1, s2, ... (top first) a customer is in the first tier whose cumulative share c satisfies
better < c * n. With n = 20 and the default tiers: Top 5% = the 1 best customer, Next 15% = the
next 3, Middle 30% = the next 6, Bottom 50% = the last 10. Tied revenues share a tier.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import polars as pl
from scipy import stats

from core.errors import InputError
from core.model.status import STATUS_LABELS

# --------------------------------------------------------------------------- the segment map
SEGMENTS: dict[str, tuple[str, str]] = {
    "Champions": (
        "Bought recently, buy often and spend the most.",
        "Reward them; early access to new products; ask for reviews and referrals.",
    ),
    "Loyal": (
        "Spend well and often; respond to promotions.",
        "Upsell higher-value products; loyalty programme; ask for reviews.",
    ),
    "Potential Loyalist": (
        "Recent customers with average frequency and spend.",
        "Membership or loyalty offer; recommend related products.",
    ),
    "New Customers": (
        "Bought most recently, but only once and not much.",
        "Onboarding: a welcome series and a reason for the second order.",
    ),
    "Promising": (
        "Recent shoppers who have not spent much yet.",
        "Build brand awareness; free trials or a small first-repeat incentive.",
    ),
    "Need Attention": (
        "Above-average recency, frequency and spend, but slipping.",
        "Limited-time offers based on past purchases; reactivate before they sleep.",
    ),
    "About To Sleep": (
        "Below-average recency and frequency; will be lost without a nudge.",
        "Share popular products and discounts; reconnect.",
    ),
    "At Risk": (
        "Spent a lot and bought often, but long ago.",
        "Personal emails to win them back; renewal offers; useful content.",
    ),
    "Cannot Lose Them": (
        "Were among the biggest and most frequent buyers; have not returned for a long time.",
        "Win them back with new products or a strong offer; talk to them, do not lose them.",
    ),
    "Hibernating": (
        "Last purchase long ago, few orders and low spend.",
        "Offer other relevant products and special discounts; recreate brand value.",
    ),
    "Lost": (
        "Lowest recency, frequency and spend.",
        "Revive interest with a reach-out campaign, otherwise ignore.",
    ),
}
SEGMENT_ORDER: tuple[str, ...] = tuple(SEGMENTS)

# rows: FM 5 (top) .. 1 (bottom); columns: R 1 .. 5
_GRID: tuple[tuple[str, ...], ...] = (
    ("Cannot Lose Them", "Cannot Lose Them", "Loyal", "Loyal", "Champions"),
    ("At Risk", "At Risk", "Loyal", "Loyal", "Champions"),
    ("At Risk", "At Risk", "Need Attention", "Potential Loyalist", "Potential Loyalist"),
    ("Hibernating", "Hibernating", "About To Sleep", "Potential Loyalist", "Potential Loyalist"),
    ("Lost", "Hibernating", "About To Sleep", "Promising", "New Customers"),
)
_CELL: dict[int, str] = {
    10 * r + (5 - row): _GRID[row][r - 1] for row in range(5) for r in range(1, 6)
}  # key = 10 * R + FM

DEFAULT_TIERS: tuple[tuple[str, float], ...] = (
    ("Top 5%", 0.05),
    ("Next 15%", 0.15),
    ("Middle 30%", 0.30),
    ("Bottom 50%", 0.50),
)

_RFM_INPUTS = (("r_score", "recency_days"), ("f_score", "orders"), ("m_score", "revenue"))


def _require(table: pl.DataFrame, *columns: str, what: str = "customer table") -> None:
    for c in columns:
        if c not in table.columns:
            raise InputError(f"the {what} has no {c!r} column", column=c)


def _check_bins(bins: int) -> int:
    if not isinstance(bins, int) or isinstance(bins, bool) or not 3 <= bins <= 5:
        raise InputError(f"RFM bins must be a whole number from 3 to 5, got {bins!r}")
    return bins


# --------------------------------------------------------------------------- RFM
def _score(column: str, bins: int, *, reverse: bool = False) -> pl.Expr:
    """1 + floor(bins * worse / n) with worse = rank(min) - 1 among non-null values."""
    x = -pl.col(column).cast(pl.Float64) if reverse else pl.col(column).cast(pl.Float64)
    worse = x.rank(method="min").cast(pl.Int64) - 1
    n = pl.col(column).count().cast(pl.Int64)
    return (1 + (worse * bins) // n).cast(pl.Int8)


def segment_grid() -> pl.DataFrame:
    """The R x FM segment map as 25 rows: r, fm (1-5 scale), rfm_segment."""
    keys = sorted(_CELL)
    return pl.DataFrame(
        {
            "r": [k // 10 for k in keys],
            "fm": [k % 10 for k in keys],
            "rfm_segment": [_CELL[k] for k in keys],
        },
        schema={"r": pl.Int8, "fm": pl.Int8, "rfm_segment": pl.Utf8},
    )


def _span(lo: str, hi: str) -> pl.Expr:
    return (
        pl.when(pl.col(lo) == pl.col(hi))
        .then(pl.col(lo).cast(pl.Utf8))
        .otherwise(pl.format("{}-{}", lo, hi))
    )


def segment_map() -> pl.DataFrame:
    """One row per segment: the cells of the grid it covers, its description and action."""
    grid = segment_grid()
    rows = (
        grid.group_by("rfm_segment")
        .agg(
            pl.col("r").min().alias("r_min"),
            pl.col("r").max().alias("r_max"),
            pl.col("fm").min().alias("fm_min"),
            pl.col("fm").max().alias("fm_max"),
        )
        .with_columns(
            pl.concat_str(
                pl.lit("R "),
                _span("r_min", "r_max"),
                pl.lit(", FM "),
                _span("fm_min", "fm_max"),
            ).alias("rule")
        )
    )
    info = pl.DataFrame(
        {
            "rfm_segment": list(SEGMENTS),
            "description": [d for d, _ in SEGMENTS.values()],
            "action": [a for _, a in SEGMENTS.values()],
            "order": list(range(len(SEGMENTS))),
        }
    )
    return (
        info.join(rows, on="rfm_segment", how="left")
        .with_columns(
            pl.when(pl.col("rfm_segment") == "Hibernating")
            .then(pl.lit("R 1-2, FM 1-2 (not R1-FM1)"))
            .otherwise(pl.col("rule"))
            .alias("rule")
        )
        .sort("order")
        .select("rfm_segment", "rule", "description", "action")
    )


def _to5(col: str, bins: int) -> pl.Expr:
    """A score on the 1-5 scale of the segment map: s5 = round(1 + (s - 1) * 4 / (bins - 1))."""
    if bins == 5:
        return pl.col(col).cast(pl.Int64)
    return (1 + (pl.col(col).cast(pl.Float64) - 1) * 4 / (bins - 1)).round(0).cast(pl.Int64)


def _fm5(bins: int) -> pl.Expr:
    """FM = round-half-up of the mean of F and M on the 1-5 scale."""
    return (_to5("f_score", bins) + _to5("m_score", bins) + 1) // 2


def add_rfm(table: pl.DataFrame, bins: int = 5) -> pl.DataFrame:
    """Add r_score, f_score, m_score (Int8 1..bins), rfm_code ("545") and rfm_segment.

    Scores come from recency_days (reversed), orders and revenue; see the module docstring for
    ties and the segment map. Customers with a null metric get null scores and segment.
    """
    _check_bins(bins)
    _require(table, "recency_days", "orders", "revenue")
    scored = table.with_columns(
        _score(src, bins, reverse=(src == "recency_days")).alias(out) for out, src in _RFM_INPUTS
    )

    key = 10 * _to5("r_score", bins) + _fm5(bins)
    return scored.with_columns(
        pl.concat_str([pl.col(c).cast(pl.Utf8) for c in ("r_score", "f_score", "m_score")]).alias(
            "rfm_code"
        ),
        key.replace_strict(_CELL, default=None, return_dtype=pl.Utf8).alias("rfm_segment"),
    )


def segment_cells(table: pl.DataFrame, bins: int = 5) -> pl.DataFrame:
    """Customers and revenue in each of the 25 cells of the segment map (R x FM on the 1-5
    scale), zero-filled: r, fm, rfm_segment, customers, revenue, customer_share, revenue_share.
    Scores are recomputed with `bins`."""
    scored = add_rfm(table.select("recency_days", "orders", "revenue"), bins)
    got = (
        scored.filter(pl.col("r_score").is_not_null())
        .group_by(
            _to5("r_score", bins).cast(pl.Int8).alias("r"), _fm5(bins).cast(pl.Int8).alias("fm")
        )
        .agg(pl.len().cast(pl.Int64).alias("customers"), pl.col("revenue").sum())
    )
    return (
        segment_grid()
        .join(got, on=["r", "fm"], how="left")
        .with_columns(pl.col("customers").fill_null(0), pl.col("revenue").fill_null(0.0))
        .with_columns(
            (pl.col("customers") / pl.col("customers").sum()).alias("customer_share"),
            (pl.col("revenue") / pl.col("revenue").sum()).alias("revenue_share"),
        )
    )


def rfm_thresholds(table: pl.DataFrame, bins: int = 5) -> pl.DataFrame:
    """The value range behind each score: metric, score, low, high, customers.

    Computed from the scores themselves, so it is exact (ties included). A score no customer
    got (a large tie jumped over it) is listed with customers = 0 and null low/high.
    """
    _check_bins(bins)
    scored = add_rfm(table.select("recency_days", "orders", "revenue"), bins)
    frames = []
    for label, (score, src) in zip(("Recency", "Frequency", "Monetary"), _RFM_INPUTS, strict=True):
        frames.append(
            scored.filter(pl.col(score).is_not_null())
            .group_by(pl.col(score).alias("score"))
            .agg(
                pl.col(src).cast(pl.Float64).min().alias("low"),
                pl.col(src).cast(pl.Float64).max().alias("high"),
                pl.len().cast(pl.Int64).alias("customers"),
            )
            .with_columns(pl.lit(label).alias("metric"), pl.lit(src).alias("column"))
        )
    all_scores = pl.DataFrame(
        {
            "metric": [m for m in ("Recency", "Frequency", "Monetary") for _ in range(bins)],
            "score": [s for _ in range(3) for s in range(bins, 0, -1)],
        },
        schema={"metric": pl.Utf8, "score": pl.Int8},
    )
    found = pl.concat(frames)
    return (
        all_scores.join(found, on=["metric", "score"], how="left")
        .with_columns(
            pl.col("column").fill_null(
                pl.col("metric").replace_strict(
                    {"Recency": "recency_days", "Frequency": "orders", "Monetary": "revenue"}
                )
            ),
            pl.col("customers").fill_null(0),
        )
        .select("metric", "column", "score", "low", "high", "customers")
    )


def segment_members(table: pl.DataFrame, segment: str) -> pl.DataFrame:
    """The customers of one RFM segment (rows of the scored table, in table order)."""
    _require(table, "rfm_segment")
    return table.filter(pl.col("rfm_segment") == segment)


# --------------------------------------------------------------------------- value tiers
def _check_tiers(tiers: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    tiers = [(str(name), float(share)) for name, share in tiers]
    if not tiers:
        raise InputError("value tiers: give at least one tier")
    names = [n for n, _ in tiers]
    if len(set(names)) != len(names) or any(not n.strip() for n in names):
        raise InputError(f"value tiers need distinct, non-empty names, got {names}")
    if any(not (0 < s <= 1) or math.isnan(s) for _, s in tiers):
        raise InputError(f"each tier share must be above 0 and at most 1 (100%), got {tiers}")
    total = sum(s for _, s in tiers)
    if abs(total - 1) > 1e-6:
        raise InputError(f"tier shares must add up to 100%, they add up to {total:.1%}")
    return tiers


def _better(column: str) -> pl.Expr:
    """Customers with a strictly higher value (rank of the negated value, method min, minus 1)."""
    return (-pl.col(column).cast(pl.Float64)).rank(method="min").cast(pl.Int64) - 1


def add_value_tier(
    table: pl.DataFrame, tiers: Sequence[tuple[str, float]] = DEFAULT_TIERS
) -> pl.DataFrame:
    """Add value_tier (Utf8) from each customer's revenue rank; tiers are (name, share), top first.

    A customer falls in the first tier whose cumulative share c has better < c * n, where better
    is the number of customers with strictly more revenue (ties share a tier).
    """
    tiers = _check_tiers(tiers)
    _require(table, "revenue")
    n = pl.col("revenue").count()
    better = _better("revenue")
    expr: pl.Expr | None = None
    cum = 0.0
    for i, (name, share) in enumerate(tiers):
        cum += share
        last = i == len(tiers) - 1
        cond = pl.col("revenue").is_not_null() if last else better < (n * round(cum, 9)).round(9)
        expr = (pl.when(cond) if expr is None else expr.when(cond)).then(pl.lit(name))
    return table.with_columns(expr.otherwise(None).cast(pl.Utf8).alias("value_tier"))


def tier_edges(
    table: pl.DataFrame, tiers: Sequence[tuple[str, float]] = DEFAULT_TIERS
) -> pl.DataFrame:
    """Per tier: the share asked for, customers in it and their revenue range (lowest, highest)."""
    tiers = _check_tiers(tiers)
    tiered = add_value_tier(table.select("revenue"), tiers)
    spec = pl.DataFrame(
        {"value_tier": [n for n, _ in tiers], "share": [s for _, s in tiers]},
        schema={"value_tier": pl.Utf8, "share": pl.Float64},
    ).with_row_index("order")
    got = tiered.group_by("value_tier").agg(
        pl.len().cast(pl.Int64).alias("customers"),
        pl.col("revenue").min().alias("revenue_low"),
        pl.col("revenue").max().alias("revenue_high"),
    )
    return (
        spec.join(got, on="value_tier", how="left")
        .with_columns(pl.col("customers").fill_null(0))
        .sort("order")
        .drop("order")
    )


def tier_table(tiers: Sequence[tuple[str, float]] = DEFAULT_TIERS) -> pl.DataFrame:
    """Tiers as an editable table: tier (name), share_pct (share in percent, 5.0 = 5%)."""
    return pl.DataFrame(
        {"tier": [str(n) for n, _ in tiers], "share_pct": [100 * float(v) for _, v in tiers]},
        schema={"tier": pl.Utf8, "share_pct": pl.Float64},
    )


def tiers_from_table(table: pl.DataFrame) -> tuple[tuple[str, float], ...]:
    """The (name, share) tiers of an edited tier_table; rows with an empty name or share are
    skipped (a row being typed in). Not checked here: add_value_tier checks the tiers."""
    _require(table, "tier", "share_pct", what="tier table")
    rows = table.select(
        pl.col("tier").cast(pl.Utf8), (pl.col("share_pct").cast(pl.Float64) / 100).alias("share")
    ).drop_nulls()
    return tuple(zip(rows["tier"].to_list(), rows["share"].to_list(), strict=True))


# --------------------------------------------------------------------------- personas
PERSONAS: dict[str, tuple[str, str]] = {
    "Premium": (
        "Top revenue and big baskets.",
        "White-glove service, premium launches, no discounts needed.",
    ),
    "Loyal High-Value": (
        "Top revenue built on many orders.",
        "Loyalty rewards, subscriptions, early access.",
    ),
    "High Churn Risk": (
        "Not in the top group and has not ordered for a while (at risk or churned).",
        "Win-back campaign with a time-limited offer.",
    ),
    "Low-Premium": (
        "Big baskets but rare orders; revenue below the top group.",
        "Nudge a repeat purchase: replenishment reminders, bundles.",
    ),
    "Standard": ("Everyone else.", "Regular newsletters and seasonal promotions."),
}


@dataclass(frozen=True)
class PersonaRules:
    """Thresholds of the persona rules (evaluated top to bottom, first match wins)."""

    top_share: float = 0.20  # top x% of customers by revenue
    aov_quantile: float = 0.75  # "big basket": AOV at or above this quantile of AOV
    loyal_orders: int = 3  # "many orders"
    risk_statuses: tuple[str, ...] = ("at_risk", "churned")
    at_risk_days: int = 60  # used only when the table has no status column


def _persona_parts(table: pl.DataFrame, rules: PersonaRules) -> tuple[pl.Expr, ...]:
    if not 0 < rules.top_share < 1:
        raise InputError(f"persona top share must be between 0 and 100%, got {rules.top_share}")
    if not 0 < rules.aov_quantile < 1:
        raise InputError(f"persona AOV quantile must be between 0 and 1, got {rules.aov_quantile}")
    if rules.loyal_orders < 1:
        raise InputError(f"persona 'many orders' must be at least 1, got {rules.loyal_orders}")
    _require(table, "revenue", "orders", "aov", "recency_days")
    n = pl.col("revenue").count()
    top = _better("revenue") < (n * rules.top_share).round(9)
    aov_cut = table["aov"].quantile(rules.aov_quantile, "linear")
    big = pl.col("aov") >= (aov_cut if aov_cut is not None else math.inf)
    frequent = pl.col("orders") >= rules.loyal_orders
    if "status" in table.columns:
        risk = pl.col("status").is_in(list(rules.risk_statuses))
    else:
        risk = pl.col("recency_days") > rules.at_risk_days
    return top, big, frequent, risk


def add_persona(table: pl.DataFrame, rules: PersonaRules = PersonaRules()) -> pl.DataFrame:
    """Add persona (Utf8): Premium, Loyal High-Value, High Churn Risk, Low-Premium, Standard."""
    top, big, frequent, risk = _persona_parts(table, rules)
    expr = (
        pl.when(top & big)
        .then(pl.lit("Premium"))
        .when(top & frequent)
        .then(pl.lit("Loyal High-Value"))
        .when(risk.fill_null(False))
        .then(pl.lit("High Churn Risk"))
        .when(big)
        .then(pl.lit("Low-Premium"))
        .otherwise(pl.lit("Standard"))
    )
    return table.with_columns(expr.alias("persona"))


def persona_rules(table: pl.DataFrame, rules: PersonaRules = PersonaRules()) -> pl.DataFrame:
    """The persona rules in words with the thresholds they resolve to on this table."""
    _persona_parts(table, rules)
    n = table["revenue"].count()
    k = math.ceil(round(n * rules.top_share, 9))
    rev_cut = table["revenue"].sort(descending=True, nulls_last=True)[k - 1] if k else None
    aov_cut = table["aov"].quantile(rules.aov_quantile, "linear")
    top = f"top {rules.top_share:.0%} by revenue (>= {rev_cut:,.2f})"
    big = f"AOV >= {aov_cut:,.2f} ({rules.aov_quantile:.0%} quantile)"
    risk = (
        f"status is {' or '.join(STATUS_LABELS.get(x, x) for x in rules.risk_statuses)}"
        if "status" in table.columns
        else f"no order for more than {rules.at_risk_days} days"
    )
    text = {
        "Premium": f"{top} and {big}",
        "Loyal High-Value": f"{top} and orders >= {rules.loyal_orders}",
        "High Churn Risk": f"{risk}",
        "Low-Premium": f"{big}",
        "Standard": "none of the above",
    }
    return pl.DataFrame(
        {
            "order": list(range(1, len(PERSONAS) + 1)),
            "persona": list(PERSONAS),
            "rule": [text[p] for p in PERSONAS],
            "description": [d for d, _ in PERSONAS.values()],
            "action": [a for _, a in PERSONAS.values()],
        }
    )


# --------------------------------------------------------------------------- loyalty
LOYALTY_ORDER = ("New", "Returning", "Loyal")


def add_loyalty(table: pl.DataFrame, returning_min: int = 2, loyal_min: int = 4) -> pl.DataFrame:
    """Add loyalty: New (orders < returning_min), Returning, Loyal (orders >= loyal_min)."""
    if not (isinstance(returning_min, int) and isinstance(loyal_min, int)):
        raise InputError("loyalty cut-offs must be whole numbers of orders")
    if not 2 <= returning_min < loyal_min:
        raise InputError(
            f"loyalty cut-offs need 2 <= returning < loyal orders, got {returning_min} and "
            f"{loyal_min}"
        )
    _require(table, "orders")
    return table.with_columns(
        pl.when(pl.col("orders") >= loyal_min)
        .then(pl.lit("Loyal"))
        .when(pl.col("orders") >= returning_min)
        .then(pl.lit("Returning"))
        .when(pl.col("orders").is_not_null())
        .then(pl.lit("New"))
        .otherwise(None)
        .alias("loyalty")
    )


def loyalty_rule(returning_min: int = 2, loyal_min: int = 4) -> str:
    """The loyalty cut-offs in words, e.g. 2 and 4: "New: 1 order. Returning: 2 to 3 orders.
    Loyal: 4 orders or more." """
    new_max, ret_max = returning_min - 1, loyal_min - 1

    def span(lo: int, hi: int) -> str:
        return f"{lo} order{'s' if lo > 1 else ''}" if lo == hi else f"{lo} to {hi} orders"

    return (
        f"New: {span(1, new_max)}. Returning: {span(returning_min, ret_max)}. "
        f"Loyal: {loyal_min} orders or more."
    )


def orders_distribution(table: pl.DataFrame, cap: int = 10) -> pl.DataFrame:
    """Customers by number of orders (the last bucket is `cap`+): orders, n_orders, customers,
    share, revenue, revenue_share."""
    _require(table, "orders", "revenue")
    if cap < 2:
        raise InputError(f"the orders cap must be at least 2, got {cap}")
    capped = pl.min_horizontal(pl.col("orders"), pl.lit(cap))
    return (
        table.filter(pl.col("orders").is_not_null())
        .group_by(capped.alias("n_orders"))
        .agg(pl.len().cast(pl.Int64).alias("customers"), pl.col("revenue").sum())
        .sort("n_orders")
        .with_columns(
            pl.when(pl.col("n_orders") >= cap)
            .then(pl.format("{}+", pl.col("n_orders")))
            .otherwise(pl.col("n_orders").cast(pl.Utf8))
            .alias("orders"),
            (pl.col("customers") / pl.col("customers").sum()).alias("share"),
            (pl.col("revenue") / pl.col("revenue").sum()).alias("revenue_share"),
        )
        .select("orders", "n_orders", "customers", "share", "revenue", "revenue_share")
    )


def time_to_second_order(orders: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Per customer with 2+ orders: first_order, second_order (dates of their first two orders,
    an order dated by its earliest line) and days_to_second."""
    lf = orders.lazy()
    names = lf.collect_schema().names()
    for c in ("customer_id", "order_date"):
        if c not in names:
            raise InputError(f"the orders have no {c!r} column", column=c)
    order_key = "order_id" if "order_id" in names else "order_date"
    per_order = lf.group_by("customer_id", order_key).agg(pl.col("order_date").min().alias("d"))
    return (
        per_order.group_by("customer_id")
        .agg(
            pl.col("d").min().alias("first_order"),
            pl.col("d").sort().slice(1, 1).first().alias("second_order"),
        )
        .filter(pl.col("second_order").is_not_null())
        .with_columns(
            (pl.col("second_order") - pl.col("first_order")).dt.total_days().alias("days_to_second")
        )
        .sort("customer_id")
        .collect()
    )


def second_order_summary(days: pl.DataFrame, customers: int | None = None) -> dict:
    """customers_with_second (and their share of `customers` when given), median, p25 and p75
    of days_to_second, and the share of them who came back within 30 and 90 days."""
    _require(days, "days_to_second", what="time-to-second-order table")
    d = days["days_to_second"].cast(pl.Float64)
    n = d.len()
    return {
        "customers_with_second": n,
        "share_with_second": n / customers if customers else None,
        "median_days": d.median() if n else None,
        "p25_days": d.quantile(0.25, "linear") if n else None,
        "p75_days": d.quantile(0.75, "linear") if n else None,
        "within_30_days": float((d <= 30).mean()) if n else None,
        "within_90_days": float((d <= 90).mean()) if n else None,
    }


def second_order_buckets(
    days: pl.DataFrame, edges: Sequence[int] = (7, 30, 60, 90, 180, 365)
) -> pl.DataFrame:
    """Histogram of days_to_second: bucket ("0-7 days" ... "over 365 days"), customers, share,
    cumulative_share (of customers with a second order)."""
    _require(days, "days_to_second", what="time-to-second-order table")
    edges = sorted({int(e) for e in edges})
    labels = [f"0-{edges[0]} days"]
    labels += [f"{a + 1}-{b} days" for a, b in itertools.pairwise(edges)]
    labels += [f"over {edges[-1]} days"]
    frame = pl.DataFrame({"bucket": labels, "order": list(range(len(labels)))})
    got = (
        days.select(
            pl.col("days_to_second")
            .cut([float(e) for e in edges], labels=labels, left_closed=False)
            .cast(pl.Utf8)
            .alias("bucket")
        )
        .group_by("bucket")
        .agg(pl.len().cast(pl.Int64).alias("customers"))
    )
    total = max(days.height, 1)
    return (
        frame.join(got, on="bucket", how="left")
        .with_columns(pl.col("customers").fill_null(0))
        .sort("order")
        .with_columns(
            (pl.col("customers") / total).alias("share"),
            (pl.col("customers").cum_sum() / total).alias("cumulative_share"),
        )
        .drop("order")
    )


# --------------------------------------------------------------------------- contribution
_ORDERS_OF = {
    "rfm_segment": SEGMENT_ORDER,
    "persona": tuple(PERSONAS),
    "loyalty": LOYALTY_ORDER,
    # raw codes, then the labels of with_status_labels (a table shows one or the other)
    "status": (*STATUS_LABELS, *STATUS_LABELS.values()),
}


def _summary_aggs() -> list[pl.Expr]:
    return [
        pl.len().cast(pl.Int64).alias("customers"),
        pl.col("revenue").sum().alias("revenue"),
        pl.col("orders").sum().cast(pl.Int64).alias("orders"),
        pl.col("recency_days").mean().alias("avg_recency_days"),
        (pl.col("orders") >= 2).mean().alias("repeat_rate"),
    ]


def _finish_summary(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        (pl.col("customers") / pl.col("customers").sum()).alias("customer_share"),
        (pl.col("revenue") / pl.col("revenue").sum()).alias("revenue_share"),
        (pl.col("revenue") / pl.col("orders")).alias("aov"),
        (pl.col("revenue") / pl.col("customers")).alias("revenue_per_customer"),
        (pl.col("orders") / pl.col("customers")).alias("orders_per_customer"),
    )


_SUMMARY_COLUMNS = (
    "customers",
    "customer_share",
    "revenue",
    "revenue_share",
    "orders",
    "aov",
    "revenue_per_customer",
    "orders_per_customer",
    "avg_recency_days",
    "repeat_rate",
)


def segment_summary(
    table: pl.DataFrame, by: str = "rfm_segment", order: Sequence[str] | None = None
) -> pl.DataFrame:
    """Revenue, customers and AOV per group of `by` (a segment, tier, persona or any column).

    Columns: <by>, customers, customer_share, revenue, revenue_share, orders, aov,
    revenue_per_customer, orders_per_customer, avg_recency_days, repeat_rate (and description,
    action for rfm_segment). Known groupings keep their natural order; others are sorted by
    revenue, largest first.
    """
    _require(table, by, "revenue", "orders", "recency_days")
    out = _finish_summary(table.group_by(by).agg(_summary_aggs()))
    order = list(order) if order is not None else list(_ORDERS_OF.get(by, ()))
    if order:
        rank = {name: i for i, name in enumerate(order)}
        out = out.sort(
            pl.col(by).cast(pl.Utf8).replace_strict(rank, default=len(rank), return_dtype=pl.Int64),
            pl.col("revenue"),
            descending=[False, True],
            nulls_last=True,
        )
    else:
        out = out.sort("revenue", descending=True, nulls_last=True)
    out = out.select(by, *_SUMMARY_COLUMNS)
    if by == "rfm_segment":
        info = segment_map().select("rfm_segment", "description", "action")
        out = out.join(info, on="rfm_segment", how="left", maintain_order="left")
    return out


def segment_kpis(table: pl.DataFrame) -> dict:
    """Headline figures of the scored table: customers, revenue, revenue_per_customer, aov,
    repeat_rate, champions (customers), champions_revenue_share, slipping (customers) and
    slipping_revenue_share (At Risk + Cannot Lose Them: valuable customers who have not come
    back)."""
    _require(table, "revenue", "orders", "rfm_segment")
    row = table.select(
        pl.len().cast(pl.Int64).alias("customers"),
        pl.col("revenue").sum().alias("revenue"),
        pl.col("orders").sum().alias("orders"),
        (pl.col("orders") >= 2).mean().alias("repeat_rate"),
        (pl.col("rfm_segment") == "Champions").sum().cast(pl.Int64).alias("champions"),
        pl.col("rfm_segment").is_in(["At Risk", "Cannot Lose Them"]).sum().alias("slipping"),
        pl.col("revenue").filter(pl.col("rfm_segment") == "Champions").sum().alias("_champ"),
        pl.col("revenue")
        .filter(pl.col("rfm_segment").is_in(["At Risk", "Cannot Lose Them"]))
        .sum()
        .alias("_slip"),
    ).row(0, named=True)
    n, rev, orders = row["customers"], row["revenue"] or 0.0, row["orders"] or 0
    return {
        "customers": n,
        "revenue": rev,
        "revenue_per_customer": rev / n if n else None,
        "aov": rev / orders if orders else None,
        "repeat_rate": row["repeat_rate"],
        "champions": row["champions"],
        "champions_revenue_share": row["_champ"] / rev if rev else None,
        "slipping": int(row["slipping"]),
        "slipping_revenue_share": row["_slip"] / rev if rev else None,
    }


def segment_products(
    orders: pl.DataFrame | pl.LazyFrame,
    table: pl.DataFrame,
    by: str = "rfm_segment",
    top: int = 5,
    item: str | None = None,
) -> pl.DataFrame:
    """What each group buys: per group of `by`, its `top` items by revenue.

    item defaults to product, else category. Columns: <by>, <item>, rank, revenue, customers,
    share_of_group (the item's share of the group's revenue).
    """
    lf = orders.lazy()
    names = lf.collect_schema().names()
    if item is None:
        item = next((c for c in ("product", "category") if c in names), None)
        if item is None:
            raise InputError("the orders have no product or category column to break down")
    elif item not in names:
        raise InputError(f"the orders have no {item!r} column", column=item)
    _require(table, "customer_id", by)
    if top < 1:
        raise InputError(f"top must be at least 1, got {top}")
    joined = lf.select("customer_id", item, "revenue").join(
        table.lazy().select("customer_id", by), on="customer_id", how="inner"
    )
    return (
        joined.group_by(by, item)
        .agg(pl.col("revenue").sum(), pl.col("customer_id").n_unique().alias("customers"))
        .with_columns(
            (pl.col("revenue") / pl.col("revenue").sum().over(by)).alias("share_of_group"),
            pl.col("revenue")
            .rank(method="ordinal", descending=True)
            .over(by)
            .cast(pl.Int64)
            .alias("rank"),
        )
        .filter(pl.col("rank") <= top)
        .sort(by, "rank")
        .select(by, item, "rank", "revenue", "customers", "share_of_group")
        .collect()
    )


def top_items(
    products: pl.DataFrame,
    by: str,
    top: int,
    group: str | None = None,
    order: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The rows of segment_products with rank <= `top`.

    With `group`: that group's rows only, without the `by` and rank columns (item, revenue,
    customers, share_of_group). Otherwise every group, in `order` when given (groups not in it
    last), then by rank."""
    _require(products, by, "rank", what="product breakdown")
    out = products.filter(pl.col("rank") <= top)
    if group is not None:
        return out.filter(pl.col(by) == group).drop(by, "rank")
    if order is not None:
        rank = {name: i for i, name in enumerate(order)}
        pos = (
            pl.col(by).cast(pl.Utf8).replace_strict(rank, default=len(rank), return_dtype=pl.Int64)
        )
        out = out.sort(pos, pl.col(by), pl.col("rank"), nulls_last=True)
    return out


# --------------------------------------------------------------------------- attributes
# Columns of the hub that are metrics, not attributes.
NOT_ATTRIBUTES = frozenset(
    {
        "customer_id",
        "first_order",
        "last_order",
        "orders",
        "revenue",
        "net_revenue",
        "revenue_365d",
        "aov",
        "recency_days",
        "tenure_days",
        "avg_days_between_orders",
        "return_rate",
        "profit",
        "cost",
        "margin",
        "quantity",
        "lines",
        "r_score",
        "f_score",
        "m_score",
        "rfm_code",
        "rfm_segment",
        "value_tier",
        "status",
        "persona",
        "loyalty",
        "p_alive",
        "expected_purchases_90d",
        "expected_clv_365d",
        "frequency",
        "recency",
        "T",
        "monetary_value",
        "name",
        "source_row",
        "order_id",
    }
)
_METRIC_PREFIXES = ("expected_", "clv", "p_alive", "predicted_")


def attribute_columns(table: pl.DataFrame, max_groups: int = 50) -> list[str]:
    """Columns that describe customers (age, gender, region, subscription, favourite_category...):
    text or boolean ones with at most `max_groups` values, and numeric ones (binned later)."""
    out: list[str] = []
    seen: set[str] = set()  # "region" from the orders and "Region" from a customers file: one
    for c, t in table.schema.items():
        if c in NOT_ATTRIBUTES or c.startswith(_METRIC_PREFIXES) or c.endswith(("_days", "_id")):
            continue
        if c.lower() in seen:
            continue
        seen.add(c.lower())
        if t.is_numeric():
            if table[c].drop_nulls().n_unique() > 1:
                out.append(c)
        elif t in (pl.Utf8, pl.Boolean, pl.Categorical) or isinstance(t, pl.Enum):
            k = table[c].drop_nulls().n_unique()
            if 1 <= k <= max_groups:
                out.append(c)
    return out


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.4g}"


def quantile_bins(series: pl.Series, bins: int = 4) -> tuple[list[float], list[str]]:
    """Edges (right-closed: (-inf, e1], (e1, e2], ...) at the quantiles 1/bins .. (bins-1)/bins,
    duplicates dropped, and a label per bin with its value range ("18-29", "30-41", ...)."""
    s = series.drop_nulls().cast(pl.Float64)
    if s.is_empty():
        return [], []
    lo, hi = float(s.min()), float(s.max())
    integral = bool((s == s.floor()).all())
    qs = [s.quantile(i / bins, "linear") for i in range(1, bins)]
    edges = sorted({math.floor(q) if integral else q for q in qs if q is not None})
    edges = [e for e in edges if lo <= e < hi]
    if not edges:
        return [], [_fmt(lo) if lo == hi else f"{_fmt(lo)}-{_fmt(hi)}"]
    starts = [lo] + [e + 1 if integral else e for e in edges]
    ends = [*edges, hi]
    labels = []
    for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
        if a == b:
            labels.append(_fmt(a))
        elif integral or i == 0:
            labels.append(f"{_fmt(a)}-{_fmt(b)}")
        else:
            labels.append(f">{_fmt(a)}-{_fmt(b)}")
    return [float(e) for e in edges], labels


MISSING = "(missing)"


def attribute_groups(table: pl.DataFrame, attribute: str, bins: int = 4) -> pl.DataFrame:
    """The table with a `group` column for `attribute`: numeric attributes binned by quantile,
    others as text; nulls become "(missing)". Also `group_order` for display order."""
    _require(table, attribute)
    dtype = table.schema[attribute]
    if dtype.is_numeric():
        edges, labels = quantile_bins(table[attribute], bins)
        if edges:
            group = pl.col(attribute).cast(pl.Float64).cut(edges, labels=labels).cast(pl.Utf8)
        else:
            group = pl.when(pl.col(attribute).is_not_null()).then(
                pl.lit(labels[0] if labels else "")
            )
        rank = {lab: i for i, lab in enumerate(labels)}
        g = group.fill_null(MISSING)
        order = g.replace_strict(rank, default=len(rank), return_dtype=pl.Int64)
        return table.with_columns(g.alias("group")).with_columns(order.alias("group_order"))
    g = pl.col(attribute).cast(pl.Utf8).fill_null(MISSING)
    return table.with_columns(g.alias("group"), (g == MISSING).cast(pl.Int64).alias("group_order"))


def attribute_breakdown(table: pl.DataFrame, attribute: str, bins: int = 4) -> pl.DataFrame:
    """Customers, revenue, AOV, repeat rate ... per value of `attribute` (numeric ones binned by
    quantile, see quantile_bins). Columns: attribute, group, then the segment_summary columns."""
    if bins < 2 or bins > 10:
        raise InputError(f"the number of bins must be from 2 to 10, got {bins}")
    grouped = attribute_groups(table, attribute, bins)
    _require(table, "revenue", "orders", "recency_days")
    out = _finish_summary(grouped.group_by("group", "group_order").agg(_summary_aggs()))
    if table.schema[attribute].is_numeric():
        out = out.sort("group_order")
    else:
        out = out.sort("group_order", "revenue", descending=[False, True])
    return out.select(pl.lit(attribute).alias("attribute"), "group", *_SUMMARY_COLUMNS)


def inconsistent_attributes(
    orders: pl.DataFrame | pl.LazyFrame, columns: Sequence[str]
) -> pl.DataFrame:
    """For attributes recorded on order lines: how many customers have more than one value
    (the hub keeps each customer's most frequent value). Columns: attribute, customers,
    inconsistent_customers, share."""
    lf = orders.lazy()
    names = lf.collect_schema().names()
    cols = [c for c in columns if c in names and c != "customer_id"]
    if not cols:
        return pl.DataFrame(
            schema={
                "attribute": pl.Utf8,
                "customers": pl.Int64,
                "inconsistent_customers": pl.Int64,
                "share": pl.Float64,
            }
        )
    per = lf.group_by("customer_id").agg(pl.col(c).drop_nulls().n_unique().alias(c) for c in cols)
    counts = per.select(
        pl.len().cast(pl.Int64).alias("__n"),
        *[(pl.col(c) > 1).sum().cast(pl.Int64).alias(c) for c in cols],
    ).collect()
    n = counts["__n"][0]
    bad = [counts[c][0] for c in cols]
    return pl.DataFrame(
        {
            "attribute": cols,
            "customers": [n] * len(cols),
            "inconsistent_customers": bad,
            "share": [b / n if n else 0.0 for b in bad],
        },
        schema={
            "attribute": pl.Utf8,
            "customers": pl.Int64,
            "inconsistent_customers": pl.Int64,
            "share": pl.Float64,
        },
    )


def inconsistent_count(orders: pl.DataFrame | pl.LazyFrame, attribute: str) -> int:
    """Customers with more than one value of `attribute` on their order lines (0 when the
    orders do not carry that column)."""
    counts = inconsistent_attributes(orders, [attribute])
    return int(counts["inconsistent_customers"][0]) if counts.height else 0


# --------------------------------------------------------------------------- group comparison
_YES = {"yes", "y", "true", "1", "t", "subscribed", "member", "premium", "active", "on"}


@dataclass(frozen=True)
class GroupComparison:
    """Welch comparison of `metric` (and of the repeat rate) between the two groups of an
    attribute: diff = mean(group_b) - mean(group_a), CI with Welch-Satterthwaite df."""

    attribute: str
    metric: str
    group_a: str
    group_b: str
    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    diff: float
    ci_low: float
    ci_high: float
    t_stat: float
    df: float
    p_value: float
    repeat_rate_a: float
    repeat_rate_b: float
    repeat_diff: float
    repeat_ci_low: float
    repeat_ci_high: float
    repeat_p_value: float
    confidence: float = 0.95

    @property
    def significant(self) -> bool:
        return bool(self.p_value < 1 - self.confidence)

    @property
    def sentence(self) -> str:
        return describe_comparison(self)

    def to_frame(self) -> pl.DataFrame:
        """One row per measure (metric and repeat rate) for display and download."""
        c = self
        return pl.DataFrame(
            {
                "measure": [f"average {c.metric}", "repeat rate"],
                f"{c.attribute} = {c.group_a}": [c.mean_a, c.repeat_rate_a],
                f"{c.attribute} = {c.group_b}": [c.mean_b, c.repeat_rate_b],
                "difference": [c.diff, c.repeat_diff],
                "ci_low": [c.ci_low, c.repeat_ci_low],
                "ci_high": [c.ci_high, c.repeat_ci_high],
                "p_value": [c.p_value, c.repeat_p_value],
                "customers_a": [c.n_a, c.n_a],
                "customers_b": [c.n_b, c.n_b],
            }
        )

    def as_dict(self) -> dict:
        return asdict(self) | {"sentence": self.sentence}


def _welch(b: np.ndarray, a: np.ndarray, confidence: float) -> tuple[float, ...]:
    """t, df, p, CI low, CI high for mean(b) - mean(a); NaN when there is no variation."""
    if np.var(a) == 0 and np.var(b) == 0:
        d = float(np.mean(b) - np.mean(a))
        return math.nan, math.nan, math.nan, d, d
    res = stats.ttest_ind(b, a, equal_var=False)
    ci = res.confidence_interval(confidence_level=confidence)
    return float(res.statistic), float(res.df), float(res.pvalue), float(ci.low), float(ci.high)


def two_groups(table: pl.DataFrame, attribute: str) -> list[str]:
    """The two values of a two-valued attribute as text, the "yes"-like value second."""
    _require(table, attribute)
    values = sorted(table[attribute].drop_nulls().cast(pl.Utf8).unique().to_list())
    if len(values) != 2:
        shown = ", ".join(values[:6]) + (" ..." if len(values) > 6 else "")
        raise InputError(
            f"{attribute!r} has {len(values)} distinct values ({shown}); the comparison needs "
            "an attribute with exactly two",
            column=attribute,
        )
    if values[0].strip().lower() in _YES and values[1].strip().lower() not in _YES:
        values.reverse()
    return values


def two_valued_attributes(table: pl.DataFrame) -> list[str]:
    """Attribute columns with exactly two distinct non-null values (subscription, gender ...)."""
    return [c for c in attribute_columns(table) if table[c].drop_nulls().n_unique() == 2]


def metric_columns(table: pl.DataFrame) -> list[str]:
    """Numeric per-customer metrics that can be compared between groups."""
    wanted = (
        "revenue",
        "aov",
        "orders",
        "revenue_365d",
        "profit",
        "tenure_days",
        "avg_days_between_orders",
        "return_rate",
        "expected_clv_365d",
    )
    return [c for c in wanted if c in table.columns and table.schema[c].is_numeric()]


def compare_groups(
    table: pl.DataFrame,
    attribute: str,
    metric: str = "revenue",
    *,
    group_b: str | None = None,
    confidence: float = 0.95,
) -> GroupComparison:
    """Compare the average `metric` per customer and the repeat rate (share with 2+ orders)
    between the two groups of `attribute` with Welch's t-test (scipy.stats.ttest_ind,
    equal_var=False); the repeat rate is tested the same way on the 0/1 repeat indicator (for
    large groups the same as a two-proportion z-test). group_b is the group compared against the
    other (default: the "yes"/"true" value, else the second in alphabetical order)."""
    _require(table, metric, "orders")
    if not table.schema[metric].is_numeric():
        raise InputError(f"{metric!r} is not a numeric column", column=metric)
    if not 0 < confidence < 1:
        raise InputError(f"confidence must be between 0 and 1, got {confidence}")
    a_name, b_name = two_groups(table, attribute)
    if group_b is not None:
        if str(group_b) not in (a_name, b_name):
            raise InputError(
                f"{group_b!r} is not a value of {attribute!r} ({a_name}, {b_name})",
                column=attribute,
            )
        if str(group_b) == a_name:
            a_name, b_name = b_name, a_name
    key = pl.col(attribute).cast(pl.Utf8)
    sub = table.filter(pl.col(metric).is_not_null() & pl.col("orders").is_not_null())
    frames = {g: sub.filter(key == g) for g in (a_name, b_name)}
    for g, f in frames.items():
        if f.height < 2:
            raise InputError(
                f"{attribute} = {g} has {f.height} customer(s) with a {metric}; each group "
                "needs at least 2",
                column=attribute,
            )
    a = frames[a_name][metric].cast(pl.Float64).to_numpy()
    b = frames[b_name][metric].cast(pl.Float64).to_numpy()
    ra = (frames[a_name]["orders"] >= 2).cast(pl.Float64).to_numpy()
    rb = (frames[b_name]["orders"] >= 2).cast(pl.Float64).to_numpy()
    t, df, p, lo, hi = _welch(b, a, confidence)
    _, _, rp, rlo, rhi = _welch(rb, ra, confidence)
    return GroupComparison(
        attribute=attribute,
        metric=metric,
        group_a=a_name,
        group_b=b_name,
        n_a=int(a.size),
        n_b=int(b.size),
        mean_a=float(a.mean()),
        mean_b=float(b.mean()),
        diff=float(b.mean() - a.mean()),
        ci_low=lo,
        ci_high=hi,
        t_stat=t,
        df=df,
        p_value=p,
        repeat_rate_a=float(ra.mean()),
        repeat_rate_b=float(rb.mean()),
        repeat_diff=float(rb.mean() - ra.mean()),
        repeat_ci_low=rlo,
        repeat_ci_high=rhi,
        repeat_p_value=rp,
        confidence=confidence,
    )


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def describe_comparison(c: GroupComparison) -> str:
    """The comparison in plain words."""
    level = f"{c.confidence:.0%}"
    alpha = 1 - c.confidence
    more = "more" if c.diff >= 0 else "less"
    head = (
        f"Customers with {c.attribute} = {c.group_b} have an average {c.metric} of "
        f"{c.mean_b:,.2f} against {c.mean_a:,.2f} for {c.attribute} = {c.group_a}: "
        f"{abs(c.diff):,.2f} {more} per customer"
    )
    if math.isnan(c.p_value):
        first = head + " (no variation within the groups, so no test)."
    else:
        verdict = (
            "a real difference, not chance"
            if c.p_value < alpha
            else "this could be chance: the data cannot tell the groups apart"
        )
        first = (
            f"{head} ({level} CI {c.ci_low:,.2f} to {c.ci_high:,.2f}; Welch t-test {_p(c.p_value)}"
            f"), {verdict}."
        )
    pts = 100 * c.repeat_diff
    second = (
        f" Their repeat rate is {c.repeat_rate_b:.1%} against {c.repeat_rate_a:.1%} "
        f"({pts:+.1f} points"
    )
    if math.isnan(c.repeat_p_value):
        second += ")."
    else:
        second += (
            f", {level} CI {100 * c.repeat_ci_low:+.1f} to {100 * c.repeat_ci_high:+.1f} points, "
            f"{_p(c.repeat_p_value)})."
        )
    return first + second + " This shows an association, not that one causes the other."


# --------------------------------------------------------------------------- drill-down
def find_customers(table: pl.DataFrame, query: str, limit: int = 50) -> pl.DataFrame:
    """Customers whose id (or name, when the table has one) contains `query`, case-insensitive;
    exact id matches first, then by revenue."""
    _require(table, "customer_id")
    q = (query or "").strip().lower()
    if not q:
        return table.sort("revenue", descending=True, nulls_last=True).head(limit)
    hit = pl.col("customer_id").cast(pl.Utf8).str.to_lowercase().str.contains(q, literal=True)
    for c in ("name", "Name", "customer_name"):
        if c in table.columns:
            hit = hit | pl.col(c).cast(pl.Utf8).str.to_lowercase().str.contains(q, literal=True)
    exact = pl.col("customer_id").cast(pl.Utf8).str.to_lowercase() == q
    return (
        table.filter(hit.fill_null(False))
        .sort(exact, pl.col("revenue"), descending=True, nulls_last=True)
        .head(limit)
    )


def customer_profile(table: pl.DataFrame, customer_id: str) -> dict:
    """The hub row of one customer as a dict; InputError when the id is unknown."""
    _require(table, "customer_id")
    row = table.filter(pl.col("customer_id") == str(customer_id))
    if row.is_empty():
        raise InputError(f"no customer with id {customer_id!r}", column="customer_id")
    return row.row(0, named=True)


def customer_orders(orders: pl.DataFrame | pl.LazyFrame, customer_id: str) -> pl.DataFrame:
    """One customer's orders, newest first: order_id, order_date, lines, revenue, and when present
    quantity, products (joined), status."""
    lf = orders.lazy().filter(pl.col("customer_id") == str(customer_id))
    names = lf.collect_schema().names()
    key = "order_id" if "order_id" in names else "order_date"
    aggs = [
        pl.col("order_date").min().alias("order_date"),
        pl.len().cast(pl.Int64).alias("lines"),
        pl.col("revenue").sum().alias("revenue"),
    ]
    if "quantity" in names:
        aggs.append(pl.col("quantity").sum().alias("quantity"))
    for c in ("product", "category"):
        if c in names:
            aggs.append(pl.col(c).drop_nulls().unique(maintain_order=True).str.join(", ").alias(c))
            break
    if "status" in names:
        aggs.append(pl.col("status").drop_nulls().unique(maintain_order=True).str.join(", "))
    if key == "order_date":
        aggs = aggs[1:]
    out = lf.group_by(key).agg(aggs).sort("order_date", descending=True).collect()
    if out.is_empty():
        raise InputError(f"no orders for customer {customer_id!r}", column="customer_id")
    return out


def customer_timeline(orders: pl.DataFrame | pl.LazyFrame, customer_id: str) -> pl.DataFrame:
    """One customer's revenue per order date with the running total (for a history chart)."""
    return (
        orders.lazy()
        .filter(pl.col("customer_id") == str(customer_id))
        .group_by("order_date")
        .agg(pl.col("revenue").sum())
        .sort("order_date")
        .with_columns(pl.col("revenue").cum_sum().alias("cumulative_revenue"))
        .collect()
    )


def with_status_labels(table: pl.DataFrame, column: str = "status") -> pl.DataFrame:
    """The table with customer status codes shown as their labels (active -> Active, at_risk ->
    At risk, churned -> Churned); other values and tables without the column are unchanged."""
    if column not in table.columns:
        return table
    return table.with_columns(pl.col(column).cast(pl.Utf8).replace(STATUS_LABELS).alias(column))


def match_labels(found: pl.DataFrame) -> dict[str, str]:
    """customer_id -> "id · segment" for a pick list of find_customers results."""
    _require(found, "customer_id")
    seg = pl.col("rfm_segment") if "rfm_segment" in found.columns else pl.lit(None)
    labels = found.select(
        pl.col("customer_id").cast(pl.Utf8),
        pl.concat_str(pl.col("customer_id"), seg, separator=" · ", ignore_nulls=True).alias("l"),
    )
    return dict(zip(labels["customer_id"].to_list(), labels["l"].to_list(), strict=True))


def profile_headline(profile: dict) -> str:
    """One customer's labels in a line of markdown: segment (R, F, M scores), tier, persona,
    loyalty and status, skipping those the profile does not have."""
    p = profile
    head = f"**{p.get('rfm_segment', '')}**"
    if all(p.get(k) is not None for k in ("r_score", "f_score", "m_score")):
        head += f" (R {p['r_score']} · F {p['f_score']} · M {p['m_score']})"
    parts = [head, *(str(p[k]) for k in ("value_tier", "persona", "loyalty") if p.get(k))]
    if p.get("status"):
        parts.append(f"status **{STATUS_LABELS.get(p['status'], p['status'])}**")
    return " · ".join(parts)


def profile_attributes(profile: dict, attributes: Sequence[str]) -> str:
    """ "name: value" of the customer's attributes, joined by " · " (a dash for a missing value)."""
    return " · ".join(
        f"{a}: {profile[a] if profile[a] is not None else '–'}" for a in attributes if a in profile
    )
