"""In Chromium: bars over time sit under their own period, are never cut or hairlines, daily
axes stay readable, and partial periods are left out of growth (issue 14, blockers 3 and 4)."""

from __future__ import annotations

from tests.e2e.conftest import assert_no_exception, goto, wait_idle

# every bar of a chart: its aria label (the fields Vega shows) and its box; the axis labels
READ_CHART = """(chart) => {
    const box = (e) => { const r = e.getBoundingClientRect();
        return {x: r.x, w: r.width, right: r.right}; };
    const bars = [...chart.querySelectorAll('[aria-roledescription="bar"]')].map(
        (e) => ({label: e.getAttribute('aria-label') || '', ...box(e)}));
    const shown = (e) => Number(getComputedStyle(e).opacity) > 0
        && e.getAttribute('opacity') !== '0';
    const labels = [...chart.querySelectorAll('.role-axis-label text')].filter(shown).map(
        (e) => ({text: e.textContent, ...box(e)}));
    const svg = chart.querySelector('svg');
    const frame = svg ? svg.getBoundingClientRect() : {x: 0, right: 0};
    return {bars, labels, left: frame.x, right: frame.right};
}"""


def monthly_bars(page) -> dict:
    (chart,) = [
        c.evaluate(READ_CHART)
        for c in page.locator('[data-testid="stVegaLiteChart"]').all()
        if c.locator('[aria-roledescription="bar"]').count()
    ][:1]
    return chart


def test_monthly_bars_sit_under_their_month_on_six_and_thirteen_months(app_url, page):
    goto(page, app_url, "?f_dates=2026-01-01&f_dates=2026-06-18")
    page.locator('[aria-roledescription="bar"]').first.wait_for()
    chart = monthly_bars(page)
    months = ["Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026", "Jun 2026"]
    texts = [label["text"] for label in chart["labels"]]
    assert [t for t in texts if t in months] == months  # each month once, in order
    assert len(chart["bars"]) == 6
    for bar, label in zip(chart["bars"], [x for x in chart["labels"] if x["text"] in months]):
        assert label["text"] in bar["label"]  # the bar of that month ...
        centre = bar["x"] + bar["w"] / 2
        assert label["x"] - 2 <= centre <= label["right"] + 2  # ... stands over its label
        assert chart["left"] <= bar["x"] and bar["right"] <= chart["right"]  # not cut
    assert_no_exception(page)

    goto(page, app_url, "?f_dates=2025-05-01&f_dates=2026-05-31")
    page.locator('[aria-roledescription="bar"]').first.wait_for()
    chart = monthly_bars(page)
    assert len(chart["bars"]) == 13
    assert min(bar["w"] for bar in chart["bars"]) >= 20  # bars, not hairlines
    assert_no_exception(page)


def test_daily_grain_has_a_readable_axis(app_url, page):
    goto(page, app_url, "sales")
    page.locator('[data-testid="stButtonGroup"]').get_by_text("day", exact=True).click()
    wait_idle(page)
    page.locator('[aria-roledescription="bar"]').first.wait_for()
    daily = [
        read
        for chart in page.locator('[data-testid="stVegaLiteChart"]').all()
        if len((read := chart.evaluate(READ_CHART))["bars"]) > 300  # a bar per day
    ]
    assert daily
    for read in daily:
        assert 3 <= len(read["labels"]) <= 40
    assert_no_exception(page)


def test_partial_months_are_left_out_of_growth(app_url, page):
    # the range ends on 3 January 2026: January has 3 days of data
    goto(page, app_url, "sales?f_dates=2024-07-01&f_dates=2026-01-03")
    page.locator('[aria-roledescription="bar"]').first.wait_for()
    growth = [
        bar["label"]
        for chart in page.locator('[data-testid="stVegaLiteChart"]').all()
        for bar in chart.evaluate(READ_CHART)["bars"]
        if "growth" in bar["label"]
    ]
    assert growth, "no growth bars found"
    assert not [g for g in growth if "Jan 2026" in g or "2026-01" in g]
    assert_no_exception(page)
