"""Generate the bundled sample data: orders.csv, customers.csv and experiment.csv.

Run from the repository root::

    python data/generate.py            # writes into data/
    python data/generate.py OUT_DIR    # writes into OUT_DIR (created if missing)

Everything comes from one numpy Generator with a fixed seed and is vectorised (no Python loop
over rows), so re-running gives byte-identical files.

Patterns planted on purpose, so every page of the app has something to find:

- Seasonality and growth: daily order intensity has peaks in June, September and November
  (and a softer January/February); a base of existing customers plus a growing stream of new
  customers over the three years gives an upward trend (2023-07-01 .. 2026-06-18; the last month
  is partial on purpose).
- Pareto: each customer has a gamma purchase rate and a heavy-tailed log-normal spend level, so
  the top 20% of customers bring about 60-70% of revenue; product popularity is skewed.
- Churn: each customer has an exponential active lifetime after which they stop buying, so at the
  end about 60% of the customers have not ordered for more than 90 days.
- Categories with very different order values: Electronics (unit prices 200-1500) versus
  Accessories (5-40), with Home, Clothing, Beauty and Sports in between; margins 20-60% by category.
- Returns: Jeans, Running Shoes and Winter Coat come back about 30% of the time, other products
  about 5%. Cancelled orders about 2%, "In Transit" only in the last two weeks, about 3% blank.
- Subscribers buy more often and spend more per order (a real, significant difference).
- Messy customer attributes, as in real exports: Age, Gender and Subscription are repeated on every
  line, about 4% of those cells are blank, and about 2% of customers have an inconsistent value on
  some of their lines.
- customers.csv also holds about 500 customers who signed up but never ordered.
- experiment.csv is a retention-offer A/B test with exactly 1,000 customers per group and exactly
  176 (A) and 238 (B) retained; pre_period_spend is correlated with retention (CUPED helps).
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

SEED = 20230701
START = date(2023, 7, 1)
END = date(2026, 6, 18)
N_DAYS = (END - START).days + 1
N_CUSTOMERS = 8_000  # customers with at least one order
N_NEVER_ORDERED = 500
IN_TRANSIT_DAYS = 14

# Customer behaviour (tuned so the patterns in the module docstring show up).
EXISTING_SHARE = 0.30  # already customers when the export starts
ACQUISITION_GROWTH = 0.20  # new-customer arrivals grow about 20% a year
LIFETIME_DAYS = {True: 4_000.0, False: 2_000.0}  # mean active lifetime: subscriber / not
RATE_SHAPE, RATE_SCALE = 2.0, 1.1  # gamma purchase rate, orders a year (before subscriber boost)
SPEND_SIGMA = 1.05  # log-normal spend level -> heavy-tailed revenue per customer
LINES_PER_ORDER_P = [0.66, 0.20, 0.09, 0.05]  # 1, 2, 3, 4 lines

# (product, category, unit price, base popularity weight, return rate)
PRODUCTS: list[tuple[str, str, float, float, float]] = [
    ("Laptop 14in", "Electronics", 1199.00, 2.0, 0.06),
    ("Smartphone X", "Electronics", 899.00, 3.0, 0.05),
    ("Gaming Console", "Electronics", 499.00, 1.5, 0.04),
    ("Tablet 10in", "Electronics", 449.00, 2.0, 0.05),
    ("4K Monitor", "Electronics", 389.00, 1.2, 0.06),
    ("Smartwatch", "Electronics", 329.00, 2.2, 0.05),
    ("Noise-Cancelling Headphones", "Electronics", 249.00, 2.8, 0.05),
    ("Phone Case", "Accessories", 15.00, 9.0, 0.04),
    ("USB-C Cable", "Accessories", 9.00, 8.0, 0.03),
    ("Screen Protector", "Accessories", 12.00, 6.0, 0.04),
    ("Fast Charger", "Accessories", 25.00, 5.0, 0.05),
    ("Laptop Sleeve", "Accessories", 35.00, 2.5, 0.05),
    ("Keychain", "Accessories", 6.00, 1.5, 0.02),
    ("Mouse Pad", "Accessories", 10.00, 2.0, 0.03),
    ("Earbud Tips", "Accessories", 8.00, 1.0, 0.03),
    ("Coffee Maker", "Home", 89.00, 3.0, 0.06),
    ("Cookware Set", "Home", 149.00, 1.8, 0.05),
    ("Desk Lamp", "Home", 55.00, 2.5, 0.05),
    ("Throw Blanket", "Home", 45.00, 2.2, 0.04),
    ("Bath Towels", "Home", 39.00, 2.0, 0.04),
    ("Scented Candle", "Home", 22.00, 3.5, 0.03),
    ("Storage Baskets", "Home", 29.00, 1.2, 0.04),
    ("T-Shirt", "Clothing", 19.00, 6.0, 0.07),
    ("Jeans", "Clothing", 59.00, 4.0, 0.33),
    ("Hoodie", "Clothing", 49.00, 3.5, 0.07),
    ("Running Jacket", "Clothing", 89.00, 1.5, 0.08),
    ("Winter Coat", "Clothing", 149.00, 1.5, 0.32),
    ("Socks 3-Pack", "Clothing", 12.00, 4.0, 0.03),
    ("Sneakers", "Clothing", 79.00, 2.5, 0.09),
    ("Face Serum", "Beauty", 34.00, 3.0, 0.04),
    ("Moisturizer", "Beauty", 28.00, 3.5, 0.04),
    ("Shampoo", "Beauty", 14.00, 4.0, 0.02),
    ("Perfume", "Beauty", 79.00, 1.5, 0.05),
    ("Lipstick", "Beauty", 19.00, 2.5, 0.04),
    ("Hair Dryer", "Beauty", 69.00, 1.2, 0.06),
    ("Yoga Mat", "Sports", 35.00, 2.5, 0.05),
    ("Dumbbell Set", "Sports", 119.00, 1.2, 0.05),
    ("Running Shoes", "Sports", 99.00, 2.8, 0.33),
    ("Water Bottle", "Sports", 18.00, 3.5, 0.03),
    ("Fitness Tracker", "Sports", 129.00, 1.5, 0.06),
]
# Gross margin (share of price that is profit) by category.
MARGIN = {
    "Electronics": 0.22,
    "Accessories": 0.58,
    "Home": 0.40,
    "Clothing": 0.50,
    "Beauty": 0.55,
    "Sports": 0.35,
}
# Relative order intensity by calendar month (Jan..Dec): peaks in June, September, November.
MONTH_FACTOR = np.array([0.80, 0.80, 0.92, 0.95, 1.00, 1.55, 0.95, 0.92, 1.45, 1.00, 1.75, 1.15])
REGIONS = ["North", "South", "East", "West", "Central"]
REGION_P = [0.32, 0.24, 0.19, 0.16, 0.09]
CHANNELS = ["Online", "Store", "Marketplace"]
CHANNEL_P = [0.56, 0.29, 0.15]
GENDERS = ["F", "M", "Other"]
GENDER_P = [0.52, 0.45, 0.03]
FIRST_NAMES = [
    "Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Leo", "Sofia", "Ethan",
    "Isla", "Mateo", "Chloe", "Hugo", "Zoe", "Omar", "Lena", "Arjun", "Nora", "Kai",
    "Amara", "Felix", "Hana", "Diego", "Maya", "Jonas", "Aisha", "Theo", "Elena", "Ravi",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Garcia", "Müller", "Rossi", "Nguyen", "Kowalski", "Silva", "Johnson", "Dubois",
    "Tanaka", "Okafor", "Jensen", "Novak", "Khan", "Lopez", "Brown", "Fischer", "Moreau",
    "Costa", "Patel", "Andersen", "Ivanova", "Kim", "Murphy", "Schmidt", "Haddad",
]  # fmt: skip


def _day_weights() -> np.ndarray:
    """Relative order intensity for every day of the window: month season x weekday."""
    days = pl.date_range(START, END, "1d", eager=True)
    month = days.dt.month().to_numpy() - 1
    weekday = days.dt.weekday().to_numpy()  # 1 = Monday .. 7 = Sunday
    weekday_factor = np.where(weekday >= 6, 1.15, 1.0)
    return MONTH_FACTOR[month] * weekday_factor


def _cumulative(weights: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(weights)])


def _blank(rng: np.random.Generator, values: np.ndarray, share: float) -> pl.Series:
    """A Series of `values` with about `share` of the cells set to null (missing in the CSV)."""
    return pl.Series(values).scatter(np.flatnonzero(rng.random(len(values)) < share), None)


def _sample_days(rng: np.random.Generator, cum: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """Draw one day index in [lo, hi] per entry, with probability proportional to the day weights.

    `cum` is the cumulative sum of the day weights with a leading 0 (length N_DAYS + 1), so
    the weight of days lo..hi is cum[hi + 1] - cum[lo] and inverse-CDF sampling is one searchsorted.
    """
    u = cum[lo] + rng.random(len(lo)) * (cum[hi + 1] - cum[lo])
    return np.clip(np.searchsorted(cum, u, side="right") - 1, lo, hi)


def _customers(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Latent customer traits: acquisition day, lifetime, purchase rate, spend level, attributes."""
    n = N_CUSTOMERS
    # A base of customers already buying when the export starts (their orders spread over their
    # whole lifetime), then a growing, seasonal stream of new customers (first order on arrival).
    existing = rng.random(n) < EXISTING_SHARE
    growth = 1.0 + ACQUISITION_GROWTH * np.arange(N_DAYS) / 365.0
    arrival_cum = _cumulative(_day_weights() * growth)
    first, last = np.zeros(n, dtype=np.int64), np.full(n, N_DAYS - 1)
    start = np.where(existing, 0, _sample_days(rng, arrival_cum, first, last))
    subscriber = rng.random(n) < 0.32
    # Active lifetime in days; after it the customer stops buying (churns).
    lifetime = rng.exponential(np.where(subscriber, LIFETIME_DAYS[True], LIFETIME_DAYS[False]))
    stop = np.minimum(start + lifetime.astype(np.int64), N_DAYS - 1)
    # Heavy-tailed purchase rate (orders per year) and spend level; subscribers buy more.
    rate = rng.gamma(RATE_SHAPE, RATE_SCALE, n) * np.where(subscriber, 1.5, 1.0)
    spend = rng.lognormal(0.0, SPEND_SIGMA, n) * np.where(subscriber, 1.18, 1.0)
    age = np.clip(np.round(rng.normal(39, 12, n)), 18, 82).astype(np.int64)
    return {
        "existing": existing,
        "start": start,
        "stop": stop,
        "rate": rate,
        "spend": spend,
        "subscriber": subscriber,
        "age": age,
        "gender": rng.choice(len(GENDERS), n, p=GENDER_P),
        "region": rng.choice(len(REGIONS), n, p=REGION_P),
    }


def _order_lines(rng: np.random.Generator, cust: dict[str, np.ndarray]) -> pl.DataFrame:
    """Orders and their lines.

    A new customer's first order is on their arrival day; the other orders fall over the active
    lifetime with the seasonal day weights. Existing customers have all orders spread that way.
    """
    cum = _cumulative(_day_weights())
    active_years = (cust["stop"] - cust["start"] + 1) / 365.0
    n_orders = 1 + rng.poisson(cust["rate"] * active_years)
    cust_idx = np.repeat(np.arange(N_CUSTOMERS), n_orders)
    is_first = np.concatenate([[True], cust_idx[1:] != cust_idx[:-1]])
    is_first &= ~cust["existing"][cust_idx]
    lo, hi = cust["start"][cust_idx], cust["stop"][cust_idx]
    day = np.where(is_first, lo, _sample_days(rng, cum, lo, hi))
    n_ord = len(cust_idx)
    channel = rng.choice(len(CHANNELS), n_ord, p=CHANNEL_P)
    cancelled = rng.random(n_ord) < 0.02
    # Order ids follow time: sort orders by day (stable on customer) and number them.
    order = np.lexsort((cust_idx, day))
    order_num = np.empty(n_ord, dtype=np.int64)
    order_num[order] = 100_001 + np.arange(n_ord)

    # 1-4 lines per order.
    n_lines = rng.choice([1, 2, 3, 4], n_ord, p=LINES_PER_ORDER_P)
    o = np.repeat(np.arange(n_ord), n_lines)
    c = cust_idx[o]
    n = len(o)
    weights = np.array([p[3] for p in PRODUCTS])
    product = rng.choice(len(PRODUCTS), n, p=weights / weights.sum())
    price = np.array([p[2] for p in PRODUCTS])[product]
    # Occasional 10% discount; big spenders buy larger quantities.
    price = np.round(price * np.where(rng.random(n) < 0.08, 0.9, 1.0), 2)
    categories = np.array([p[1] for p in PRODUCTS])
    big_ticket = categories[product] == "Electronics"
    extra = rng.poisson(np.where(big_ticket, 0.08, 0.35) * cust["spend"][c] ** 1.6)
    qty = 1 + np.minimum(extra, np.where(big_ticket, 2, 11))
    margin = np.array([MARGIN[p[1]] for p in PRODUCTS])[product]
    cost = np.round(price * (1 - margin) * rng.uniform(0.95, 1.05, n), 2)

    # Status per line: cancelled (whole order), in transit (last two weeks), returned, blank.
    return_p = np.array([p[4] for p in PRODUCTS])[product]
    recent = day[o] >= N_DAYS - IN_TRANSIT_DAYS
    status = np.where(rng.random(n) < return_p, "Returned", "Delivered")
    status = np.where(recent, np.where(rng.random(n) < 0.85, "In Transit", "Delivered"), status)
    status = np.where(cancelled[o], "Cancelled", status)

    return pl.DataFrame(
        {
            "cust": c,
            "Order ID": np.char.add("ORD-", order_num[o].astype(str)),
            "day": day[o],
            "Product": np.array([p[0] for p in PRODUCTS])[product],
            "Category": categories[product],
            "Channel": np.array(CHANNELS)[channel[o]],
            "Quantity": qty,
            "Unit Price": price,
            "Unit Cost": cost,
            "Status": _blank(rng, status, 0.03),
        }
    )


def _messy_attributes(
    rng: np.random.Generator, lines: pl.DataFrame, cust: dict[str, np.ndarray]
) -> pl.DataFrame:
    """Repeat Age/Gender/Subscription on each line: ~4% blank, ~2% of customers inconsistent."""
    c = lines["cust"].to_numpy()
    n = len(c)
    age = cust["age"][c].astype(np.float64)
    gender = np.array(GENDERS)[cust["gender"][c]]
    sub = np.where(cust["subscriber"][c], "Yes", "No")
    # Inconsistent customers: one attribute differs on about 40% of their lines.
    messy_customer = rng.random(N_CUSTOMERS) < 0.025
    which = rng.integers(0, 3, N_CUSTOMERS)[c]
    flip = messy_customer[c] & (rng.random(n) < 0.4)
    age = np.where(flip & (which == 0), age + rng.choice([-1, 1, 10], n), age)
    other_gender = np.array(GENDERS)[(cust["gender"][c] + rng.integers(1, 3, n)) % 3]
    gender = np.where(flip & (which == 1), other_gender, gender)
    sub = np.where(flip & (which == 2), np.where(sub == "Yes", "No", "Yes"), sub)
    # Missing cells, independently per column.
    return lines.with_columns(
        _blank(rng, age.astype(np.int64), 0.04).alias("Age"),
        _blank(rng, gender, 0.04).alias("Gender"),
        _blank(rng, sub, 0.04).alias("Subscription"),
    )


def build(seed: int = SEED) -> dict[str, pl.DataFrame]:
    """Build the three sample tables (orders, customers, experiment) from one seed."""
    rng = np.random.default_rng(seed)
    cust = _customers(rng)
    lines = _messy_attributes(rng, _order_lines(rng, cust), cust)

    # Customer ids follow signup order across ordering and never-ordering customers.
    first_day = lines.group_by("cust").agg(pl.col("day").min()).sort("cust")["day"].to_numpy()
    n_all = N_CUSTOMERS + N_NEVER_ORDERED
    signup_lag = np.where(rng.random(N_CUSTOMERS) < 0.45, 0, rng.geometric(1 / 45, N_CUSTOMERS))
    signup = np.concatenate([first_day - signup_lag, rng.integers(-200, N_DAYS, N_NEVER_ORDERED)])
    rank = np.empty(n_all, dtype=np.int64)
    rank[np.lexsort((rng.random(n_all), signup))] = np.arange(1, n_all + 1)
    ids = np.char.add("C", np.char.zfill(rank.astype(str), 5))

    never = N_NEVER_ORDERED
    cust_region = np.concatenate([cust["region"], rng.choice(len(REGIONS), never, p=REGION_P)])
    start = pl.lit(START)
    orders = lines.select(
        "Order ID",
        (start + pl.duration(days=pl.col("day"))).alias("Order Date"),
        pl.Series("Customer ID", ids[lines["cust"].to_numpy()]),
        "Product",
        "Category",
        pl.Series("Region", np.array(REGIONS)[cust_region[lines["cust"].to_numpy()]]),
        "Channel",
        "Quantity",
        "Unit Price",
        "Unit Cost",
        (pl.col("Quantity") * pl.col("Unit Price")).round(2).alias("Line Total"),
        "Status",
        "Age",
        "Gender",
        "Subscription",
    ).sort("Order ID", maintain_order=True)

    names = np.char.add(
        np.char.add(rng.choice(FIRST_NAMES, n_all), " "), rng.choice(LAST_NAMES, n_all)
    )
    age = np.concatenate([cust["age"], np.clip(np.round(rng.normal(36, 12, never)), 18, 80)])
    gender = np.concatenate([cust["gender"], rng.choice(len(GENDERS), never, p=GENDER_P)])
    sub = np.concatenate([cust["subscriber"], rng.random(never) < 0.15])
    customers = pl.DataFrame(
        {
            "Customer ID": ids,
            "Name": names,
            "Signup Date": pl.Series(signup).cast(pl.Int64),
            "Region": np.array(REGIONS)[cust_region],
            "Age": _blank(rng, age.astype(np.int64), 0.02),
            "Gender": np.array(GENDERS)[gender],
            "Subscription": np.where(sub, "Yes", "No"),
        }
    )
    customers = customers.with_columns(
        (start + pl.duration(days=pl.col("Signup Date"))).alias("Signup Date"),
    ).sort("Customer ID")

    experiment = _experiment(rng, orders)
    return {"orders": orders, "customers": customers, "experiment": experiment}


def _experiment(rng: np.random.Generator, orders: pl.DataFrame) -> pl.DataFrame:
    """Retention-offer A/B test: 1,000 customers per group, exactly 176 (A) and 238 (B) retained.

    A latent propensity (the customer's log revenue plus noise) drives both pre_period_spend and
    which rows are retained, so pre_period_spend is correlated with retention.
    """
    per_customer = (
        orders.group_by("Customer ID")
        .agg(pl.col("Line Total").sum().alias("revenue"), pl.col("Order ID").n_unique())
        .sort("Customer ID")
    )
    pick = rng.choice(per_customer.height, 2_000, replace=False)
    sample = per_customer[np.sort(pick)]
    log_rev = np.log(sample["revenue"].to_numpy())
    z = (log_rev - log_rev.mean()) / log_rev.std() * 0.8 + rng.normal(0, 0.6, 2_000)
    group = np.array(["A"] * 1_000 + ["B"] * 1_000)
    rng.shuffle(group)
    retained = np.zeros(2_000, dtype=np.int64)
    for name, k in (("A", 176), ("B", 238)):  # two groups, not rows
        idx = np.flatnonzero(group == name)
        w = np.exp(1.3 * z[idx])
        retained[rng.choice(idx, k, replace=False, p=w / w.sum())] = 1
    spend = np.round(np.exp(4.6 + 0.9 * z + rng.normal(0, 0.35, 2_000)), 2)
    orders_n = sample["Order ID"].to_numpy()
    q90 = np.quantile(spend, 0.88)
    segment = np.where(spend >= q90, "VIP", np.where(orders_n <= 1, "New", "Returning"))
    return pl.DataFrame(
        {
            "customer_id": sample["Customer ID"],
            "group": group,
            "retained": retained,
            "pre_period_spend": spend,
            "segment": segment,
        }
    )


def write(out_dir: Path, seed: int = SEED) -> dict[str, Path]:
    """Write orders.csv, customers.csv and experiment.csv into out_dir; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in build(seed).items():
        path = out_dir / f"{name}.csv"
        frame.write_csv(path, float_precision=2, date_format="%Y-%m-%d", line_terminator="\n")
        paths[name] = path
    return paths


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out_dir = Path(argv[0]) if argv else Path(__file__).resolve().parent
    for name, path in write(out_dir).items():
        print(f"{name}: {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
