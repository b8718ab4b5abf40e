"""Benchmark: BG/NBD + Gamma-Gamma on a synthetic 100,000-customer book (not a test).

Draws customers from the BG/NBD process (core.clv.simulate_bgnbd, two years of first
purchases, time in days), turns them into daily order lines with Gamma-Gamma spend, then times
each step of core.clv: the customer summary, the two maximum-likelihood fits and
customer_clv end to end. Prints a table and the fitted vs true parameters.

    python bench/bench_clv.py [--customers 100000] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core import clv

AS_OF = date(2025, 12, 31)
TRUE_BG = clv.BGNBD(r=0.8, alpha=40.0, a=0.6, b=3.0)  # days: ~one purchase every 50 days
TRUE_GG = clv.GammaGamma(p=6.0, q=4.0, v=15.0)  # mean spend per purchase 6 * 15 / 3 = 30


def synthetic_orders(n: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(orders, summary drawn from the model). One order line per purchase, vectorised."""
    rng = np.random.default_rng(seed)
    T = rng.integers(1, 731, n).astype(float)
    s = clv.simulate_bgnbd(TRUE_BG, T, seed=seed + 1)
    x = s["frequency"].to_numpy()
    tx = s["recency"].to_numpy()
    who = np.repeat(np.arange(n), x + 1)  # first purchase + x repeats per customer
    k = np.arange(who.size) - np.repeat(np.cumsum(x + 1) - (x + 1), x + 1)  # 0..x
    last = k == x[who]
    offset = np.where(k == 0, 0.0, np.where(last, tx[who], rng.uniform(0, tx[who])))
    first_day = np.datetime64(AS_OF) - T[who].astype("timedelta64[D]")
    day = first_day + np.floor(offset).astype("timedelta64[D]")
    nu = rng.gamma(TRUE_GG.q, 1.0 / TRUE_GG.v, n)
    revenue = rng.gamma(TRUE_GG.p, 1.0 / nu[who])
    orders = pl.DataFrame(
        {"customer_id": who, "order_date": day, "revenue": revenue},
    ).with_columns(
        pl.format("c{}", pl.col("customer_id")).alias("customer_id"),
        pl.col("order_date").cast(pl.Date),
    )
    return orders, s


def timed(label: str, fn, rows: list[tuple[str, float]]):
    start = time.perf_counter()
    out = fn()
    rows.append((label, time.perf_counter() - start))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    orders, _ = synthetic_orders(args.customers, args.seed)
    rows: list[tuple[str, float]] = []
    s = timed("summary (orders -> frequency/recency/T)", lambda: clv.summary(orders, AS_OF), rows)
    bg = timed("fit_bgnbd", lambda: clv.fit_bgnbd(s), rows)
    gg = timed("fit_gamma_gamma", lambda: clv.fit_gamma_gamma(s), rows)
    timed(
        "p_alive + expected_purchases",
        lambda: clv.expected_purchases(bg, 90.0, s["frequency"], s["recency"], s["T"]),
        rows,
    )
    out = timed("customer_clv (all of the above)", lambda: clv.customer_clv(orders, AS_OF), rows)
    timed("fit_report", lambda: clv.fit_report(orders, AS_OF), rows)

    patterns = s.select("frequency", "recency", "T").unique().height
    print(
        f"orders: {orders.height:,} lines, customers: {s.height:,}, "
        f"repeat customers: {(s['frequency'] > 0).sum():,}, "
        f"distinct (frequency, recency, T) patterns: {patterns:,}"
    )
    print(f"as_of {AS_OF}, time unit days")
    print()
    width = max(len(label) for label, _ in rows)
    print(f"{'step':<{width}}  seconds")
    print(f"{'-' * width}  -------")
    for label, seconds in rows:
        print(f"{label:<{width}}  {seconds:7.3f}")
    print()
    print("parameter      true    fitted")
    for name in ("r", "alpha", "a", "b"):
        print(f"bgnbd.{name:<7} {getattr(TRUE_BG, name):7.3f}  {getattr(bg, name):7.3f}")
    for name in ("p", "q", "v"):
        print(f"gg.{name:<10} {getattr(TRUE_GG, name):7.3f}  {getattr(gg, name):7.3f}")
    print()
    print(f"customer_clv nulls: {out.null_count().sum_horizontal().item()}")
    print(
        "(recency is rounded to whole days by the order lines, and repeat purchases that "
        "fall on the same day merge, so the fitted values drift a little from the truth)"
    )


if __name__ == "__main__":
    main()
