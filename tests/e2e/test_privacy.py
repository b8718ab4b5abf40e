"""End to end in Chromium, two browser contexts (two visitors) on one server: by default the
first visitor's rules, history and runs are private to their session, and a rule named with a
Markdown image makes no browser fetch anything: it shows as the characters typed."""

from __future__ import annotations

import http.server
import json
import threading

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception, goto, wait_idle


@pytest.fixture
def pixel_server():
    """A loopback server that counts the requests it gets (the 'outside' image host)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def _context(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    return ctx, page


def _import_rules(page, path) -> None:
    page.get_by_role("button", name="Import JSON").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    wait_idle(page)
    page.keyboard.press("Escape")
    wait_idle(page)


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    wait_idle(page)


def test_two_visitors_do_not_share_rules_history_or_runs(app_url, browser, pixel_server, tmp_path):
    pixel, hits = pixel_server
    name = f"Winback ![pixel]({pixel}/name.png) {pixel}/link"
    rules = [
        {
            "name": name,
            "condition": "recency_days >= 120",
            "reason": f"![r]({pixel}/reason.png)",
            "action": f"[call]({pixel}/action)",
            "confidence": "High",
            "priority": 5,
        }
    ]
    path = tmp_path / "hostile_rules.json"
    path.write_text(json.dumps(rules))

    ctx_a, a = _context(browser)
    ctx_b, b = _context(browser)
    try:
        goto(a, app_url, "insights")
        _import_rules(a, path)
        assert_no_exception(a)
        expect(a.get_by_text("Imported 1 rules")).to_be_visible()
        # the name shows as typed, in the heading and the messages: no image, no link
        heading = a.get_by_role("heading", name="Preview · Winback")
        assert heading.inner_text().replace("\u2060", "") == f"Preview · {name}"
        _tab(a, "Insights")
        a.get_by_role("button", name="Save run").click()
        wait_idle(a)
        expect(a.get_by_text("Run 1 saved")).to_be_visible()
        _tab(a, "History")
        assert_no_exception(a)
        expect(a.get_by_text("Rule set versions")).to_be_visible()
        html = a.content()
        assert f'src="{pixel}' not in html and f'href="{pixel}' not in html
        assert a.locator(f'img[src^="{pixel}"], a[href^="{pixel}"]').count() == 0

        # the second visitor: default rules, nothing saved, none of the first one's runs
        goto(b, app_url, "insights")
        assert_no_exception(b)
        expect(b.get_by_text("Started from the default rule set")).to_be_visible()
        assert "Winback" not in b.content()
        _tab(b, "History")
        expect(b.get_by_text("Nothing saved yet")).to_be_visible()
        assert "Run 1" not in b.content()
        assert hits == [], f"the browser fetched {hits}"
    finally:
        ctx_a.close()
        ctx_b.close()
