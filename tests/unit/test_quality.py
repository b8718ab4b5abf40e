"""The data-quality report on a small file whose every problem is planted and counted by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from core.ingest import load_orders
from core.ingest.quality import quality_report

CSV = """customer_id,order_id,order_date,revenue,gender
a,1,2024-01-10,10,F
a,1,2024-01-10,10,F
a,2,2024-01-20,20,M
b,3,2024-02-05,0,M
b,4,2024-02-06,-5,M
c,5,2024-02-07,40,
c,6,2024-03-03,5000,F
,7,2024-03-04,15,F
d,8,2024-03-05,20,
d,9,2024-03-06,10,
e,10,2024-03-07,40,
e,11,2024-03-30,20,
"""
# data rows 2..13 (12 rows):
# - row 3 is an exact copy of row 2                       -> 1 duplicate row
# - row 9 has no customer                                 -> set aside: 1 row, 11 used
# - rows 5 (0) and 6 (-5)                                 -> 2 zero or negative amounts
# - gender: a has F, F, M                                 -> 1 customer inconsistent of 5 (a-e)
# - gender blank on rows 7, 10, 11, 12, 13                -> 5 missing; customer_id 1 missing
# - dates 2024-01-10 .. 2024-03-30: 3 months; Jan starts on the 10th and Mar ends on the 30th
# - positive amounts used: 10 10 20 40 5000 20 10 40 20 -> sorted 10 10 10 20 20 20 40 40 5000
#   Q1 = 3rd of 9 = 10, Q3 = 7th of 9 = 40; on the log scale IQR = ln 40 - ln 10 = ln 4,
#   fence = exp(ln 40 + 3 ln 4) = 40 * 4^3 = 2560 -> 5000 is the one outlier


@pytest.fixture(scope="module")
def quality():
    loaded = load_orders(CSV.encode(), name="q.csv")
    customers = pl.DataFrame({"customer_id": ["a", "z", "y"]})
    return quality_report(loaded, customers)


def test_rows_and_rejected(quality) -> None:
    assert (quality.rows_read, quality.rows_used, quality.rows_rejected) == (12, 11, 1)
    assert quality.rejected.select("row", "reason").rows() == [(9, "missing customer id")]


def test_coverage_and_partial_months(quality) -> None:
    assert (quality.first_date, quality.last_date) == (date(2024, 1, 10), date(2024, 3, 30))
    assert quality.months == 3
    assert quality.partial_first_month and quality.partial_last_month


def test_missing_values_per_column(quality) -> None:
    missing = {
        r["column"]: (r["role"], r["missing"]) for r in quality.missing.iter_rows(named=True)
    }
    assert missing == {
        "customer_id": ("customer_id", 1),
        "order_id": ("order_id", 0),
        "order_date": ("order_date", 0),
        "revenue": ("revenue", 0),
        "gender": ("", 5),
    }
    share = quality.missing.filter(pl.col("column") == "gender")["share"][0]
    assert share == pytest.approx(5 / 12)


def test_duplicates_nonpositive_outliers(quality) -> None:
    assert quality.duplicate_rows == 1
    assert quality.nonpositive["source_row"].to_list() == [5, 6]
    assert quality.nonpositive["revenue"].to_list() == [0.0, -5.0]
    assert quality.outlier_threshold == pytest.approx(2560.0)
    assert quality.outliers["source_row"].to_list() == [8]


def test_inconsistent_attributes_and_customers_without_orders(quality) -> None:
    row = quality.inconsistent.filter(pl.col("attribute") == "gender").row(0, named=True)
    assert row["customers"] == 1
    assert row["share"] == pytest.approx(1 / 5)
    assert quality.customers_without_orders == 2  # z and y


def test_issue_sentences(quality) -> None:
    issues = quality.issues
    assert "1 rows set aside (see the reasons below)." in issues
    assert "1 rows are exact duplicates of another row." in issues
    assert "2 lines have a zero or negative amount." in issues
    assert "1 lines have unusually large amounts (above 2,560.00)." in issues
    assert any(i.startswith("gender: 1 customers have more than one value") for i in issues)
    assert "The first and last month is partial: compare it with care." in issues


def test_clean_file_has_no_issues() -> None:
    csv = "customer_id,order_id,order_date,revenue\na,1,2024-01-01,10\nb,2,2024-01-31,20\n"
    q = quality_report(load_orders(csv.encode(), name="clean.csv"))
    assert q.issues == []
    # two amounts 10 and 20: nearest-rank Q1 = 10, Q3 = 20; fence = 20 * 2^3 = 160, nothing above
    assert q.outlier_threshold == pytest.approx(160.0)
    assert q.outliers.height == 0
    assert q.customers_without_orders == 0
