"""End-to-end fixtures: the app served by `streamlit run` and driven in Debian's Chromium.

def test_x(app_url, page):
    goto(page, app_url, "churn")
    ...
    assert_no_exception(page)
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start the app on a free port and wait for its health check."""
    port = port or _free_port()
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
            "--server.port", str(port), "--server.headless", "true",
            "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the app did not start within 60 s")


@pytest.fixture(scope="session")
def app_url():
    proc, url = start_server()
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    ctx.close()


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the page has content and the script has finished running.

    Busy: no element in the main area yet (a cold server's first run shows nothing for a while
    before its status widget appears), Streamlit's status widget or a skeleton, or an element
    left from the previous run (data-stale). Idle means not busy for 0.6 s."""
    page.evaluate("window.__idleSince = null")
    page.wait_for_selector(  # attached: the first element may be an empty slot
        '[data-testid="stMain"] [data-testid="stElementContainer"]',
        timeout=timeout,
        state="attached",
    )
    page.wait_for_function(
        """() => {
            const content = document.querySelector(
                '[data-testid="stMain"] [data-testid="stElementContainer"]');
            const busy = !content
                || document.querySelector('[data-testid="stStatusWidget"]')
                || document.querySelector('[data-testid="stSkeleton"]')
                || document.querySelector('[data-testid="stElementContainer"][data-stale="true"]');
            const now = Date.now();
            if (busy) { window.__idleSince = null; return false; }
            window.__idleSince = window.__idleSince || now;
            return now - window.__idleSince > 600;
        }""",
        timeout=timeout,
        polling=100,
    )


def goto(page, app_url: str, path: str = "") -> None:
    """Open a page by its URL path ("" for Overview, "sales", "churn", "data" ...)."""
    page.goto(f"{app_url}/{path}")
    wait_idle(page)


def assert_no_exception(page) -> None:
    n = page.locator('[data-testid="stException"]').count()
    assert n == 0, page.locator('[data-testid="stException"]').first.inner_text()


SHOTS = ROOT / "screenshots"  # git-ignored: the pictures a person looks at after a run


def screenshot(page, name: str) -> None:
    """The whole page, saved as screenshots/<name> (a name may hold a sub-folder); the app
    scrolls inside its main container, so grow the viewport first."""
    path = SHOTS / name
    path.parent.mkdir(parents=True, exist_ok=True)
    height = page.evaluate(
        """() => Math.max(...[...document.querySelectorAll('[data-testid="stMain"], section')]
            .map(e => e.scrollHeight), document.body.scrollHeight)"""
    )
    size = page.viewport_size or {"width": 1400, "height": 1000}
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 50, 12000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)


def upload(page, app_url: str, path: Path) -> None:
    """Upload an orders file on the Data page and wait until the app uses it."""
    goto(page, app_url, "data")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
    page.get_by_text("Using your file").wait_for(timeout=60_000)
    wait_idle(page)


def metric(page, label: str, *, exact: bool = False) -> str:
    """The value of the KPI card labelled `label` (its label holds it; `exact`: is it)."""
    text = re.compile(f"^{re.escape(label)}$") if exact else label
    card = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=text)
    )
    return card.first.locator('[data-testid="stMetricValue"]').inner_text().strip()


def pick(page, scope, label: str, option: str) -> None:
    """Choose `option` in the selectbox labelled `label` (the list may take a moment to open)."""
    box = scope.locator('[data-testid="stSelectbox"]').filter(
        has=page.locator("label", has_text=label)
    )
    choice = page.get_by_role("option", name=option, exact=True)
    for _ in range(5):
        box.first.click()
        try:
            choice.wait_for(timeout=3000)
            break
        except Exception:  # the click landed while the page was re-rendering: again
            page.keyboard.press("Escape")
    choice.click()
