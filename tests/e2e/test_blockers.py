"""In Chromium: the blockers a business user met (issue 14), each used the way a person would."""

from __future__ import annotations

from tests.e2e.conftest import assert_no_exception, goto, wait_idle


def metric(page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label)
    )
    return card.first.locator('[data-testid="stMetricValue"]').inner_text().strip()


def pick(page, scope, label: str, option: str) -> None:
    """Choose `option` in the selectbox labelled `label` inside `scope`."""
    box = scope.locator('[data-testid="stSelectbox"]').filter(
        has=page.locator("label", has_text=label)
    )
    box.first.click()
    page.get_by_role("option", name=option, exact=True).click()


def test_a_mapping_that_cannot_work_is_refused_with_the_reason(app_url, page):
    goto(page, app_url, "data")
    form = page.locator('[data-testid="stForm"]').filter(has_text="Apply mapping")
    pick(page, form, "region", "Order Date")
    form.get_by_role("button", name="Apply mapping").click()
    wait_idle(page)
    assert_no_exception(page)
    error = page.locator('[data-testid="stAlertContentError"]').filter(has_text="not applied")
    text = error.first.inner_text()
    assert "Order Date" in text and "region" in text
    # nothing was applied: every page still works on the last good mapping
    page.get_by_role("link", name="Overview").click()
    wait_idle(page)
    assert_no_exception(page)
    assert metric(page, "Customers") == "8,000"
    page.get_by_role("link", name="Data & mapping").click()
    wait_idle(page)
    assert_no_exception(page)
    assert page.get_by_role("button", name="Apply mapping").is_visible()
