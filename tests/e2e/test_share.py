"""In Chromium: the stakeholder report downloaded from the Overview (same figures as the cards,
no network request), chart PNG/SVG downloads, the churn page's workbook and CRM list."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
from PIL import Image

from core.report.crm import CRM_COLUMNS
from tests.e2e.conftest import (
    SHOTS,
    assert_no_exception,
    goto,
    metric,
    wait_idle,
)
from tests.unit.test_report import expected

CARDS = {
    "Revenue": "revenue",
    "Orders": "orders",
    "Customers": "customers",
    "Churn rate": "churn_rate",
    "Revenue at risk": "revenue_at_risk",
}


def download(page, label: str, tmp_path: Path) -> Path:
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name=label).first.click()
    d = info.value
    path = tmp_path / d.suggested_filename
    d.save_as(path)
    return path


def filter_region(page, region: str) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text="Region").click()
    page.keyboard.type(region)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    sidebar.get_by_role("button", name="Apply").click()
    wait_idle(page)


def test_report_from_the_overview_equals_the_cards_and_fetches_nothing(
    app_url, browser, page, tmp_path
):
    goto(page, app_url)
    page.locator("h1", has_text="Overview").first.wait_for()
    unfiltered = metric(page, "Revenue", exact=True)
    filter_region(page, "West")
    for _ in range(120):  # the cards redraw once the filtered run is done
        if metric(page, "Revenue", exact=True) != unfiltered:
            break
        page.wait_for_timeout(500)
    wait_idle(page)
    assert_no_exception(page)
    cards = {key: metric(page, label, exact=True) for label, key in CARDS.items()}
    assert cards["revenue"] != unfiltered
    report = download(page, "⬇ Report (HTML)", tmp_path)
    assert report.name.endswith(".html")

    # open the file in a fresh browser context: it must not ask the network for anything
    ctx = browser.new_context(viewport={"width": 900, "height": 1200})
    view = ctx.new_page()
    requests: list[str] = []
    view.on("request", lambda r: requests.append(r.url))
    view.goto(report.as_uri())
    view.wait_for_load_state("networkidle")
    SHOTS.mkdir(exist_ok=True)
    view.screenshot(path=str(SHOTS / "report.png"), full_page=True)
    shown = {
        key: view.locator(f'#kpis [data-kpi="{key}"] .value').inner_text().strip()
        for key in CARDS.values()
    }
    exact = {
        key: float(view.locator(f'#kpis [data-kpi="{key}"]').get_attribute("data-value"))
        for key in CARDS.values()
    }
    scope = view.locator("#scope").inner_text()
    svgs = view.locator("figure svg").count()
    view.emulate_media(media="print")
    pdf = view.pdf(format="Letter")
    ctx.close()

    assert requests == [report.as_uri()]
    assert shown == cards  # the report says what the app's cards say
    want = expected("West")  # and both are right: DuckDB on the raw file
    for key, value in exact.items():
        assert value == pytest.approx(want[key], rel=1e-9), key
    assert "region: West" in scope
    assert svgs >= 2
    assert pdf.startswith(b"%PDF")


def test_chart_downloads_png_and_svg(app_url, page, tmp_path):
    goto(page, app_url)
    page.locator("h1", has_text="Overview").first.wait_for()
    png = download(page, "⬇ PNG", tmp_path)
    svg = download(page, "⬇ SVG", tmp_path)
    assert png.name == "monthly_revenue.png" and svg.name == "monthly_revenue.svg"
    img = Image.open(png)
    assert img.format == "PNG" and img.size[0] >= 1000
    text = svg.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<svg") and "Revenue" in text and "partial" in text
    assert_no_exception(page)


def test_churn_page_workbook_and_crm_list(app_url, page, tmp_path):
    goto(page, app_url, "churn")
    page.get_by_text("customers in the list").first.wait_for()
    assert_no_exception(page)
    caption = page.get_by_text(re.compile(r"^[\d,]+ customers in the list")).first.inner_text()
    in_list = int(caption.split()[0].replace(",", ""))

    book = download(page, re.compile(r"All tables on this page \(Excel"), tmp_path)
    wb = openpyxl.load_workbook(book)
    assert {"churn_list", "inactivity_buckets", "recency_distribution"} <= set(wb.sheetnames)
    ws = wb["churn_list"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert ws.max_row - 1 == in_list
    rev = ws.cell(row=2, column=header.index("revenue_365d") + 1)
    assert isinstance(rev.value, float) and rev.number_format == "#,##0"
    last = ws.cell(row=2, column=header.index("last_order") + 1)
    assert last.is_date

    crm = download(page, "⬇ CRM CSV", tmp_path)
    rows = list(csv.DictReader(io.StringIO(crm.read_text(encoding="utf-8-sig"))))
    assert list(rows[0]) == list(CRM_COLUMNS)
    assert len(rows) == in_list == len({r["customer_id"] for r in rows})
    assert rows[0]["customer_id"] == ws.cell(row=2, column=1).value  # same order as the list
    assert all(r["action"] for r in rows)
    assert float(rows[0]["value_at_risk"]) == pytest.approx(rev.value)
