"""End to end in Chromium: the Customers & segments page renders its charts without an
exception, the score-bin control changes the Champions card, every tab renders, and the
drill-down finds a customer."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception, goto, wait_idle


def _value(page, label: str):
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return card.locator('[data-testid="stMetricValue"]')


def test_customers_page(app_url, page):
    goto(page, app_url, "customers")
    assert_no_exception(page)
    page.get_by_role("heading", name="Customers & segments").wait_for()
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    expect(charts.first).to_be_visible()
    assert charts.count() >= 3
    champions = _value(page, "Champions").inner_text()

    bins = page.get_by_role("radiogroup", name="RFM score bins")
    bins.get_by_role("radio", name="3", exact=True).click()
    wait_idle(page)
    expect(_value(page, "Champions")).not_to_have_text(champions, timeout=30_000)
    assert_no_exception(page)

    for tab in (
        "Value tiers & personas",
        "Loyalty (repeat behaviour)",
        "Contribution",
        "Demographics",
        "Customer drill-down",
        "Customer table",
    ):
        page.get_by_role("tab", name=tab).click()
        wait_idle(page)
        assert_no_exception(page)

    page.get_by_role("tab", name="Customer drill-down").click()
    wait_idle(page)  # the tab is drawn on its run (a closed tab holds its controls alone)
    box = page.get_by_label("Search a customer (id or name)")
    box.fill("C00042")
    box.press("Enter")
    wait_idle(page)
    expect(page.get_by_role("heading", name="C00042")).to_be_visible(timeout=30_000)
    assert_no_exception(page)
