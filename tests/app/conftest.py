"""AppTest helpers: run a page through the router on the bundled sample data.

at = run_page("views/churn.py")
assert_no_exception(at)
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "streamlit_app.py")
# page: the key of its tabs and the tabs not open at first (a page draws its open tab only)
CLOSED_TABS = {
    "views/sales.py": ("sales_tab", ("Breakdowns", "Pareto", "Root cause", "Returns & status")),
    "views/churn.py": (
        "churn_tab",
        ("Inactivity", "Period retention", "Cohorts", "Predicted churn & CLV"),
    ),
    "views/customers.py": (
        "customers_tab",
        (
            *("Value tiers & personas", "Loyalty (repeat behaviour)", "Contribution"),
            *("Demographics", "Customer drill-down", "Customer table"),
        ),
    ),
}


def run_page(page: str = "views/overview.py", timeout: float = 120) -> AppTest:
    """Start the app, switch to `page` (a path like "views/churn.py") and run it."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.run()
    if page != "views/overview.py":
        at.switch_page(page)
        at.run()
    return at


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Open the tab `label` of the tabs kept under `key` (views.widgets.tabs) and rerun: a page
    draws only its open tab."""
    at.session_state[key] = label
    return at.run()


def assert_no_exception(at: AppTest) -> None:
    assert not at.exception, "\n".join(str(e.value) for e in at.exception)


class Workbook:
    """A page's workbook (views.downloads.tables_workbook), caught from st.download_button as
    each run draws its button; `sheets()` reads the last one: {sheet: rows of cell values}."""

    def __init__(self, monkeypatch, file_name: str) -> None:
        self.file_name, self.data = file_name, None
        original = st.download_button

        def capture(label, data, file_name=None, *args, **kwargs):
            if file_name == self.file_name:
                self.data = data
            return original(label, data, file_name, *args, **kwargs)

        monkeypatch.setattr(st, "download_button", capture)

    def per_tab(self, at: AppTest, key: str, tabs) -> dict[str, dict[str, list[list]]]:
        """The workbook with each of `tabs` (kept under `key`) open in turn."""
        out = {}
        for tab in tabs:
            open_tab(at, key, tab)
            assert_no_exception(at)
            out[tab] = self.sheets()
        return out

    def sheets(self) -> dict[str, list[list]]:
        assert self.data is not None, f"no {self.file_name} drawn"
        book = openpyxl.load_workbook(io.BytesIO(self.data()))
        self.data = None  # the next run draws its own
        return {ws.title: [[c.value for c in r] for r in ws.iter_rows()] for ws in book.worksheets}


def assert_same_workbooks(sheets: dict[str, dict[str, list]], normalise=None) -> None:
    """The page's workbook downloaded with each tab open ({tab: {sheet: rows}}, the first tab
    first) holds the same sheets, in the same order, with the same cells: floats to 1e-12
    (group_by sums add the same floats in an order that varies from call to call).
    `normalise(name, rows)` puts a sheet's rows in a comparable form first."""
    tabs = list(sheets)
    first = sheets[tabs[0]]
    for tab in tabs[1:]:
        assert list(sheets[tab]) == list(first), tab
        for name, cells in first.items():
            got = sheets[tab][name]
            if normalise is not None:
                got, cells = normalise(name, got), normalise(name, cells)
            want = [
                [pytest.approx(c, rel=1e-12) if isinstance(c, float) else c for c in r]
                for r in cells
            ]
            assert got == want, (tab, name)


@pytest.fixture(autouse=True)
def _validated_charts(monkeypatch):
    """Every chart a page draws is checked against the Vega-Lite schema here (the app skips the
    check: views.ui.VALIDATE_CHARTS)."""
    import views.ui

    monkeypatch.setattr(views.ui, "VALIDATE_CHARTS", True)


@pytest.fixture
def page_runner():
    return run_page
