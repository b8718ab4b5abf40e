"""Generate an orders export of any size for the benchmarks, deterministically (not a test).

    python bench/generate.py 1000000 OUT.csv        # or OUT.parquet
    python bench/generate.py 1m OUT.csv             # 100k, 1m, 10m also work

The columns are those of the bundled sample (`data/orders.csv`), so role detection reads them the
same way: Order ID, Order Date, Customer ID, Product, Category, Region, Channel, Quantity,
Unit Price, Unit Cost, Line Total, Status. One customer per eight lines, orders of one to four
lines over three years, a heavy-tailed purchase rate per customer (so some churn and some stay),
about 5% returned and 2% cancelled lines. Everything comes from one seeded numpy Generator and is
vectorised, in chunks of a million lines, so a 10-million-line file needs little memory and the
same size always gives byte-identical files.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

SEED = 20261127
START = date(2023, 7, 1)
DAYS = 1_084  # 2023-07-01 .. 2026-06-18, like the sample
LINES_PER_CUSTOMER = 8
CHUNK = 1_000_000

PRODUCTS = np.array(
    ["Laptop", "Headphones", "Jeans", "T-Shirt", "Face Serum", "Yoga Mat", "Lamp", "Phone Case"]
)
CATEGORIES = np.array(
    [
        "Electronics",
        "Electronics",
        "Clothing",
        "Clothing",
        "Beauty",
        "Sports",
        "Home",
        "Accessories",
    ]
)
PRICES = np.array([899.0, 129.0, 59.0, 19.0, 34.0, 29.0, 49.0, 15.0])
REGIONS = np.array(["North", "South", "East", "West", "Central"])
CHANNELS = np.array(["Online", "Store", "Marketplace"])
STATUSES = np.array(["Delivered", "Returned", "Cancelled"])


def parse_size(text: str) -> int:
    """'100k', '1m', '10m' or a plain number of lines."""
    text = text.lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * scale)


def _chunk(
    rng: np.random.Generator, lines: int, first_line: int, life: tuple[np.ndarray, np.ndarray]
) -> pl.DataFrame:
    # Orders of 1-4 lines: an order id per line, consecutive within the chunk.
    starts = np.cumsum(rng.choice([1, 2, 3, 4], size=lines, p=[0.66, 0.2, 0.09, 0.05])) - 1
    starts = starts[starts < lines]
    new_order = np.zeros(lines, dtype=bool)
    new_order[np.r_[0, starts[1:]] if starts.size else 0] = True
    order_seq = np.cumsum(new_order) - 1
    n_orders = int(order_seq[-1]) + 1
    # A heavy-tailed customer per order (some buy often), a date per order.
    first_day, last_day = life
    customers = first_day.size
    order_customer = (rng.pareto(1.2, n_orders) * customers / 20).astype(np.int64) % customers
    span = last_day[order_customer] - first_day[order_customer]
    order_day = first_day[order_customer] + (rng.random(n_orders) * (span + 1)).astype(np.int64)
    product = rng.choice(len(PRODUCTS), size=lines, p=[0.04, 0.1, 0.16, 0.2, 0.14, 0.1, 0.1, 0.16])
    quantity = rng.choice([1, 2, 3], size=lines, p=[0.8, 0.15, 0.05])
    price = PRICES[product]
    status = rng.choice(3, size=lines, p=[0.93, 0.05, 0.02])
    first_order_id = 100_000 + first_line  # ids stay distinct across chunks
    return pl.DataFrame(
        {
            "Order ID": pl.Series(order_seq + first_order_id).cast(pl.Utf8).str.pad_start(8, "0"),
            "Order Date": order_day[order_seq],
            "Customer ID": pl.Series(order_customer[order_seq]).cast(pl.Utf8).str.pad_start(8, "0"),
            "Product": PRODUCTS[product],
            "Category": CATEGORIES[product],
            "Region": REGIONS[rng.integers(0, len(REGIONS), lines)],
            "Channel": CHANNELS[rng.integers(0, len(CHANNELS), lines)],
            "Quantity": quantity,
            "Unit Price": price,
            "Unit Cost": np.round(price * 0.55, 2),
            "Line Total": np.round(price * quantity, 2),
            "Status": STATUSES[status],
        }
    ).with_columns(
        ("ORD-" + pl.col("Order ID")).alias("Order ID"),
        ("C" + pl.col("Customer ID")).alias("Customer ID"),
        (pl.lit(START) + pl.duration(days=pl.col("Order Date"))).alias("Order Date"),
    )


def generate(lines: int, out: Path) -> Path:
    """Write `lines` order lines to out (.csv or .parquet); returns out."""
    rng = np.random.default_rng(SEED)
    customers = max(1, lines // LINES_PER_CUSTOMER)
    # Each customer buys between a first and a last day (an exponential lifetime, so many churn).
    first_day = rng.integers(0, DAYS, customers)
    last_day = np.minimum(first_day + rng.exponential(500, customers).astype(np.int64), DAYS - 1)
    chunks = [
        _chunk(rng, min(CHUNK, lines - done), done, (first_day, last_day))
        for done in range(0, lines, CHUNK)
    ]
    frame = pl.concat(chunks)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".parquet":
        frame.write_parquet(out)
    else:
        frame.write_csv(out)
    return out


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python bench/generate.py LINES OUT.csv|OUT.parquet")
    print(generate(parse_size(sys.argv[1]), Path(sys.argv[2])))
