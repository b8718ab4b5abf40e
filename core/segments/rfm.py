"""RFM scores (recency, frequency, monetary) and the 11 named segments.

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
"""

from __future__ import annotations

from functools import cache

import polars as pl

from core.errors import InputError
from core.segments.common import require as _require

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

_RFM_INPUTS = (("r_score", "recency_days"), ("f_score", "orders"), ("m_score", "revenue"))

# Below this many customers quintile scores are too coarse to read as absolute: "Lost" can mean
# "the least recent fifth of a small, recent group"
SMALL_DATA_CUSTOMERS = 300
# segments whose names say the customer has gone quiet
QUIET_SEGMENTS = ("At Risk", "Cannot Lose Them", "Hibernating", "Lost", "About To Sleep")


def _check_bins(bins: int) -> int:
    if not isinstance(bins, int) or isinstance(bins, bool) or not 3 <= bins <= 5:
        raise InputError(f"RFM bins must be a whole number from 3 to 5, got {bins!r}")
    return bins


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


@cache  # a constant (a frame is never changed in place): built once
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
    return _cells(_rescored(table, bins), bins)


def _rescored(table: pl.DataFrame, bins: int) -> pl.DataFrame:
    return add_rfm(table.select("recency_days", "orders", "revenue"), bins)


def _cells(scored: pl.DataFrame, bins: int) -> pl.DataFrame:
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


def rfm_thresholds(table: pl.DataFrame, bins: int = 5, *, scored: bool = False) -> pl.DataFrame:
    """The value range behind each score: metric, score, low, high, customers.

    Computed from the scores themselves, so it is exact (ties included). A score no customer
    got (a large tie jumped over it) is listed with customers = 0 and null low/high.
    `scored`: the table's own scores are those of add_rfm(table, bins) (read, not recomputed).
    """
    return _thresholds(table if scored else _rescored(table, bins), bins)


def map_and_thresholds(
    table: pl.DataFrame, bins: int = 5, *, scored: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """segment_cells and rfm_thresholds, the scores computed once for both (`scored`: the
    table's own scores are add_rfm(table, bins)'s: read, not recomputed)."""
    table = table if scored else _rescored(table, bins)
    return _cells(table, bins), _thresholds(table, bins)


def _thresholds(scored: pl.DataFrame, bins: int) -> pl.DataFrame:
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


def present_segments(table: pl.DataFrame) -> list[str]:
    """The segments of a scored table that hold customers, in SEGMENT_ORDER (the named rows of
    segment_summary, without summing anything)."""
    _require(table, "rfm_segment")
    have = set(table["rfm_segment"].drop_nulls().unique().to_list())
    return [s for s in SEGMENT_ORDER if s in have]


def segment_members(table: pl.DataFrame, segment: str) -> pl.DataFrame:
    """The customers of one RFM segment (rows of the scored table, in table order)."""
    _require(table, "rfm_segment")
    return table.filter(pl.col("rfm_segment") == segment)


def relative_scores_note(table: pl.DataFrame) -> str | None:
    """On fewer than SMALL_DATA_CUSTOMERS customers: a sentence saying RFM scores are relative
    (scores split the customers into equal groups), with how many customers in a quiet-sounding
    segment are in fact active by their status. None on larger data.

    `table`: the hub with rfm_segment (and status, when known).
    """
    n = table.height
    if n == 0 or n >= SMALL_DATA_CUSTOMERS:
        return None
    text = (
        f"Only {n:,} customers: RFM scores are relative (they split these customers into "
        "equal-sized groups), so a segment such as Lost or At Risk ranks customers against each "
        "other, not against the calendar."
    )
    if {"rfm_segment", "status"} <= set(table.columns):
        quiet = table.filter(pl.col("rfm_segment").is_in(QUIET_SEGMENTS))
        active = quiet.filter(pl.col("status") == "active")
        if active.height:
            latest = int(active["recency_days"].min()) if "recency_days" in active.columns else 0
            text += (
                f" {active.height:,} of the {quiet.height:,} customers in those segments are "
                f"active by their days since the last order (one ordered {latest:,} days ago)."
            )
    return text + " Read the status (active / at risk / churned) for absolute activity."
