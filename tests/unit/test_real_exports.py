"""Real public exports (tests/data/real, sources in tests/data/README.md): `python -m core report
--json` against figures computed independently with DuckDB SQL on the same file.

Each expectation is written the way an analyst would with the file open: the columns named by
hand, the date format read off the file, returns and cancellations identified by their sign or
invoice prefix. None of it calls core.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "data" / "real"


def report(path: Path, *args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "core", "report", str(path), "--json", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def sql(query: str) -> dict:
    con = duckdb.connect()
    try:
        cur = con.execute(query)
        names = [d[0] for d in cur.description]
        return dict(zip(names, cur.fetchone(), strict=True))
    finally:
        con.close()


def check(got: dict, want: dict) -> None:
    for key in ("rows", "orders", "customers"):
        assert got[key] == want[key], key
    for key in ("revenue", "net_revenue"):
        assert got[key] == pytest.approx(want[key], abs=0.005), key
    assert (got["first_date"], got["last_date"]) == (str(want["first"]), str(want["last"]))
    assert got["as_of"] == str(want["last"])


def test_uci_online_retail_us_dates_and_cancellations() -> None:
    # UCI Online Retail (per-invoice lines): month-first dates '12/1/2010 8:26', the first
    # ~1,000 rows all with a day <= 12; 'C' invoices are cancellations (negative quantity);
    # CustomerID '(blank)' means no customer.
    path = REAL / "uci_online_retail_invoices.csv"
    want = sql(
        f"""
        with t as (
            select InvoiceNo as inv, CustomerID as cust,
                   cast(strptime(split_part(InvoiceDate, ' ', 1), '%m/%d/%Y') as date) as d,
                   Quantity * UnitPrice as amount,
                   InvoiceNo like 'C%' or Quantity < 0 or UnitPrice < 0 as credit
            from read_csv('{path}', all_varchar = false, types = {{'CustomerID': 'VARCHAR',
                 'InvoiceNo': 'VARCHAR'}})
            where CustomerID <> '(blank)'
        )
        select count(*) as rows,
               count(distinct inv) filter (where not credit) as orders,
               count(distinct cust) filter (where not credit) as customers,
               sum(amount) filter (where not credit) as revenue,
               sum(amount) as net_revenue,
               min(d) filter (where not credit) as first,
               max(d) filter (where not credit) as last
        from t
        """
    )
    got = report(path)
    check(got, want)
    assert want["revenue"] > want["net_revenue"]  # the file does hold cancellations
    assert any("12/13/2010" in w and "month/day" in w for w in got["warnings"])


def test_uci_invoice_totals_iso_dates() -> None:
    path = REAL / "uci_invoice_totals_iso.csv"
    want = sql(
        f"""
        select count(*) as rows, count(distinct InvoiceNo) as orders,
               count(distinct CustomerID) as customers,
               sum(TotalPrice) as revenue, sum(TotalPrice) as net_revenue,
               min(InvoiceDate) as first, max(InvoiceDate) as last
        from read_csv('{path}')
        """
    )
    check(report(path), want)


def test_superstore_day_first_two_digit_years() -> None:
    # Tableau's Superstore, UK locale: '03/01/19' is 3 January 2019 ('13/01/19' only fits
    # day/month); Sales is the line amount; Order ID groups lines.
    path = REAL / "superstore_uk_dates.csv"
    want = sql(
        f"""
        with t as (
            select "Order ID" as o, "Customer ID" as c, Sales as s,
                   cast(strptime("Order Date", '%d/%m/%y') as date) as d
            from read_csv('{path}', types = {{'Order Date': 'VARCHAR'}})
        )
        select count(*) as rows, count(distinct o) as orders, count(distinct c) as customers,
               sum(s) as revenue, sum(s) as net_revenue, min(d) as first, max(d) as last
        from t
        """
    )
    got = report(path)
    check(got, want)
    assert got["mapping"]["order_date"] == "Order Date"


def test_superstore_semicolon_decimal_comma_cp1252() -> None:
    # A Superstore variant saved by a European Excel: ';' separated, '261,96' amounts,
    # Windows-1252 text, ISO ship dates, no order id (orders = customer + date + region)
    # (DuckDB refuses Windows-1252 bytes: the csv module reads it here)
    path = REAL / "superstore_semicolon_cp1252.csv"
    with path.open(encoding="cp1252", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    sales = [float(r["Sales"].replace(",", ".")) for r in rows]
    dates = [date.fromisoformat(r["Ship Date"]) for r in rows]
    want = {
        "rows": len(rows),
        "orders": len({(r["Customer Name"], r["Ship Date"], r["Region"]) for r in rows}),
        "customers": len({r["Customer Name"] for r in rows}),
        "revenue": math.fsum(sales),
        "net_revenue": math.fsum(sales),
        "first": min(dates),
        "last": max(dates),
    }
    check(report(path), want)
    # accented product names read as the csv module reads them ('Eldon Jumbo ... Bahé' etc.)
    from core.ingest import load_orders

    products = set(load_orders(path).orders["product"].to_list())
    assert products == {r["Product Name"].strip() for r in rows}
    assert any(not p.isascii() for p in products)
