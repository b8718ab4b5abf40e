"""AppTest helpers: run a page through the router on the bundled sample data.

at = run_page("views/churn.py")
assert_no_exception(at)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "streamlit_app.py")


def run_page(page: str = "views/overview.py", timeout: float = 120) -> AppTest:
    """Start the app, switch to `page` (a path like "views/churn.py") and run it."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.run()
    if page != "views/overview.py":
        at.switch_page(page)
        at.run()
    return at


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Open the tab `label` of the tabs kept under `key` (views.widgets.tabs) and rerun: a page
    draws only its open tab."""
    at.session_state[key] = label
    return at.run()


def assert_no_exception(at: AppTest) -> None:
    assert not at.exception, "\n".join(str(e.value) for e in at.exception)


@pytest.fixture
def page_runner():
    return run_page
