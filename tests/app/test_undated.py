"""Pages on a file with one purchase per row and no order date (a customer shopping survey):
Sales shows the whole file's KPIs and breakdowns, Customers its tiers, demographics and the
subscriber comparison; each says in one sentence what needs dates. Expected figures come from the
csv module, not from the core."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

from tests.app.conftest import assert_no_exception, open_tab
from tests.app.test_data import run_with, texts

HEADER = "Customer ID,Age,Gender,Item Purchased,Category,Purchase Amount (USD),Location,"
SURVEY = (
    (HEADER + "Subscription Status\n").encode()
    + b"""1,55,Male,Blouse,Clothing,53,Kentucky,Yes
2,19,Male,Sweater,Clothing,64,Maine,Yes
3,50,Male,Jeans,Clothing,73,Massachusetts,No
4,21,Female,Sandals,Footwear,90,Rhode Island,No
5,45,Female,Blouse,Clothing,49,Oregon,Yes
6,46,Male,Sneakers,Footwear,20,Wyoming,No
7,63,Female,Shirt,Clothing,85,Montana,No
8,27,Male,Shorts,Clothing,34,Louisiana,No
9,26,Female,Coat,Outerwear,97,West Virginia,Yes
10,57,Male,Handbag,Accessories,31,Missouri,No
11,53,Female,Shoes,Footwear,34,Arkansas,No
12,30,Male,Shorts,Clothing,68,Hawaii,Yes
"""
)
ROWS = list(csv.DictReader(io.StringIO(SURVEY.decode())))
AMOUNT = "Purchase Amount (USD)"
PAGES = ["views/overview.py", "views/sales.py", "views/customers.py", "views/churn.py"]
PAGES += ["views/insights.py", "views/plan.py", "views/data.py", "views/glossary.py"]


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_sales_kpis_and_breakdown_without_dates(tmp_path: Path) -> None:
    at = run_with(SURVEY, "survey.csv", "views/sales.py", tmp_path)
    assert_no_exception(at)
    revenue = sum(float(r[AMOUNT]) for r in ROWS)
    customers = len({r["Customer ID"] for r in ROWS})
    got = metrics(at)
    assert got["Revenue"] == f"{revenue:,.0f}"  # 698
    assert got["Orders"] == str(len(ROWS))  # one purchase per row
    assert got["Customers"] == str(customers)
    assert got["Average order value"] == f"{revenue / len(ROWS):,.2f}"
    assert "need an order date" in texts(at)
    by_cat: dict[str, float] = defaultdict(float)
    for r in ROWS:
        by_cat[r["Category"]] += float(r[AMOUNT])
    at.selectbox(key="sales_dim").set_value("category").run()
    assert_no_exception(at)
    table = at.dataframe[0].value
    got_cat = dict(zip(table.iloc[:, 0], table["revenue"]))
    assert got_cat == by_cat


def test_customers_tiers_demographics_and_comparison_without_dates(tmp_path: Path) -> None:
    at = run_with(SURVEY, "survey.csv", "views/customers.py", tmp_path)
    assert_no_exception(at)
    said = texts(at)
    assert "RFM segments" in said and "need order dates" in said
    yes = [float(r[AMOUNT]) for r in ROWS if r["Subscription Status"] == "Yes"]
    no = [float(r[AMOUNT]) for r in ROWS if r["Subscription Status"] == "No"]
    # one purchase per customer: revenue per customer is the purchase amount
    open_tab(at, "customers_tab", "Demographics")
    assert_no_exception(at)
    sentence = next(m.value for m in [*at.info, *at.success] if "Subscription Status" in m.value)
    assert f"{sum(yes) / len(yes):,.2f}" in sentence
    assert f"{sum(no) / len(no):,.2f}" in sentence
    assert "Champions" not in metrics(at)


def test_every_page_runs_without_dates(tmp_path: Path) -> None:
    at = run_with(SURVEY, "survey.csv", "views/overview.py", tmp_path)
    for page in PAGES:
        at.switch_page(page).run()
        assert_no_exception(at)
