"""More real public exports (tests/data/real, sources in tests/data/README.md), tried as a new
user would: `python -m core report --json` against figures an analyst computes by hand on the
same file with the csv module or DuckDB SQL (never with core).
"""

from __future__ import annotations

import csv
import math
from datetime import date, datetime

import duckdb
import pytest

from tests.unit.test_real_exports import REAL, report  # the one `report --json` runner


def check(got: dict, want: dict) -> None:
    for key in ("rows", "orders", "customers"):
        assert got[key] == want[key], key
    for key in ("revenue", "net_revenue"):
        assert got[key] == pytest.approx(want[key], abs=0.005), key
    assert (got["first_date"], got["last_date"]) == (str(want["first"]), str(want["last"]))


def test_global_superstore_day_first_with_dashes_cp1252() -> None:
    # Global Superstore: 'dd-mm-yyyy' order dates ('31-07-2012'), Windows-1252 city names
    # ('Juárez'), one line per product, Sales is the line amount, no returns in the file.
    # 'Shipping Cost' is what the shop paid the carrier, not the goods' unit cost.
    path = REAL / "global_superstore_dmy_dashes_cp1252.csv"
    with path.open(encoding="cp1252", newline="") as f:
        rows = list(csv.DictReader(f))
    sales = [float(r["Sales"]) for r in rows]
    dates = [datetime.strptime(r["Order Date"], "%d-%m-%Y").date() for r in rows]
    want = {
        "rows": len(rows),
        "orders": len({r["Order ID"] for r in rows}),
        "customers": len({r["Customer ID"] for r in rows}),
        "revenue": math.fsum(sales),
        "net_revenue": math.fsum(sales),
        "first": min(dates),
        "last": max(dates),
    }
    got = report(path)
    check(got, want)
    assert got["mapping"]["order_date"] == "Order Date"
    assert "Shipping Cost" not in got["mapping"].values()
    assert any("'31-07-2012'" in w and "day/month" in w for w in got["warnings"])
    # the coded dimensions (core.model.schema.coded) break down as the csv module groups text
    for role, column in (
        ("region", "Region"),
        ("category", "Category"),
        ("product", "Product Name"),
    ):
        groups: dict[str, list] = {}
        for r in rows:
            sums = groups.setdefault(r[column], [[], set(), set()])
            sums[0].append(float(r["Sales"]))
            sums[1].add(r["Order ID"])
            sums[2].add(r["Customer ID"])
        shown = got["breakdowns"][role]
        assert {b["value"] for b in shown} == set(groups), role
        for b in shown:
            sales, orders, customers = groups[b["value"]]
            assert b["revenue"] == pytest.approx(math.fsum(sales), abs=0.005), (role, b["value"])
            assert (b["orders"], b["customers"]) == (len(orders), len(customers)), b["value"]


def test_online_retail_ii_column_names() -> None:
    # UCI data under Online Retail II's names (Invoice, Price, 'Customer ID'): no amount
    # column, so a line is Quantity x Price; '12/1/2010 08:26' fits both orders and is 1 Dec.
    path = REAL / "online_retail_ii_columns.csv"
    want = (
        duckdb.connect()
        .execute(
            f"""
        select count(*) as rows, count(distinct Invoice) as orders,
               count(distinct "Customer ID") as customers,
               sum(Quantity * Price) as revenue, sum(Quantity * Price) as net_revenue,
               min(cast(strptime(InvoiceDate, '%m/%d/%Y %H:%M') as date)) as first,
               max(cast(strptime(InvoiceDate, '%m/%d/%Y %H:%M') as date)) as last
        from read_csv('{path}', all_varchar = true,
                      types = {{'Quantity': 'DOUBLE', 'Price': 'DOUBLE'}})
        """
        )
        .fetchone()
    )
    names = ("rows", "orders", "customers", "revenue", "net_revenue", "first", "last")
    got = report(path)
    check(got, dict(zip(names, want, strict=True)))
    assert want[-1] == date(2010, 12, 1)


def test_istanbul_malls_price_is_the_line_amount() -> None:
    # Customer Shopping Dataset (Istanbul malls): one invoice per row, 'dd/mm/yyyy' dates, and
    # 'price' already the line amount (1 x Clothing 300.08, 5 x Clothing 1500.4), whatever the
    # data set's description says: revenue is the sum of price.
    path = REAL / "istanbul_malls_price_is_line_total.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    per_unit = {(r["category"], round(float(r["price"]) / int(r["quantity"]), 2)) for r in rows}
    assert len(per_unit) == len({r["category"] for r in rows})  # one unit price per category
    prices = [float(r["price"]) for r in rows]
    dates = [datetime.strptime(r["invoice_date"], "%d/%m/%Y").date() for r in rows]
    want = {
        "rows": len(rows),
        "orders": len({r["invoice_no"] for r in rows}),
        "customers": len({r["customer_id"] for r in rows}),
        "revenue": math.fsum(prices),
        "net_revenue": math.fsum(prices),
        "first": min(dates),
        "last": max(dates),
    }
    check(report(path), want)
