"""Chromium: small data and untrusted models say so. The 38-customer file's RFM tab says the
scores are relative; a file where nobody ever leaves (tests/unit/test_clv_quality.py) gets a
warning on the Churn page's CLV tab instead of P(alive) near 100% for everyone."""

from pathlib import Path

from tests.e2e.conftest import assert_no_exception, goto, screenshot, wait_idle

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small_shop_38_customers.csv"


def _upload(page, app_url, path: Path) -> None:
    goto(page, app_url, "data")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
    page.get_by_text("Using your file").wait_for()
    wait_idle(page)
    assert_no_exception(page)


def test_small_file_says_rfm_scores_are_relative(app_url, page):
    _upload(page, app_url, SMALL)
    page.get_by_role("link", name="Customers & segments").click()
    wait_idle(page)
    page.get_by_text("Only 38 customers: RFM scores are relative").first.wait_for()
    assert_no_exception(page)
    screenshot(page, "e2e_small_rfm.png")


def test_untrusted_clv_fit_warns_on_the_churn_page(app_url, page, tmp_path):
    from tests.unit.test_clv_quality import ORDERS

    path = tmp_path / "never_leaving.csv"
    ORDERS.write_csv(path)
    _upload(page, app_url, path)
    page.get_by_role("link", name="Churn & retention").click()
    wait_idle(page)
    page.get_by_role("tab", name="Predicted churn & CLV").click()
    wait_idle(page)
    page.get_by_text("The model cannot be trusted on this data.").first.wait_for()
    assert page.get_by_text("P(alive) stays near 100%").count() >= 1
    assert_no_exception(page)
    screenshot(page, "e2e_churn_untrusted.png")
