"""Global filters: an inclusive date range and dimension values, with "(missing)" for blanks."""

from __future__ import annotations

from datetime import date

import polars as pl

from core.model.filters import Filters, apply_filters, dimension_values

ORDERS = pl.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d", "e"],
        "order_date": [date(2024, 1, d) for d in (1, 10, 20, 31, 15)],
        "revenue": [10.0, 50.0, 30.0, 5.0, 1.0],
        "region": ["North", "South", "North", None, "East"],
        "status": ["delivered"] * 5,
    }
)


def _ids(df: pl.DataFrame) -> list[str]:
    return sorted(df["customer_id"].to_list())


def test_no_filters_keep_everything() -> None:
    f = Filters()
    assert not f.active
    assert _ids(apply_filters(ORDERS, f)) == ["a", "b", "c", "d", "e"]


def test_date_range_is_inclusive() -> None:
    f = Filters(start=date(2024, 1, 10), end=date(2024, 1, 20))
    assert f.active
    # Jan 10, 15 and 20 are inside; Jan 1 and 31 are not
    assert _ids(apply_filters(ORDERS, f)) == ["b", "c", "e"]


def test_values_and_missing() -> None:
    assert _ids(apply_filters(ORDERS, Filters(values={"region": ("North",)}))) == ["a", "c"]
    f = Filters(values={"region": ("East", "(missing)")})
    assert _ids(apply_filters(ORDERS, f)) == ["d", "e"]
    # a dimension the data does not have is ignored; an empty selection keeps all
    f = Filters(values={"channel": ("Web",), "region": ()})
    assert apply_filters(ORDERS, f).height == 5


def test_dates_and_values_combine() -> None:
    f = Filters(start=date(2024, 1, 5), values={"region": ("North",)})
    assert _ids(apply_filters(ORDERS, f)) == ["c"]


def test_key_is_stable_and_ignores_order() -> None:
    a = Filters(values={"region": ("South", "North"), "category": ()})
    b = Filters(values={"region": ("North", "South")})
    assert a.key() == b.key() == "None|None|region=North,South"


def test_dimension_values_by_revenue() -> None:
    # South 50, North 10 + 30 = 40, (missing) 5, East 1; status is not a filter dimension
    assert dimension_values(ORDERS) == {"region": ["South", "North", "(missing)", "East"]}


def test_dimension_values_with_equal_revenue_by_name() -> None:
    # six regions of 1.0 each: the same order on every run, by name (group_by's order varies)
    names = ["Zeta", "Alpha", "Mu", "Beta", "Omega", "Kappa"]
    tied = pl.DataFrame({"revenue": [1.0] * 6, "region": names})
    for _ in range(20):
        assert dimension_values(tied) == {"region": sorted(names)}
