"""In Chromium: the blockers a business user met (issue 14), each used the way a person would."""

from __future__ import annotations

from tests.e2e.conftest import assert_no_exception, goto, metric, pick, wait_idle


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


def region_chips(page) -> list[str]:
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(
        has_text="Region"
    )
    tags = box.locator("[data-tag]")
    return [tags.nth(i).get_attribute("aria-label") for i in range(tags.count())]


def pick_region(page, value: str) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text="Region").click()
    page.keyboard.type(value)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    sidebar.get_by_role("button", name="Apply").click()
    wait_idle(page)


def test_sidebar_clear_really_clears(app_url, page):
    goto(page, app_url)
    revenue = metric(page, "Revenue")
    pick_region(page, "North")
    assert region_chips(page) == ["North"]
    assert metric(page, "Revenue") != revenue
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("button", name="Clear", exact=True).click()
    wait_idle(page)
    assert region_chips(page) == []
    assert metric(page, "Revenue") == revenue
    # the next pick applies alone (it used to do nothing, then add the old value back)
    pick_region(page, "South")
    assert region_chips(page) == ["South"]
    assert "Region: South" in page.locator('[data-testid="stMain"]').inner_text()
    assert "North" not in page.locator('[data-testid="stMain"]').inner_text()
    assert_no_exception(page)
