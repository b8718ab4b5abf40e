"""`python -m core customers` on a small file whose customer table is worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from core.__main__ import main

# as_of = last order = 2024-06-30.
#   a: orders 2024-06-01 (50) and 2024-06-30 (100): 2 orders, 150, recency 0
#   b: 2024-05-01 (20): recency 30 + 30 = 60 (not above at_risk_days 60, so active)
#   c: 2024-01-01 (10): recency 30 + 29 + 31 + 30 + 31 + 29 = 181 (2024 is a leap year): churned
# RFM with n = 3, score = 1 + floor(5 * worse / 3):
#   R: a worse 2 -> 1 + 10 // 3 = 4; b worse 1 -> 1 + 5 // 3 = 2; c -> 1
#   F: a worse 2 -> 4; b, c tie at one order -> 1
#   M: a 4; b worse 1 -> 2; c 1
#   a: R4 FM (4 + 4 + 1) // 2 = 4 -> Loyal; b: R2 FM (1 + 2 + 1) // 2 = 2 -> Hibernating;
#   c: R1 FM1 -> Lost
# Value tiers (n = 3): Top 5% better < 0.15 -> a; Next 15% better < 0.6 -> none;
#   Middle 30% better < 1.5 -> b (1 better); Bottom 50% -> c.
CSV = """customer_id,order_id,order_date,revenue,gender
a,1,2024-06-30,100,F
a,2,2024-06-01,50,F
b,3,2024-05-01,20,M
c,4,2024-01-01,10,M
"""


@pytest.fixture
def orders_file(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text(CSV)
    return path


def _by_id(rows: list[dict]) -> dict[str, dict]:
    return {r["customer_id"]: r for r in rows}


def test_customers_json(orders_file: Path, capsys) -> None:
    assert main(["customers", str(orders_file), "--json"]) == 0
    rows = _by_id(json.loads(capsys.readouterr().out))
    assert [rows[c]["orders"] for c in "abc"] == [2, 1, 1]
    assert [rows[c]["revenue"] for c in "abc"] == [150.0, 20.0, 10.0]
    assert [rows[c]["recency_days"] for c in "abc"] == [0, 60, 181]
    assert [rows[c]["status"] for c in "abc"] == ["active", "active", "churned"]
    assert [rows[c]["rfm_code"] for c in "abc"] == ["444", "212", "111"]
    assert [rows[c]["rfm_segment"] for c in "abc"] == ["Loyal", "Hibernating", "Lost"]
    assert [rows[c]["value_tier"] for c in "abc"] == ["Top 5%", "Middle 30%", "Bottom 50%"]
    assert rows["a"]["first_order"] == "2024-06-01" and rows["a"]["gender"] == "F"


def test_customers_out_file(orders_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "customers.parquet"
    assert main(["customers", str(orders_file), "--out", str(out)]) == 0
    table = pl.read_parquet(out)
    assert sorted(table["customer_id"]) == ["a", "b", "c"]
    assert {"rfm_segment", "value_tier", "recency_days", "aov"} <= set(table.columns)
    printed = capsys.readouterr().out
    assert "customers: 3" in printed and "revenue: 180" in printed  # KPIs as in the app
    assert '"Loyal": 1' in printed and '"Lost": 1' in printed


def test_customers_csv_on_stdout(orders_file: Path, capsys) -> None:
    assert main(["customers", str(orders_file), "--as-of", "2024-07-30"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("customer_id,")
    assert len(lines) == 4
    # 30 more days since as_of moved: a is now 30 days out
    header = lines[0].split(",")
    a = next(line.split(",") for line in lines[1:] if line.startswith("a,"))
    assert a[header.index("recency_days")] == "30"


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--out", "table.txt"], "--out takes"),
        (["--churn-days", "30", "--at-risk-days", "60"], "days"),
    ],
)
def test_customers_bad_input(orders_file: Path, capsys, extra, message) -> None:
    assert main(["customers", str(orders_file), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err and len(err.strip().splitlines()) == 1


def test_customers_missing_file(tmp_path: Path, capsys) -> None:
    assert main(["customers", str(tmp_path / "nope.csv")]) == 2
    assert capsys.readouterr().err.startswith("error:")


@pytest.mark.parametrize("command", ["customers", "churn", "insights"])
def test_compact_json_is_the_same_json(
    command: str, orders_file: Path, capsys, monkeypatch
) -> None:
    """Above COMPACT_ROWS rows polars writes the tables: the same values as Python's rows."""
    import core.__main__ as cli
    from core.rules import DEFAULT_RULES_PATH

    args = [command, str(orders_file), "--json"]
    args += ["--rules", str(DEFAULT_RULES_PATH)] if command == "insights" else []
    assert main(args) == 0
    indented = capsys.readouterr().out
    monkeypatch.setattr(cli, "COMPACT_ROWS", 0)
    assert main(args) == 0
    compact = capsys.readouterr().out
    assert "\n  " in indented and "\n" not in compact.strip()
    assert json.loads(compact) == json.loads(indented)


def test_json_rows_write_nan_and_infinity_as_null(monkeypatch) -> None:
    """JSON has no NaN: a table's non-finite numbers are null, on both paths."""
    import core.__main__ as cli

    table = pl.DataFrame({"x": [1.5, float("nan"), float("inf"), None]})
    expected = [{"x": 1.5}, {"x": None}, {"x": None}, {"x": None}]
    assert json.loads(cli._json(cli._rows(table))) == expected
    monkeypatch.setattr(cli, "COMPACT_ROWS", 0)
    assert json.loads(cli._json({"rows": cli._rows(table), "n": 4})) == {
        "rows": expected,
        "n": 4,
    }
