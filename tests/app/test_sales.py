"""AppTest: the Sales performance page on the sample data. The page draws its open tab only:
each tab shows its figures when opened, and the page's workbook holds every tab's tables
whichever is open (a closed tab's are built when the workbook is downloaded)."""

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from tests.app.conftest import (
    Workbook,
    assert_no_exception,
    assert_same_workbooks,
    open_tab,
    run_page,
)

PAGE = "views/sales.py"
TABS = ["Trends", "Breakdowns", "Pareto", "Root cause", "Returns & status"]
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "orders.csv"


def metric(at, label: str):
    return next(m for m in at.metric if m.label == label)


def infos(at) -> str:
    return " ".join(i.value for i in at.info)


def test_sales_page_shows_cards_and_every_tab():
    at = run_page(PAGE)
    assert_no_exception(at)
    assert at.title[0].value == "Sales performance"
    assert [t.label for t in at.tabs] == TABS
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
    cards = {m.label: (m.value, m.delta) for m in at.metric}
    # the Trends tab is open: its charts, not the other tabs' figures
    assert any("Triangles mark partial periods" in c.value for c in at.caption)
    assert "Top 10 customers =" not in infos(at)

    open_tab(at, "sales_tab", "Breakdowns")
    assert_no_exception(at)
    assert any("Growth compares with the previous period" in c.value for c in at.caption)
    # May 2026 against April: every region grew, so none is called an underperformer
    assert not any("Underperformers by region" in w.value for w in at.warning)

    open_tab(at, "sales_tab", "Pareto")
    assert_no_exception(at)
    assert "Top 10 customers =" in infos(at) and "Top 10 products =" in infos(at)

    open_tab(at, "sales_tab", "Root cause")
    assert_no_exception(at)
    assert "Revenue rose" in infos(at) or "Revenue fell" in infos(at)  # the headline
    assert "By region:" in " ".join(m.value for m in at.markdown)

    open_tab(at, "sales_tab", "Returns & status")
    assert_no_exception(at)
    assert any("status" in df.value.columns for df in at.dataframe)
    # whichever tab is open, the cards are the same
    assert {m.label: (m.value, m.delta) for m in at.metric} == cards


@pytest.fixture
def workbooks(monkeypatch) -> Workbook:
    return Workbook(monkeypatch, "sales_tables.xlsx")


def test_the_workbook_holds_every_tab_whichever_is_open(workbooks):
    """Only the open tab is drawn; the closed tabs' tables are built for the workbook when it is
    downloaded (downloads.register_later): the same sheets, in the same order, with the same
    cells as the tables the open tab shows, for every tab open in turn, and with the choices a
    closed tab keeps (time grain, products per category, the root cause's comparison)."""
    at = run_page(PAGE)
    at.session_state["sales_tab"] = "Trends"
    at.button_group(key="sales_grain").set_value("quarter").run()
    open_tab(at, "sales_tab", "Breakdowns")
    at.slider(key="sales_topn").set_value(5).run()
    open_tab(at, "sales_tab", "Root cause")
    at.button_group(key="sales_rc_mode").set_value("Same period last year").run()
    sheets = workbooks.per_tab(at, "sales_tab", TABS)
    first = sheets[TABS[0]]
    assert list(first) == [
        *("sales_kpis", "sales_trend_quarter", "sales_seasonality", "sales_by_region"),
        *("sales_top_products", "sales_pareto_customers", "sales_pareto_products"),
        *("sales_bridge", "sales_change_by_region", "sales_change_by_category"),
        *("sales_change_by_product", "sales_change_by_channel", "sales_by_status"),
        *("sales_returns_by_category", "sales_returns_by_product"),
    ]
    top = first["sales_top_products"]
    assert max(r[top[0].index("rank")] for r in top[1:]) == 5  # 5 products per category
    assert_same_workbooks({tab: sheets[tab] for tab in TABS})


def test_closed_tab_sheets_match_the_file(workbooks):
    """Sheets built while their tab is closed, against the file read with the csv module: the
    customers' Pareto table and returned revenue by status in May 2026, the last full month."""
    run_page(PAGE)  # the Trends tab is open
    sheets = workbooks.sheets()
    with SAMPLE.open(newline="", encoding="utf-8-sig") as f:
        rows = [r for r in csv.DictReader(f) if r["Order Date"].startswith("2026-05")]
    by_customer, by_status = defaultdict(float), defaultdict(float)
    for r in rows:
        by_customer[r["Customer ID"]] += float(r["Line Total"])
        by_status[r["Status"].lower()] += float(r["Line Total"])
    pareto = sheets["sales_pareto_customers"]
    head = pareto[0]
    got = {r[head.index("customer_id")]: r[head.index("revenue")] for r in pareto[1:]}
    assert got == pytest.approx(dict(by_customer), abs=1e-6)
    ranked = sorted(by_customer.items(), key=lambda kv: (-kv[1], kv[0]))
    assert [r[head.index("customer_id")] for r in pareto[1:11]] == [k for k, _ in ranked[:10]]
    status = sheets["sales_by_status"]
    revenue = {r[0]: r[status[0].index("revenue")] for r in status[1:]}
    assert revenue["Returned"] == pytest.approx(by_status["returned"], abs=1e-6)
    assert revenue["Delivered"] == pytest.approx(by_status["delivered"], abs=1e-6)


def test_period_and_dimension_change_the_figures():
    at = run_page(PAGE)
    month = metric(at, "Revenue").value
    at.selectbox(key="sales_period").set_value("Whole range").run()
    assert_no_exception(at)
    assert metric(at, "Revenue").value != month
    # no earlier data for a period as long as the whole range
    assert "YoY" not in (metric(at, "Revenue").delta or "")

    at.selectbox(key="sales_dim").set_value("category").run()
    open_tab(at, "sales_tab", "Breakdowns")
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
