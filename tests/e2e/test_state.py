"""In Chromium: choices hold for the session, travel in the URL, and survive a reload."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import assert_no_exception, goto, pick, wait_idle
from tests.e2e.test_blockers import metric, pick_region

SMALL = Path(__file__).resolve().parents[1] / "data" / "small_orders.csv"
KPIS = ("Revenue", "Orders", "Customers", "Churn rate", "Revenue at risk", "At-risk customers")


def nav(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNavLink"]').filter(has_text=title).click()
    wait_idle(page)


def tab_selected(page, name: str) -> bool:
    return page.get_by_role("tab", name=name).get_attribute("aria-selected") == "true"


def kpis(page) -> dict[str, str]:
    return {k: metric(page, k) for k in KPIS}


def test_choices_persist_across_pages_and_a_reload(app_url, page):
    goto(page, app_url, "sales")
    page.get_by_role("tab", name="Breakdowns").click()
    wait_idle(page)
    page.get_by_role("tab", name="Trends").click()
    wait_idle(page)
    page.locator('[data-testid="stButtonGroup"]').get_by_text("week", exact=True).click()
    wait_idle(page)
    page.get_by_role("tab", name="Pareto").click()
    wait_idle(page)
    assert "sales_grain=week" in page.url and "sales_tab=Pareto" in page.url
    nav(page, "Overview")
    nav(page, "Sales performance")
    assert tab_selected(page, "Pareto")
    assert "sales_grain=week" in page.url
    page.reload()
    wait_idle(page)
    assert tab_selected(page, "Pareto")
    assert "sales_grain=week" in page.url
    assert_no_exception(page)


def test_a_link_with_filters_and_thresholds_shows_the_same_numbers(app_url, browser):
    by_hand = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    by_hand.set_default_timeout(60_000)
    goto(by_hand, app_url, "churn")
    box = by_hand.get_by_role("spinbutton", name="Churned after")
    box.fill("120")
    box.press("Enter")
    wait_idle(by_hand)
    pick_region(by_hand, "North")
    nav(by_hand, "Overview")
    expected = kpis(by_hand)
    link = by_hand.url
    assert "churn_days=120" in link and "f_region=North" in link

    linked = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    linked.set_default_timeout(60_000)
    linked.goto(link)
    wait_idle(linked)
    assert kpis(linked) == expected
    assert "Region: North" in linked.locator('[data-testid="stMain"]').inner_text()
    assert_no_exception(linked)


def test_bad_or_stale_parameters_are_ignored_with_a_notice(app_url, page):
    goto(page, app_url)
    plain = kpis(page)
    goto(page, app_url, "?f_region=Atlantis&churn_days=abc&sales_grain=week&zzz=1")
    assert kpis(page) == plain
    notice = page.locator('[data-testid="stAlertContentWarning"]').filter(has_text="not applied")
    text = notice.first.inner_text()
    for part in ("f_region=Atlantis", "churn_days=abc", "zzz=1", "sales_grain=week"):
        assert part in text
    assert_no_exception(page)


def test_an_upload_survives_a_reload(app_url, page):
    goto(page, app_url, "data")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(SMALL))
    page.get_by_text("Using your file").wait_for()
    wait_idle(page)
    nav(page, "Overview")
    assert metric(page, "Revenue") == "€180"
    page.reload()
    wait_idle(page)
    assert metric(page, "Revenue") == "€180"
    assert "Your file" in page.locator('[data-testid="stSidebar"]').inner_text()
    assert_no_exception(page)


def test_churn_tab_choices_stay_in_the_url_while_their_tab_is_closed(app_url, page):
    """The Churn page draws its open tab only; a closed tab still draws its controls (hidden)
    where the open tab draws them, so the link keeps every tab's choices, a control first drawn
    closed still writes the URL once its tab is opened, and a reload shows them."""
    goto(page, app_url, "churn?churn_tab=Cohorts")  # the list's filters first drawn closed
    page.get_by_role("tab", name="Churn list").click()
    wait_idle(page)
    search = page.get_by_label("Customer id contains")
    search.fill("C01")
    search.press("Enter")
    wait_idle(page)
    assert "cl_search=C01" in page.url

    def choose(tab: str, option: str) -> None:
        page.get_by_role("tab", name=tab).click()
        wait_idle(page)
        group = page.locator('[data-testid="stButtonGroup"]:visible')
        group.get_by_text(option, exact=True).click()
        wait_idle(page)

    choose("Cohorts", "Revenue")
    choose("Period retention", "Quarter")
    page.get_by_role("tab", name="Churn list").click()
    wait_idle(page)
    for param in ("cl_search=C01", "cohort_view=Revenue", "retention_period=Quarter"):
        assert param in page.url, param
    page.get_by_role("tab", name="Inactivity").click()  # the list's filters, closed
    wait_idle(page)
    assert "cl_search=C01" in page.url
    page.reload()
    wait_idle(page)
    for param in ("cl_search=C01", "cohort_view=Revenue", "retention_period=Quarter"):
        assert param in page.url, param
    page.get_by_role("tab", name="Cohorts").click()
    wait_idle(page)
    assert page.get_by_text("Revenue of each cohort in month").count() == 1
    assert_no_exception(page)


def test_sales_root_cause_choice_first_drawn_closed_goes_into_the_url(app_url, page):
    """The Root cause tab's comparison, drawn hidden while another tab is open, writes the URL
    once its tab is opened and changed (it is drawn where the open tab draws it)."""
    goto(page, app_url, "sales")
    page.get_by_role("tab", name="Root cause").click()
    wait_idle(page)
    group = page.locator('[data-testid="stButtonGroup"]:visible')
    group.get_by_text("Same period last year", exact=True).click()
    wait_idle(page)
    assert "sales_rc_mode=Same+period+last+year" in page.url
    page.get_by_role("tab", name="Trends").click()
    wait_idle(page)
    assert "sales_rc_mode=Same+period+last+year" in page.url
    assert_no_exception(page)


def test_customers_tab_choices_first_drawn_closed_go_into_the_url(app_url, page):
    """Customers tabs opened from another: a control drawn hidden while its tab was closed
    (the grouping, the search) or kept from the session (the segment listed, further down its
    tab) writes the URL once changed in the open tab."""
    goto(page, app_url, "customers?customers_tab=Customer+table")

    def panel():
        return page.locator('[data-testid="stTabPanel"]:visible')

    page.get_by_role("tab", name="Contribution").click()
    wait_idle(page)
    pick(page, panel(), "Group customers by", "Value tier")
    wait_idle(page)
    assert "contrib_by=Value+tier" in page.url
    page.get_by_role("tab", name="Customer drill-down").click()
    wait_idle(page)
    search = panel().get_by_label("Search a customer (id or name)")
    search.fill("C0004")
    search.press("Enter")
    wait_idle(page)
    assert "drill_query=C0004" in page.url and "contrib_by=Value+tier" in page.url
    page.get_by_role("tab", name="RFM segments").click()
    wait_idle(page)
    pick(page, panel(), "Segment", "Loyal")
    wait_idle(page)
    assert "seg_pick=Loyal" in page.url and "drill_query=C0004" in page.url
    assert_no_exception(page)
