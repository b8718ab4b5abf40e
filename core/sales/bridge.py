"""Why revenue changed: the revenue bridge (customers x orders per customer x order value) between
two periods, contributions per dimension value, and the sentences that explain them.

- Revenue bridge: revenue = customers x orders per customer x average order value. The change
  between two periods is split into the three effects by the additive LMDI-I log-mean Divisia
  decomposition (Ang 2005): effect_X = L(R_b, R_a) * ln(X_b / X_a) with the logarithmic mean
  L(x, y) = (x - y) / (ln x - ln y). Because ln(R_b/R_a) is the sum of the three log ratios, the
  three effects sum exactly to R_b - R_a (up to float rounding) and do not depend on an order.
  When a factor is zero or revenue is not positive in either period, logs are undefined and the
  bridge falls back to the sequential decomposition (customers first, then orders per customer,
  then order value), which is also exact; `Bridge.method` says which one was used.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from core.sales.breakdowns import label_dimension
from core.sales.kpis import safe_div
from core.sales.periods import Period, first_orders, has_column, in_period

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
        return safe_div(self.change, self.revenue_a)

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
    return _bridge(_two_periods(orders, period_a, period_b, first_seen), period_a, period_b)


def _bridge(both: pl.DataFrame, period_a: Period, period_b: Period) -> Bridge:
    """revenue_bridge from the lines of both periods (_two_periods)."""
    row = _by_period(both, []).with_columns(_effect_exprs()).row(0, named=True)
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
    return _contributions(_two_periods(orders, period_a, period_b, first_seen), dimension)


def _contributions(both: pl.DataFrame, dimension: str) -> pl.DataFrame:
    """change_contributions from the lines of both periods (_two_periods)."""
    df = label_dimension(both, dimension)
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
    both = _two_periods(orders, period_a, period_b, fs)  # (once: not per dimension)
    contributions = {d: _contributions(both, d) for d in dims}
    return ChangeExplanation(
        bridge=_bridge(both, period_a, period_b),
        contributions=contributions,
        sentences={d: describe_contributions(t, d) for d, t in contributions.items()},
    )
