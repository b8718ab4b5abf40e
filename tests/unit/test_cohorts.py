"""core.cohorts on a small hand-made frame; the matrix is worked out cell by cell below."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from core import cohorts
from core.errors import InputError

D = date

# P: Jan 10, Feb 10 (20), Mar 10 (30)   -> cohort Jan
# Q: Jan 15 (5), Mar 15 (5)              -> cohort Jan
# R: Feb 5 (100), Apr 5 (50)             -> cohort Feb
# S: Mar 3 (7), Mar 20 (3)               -> cohort Mar
_LINES = [
    ("P", D(2024, 1, 10), 10.0),
    ("P", D(2024, 2, 10), 20.0),
    ("P", D(2024, 3, 10), 30.0),
    ("Q", D(2024, 1, 15), 5.0),
    ("Q", D(2024, 3, 15), 5.0),
    ("R", D(2024, 2, 5), 100.0),
    ("R", D(2024, 4, 5), 50.0),
    ("S", D(2024, 3, 3), 7.0),
    ("S", D(2024, 3, 20), 3.0),
]


@pytest.fixture
def orders() -> pl.DataFrame:
    return pl.DataFrame(
        [(c, f"o{i}", d, r) for i, (c, d, r) in enumerate(_LINES)],
        schema={
            "customer_id": pl.Utf8,
            "order_id": pl.Utf8,
            "order_date": pl.Date,
            "revenue": pl.Float64,
        },
        orient="row",
    )


def _cells(long: pl.DataFrame, column: str) -> dict[tuple[str, int], float]:
    return {(r["cohort_label"], r["age"]): r[column] for r in long.iter_rows(named=True)}


def test_retention_matrix_by_hand(orders: pl.DataFrame) -> None:
    long = cohorts.cohort_retention(orders)
    # last month is April: Jan cohort ages 0..3, Feb 0..2, Mar 0..1 -> 4 + 3 + 2 = 9 cells
    assert long.height == 9
    sizes = dict(zip(long["cohort_label"], long["cohort_size"], strict=False))
    assert sizes == {"2024-01": 2, "2024-02": 1, "2024-03": 1}
    # Jan cohort {P, Q}: Jan both; Feb only P -> 1/2; Mar P and Q -> 2/2; Apr none -> 0
    # Feb cohort {R}: Feb 1; Mar 0; Apr R -> 1.   Mar cohort {S}: Mar 1; Apr 0
    assert _cells(long, "retention") == {
        ("2024-01", 0): 1.0,
        ("2024-01", 1): 0.5,
        ("2024-01", 2): 1.0,
        ("2024-01", 3): 0.0,
        ("2024-02", 0): 1.0,
        ("2024-02", 1): 0.0,
        ("2024-02", 2): 1.0,
        ("2024-03", 0): 1.0,
        ("2024-03", 1): 0.0,
    }
    rev = _cells(long, "revenue_retention")
    # Jan cohort base = 10 + 5 = 15: Feb 20 / 15, Mar (30 + 5) / 15
    assert rev[("2024-01", 1)] == pytest.approx(20 / 15)
    assert rev[("2024-01", 2)] == pytest.approx(35 / 15)
    # Feb cohort base 100: Apr 50 / 100.  Mar cohort: base 7 + 3 = 10, Apr 0
    assert rev[("2024-02", 2)] == pytest.approx(0.5)
    assert rev[("2024-03", 0)] == 1.0 and rev[("2024-03", 1)] == 0.0


def test_matrix_wide_form(orders: pl.DataFrame) -> None:
    wide = cohorts.cohort_matrix(cohorts.cohort_retention(orders), "retention")
    assert wide.columns == ["cohort_label", "cohort_size", "0", "1", "2", "3"]
    assert wide.row(0) == ("2024-01", 2, 1.0, 0.5, 1.0, 0.0)
    # unobserved cells are null, not 0
    assert wide.row(2) == ("2024-03", 1, 1.0, 0.0, None, None)
    active = cohorts.cohort_matrix(cohorts.cohort_retention(orders), "active")
    assert active["1"].to_list() == [1, 0, 0]


def test_average_curve(orders: pl.DataFrame) -> None:
    curve = cohorts.average_curve(cohorts.cohort_retention(orders))
    assert curve["age"].to_list() == [0, 1, 2, 3]
    # age 1: 3 cohorts, 4 customers, 1 active (P) -> 0.25; plain mean (0.5 + 0 + 0) / 3
    # age 2: Jan + Feb cohorts, 3 customers, 2 + 1 active -> 1.0; age 3: Jan only -> 0
    assert curve["cohorts"].to_list() == [3, 3, 2, 1]
    assert curve["retention"].to_list() == pytest.approx([1.0, 0.25, 1.0, 0.0])
    assert curve["retention_mean"].to_list() == pytest.approx([1.0, 1 / 6, 1.0, 0.0])
    # revenue, weighted: age 1 = 20 / (15 + 100 + 10); age 2 = (35 + 50) / (15 + 100)
    assert curve["revenue_retention"].to_list() == pytest.approx([1.0, 20 / 125, 85 / 115, 0.0])


def test_as_of_extends_and_cuts(orders: pl.DataFrame) -> None:
    later = cohorts.cohort_retention(orders, as_of=D(2024, 5, 31))
    # May is observed with no orders: the Jan cohort gets an age-4 cell of 0
    assert _cells(later, "retention")[("2024-01", 4)] == 0.0
    cut = cohorts.cohort_retention(orders, as_of=D(2024, 2, 28))
    # March and April orders dropped: Jan cohort ages 0..1, Feb cohort age 0; S has no cohort
    assert sorted(_cells(cut, "active")) == [("2024-01", 0), ("2024-01", 1), ("2024-02", 0)]
    capped = cohorts.cohort_retention(orders, max_age=1)
    assert capped["age"].max() == 1


def test_quarterly_cohorts(orders: pl.DataFrame) -> None:
    long = cohorts.cohort_retention(orders, period="quarter")
    # Q1 cohort {P, Q, R, S} = 4; in Q2 only R ordered -> 1/4
    assert _cells(long, "retention") == {("2024-Q1", 0): 1.0, ("2024-Q1", 1): 0.25}


def test_empty_and_bad_input(orders: pl.DataFrame) -> None:
    empty = cohorts.cohort_retention(orders.clear())
    assert empty.is_empty()
    assert cohorts.average_curve(empty).is_empty()
    assert cohorts.cohort_matrix(empty).is_empty()
    with pytest.raises(InputError):
        cohorts.cohort_retention(orders, period="week")  # type: ignore[arg-type]


def test_color_ceiling(orders: pl.DataFrame) -> None:
    cells = cohorts.cohort_retention(orders)
    # ages 1+: Jan 0.5, 1.0, 0.0; Feb 0.0, 1.0; Mar 0.0 -> sorted 0, 0, 0, 0.5, 1, 1
    # 98th percentile, linear: position 0.98 * 5 = 4.9 -> 1 + 0.9 * (1 - 1) = 1.0
    assert cohorts.color_ceiling(cells, "retention") == pytest.approx(1.0)
    # the 50th: position 2.5 -> 0 + 0.5 * (0.5 - 0) = 0.25
    assert cohorts.color_ceiling(cells, "retention", q=0.5) == pytest.approx(0.25)
    # only age 0 observed: nothing to scale on -> 1.0; all zeros: at least 0.01
    assert cohorts.color_ceiling(cells.filter(pl.col("age") == 0)) == 1.0
    zeros = cells.with_columns(pl.lit(0.0).alias("retention"))
    assert cohorts.color_ceiling(zeros) == 0.01


def test_curve_long(orders: pl.DataFrame) -> None:
    curve = cohorts.average_curve(cohorts.cohort_retention(orders))
    long = cohorts.curve_long(curve, "retention")
    # ages 1..3 (age 0 left out), weighted then plain mean (see test_average_curve):
    # weighted 0.25, 1.0, 0.0; mean 1/6, 1.0, 0.0
    assert long["age"].to_list() == [1, 2, 3, 1, 2, 3]
    assert long["average"].to_list() == ["weighted by cohort size"] * 3 + ["mean of cohorts"] * 3
    assert long["rate"].to_list() == pytest.approx([0.25, 1.0, 0.0, 1 / 6, 1.0, 0.0])
    rev = cohorts.curve_long(curve, "revenue_retention")
    assert rev["rate"].to_list()[:2] == pytest.approx([20 / 125, 85 / 115])
    with pytest.raises(InputError, match="revenue_retention"):
        cohorts.curve_long(curve, "active")
