"""Chromium: one month, one category, no returns: the Sales tabs say so instead of drawing."""

from pathlib import Path

from tests.app.test_empty_tabs import ONE_MONTH
from tests.e2e.conftest import assert_no_exception, screenshot, upload, wait_idle


def test_one_month_sales_tabs_say_empty(app_url, page, tmp_path: Path):
    path = tmp_path / "march.csv"
    path.write_bytes(ONE_MONTH)
    upload(page, app_url, path)
    page.get_by_role("link", name="Sales performance").click()
    wait_idle(page)
    page.get_by_text("The orders fall in one month only").first.wait_for()
    page.get_by_role("tab", name="Returns & status").click()
    wait_idle(page)
    page.get_by_text("No returned or cancelled lines in this period").first.wait_for()
    assert_no_exception(page)
    screenshot(page, "e2e_one_month_sales.png")
