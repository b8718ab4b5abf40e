"""In Chromium: a US-date export sorted by date (its first ~1,000 rows all have a day <= 12)
reads month-first, the Data page says why, and switching the date order changes the Overview."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import assert_no_exception, goto, metric, pick, screenshot, wait_idle

ROOT = Path(__file__).resolve().parents[2]
UCI = ROOT / "tests" / "data" / "real" / "uci_online_retail_invoices.csv"


def test_us_dates_read_month_first_then_switched(app_url, page, tmp_path):
    head = UCI.read_text().splitlines()[:1001]
    assert all(int(line.split(",")[1].split("/")[1]) <= 12 for line in head[1:])  # day <= 12
    goto(page, app_url, "data")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(UCI))
    page.get_by_text("Using your file").wait_for()
    wait_idle(page)
    assert_no_exception(page)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("read as month/day: '12/13/2010' only fits month/day").first.wait_for()
    screenshot(page, "ingest/data_dates_month_first.png")

    page.get_by_role("link", name="Overview").click()
    wait_idle(page)
    assert_no_exception(page)
    month_first = metric(page, "Revenue")
    assert (
        main.locator('[data-testid="stAlertContentWarning"]').filter(has_text="set aside").count()
        == 1
    )  # 573 rows without a customer: more than 1% of the file

    page.get_by_role("link", name="Data & mapping").click()
    wait_idle(page)
    pick(page, main, "Date order", "Day/month (31/12/2024)")
    wait_idle(page)
    assert_no_exception(page)
    main.get_by_text("read as day/month (your choice)").first.wait_for()
    screenshot(page, "ingest/data_dates_day_first.png")

    page.get_by_role("link", name="Overview").click()
    wait_idle(page)
    assert_no_exception(page)
    # read day-first, 12/13/2010 and every later day > 12 no longer read: fewer rows, less revenue
    assert metric(page, "Revenue") != month_first
    warning = main.locator('[data-testid="stAlertContentWarning"]').filter(has_text="set aside")
    assert "unreadable order date" in warning.first.inner_text()
    screenshot(page, "ingest/overview_day_first.png")
    link = main.get_by_role("link", name="See the rows set aside on the Data page")
    assert link.count() == 1
