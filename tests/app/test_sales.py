"""AppTest: the Sales performance page on the sample data."""

import csv
from pathlib import Path

import pytest

from tests.app.conftest import assert_no_exception, run_page

PAGE = "views/sales.py"


def metric(at, label: str):
    return next(m for m in at.metric if m.label == label)


def test_sales_page_shows_cards_and_every_tab():
    at = run_page(PAGE)
    assert_no_exception(at)
    assert at.title[0].value == "Sales performance"
    labels = [m.label for m in at.metric]
    for label in (
        "Revenue",
        "Net revenue",
        "Orders",
        "Customers (active / total)",
        "Average order value",
        "Revenue per customer",
        "Repeat purchase rate",
        "New / returning customers",
        "Profit",
        "Margin",
        "Return rate",
        "Returned revenue",
    ):
        assert label in labels
    # the sample covers three years: the last full month has both comparisons
    assert "YoY" in metric(at, "Revenue").delta
    infos = " ".join(i.value for i in at.info)
    assert "Top 10 customers =" in infos and "Top 10 products =" in infos  # Pareto
    assert "Revenue rose" in infos or "Revenue fell" in infos  # root cause headline
    assert "By region:" in " ".join(m.value for m in at.markdown)
    # May 2026 against April: every region grew, so none is called an underperformer
    assert not any("Underperformers by region" in w.value for w in at.warning)


def test_period_and_dimension_change_the_figures():
    at = run_page(PAGE)
    month = metric(at, "Revenue").value
    at.selectbox(key="sales_period").set_value("Whole range").run()
    assert_no_exception(at)
    assert metric(at, "Revenue").value != month
    # no earlier data for a period as long as the whole range
    assert "YoY" not in (metric(at, "Revenue").delta or "")

    at.selectbox(key="sales_dim").set_value("category").run()
    assert_no_exception(at)
    tables = [df.value for df in at.dataframe]
    assert any("value" in t.columns and "Electronics" in set(t["value"]) for t in tables)


def test_global_filter_changes_the_cards():
    at = run_page(PAGE)
    before = metric(at, "Revenue").value
    at.multiselect(key="f_region").set_value(["West"])
    at.button[[b.label for b in at.button].index("Apply")].click().run()
    assert_no_exception(at)
    assert metric(at, "Revenue").value != before


def test_last_full_month_revenue_matches_the_file():
    # independent of core: May 2026 is the last full month of the sample (it ends 2026-06-18)
    sample = Path(__file__).resolve().parents[2] / "data" / "orders.csv"
    with sample.open(newline="", encoding="utf-8-sig") as f:
        rows = [r for r in csv.DictReader(f) if r["Order Date"].startswith("2026-05")]
    revenue = sum(float(r["Line Total"]) for r in rows)
    orders = len({r["Order ID"] for r in rows})
    at = run_page(PAGE)
    assert_no_exception(at)
    shown = metric(at, "Revenue").value  # e.g. "364.4k"
    assert float(shown.removesuffix("k")) * 1000 == pytest.approx(revenue, abs=50)
    assert metric(at, "Orders").value == f"{orders:,}"
