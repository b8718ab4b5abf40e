"""Data & mapping page (AppTest): the date decision and its evidence, the date-order selector,
role evidence, and pages on a file without dates."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP, assert_no_exception
from views.loading import Dataset, Source

US_SORTED = "\n".join(
    ["InvoiceNo,InvoiceDate,CustomerID,Amount"]
    + [f"{1000 + i},12/{1 + i // 20}/2010 8:26,c{i % 7},10" for i in range(240)]
    + ["9999,12/13/2010 9:00,c1,5"]
).encode()
NO_DATES = b"Customer ID,Item,Category,Purchase Amount (USD),Subscription Status\n" + b"".join(
    f"{i},Hat,{'AB'[i % 2]},{10 + i},{'Yes' if i % 3 else 'No'}\n".encode() for i in range(30)
)


def run_with(data: bytes, name: str, page: str, tmp_path: Path) -> AppTest:
    path = tmp_path / name
    path.write_bytes(data)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["dataset"] = Dataset("upload", Source.bundled(name, path))
    at.run()
    at.switch_page(page)
    at.run()
    return at


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in [*at.markdown, *at.caption, *at.info, *at.warning])


def test_month_first_decision_shown_and_switched(tmp_path: Path) -> None:
    at = run_with(US_SORTED, "us.csv", "views/data.py", tmp_path)
    assert_no_exception(at)
    assert "read as month/day: '12/13/2010' only fits month/day" in texts(at)
    at.selectbox(key="date_order").set_value("dmy").run()
    assert_no_exception(at)
    assert at.session_state["dataset"].options == {"date_format": "dmy"}
    assert "(your choice)" in texts(at)
    # 12/13/2010 no longer reads: 1 of 241 rows set aside
    assert any("1 rows could not be used" in m.value for m in at.info)


def test_role_evidence_listed(tmp_path: Path) -> None:
    at = run_with(US_SORTED, "us.csv", "views/data.py", tmp_path)
    table = at.dataframe[0].value
    assert set(table["role"]) >= {"customer_id", "order_date", "revenue", "order_id"}
    assert set(table["confidence"]) <= {"high", "medium", "low"}


def test_pages_on_a_file_without_dates(tmp_path: Path) -> None:
    at = run_with(NO_DATES, "survey.csv", "views/overview.py", tmp_path)
    assert_no_exception(at)
    assert "no order dates" in texts(at)
    at.switch_page("views/churn.py").run()
    assert_no_exception(at)
    assert any("needs order dates" in m.value for m in at.info)
    at.switch_page("views/data.py").run()
    assert_no_exception(at)
    assert "this file has none" in texts(at)


def test_sample_data_page_renders() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("views/data.py").run()
    assert_no_exception(at)
    assert "How the file was read" in [h.value for h in at.subheader]


MIXED = b"order_id,customer_id,order_date,amount,currency\n" + b"".join(
    f"{i},c{i % 5},2024-01-{1 + i % 28:02d},{10 + i},{'USD' if i % 3 else 'EUR'}\n".encode()
    for i in range(30)
)


def test_currencies_listed_and_one_picked(tmp_path: Path) -> None:
    # 20 USD lines and 10 EUR lines: USD is reported, EUR set aside until a rate or a pick
    at = run_with(MIXED, "fx.csv", "views/data.py", tmp_path)
    assert_no_exception(at)
    assert "Amounts in USD; EUR lines set aside." in texts(at)
    next(b for b in at.selectbox if b.label == "Report in").set_value("EUR")
    next(b for b in at.button if b.label == "Apply currencies").click().run()
    assert_no_exception(at)
    assert at.session_state["dataset"].options == {"currency": "EUR"}
    assert "Amounts in EUR; USD lines set aside." in texts(at)


def test_exact_duplicates_kept_by_default_and_dropped_on_request(tmp_path: Path) -> None:
    """Three rows, one an exact copy: kept, revenue counts it; dropped, every page counts it once
    and the quality report still says there was one."""
    import csv
    import io

    text = "Order ID,Order Date,Customer ID,Amount\n" + "".join(
        f"O{i},2026-01-{1 + i:02d},C{i % 3},{100 + 10 * i}\n" for i in range(24)
    )
    text += "O5,2026-01-06,C2,150\n"  # an exact copy of O5's line
    rows = list(csv.DictReader(io.StringIO(text)))
    kept = sum(float(r["Amount"]) for r in rows)
    once = sum(float(r["Amount"]) for r in {tuple(r.values()): r for r in rows}.values())
    at = run_with(text.encode(), "dups.csv", "views/data.py", tmp_path)
    assert_no_exception(at)
    toggle = next(t for t in at.toggle if "duplicate" in t.label)
    assert toggle.label == "Drop the 1 exact duplicate row" and toggle.value is False
    assert "duplicates kept, each copy counts as a sale" in texts(at)
    assert next(m.value for m in at.metric if m.label == "Duplicate rows") == "1"
    toggle.set_value(True).run()
    assert_no_exception(at)
    assert "duplicates dropped, each repeated row counts once" in texts(at)
    assert next(m.value for m in at.metric if m.label == "Duplicate rows") == "1"
    at.switch_page("views/overview.py").run()
    assert_no_exception(at)
    assert next(m.value for m in at.metric if m.label == "Revenue") == f"{once:,.0f}"
    assert once == kept - 150
