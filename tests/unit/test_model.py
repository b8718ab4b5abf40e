"""The shared vocabulary (core.model): a leaf package with one status rule and one period rule."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from core.model import periods
from core.model.errors import InputError
from core.model.schema import CUSTOMER_COLUMN_KINDS, CUSTOMER_COLUMNS, KINDS
from core.model.settings import Settings
from core.model.status import STATUS_LABELS, status_codes, status_expr, with_status_labels

MODEL = Path(__file__).resolve().parents[2] / "core" / "model"


def test_model_is_a_leaf():
    """core.model imports nothing from core outside core.model (anywhere in a module)."""
    for path in MODEL.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                mod = node.module
            elif isinstance(node, ast.Import):
                mod = node.names[0].name
            else:
                continue
            if mod == "core" or mod.startswith("core."):
                assert mod.startswith("core.model"), f"{path.name} imports {mod}"


def test_old_paths_still_work():
    from core import errors, filters, schema

    assert errors.InputError is InputError
    assert schema.Settings is Settings
    assert filters.Filters.__module__ == "core.model.filters"


def test_every_customer_column_has_a_kind():
    assert set(CUSTOMER_COLUMNS) <= set(CUSTOMER_COLUMN_KINDS)
    assert set(CUSTOMER_COLUMN_KINDS.values()) <= set(KINDS)


def test_status_boundaries_by_hand():
    # SPEC: active <= 60, at risk 61..90, churned > 90
    df = pl.DataFrame({"recency_days": [0, 60, 61, 90, 91, None]})
    got = df.select(status_expr(90, 60))["status"].to_list()
    assert got == ["active", "active", "at_risk", "at_risk", "churned", None]
    assert with_status_labels(df.select(status_expr(90, 60)))["status"].to_list()[:3] == [
        STATUS_LABELS["active"],
        "Active",
        "At risk",
    ]
    assert with_status_labels(df).equals(df)  # no status column: unchanged
    assert status_codes(["At risk", "churned"]) == ["at_risk", "churned"]


def test_settings_check_and_resolve():
    with pytest.raises(InputError, match="must not exceed"):
        Settings(churn_days=30, at_risk_days=60).check()
    orders = pl.DataFrame({"order_date": [date(2024, 1, 5), date(2024, 3, 9)]})
    assert Settings().resolved(orders).as_of == date(2024, 3, 9)
    assert Settings(as_of=date(2024, 2, 1)).resolved(orders).as_of == date(2024, 2, 1)


def test_calendar_starts_at_the_period_start_and_keeps_the_last():
    """2023-07-15 .. 2026-06-10 by month: July 2023 to June 2026 (36 months), both ends partial."""
    cal = periods.calendar(date(2023, 7, 15), date(2026, 6, 10), "month")
    assert cal["period"][0] == date(2023, 7, 1)
    assert cal["period"][-1] == date(2026, 6, 1)
    assert cal.height == 36
    assert cal["partial"].to_list() == [True] + [False] * 34 + [True]
    assert cal["period_end"][1] == date(2023, 8, 31)


@pytest.mark.parametrize(
    ("period", "start", "end", "grain", "partial"),
    [
        (date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 31), "month", False),
        (date(2024, 1, 1), date(2024, 1, 2), date(2024, 3, 31), "month", True),
        (date(2024, 3, 1), date(2024, 1, 1), date(2024, 3, 30), "month", True),
        (date(2024, 1, 1), date(2024, 1, 1), date(2024, 3, 31), "quarter", False),
        (date(2024, 4, 1), date(2024, 1, 1), date(2024, 6, 29), "quarter", True),
        (date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 6), "week", True),  # Monday..Saturday
        (date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 7), "week", False),
    ],
)
def test_one_partial_rule(period, start, end, grain, partial):
    assert periods.is_partial(period, start, end, grain) is partial


def test_labels_and_year_back():
    df = pl.DataFrame({"period": [date(2024, 4, 1)]})
    assert df.select(periods.label_expr("quarter")).item() == "2024-Q2"
    assert df.select(periods.label_expr("month")).item() == "2024-04"
    assert df.select(periods.year_back_expr("month")).item() == date(2023, 4, 1)
    with pytest.raises(InputError, match="unknown time grain"):
        periods.every("year")
