"""End to end in Chromium: the Action plan page on the sample data, with the bundled
experiment linked to the reactivation action, shows the actions ranked by expected net gain with
their intervals; the screenshot is kept for review (SCREENSHOT_DIR, else the test's tmp dir)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception, goto, screenshot


def test_action_plan_ranks_actions_with_intervals(app_url, page, tmp_path):
    goto(page, app_url, "plan")
    assert_no_exception(page)
    page.get_by_role("heading", name="Action plan").wait_for()
    # the bundled experiment measures the reactivation action by default
    link = page.locator('[data-testid="stSelectbox"]').filter(has_text="experiment measures")
    expect(link.get_by_role("combobox")).to_have_value("Reactivate inactive")
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("uplift measured by the experiment, +35.2% [+11.7%, +58.8%]")
    # the inputs editor and the ranked table (drawn on a canvas: checked in the AppTest)
    expect(page.locator('[data-testid="stDataFrame"]').nth(1)).to_be_visible()
    card = page.locator('[data-testid="stMetric"]').filter(has_text="Expected net gain").first
    expect(card).to_contain_text(" to ")  # the interval under the estimate
    expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
    out = Path(os.environ.get("SCREENSHOT_DIR", tmp_path)) / "action_plan.png"
    screenshot(page, str(out))
    assert out.stat().st_size > 10_000
    assert_no_exception(page)
