"""In Chromium: upload a CSV on the Data page, then read the KPI cards on the Overview page."""

from pathlib import Path

from tests.e2e.conftest import assert_no_exception, goto, metric, wait_idle

SMALL = Path(__file__).resolve().parents[1] / "data" / "small_orders.csv"


def test_sample_overview_opens(app_url, page):
    goto(page, app_url)
    assert_no_exception(page)
    page.locator("h1", has_text="Overview").first.wait_for()
    assert metric(page, "Customers") == "8,000"


def test_upload_then_overview_kpis(app_url, page):
    # semicolons, day-first dates, euro amounts with decimal commas, e-mail as customer id:
    # revenue 100 + 50 + 30 = 180, 3 orders, 2 customers, AOV 180 / 3 = 60.00
    goto(page, app_url, "data")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(SMALL))
    page.get_by_text("Using your file").wait_for()
    wait_idle(page)
    assert_no_exception(page)
    page.get_by_role("link", name="Overview").click()
    wait_idle(page)
    page.locator("h1", has_text="Overview").first.wait_for()
    assert_no_exception(page)
    assert metric(page, "Revenue") == "€180"
    assert metric(page, "Orders") == "3"
    assert metric(page, "Customers") == "2"
    assert metric(page, "Average order value") == "€60.00"


def test_bad_upload_shows_a_clear_error_and_the_mapping(app_url, page, tmp_path):
    # a file whose date column holds no dates: the Data page says so in an st.error, keeps
    # the upload and offers the mapping editor; the other pages point back to the Data page
    bad = tmp_path / "no_dates.csv"
    bad.write_text("customer,order date,amount\nA,soon,10\nB,later,20\n")
    goto(page, app_url, "data")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(bad))
    page.get_by_text("Using your file").wait_for()
    wait_idle(page)
    assert_no_exception(page)
    main = page.locator('[data-testid="stMain"]')
    error = main.locator('[data-testid="stAlertContentError"]').first
    error.wait_for()
    assert "date" in error.inner_text()
    assert page.get_by_role("button", name="Apply mapping").is_visible()
    page.get_by_role("link", name="Overview").click()
    wait_idle(page)
    assert_no_exception(page)
    message = main.locator('[data-testid="stAlertContentError"]').first.inner_text()
    assert "cannot be used" in message
