"""`python -m core report` as a user runs it: a good file, overrides, and every kind of bad input.

Bad input must exit with status 2 and print exactly one line on stderr that starts with `error:`
and names the file (or the flag), never a traceback.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from core.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
MESSY = ROOT / "tests" / "data" / "messy"

SPEC_KEYS = {
    "rows",
    "orders",
    "customers",
    "total_customers",
    "revenue",
    "net_revenue",
    "aov",
    "revenue_per_customer",
    "repeat_rate",
    "active_customers",
    "at_risk_customers",
    "churned_customers",
    "churn_rate",
    "revenue_at_risk",
    "first_date",
    "last_date",
    "as_of",
    "mapping",
    "warnings",
    "monthly",
}


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "core", "report", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def assert_one_error_line(proc: subprocess.CompletedProcess, *needles: str) -> str:
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# ---------------------------------------------------------------- a good run


def test_shopify_export_report(tmp_path: Path) -> None:
    customers = tmp_path / "customers.csv"
    customers.write_text("Email,Name\nann@example.com,Ann\nzed@example.com,Zed\n")
    proc = run(str(MESSY / "shopify_orders.csv"), "--json", "--customers", str(customers))
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert set(r) >= SPEC_KEYS
    assert r["rows"] == 7 and r["orders"] == 4 and r["customers"] == 3
    assert r["total_customers"] == 4  # ann, bob, cy + zed from the customers file
    # each order's Total once: 42 + 12 + 50 + 10 = 114; #1003 was refunded: net 114 - 50 = 64
    assert r["revenue"] == pytest.approx(114.0)
    assert r["net_revenue"] == pytest.approx(64.0)
    assert r["aov"] == pytest.approx(114 / 4)  # 28.5
    assert r["revenue_per_customer"] == pytest.approx(114 / 3)  # 38
    assert r["repeat_rate"] == pytest.approx(1 / 3)  # ann: #1001 and #1003
    # as_of 2024-04-10: ann 8 days, cy 0 days, bob (2024-03-31) 10 days -> all active
    assert (r["first_date"], r["last_date"], r["as_of"]) == (
        "2024-03-01",
        "2024-04-10",
        "2024-04-10",
    )
    assert r["active_customers"] == 3 and r["churn_rate"] == 0.0 and r["revenue_at_risk"] == 0.0
    assert r["mapping"]["customer_id"] == "Email" and r["mapping"]["revenue"] == "Total"
    assert any("counted once per order" in w for w in r["warnings"])
    # March: #1001 42 + #1002 12 = 54; April: 50 + 10 = 60; data starts on March 1st
    # (complete) and stops on April 10th (partial), so April's 10 days are not compared with
    # the whole of March (no growth rather than +11%)
    assert [(m["month"], m["revenue"], m["orders"], m["customers"]) for m in r["monthly"]] == [
        ("2024-03", pytest.approx(54.0), 2, 2),
        ("2024-04", pytest.approx(60.0), 2, 2),
    ]
    assert r["monthly"][0]["growth"] is None
    assert r["monthly"][1]["growth"] is None
    assert [m["partial"] for m in r["monthly"]] == [False, True]


def test_as_of_and_thresholds(tmp_path: Path) -> None:
    # as_of 2024-07-09: cy (2024-04-10) 90 days -> at risk; ann (2024-04-02) 98, bob (03-31) 100
    # -> churned. Revenue in the window: ann 42 + 50, bob 12, cy 10 = 114, all at risk or churned
    proc = run(str(MESSY / "shopify_orders.csv"), "--json", "--as-of", "2024-07-09")
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert r["as_of"] == "2024-07-09"
    assert (r["active_customers"], r["at_risk_customers"], r["churned_customers"]) == (0, 1, 2)
    assert r["revenue_at_risk"] == pytest.approx(114.0)
    # May, June and July (to the 9th, partial) are added with no revenue
    assert [m["month"] for m in r["monthly"]] == [
        "2024-03",
        "2024-04",
        "2024-05",
        "2024-06",
        "2024-07",
    ]
    assert [m["partial"] for m in r["monthly"]] == [False, False, False, False, True]
    # with churn at 100 days bob (100) is at risk too
    proc = run(
        str(MESSY / "shopify_orders.csv"), "--json", "--as-of", "2024-07-09", "--churn-days", "100"
    )
    r = json.loads(proc.stdout)
    assert (r["at_risk_customers"], r["churned_customers"]) == (3, 0)


def test_map_overrides_the_amount(tmp_path: Path) -> None:
    # Subtotal is first-line-only too: 35 + 10 + 50 + 10 = 105
    proc = run(str(MESSY / "shopify_orders.csv"), "--json", "--map", "revenue=Subtotal")
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert r["mapping"]["revenue"] == "Subtotal"
    assert r["revenue"] == pytest.approx(105.0)


def test_european_csv_report(capsys) -> None:
    assert main(["report", str(MESSY / "eu_semicolon_cp1252.csv"), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    # B-3 (-10,00) is a return: revenue = gross purchases 1234.56 + 99.90 + 0.50 = 1334.96,
    # net = 1334.96 - 10.00 = 1324.96; 3 purchase orders (B-1, B-2, B-4) by 2 customers
    assert r["revenue"] == pytest.approx(1334.96)
    assert r["net_revenue"] == pytest.approx(1324.96)
    assert (r["rows"], r["orders"], r["customers"]) == (4, 3, 2)
    assert r["first_date"] == "2024-03-13" and r["last_date"] == "2024-04-02"


def test_plain_text_output(capsys) -> None:
    assert main(["report", str(MESSY / "shopify_orders.csv")]) == 0
    assert "orders: 4" in capsys.readouterr().out.splitlines()


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("empty.csv", "the file is empty"),
        ("header_only.csv", "header but no data rows"),
        ("no_usable_columns.csv", "no customer id / e-mail column found"),
        ("unparseable_dates.csv", "could be read as dates"),
        ("not_excel.xlsx", "not an .xlsx workbook"),
    ],
)
def test_bad_committed_files(name: str, needle: str) -> None:
    assert_one_error_line(run(str(MESSY / name), "--json"), needle, name)


def test_unparseable_dates_name_column_and_row() -> None:
    line = assert_one_error_line(run(str(MESSY / "unparseable_dates.csv"), "--json"))
    assert "column 'order_date'" in line and "row 2" in line and "'soon'" in line


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.csv"
    path.write_bytes(random.Random(0).randbytes(4096))
    assert_one_error_line(run(str(path), "--json"), "noise.csv")


def test_no_amount_column(tmp_path: Path) -> None:
    path = tmp_path / "no_amount.csv"
    path.write_text("customer_id,order_date,note\na,2024-01-01,hi\nb,2024-01-02,yo\n")
    assert_one_error_line(run(str(path), "--json"), "no amount column found", "no_amount.csv")


def test_no_date_column_still_reports(tmp_path: Path) -> None:
    # one purchase per row and no date: the figures that need no date, date fields null
    path = tmp_path / "no_date.csv"
    path.write_text("customer_id,revenue\na,1\nb,2\na,4\n")
    proc = run(str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["rows"], out["orders"], out["customers"], out["revenue"]) == (3, 3, 2, 7.0)
    assert out["first_date"] is None and out["last_date"] is None and out["as_of"] is None
    assert out["churned_customers"] is None and out["monthly"] == []
    assert any("No order date column" in w for w in out["warnings"])


def test_missing_file(tmp_path: Path) -> None:
    assert_one_error_line(run(str(tmp_path / "nowhere.csv"), "--json"), "nowhere.csv")


def in_process_error(capsys, *args: str) -> str:
    """The same checks without a new interpreter (argparse errors exit through SystemExit)."""
    try:
        code = main(["report", *args])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    return err.strip()


def test_folder_instead_of_file(tmp_path: Path, capsys) -> None:
    assert "folder" in in_process_error(capsys, str(tmp_path), "--json")


@pytest.mark.parametrize(
    ("flag", "needle"),
    [
        (["--map", "revenue"], "--map takes ROLE=COLUMN"),
        (["--map", "revenue=Nope"], "no column 'Nope' for role revenue"),
        (["--as-of", "2024-13-01"], "--as-of takes a date as YYYY-MM-DD"),
    ],
)
def test_bad_flags(flag: list[str], needle: str) -> None:
    assert_one_error_line(run(str(MESSY / "shopify_orders.csv"), "--json", *flag), needle)


def test_bad_customers_file(tmp_path: Path) -> None:
    bad = tmp_path / "people.csv"
    bad.write_text("colour,size\nred,M\n")
    line = assert_one_error_line(
        run(str(MESSY / "shopify_orders.csv"), "--json", "--customers", str(bad))
    )
    assert "people.csv" in line and "no customer id column" in line


@pytest.mark.parametrize(
    ("flag", "needle"),
    [
        (["--map", "bogus=Total"], "unknown role 'bogus'"),
        (["--map", "=Total"], "--map takes ROLE=COLUMN"),
        (["--as-of", "yesterday"], "--as-of takes a date as YYYY-MM-DD"),
        (["--churn-days", "ninety"], "--churn-days"),
    ],
)
def test_bad_flags_in_process(flag: list[str], needle: str, capsys) -> None:
    line = in_process_error(capsys, str(MESSY / "shopify_orders.csv"), "--json", *flag)
    assert needle in line


def test_as_of_puts_every_figure_in_one_window():
    """`report --as-of 2025-06-30` on the sample: revenue, orders, customers and the monthly
    series count only orders up to that day, so active + at risk + churned = customers.
    Expected figures come from the csv module, not from core."""
    import csv
    from datetime import date

    as_of = date(2025, 6, 30)
    with (ROOT / "data" / "orders.csv").open(newline="", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r["Order Date"] <= as_of.isoformat()]
    last: dict[str, date] = {}
    for r in rows:
        d = date.fromisoformat(r["Order Date"])
        last[r["Customer ID"]] = max(d, last.get(r["Customer ID"], d))
    recency = [(as_of - d).days for d in last.values()]
    proc = run(str(ROOT / "data" / "orders.csv"), "--as-of", as_of.isoformat(), "--json")
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert r["as_of"] == "2025-06-30" and r["last_date"] <= "2025-06-30"
    assert r["rows"] == len(rows)
    assert r["orders"] == len({x["Order ID"] for x in rows})
    assert r["customers"] == len(last)
    assert r["revenue"] == pytest.approx(sum(float(x["Line Total"]) for x in rows))
    assert (r["active_customers"], r["at_risk_customers"], r["churned_customers"]) == (
        sum(d <= 60 for d in recency),
        sum(60 < d <= 90 for d in recency),
        sum(d > 90 for d in recency),
    )
    assert r["active_customers"] + r["at_risk_customers"] + r["churned_customers"] == r["customers"]
    months = [m["month"] for m in r["monthly"]]
    assert months[0] == "2023-07" and months[-1] == "2025-06" and len(months) == 24
    assert not r["monthly"][-1]["partial"]  # June 30 is June's last day
    assert sum(m["revenue"] for m in r["monthly"]) == pytest.approx(r["revenue"])
    assert sum(b["revenue"] for b in r["breakdowns"]["region"]) == pytest.approx(r["revenue"])
