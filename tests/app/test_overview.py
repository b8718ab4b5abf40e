"""AppTest: the Overview and Data pages run on the sample data and show the right KPIs.

The expected figures are computed here straight from data/orders.csv with the csv module, not
with core: the sample's amounts are plain numbers in "Line Total", one order per "Order ID".
"""

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from tests.app.conftest import assert_no_exception, run_page

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "orders.csv"


def _expected() -> dict:
    with SAMPLE.open(newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    revenue = sum(float(r["Line Total"]) for r in rows)
    orders = {r["Order ID"] for r in rows}
    last: dict[str, date] = {}
    for r in rows:
        d = date.fromisoformat(r["Order Date"])
        last[r["Customer ID"]] = max(d, last.get(r["Customer ID"], d))
    as_of = max(last.values())
    churned = sum((as_of - d).days > 90 for d in last.values())
    return {
        "revenue": revenue,
        "orders": len(orders),
        "customers": len(last),
        "aov": revenue / len(orders),
        "churn_rate": churned / len(last),
    }


def _value(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_overview_shows_the_sample_kpis():
    at = run_page("views/overview.py")
    assert_no_exception(at)
    assert at.title[0].value == "Overview"
    e = _expected()
    assert _value(at, "Orders") == f"{e['orders']:,}"
    assert _value(at, "Customers") == f"{e['customers']:,}"
    assert _value(at, "Average order value") == f"{e['aov']:,.2f}"
    assert float(_value(at, "Revenue").removesuffix("M")) == pytest.approx(
        e["revenue"] / 1e6, abs=0.005
    )
    assert float(_value(at, "Churn rate").removesuffix("%")) == pytest.approx(
        e["churn_rate"] * 100, abs=0.05
    )


def test_data_page_shows_mapping_and_quality():
    at = run_page("views/data.py")
    assert_no_exception(at)
    assert at.selectbox(key="map_customer_id").value == "Customer ID"
    assert at.selectbox(key="map_revenue").value == "Line Total"
    assert "Rows read" in [m.label for m in at.metric]


def test_glossary_page():
    at = run_page("views/glossary.py")
    assert_no_exception(at)


def test_overview_cards_compare_the_last_complete_month_with_the_one_before():
    """The sample ends mid-June 2026: May (the last complete month) against April."""
    with SAMPLE.open(newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    month = {m: [r for r in rows if r["Order Date"].startswith(m)] for m in ("2026-05", "2026-04")}
    revenue = {m: sum(float(r["Line Total"]) for r in rs) for m, rs in month.items()}
    orders = {m: len({r["Order ID"] for r in rs}) for m, rs in month.items()}
    at = run_page("views/overview.py")
    assert_no_exception(at)
    deltas = {m.label: m.delta for m in at.metric}
    rev = (revenue["2026-05"] - revenue["2026-04"]) / revenue["2026-04"]
    assert deltas["Revenue"] == f"{rev:+.1%}"
    n = (orders["2026-05"] - orders["2026-04"]) / orders["2026-04"]
    assert deltas["Orders"] == f"{n:+.1%}"
    captions = " ".join(c.value for c in at.caption)
    assert "last complete month (May 2026) with the month before (April 2026)" in captions


def test_money_figures_carry_the_currency_of_an_uploaded_file(tmp_path):
    """Amounts written as '€50,000.00': the cards and money columns say euros; the sample (plain
    numbers) shows no symbol (the cards above)."""
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP
    from views.loading import Dataset, Source

    amounts = [50_000 + 125 * i for i in range(60)]
    lines = ["Order ID,Order Date,Customer ID,Amount"] + [
        f'O{i},2026-0{1 + i // 20}-{1 + i % 20:02d},C{i % 9},"€{a:,.2f}"'
        for i, a in enumerate(amounts)
    ]
    path = tmp_path / "eur.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["dataset"] = Dataset("upload", Source.bundled("eur.csv", path))
    at.run()
    assert_no_exception(at)
    assert _value(at, "Revenue") == f"€{sum(amounts) / 1e6:.2f}M"
    assert _value(at, "Average order value") == f"€{sum(amounts) / len(amounts) / 1e3:,.1f}k"
    # the monthly figures table: money totals and per-order amounts in euros
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["revenue"]["type_config"]["format"] == "€%,.0f"
    assert config["aov"]["type_config"]["format"] == "€%,.2f"
