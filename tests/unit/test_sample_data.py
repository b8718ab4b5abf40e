"""The bundled sample data exists, is reproducible and holds the patterns planted in it.

The ranges come from data/README.md (what the demo promises), not from the generator's output.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
FILES = ("orders.csv", "customers.csv", "experiment.csv")

ORDERS_HEADER = (
    "Order ID,Order Date,Customer ID,Product,Category,Region,Channel,Quantity,Unit Price,"
    "Unit Cost,Line Total,Status,Age,Gender,Subscription"
)
CUSTOMERS_HEADER = "Customer ID,Name,Signup Date,Region,Age,Gender,Subscription"
EXPERIMENT_HEADER = "customer_id,group,retained,pre_period_spend,segment"


@pytest.fixture(scope="module")
def orders() -> pl.DataFrame:
    return pl.read_csv(DATA / "orders.csv", try_parse_dates=True)


@pytest.fixture(scope="module")
def customers() -> pl.DataFrame:
    return pl.read_csv(DATA / "customers.csv", try_parse_dates=True)


@pytest.fixture(scope="module")
def experiment() -> pl.DataFrame:
    return pl.read_csv(DATA / "experiment.csv")


@pytest.fixture(scope="module")
def per_customer(orders: pl.DataFrame) -> pl.DataFrame:
    return orders.group_by("Customer ID").agg(
        pl.col("Line Total").sum().alias("revenue"),
        pl.col("Order ID").n_unique().alias("orders"),
        pl.col("Order Date").min().alias("first_order"),
        pl.col("Order Date").max().alias("last_order"),
        pl.col("Subscription").drop_nulls().mode().sort().first().alias("subscription"),
    )


def test_files_exist_with_exact_headers() -> None:
    headers = {}
    for name in FILES:
        path = DATA / name
        assert path.is_file(), name
        with path.open(encoding="utf-8") as f:
            headers[name] = f.readline().rstrip("\n")
    assert headers["orders.csv"] == ORDERS_HEADER
    assert headers["customers.csv"] == CUSTOMERS_HEADER
    assert headers["experiment.csv"] == EXPERIMENT_HEADER


def test_generator_is_deterministic(tmp_path: Path) -> None:
    """Running the generator into another directory reproduces the bundled files byte for byte."""
    subprocess.run(
        [sys.executable, str(DATA / "generate.py"), str(tmp_path)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_orders_shape_ids_and_dates(orders: pl.DataFrame) -> None:
    assert 50_000 <= orders.height <= 70_000
    assert 7_500 <= orders["Customer ID"].n_unique() <= 8_500
    assert orders["Order ID"].str.contains(r"^ORD-\d{6}$").all()
    assert orders["Customer ID"].str.contains(r"^C\d{5}$").all()
    assert orders["Order Date"].dtype == pl.Date
    assert orders["Order Date"].min() == date(2023, 7, 1)
    assert orders["Order Date"].max() == date(2026, 6, 18)
    # An order has 1-4 lines, one date and one customer; some orders have several lines.
    per_order = orders.group_by("Order ID").agg(
        pl.len().alias("lines"),
        pl.col("Order Date").n_unique().alias("dates"),
        pl.col("Customer ID").n_unique().alias("customers"),
    )
    assert per_order["lines"].min() == 1 and per_order["lines"].max() == 4
    assert (per_order["lines"] > 1).mean() > 0.2
    assert (per_order["dates"] == 1).all() and (per_order["customers"] == 1).all()


def test_amounts_are_consistent(orders: pl.DataFrame) -> None:
    expected = (orders["Quantity"] * orders["Unit Price"]).round(2)
    assert (orders["Line Total"] - expected).abs().max() < 0.005
    assert (orders["Unit Cost"] < orders["Unit Price"]).all()
    margin = orders.group_by("Category").agg(
        (1 - pl.col("Unit Cost").sum() / pl.col("Unit Price").sum()).alias("margin")
    )
    assert margin["margin"].min() >= 0.2 and margin["margin"].max() <= 0.6
    assert orders["Quantity"].min() >= 1


def test_categories_products_regions_channels(orders: pl.DataFrame) -> None:
    assert 5 <= orders["Category"].n_unique() <= 6
    assert 35 <= orders["Product"].n_unique() <= 45
    assert set(orders["Region"].unique()) == {"North", "South", "East", "West", "Central"}
    assert set(orders["Channel"].unique()) == {"Online", "Store", "Marketplace"}
    prices = orders.group_by("Category").agg(
        pl.col("Unit Price").min().alias("lo"), pl.col("Unit Price").max().alias("hi")
    )
    electronics = prices.filter(pl.col("Category") == "Electronics").row(0, named=True)
    accessories = prices.filter(pl.col("Category") == "Accessories").row(0, named=True)
    # Up to a 10% discount below the list price.
    assert electronics["lo"] >= 200 * 0.9 and electronics["hi"] <= 1500
    assert accessories["lo"] >= 5 * 0.9 and accessories["hi"] <= 40
    # Regions are skewed: the largest has at least twice the lines of the smallest.
    counts = orders["Region"].value_counts()["count"]
    assert counts.max() >= 2 * counts.min()


def test_electronics_aov_above_accessories(orders: pl.DataFrame) -> None:
    """AOV of a category = its revenue / distinct orders with a line in it."""
    aov = dict(
        orders.group_by("Category")
        .agg((pl.col("Line Total").sum() / pl.col("Order ID").n_unique()).alias("aov"))
        .iter_rows()
    )
    assert aov["Electronics"] > 10 * aov["Accessories"]


def test_seasonal_peaks_in_june_september_november(orders: pl.DataFrame) -> None:
    monthly = orders.group_by(
        pl.col("Order Date").dt.year().alias("year"), pl.col("Order Date").dt.month().alias("month")
    ).agg(pl.col("Line Total").sum().alias("revenue"))
    for year in (2024, 2025):  # the complete calendar years
        months = monthly.filter(pl.col("year") == year)
        assert months.height == 12
        median = months["revenue"].median()
        for month in (6, 9, 11):
            revenue = months.filter(pl.col("month") == month)["revenue"].item()
            assert revenue > median, (year, month)


def test_revenue_is_concentrated(per_customer: pl.DataFrame) -> None:
    revenue = np.sort(per_customer["revenue"].to_numpy())[::-1]
    top_share = revenue[: len(revenue) // 5].sum() / revenue.sum()
    assert 0.6 <= top_share <= 0.75


def test_many_customers_have_churned(orders: pl.DataFrame, per_customer: pl.DataFrame) -> None:
    as_of = orders["Order Date"].max()
    recency = (pl.lit(as_of) - per_customer["last_order"]).dt.total_days()
    churned = per_customer.select((recency > 90).mean()).item()
    assert 0.4 <= churned <= 0.65
    # New customers keep arriving: some first orders in each year.
    first_years = set(per_customer["first_order"].dt.year().unique())
    assert {2023, 2024, 2025, 2026} <= first_years


def test_statuses_and_returns(orders: pl.DataFrame) -> None:
    statuses = set(orders["Status"].drop_nulls().unique())
    assert statuses == {"Delivered", "Returned", "Cancelled", "In Transit"}
    missing = orders["Status"].null_count() / orders.height
    assert 0.02 <= missing <= 0.04
    cancelled = (orders["Status"] == "Cancelled").mean()
    assert 0.01 <= cancelled <= 0.03
    in_transit = orders.filter(pl.col("Status") == "In Transit")["Order Date"]
    # Only the last two weeks: 2026-06-18 minus 13 days = 2026-06-05.
    assert in_transit.min() >= date(2026, 6, 5)
    rates = orders.group_by("Product").agg((pl.col("Status") == "Returned").mean().alias("rate"))
    high = rates.filter(pl.col("rate").is_between(0.25, 0.35))
    assert 2 <= high.height <= 3
    assert rates["rate"].median() < 0.08


def test_attributes_have_missing_and_inconsistent_values(orders: pl.DataFrame) -> None:
    for column in ("Age", "Gender", "Subscription"):
        missing = orders[column].null_count() / orders.height
        assert 0.02 <= missing <= 0.06, column
    assert set(orders["Gender"].drop_nulls().unique()) == {"F", "M", "Other"}
    assert set(orders["Subscription"].drop_nulls().unique()) == {"Yes", "No"}
    distinct = orders.group_by("Customer ID").agg(
        pl.col(c).drop_nulls().n_unique().alias(c) for c in ("Age", "Gender", "Subscription")
    )
    inconsistent = distinct.filter(
        (pl.col("Age") > 1) | (pl.col("Gender") > 1) | (pl.col("Subscription") > 1)
    ).height
    assert 0.01 <= inconsistent / distinct.height <= 0.04


def test_subscribers_spend_more_and_repeat_more(per_customer: pl.DataFrame) -> None:
    yes = per_customer.filter(pl.col("subscription") == "Yes")
    no = per_customer.filter(pl.col("subscription") == "No")
    assert yes["revenue"].mean() > no["revenue"].mean()
    assert (yes["orders"] >= 2).mean() > (no["orders"] >= 2).mean()
    welch = stats.ttest_ind(yes["revenue"], no["revenue"], equal_var=False)
    assert welch.pvalue < 0.001


def test_customers_file(customers: pl.DataFrame, per_customer: pl.DataFrame) -> None:
    assert customers["Customer ID"].is_unique().all()
    ordering = set(per_customer["Customer ID"])
    listed = set(customers["Customer ID"])
    assert ordering <= listed
    assert 400 <= len(listed - ordering) <= 600  # signed up, never ordered
    joined = per_customer.join(customers, on="Customer ID")
    assert (joined["Signup Date"] <= joined["first_order"]).all()
    assert customers["Signup Date"].max() <= date(2026, 6, 18)


def test_experiment(experiment: pl.DataFrame, per_customer: pl.DataFrame) -> None:
    counts = dict(
        experiment.group_by("group")
        .agg(pl.len(), pl.col("retained").sum())
        .select("group", pl.struct("len", "retained"))
        .iter_rows()
    )
    assert counts == {"A": {"len": 1000, "retained": 176}, "B": {"len": 1000, "retained": 238}}
    assert set(experiment["retained"].unique()) == {0, 1}
    assert experiment["customer_id"].is_unique().all()
    assert set(experiment["customer_id"]) <= set(per_customer["Customer ID"])
    assert set(experiment["segment"].unique()) == {"New", "Returning", "VIP"}
    spend = experiment["pre_period_spend"].to_numpy()
    assert (spend > 0).all()
    # CUPED helps when the covariate is correlated with the outcome: variance shrinks by rho^2.
    rho = stats.pearsonr(spend, experiment["retained"].to_numpy()).statistic
    assert rho > 0.2
