"""End to end in Chromium: the Churn & retention page renders without an exception, and a new
churn threshold changes the KPI cards and the churn list."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception, goto, wait_idle


def _value(page, label: str):
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return card.locator('[data-testid="stMetricValue"]')


def _metric(page, label: str) -> str:
    return _value(page, label).inner_text()


def _list_caption(page) -> str:
    return page.get_by_text(re.compile(r"customers in the list")).first.inner_text()


def test_churn_page_threshold_changes_kpis_and_list(app_url, page):
    goto(page, app_url, "churn")
    assert_no_exception(page)
    page.get_by_role("heading", name="Churn & retention").wait_for()
    churn_before = _metric(page, "Churn rate")
    churned_before = _metric(page, "Churned")
    list_before = _list_caption(page)

    box = page.get_by_role("spinbutton", name="Churned after (days without an order)")
    box.fill("200")
    box.press("Enter")
    wait_idle(page)
    page.wait_for_function("() => document.body.innerText.includes('more than 200 days')")
    # the cards rerender after the definitions: wait for the new figures, then compare
    expect(_value(page, "Churn rate")).not_to_have_text(churn_before, timeout=30_000)
    assert_no_exception(page)
    assert _metric(page, "Churned") != churned_before

    risk = page.get_by_role("spinbutton", name="At risk after (days)")
    risk.fill("150")
    risk.press("Enter")
    wait_idle(page)
    page.wait_for_function("() => document.body.innerText.includes('151–200 days')")
    expect(page.get_by_text(re.compile(r"customers in the list")).first).not_to_have_text(
        list_before, timeout=30_000
    )
    assert_no_exception(page)

    # every tab renders without an exception
    for tab in ("Inactivity", "Period retention", "Cohorts", "Predicted churn & CLV"):
        page.get_by_role("tab", name=tab).click()
        wait_idle(page)
        assert_no_exception(page)
