"""`python -m core churn` on a small file whose churn list is worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from core.__main__ import main

# as_of = last order = 2024-06-30. Days since last order:
#   a 2024-06-30 -> 0 (active)         b 2024-04-21 -> 9 + 31 + 30 = 70 (at risk)
#   c 2024-04-01 -> 29 + 31 + 30 = 90 (at risk, on the line)   d 2024-03-31 -> 91 (churned)
#   e 2023-12-01 -> 30 + 31 + 29 + 31 + 30 + 31 + 30 = 212 (churned)
# revenue in the 365 days before as_of: a 30, b 200, c 300 + 50 = 350, d 80, e 500
CSV = """customer_id,order_id,order_date,revenue
a,1,2024-05-21,10
a,2,2024-06-30,20
b,3,2024-04-21,200
c,4,2024-03-02,50
c,5,2024-04-01,300
d,6,2024-03-31,80
e,7,2023-12-01,500
"""


@pytest.fixture
def orders_file(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text(CSV)
    return path


def test_churn_list_to_csv(orders_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "churn.csv"
    assert main(["churn", str(orders_file), "--out", str(out)]) == 0
    table = pl.read_csv(out, encoding="utf8-lossy")
    table = table.rename({table.columns[0]: "customer_id"})  # the BOM may stick to the name
    # most valuable first by revenue_365d: e 500, c 350, b 200, d 80; a is active
    assert table["customer_id"].to_list() == ["e", "c", "b", "d"]
    assert table["status"].to_list() == ["churned", "at_risk", "at_risk", "churned"]
    assert table["recency_days"].to_list() == [212, 90, 70, 91]
    assert table["revenue_365d"].to_list() == [500.0, 350.0, 200.0, 80.0]
    # c: orders 2024-03-02 and 2024-04-01 are 30 days apart; 90 / 30 = 3.0x
    reason = table.filter(pl.col("customer_id") == "c")["reason"][0]
    assert reason == "no order for 90 days; usually orders every 30 days (3.0x the usual gap)"
    printed = capsys.readouterr().out
    # revenue at risk = 500 + 350 + 200 + 80 = 1130
    assert "customers: 4" in printed and "revenue_at_risk: 1,130" in printed


def test_thresholds_change_the_list(orders_file: Path, capsys) -> None:
    argv = ["churn", str(orders_file), "--json", "--churn-days", "100", "--at-risk-days", "80"]
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    # churned > 100: e (212); at risk 81..100: c (90), d (91); b (70) is active now
    assert [(r["customer_id"], r["status"]) for r in rows] == [
        ("e", "churned"),
        ("c", "at_risk"),
        ("d", "at_risk"),
    ]
    assert rows[0]["last_order"] == "2023-12-01"


def test_as_of_and_stdout_csv(orders_file: Path, capsys) -> None:
    # as of 2024-04-30 the June/May orders do not exist yet: a has no orders, b is 9 days
    # silent, c 29, d 30, e 151 -> only e (churned) is listed
    assert main(["churn", str(orders_file), "--as-of", "2024-04-30"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("customer_id,status,recency_days")
    assert len(lines) == 2 and lines[1].startswith("e,churned,151,")


def test_bad_input_is_one_error_line(orders_file: Path, tmp_path: Path, capsys) -> None:
    argv = ["churn", str(orders_file), "--churn-days", "30", "--at-risk-days", "60"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "at-risk threshold" in err[0]
    assert main(["churn", str(orders_file), "--out", str(tmp_path / "x.txt")]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["churn", str(tmp_path / "missing.csv")]) == 2
    assert capsys.readouterr().err.startswith("error:")
