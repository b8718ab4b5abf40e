"""Benchmark of the insight-rule preview: 10 rules on a synthetic 100,000-customer table.

Run from the repository root::

    python bench/bench_rules.py [CUSTOMERS]

Prints the median and best of several runs for each step the live editor does on a change
(statistics + overlaps, sample, sensitivity curve, the whole preview) and for a full evaluation
with rendered reasons (what "save run" does). The target for the preview is under 100 ms.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.rules import (
    Rule,
    default_rules,
    evaluate,
    preview,
    sample_matches,
    sensitivity,
)

SEGMENTS = [
    "Champions",
    "Loyal",
    "Potential Loyalist",
    "New Customers",
    "Promising",
    "Need Attention",
    "About To Sleep",
    "At Risk",
    "Cannot Lose Them",
    "Hibernating",
    "Lost",
]


def synthetic_table(n: int, seed: int = 7) -> pl.DataFrame:
    """A customer metrics table with realistic-looking distributions (vectorised numpy)."""
    rng = np.random.default_rng(seed)
    orders = rng.geometric(0.35, n)
    aov = rng.lognormal(4.0, 0.8, n)
    recency = rng.integers(0, 1000, n)
    tenure = recency + rng.integers(0, 800, n)
    status = np.where(recency > 90, "churned", np.where(recency > 60, "at_risk", "active"))
    return pl.DataFrame(
        {
            "customer_id": [f"C{i:06d}" for i in range(n)],
            "orders": orders,
            "revenue": orders * aov,
            "revenue_365d": orders * aov * rng.uniform(0, 1, n),
            "aov": aov,
            "recency_days": recency,
            "tenure_days": tenure,
            "avg_days_between_orders": np.where(orders > 1, (tenure - recency) / orders, np.nan),
            "return_rate": rng.beta(0.5, 6, n),
            "r_score": rng.integers(1, 6, n),
            "f_score": rng.integers(1, 6, n),
            "m_score": rng.integers(1, 6, n),
            "rfm_segment": rng.choice(SEGMENTS, n),
            "status": status,
            "p_alive": rng.uniform(0, 1, n),
            "expected_clv_365d": rng.lognormal(4, 1, n),
        }
    ).with_columns(pl.col("avg_days_between_orders").fill_nan(None))


def ten_rules() -> list[Rule]:
    rules = default_rules()
    rules.append(Rule("Big spenders", "revenue between 1k and 5k and p_alive >= 0.5", "Upsell"))
    rules.append(Rule("Lapsing", "r_score <= 2 and f_score >= 3", "Reminder", priority=10))
    return rules[:10]


def timed(fn, repeat: int = 15) -> tuple[float, float]:
    fn()  # warm up
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs), min(runs)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    table = synthetic_table(n)
    rules = ten_rules()
    print(f"{len(rules)} rules on {n:,} customers (polars {pl.__version__})")
    steps = {
        "statistics + overlaps": lambda: evaluate(table, rules, with_insights=False),
        "sample of 10": lambda: sample_matches(table, rules[1], 10),
        "sensitivity (25 points)": lambda: sensitivity(table, rules[1], 0, points=25),
        "whole preview": lambda: preview(table, rules, 1, 0),
        "evaluate with insights": lambda: evaluate(table, rules),
    }
    for name, fn in steps.items():
        med, best = timed(fn)
        print(f"  {name:<26} median {med:7.1f} ms   best {best:7.1f} ms")


if __name__ == "__main__":
    main()
