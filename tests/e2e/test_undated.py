"""Chromium: a customer shopping survey (one purchase per row, no date) uploaded; Sales shows
the whole file's KPIs and breakdown, Customers its tiers and the subscriber comparison."""

from pathlib import Path

from tests.app.test_undated import SURVEY
from tests.e2e.conftest import assert_no_exception, screenshot, upload, wait_idle


def test_survey_without_dates_on_sales_and_customers(app_url, page, tmp_path: Path):
    path = tmp_path / "shopping_survey.csv"
    path.write_bytes(SURVEY)
    upload(page, app_url, path)
    page.get_by_role("link", name="Sales performance").click()
    wait_idle(page)
    page.get_by_text("need an order date, and this file has none").first.wait_for()
    assert_no_exception(page)
    screenshot(page, "e2e_undated_sales.png")
    page.get_by_role("link", name="Customers & segments").click()
    wait_idle(page)
    page.get_by_text("need order dates, and this file has none").first.wait_for()
    page.get_by_role("tab", name="Demographics").click()
    wait_idle(page)
    page.get_by_text("Does a two-valued attribute pay off?").first.wait_for()
    assert_no_exception(page)
    screenshot(page, "e2e_undated_customers.png")
