"""In Chromium: the Sales performance page reacts to the global filter and to a click on a bar
(which holds while another tab is open)."""

from tests.e2e.conftest import assert_no_exception, goto, metric, wait_idle


def first_chart(page) -> bytes:
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.wait_for()
    page.wait_for_timeout(500)  # let Vega finish drawing
    return chart.screenshot()


def test_global_filter_changes_cards_and_chart(app_url, page):
    goto(page, app_url, "sales")
    page.locator("h1", has_text="Sales performance").first.wait_for()
    assert_no_exception(page)
    revenue, chart = metric(page, "Revenue"), first_chart(page)

    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text="Region").click()
    page.keyboard.type("West")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    sidebar.get_by_role("button", name="Apply").click()
    wait_idle(page)
    page.get_by_text("Region: West", exact=True).wait_for()  # the active-filter chip
    assert_no_exception(page)
    assert metric(page, "Revenue") != revenue
    assert first_chart(page) != chart


def test_clicking_a_bar_filters_the_page(app_url, page):
    goto(page, app_url, "sales")
    page.locator("h1", has_text="Sales performance").first.wait_for()
    revenue = metric(page, "Revenue")
    page.get_by_role("tab", name="Breakdowns").click()
    panel = page.locator('[role="tabpanel"]:visible')
    bars = panel.locator('[data-testid="stVegaLiteChart"]').first.locator(
        '[role="graphics-symbol"][aria-roledescription="bar"]'
    )
    bars.first.wait_for()
    bars.first.click()
    page.get_by_text("Filtered by your click").wait_for()
    wait_idle(page)
    assert_no_exception(page)
    clicked = metric(page, "Revenue")
    assert clicked != revenue
    # the page draws its open tab only: the click still filters it with the Breakdowns tab closed
    page.get_by_role("tab", name="Trends").click()
    wait_idle(page)
    page.get_by_text("Filtered by your click").wait_for()
    assert metric(page, "Revenue") == clicked
    page.get_by_role("tab", name="Breakdowns").click()
    wait_idle(page)
    # a rerun with the chart drawn again (its selection empty) keeps it too
    page.get_by_role("slider").first.focus()
    page.keyboard.press("ArrowRight")
    wait_idle(page)
    page.get_by_text("Filtered by your click").wait_for()
    assert metric(page, "Revenue") == clicked
    page.get_by_role("button", name="Clear click filter").click()
    page.get_by_text("Filtered by your click").wait_for(state="detached")
    wait_idle(page)
    assert metric(page, "Revenue") == revenue
