"""Every page (and each tab of a page that draws its open tab only) on every edge file
(tests/corpus): no page raises, and a page that cannot work on a file says why with an
st.error / st.warning / st.info, never a traceback.

One AppTest per file walks through all pages, so the whole corpus runs in about a minute.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP, open_tab
from tests.app.conftest import CLOSED_TABS as TABS
from tests.corpus import edge_files
from views.pages import FILES

PAGES = FILES
CORPUS = edge_files(Path(__file__).resolve().parents[1] / ".corpus")


@pytest.fixture(autouse=True)
def private_workspace(monkeypatch):
    monkeypatch.delenv("CUSTOMER_PULSE_DB", raising=False)


@pytest.mark.parametrize("name", list(CORPUS))
def test_every_page_on_an_edge_file(name: str) -> None:
    from views import loading

    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["dataset"] = loading.Dataset(
        "upload", loading.Source.bundled(f"{name}.csv", CORPUS[name])
    )
    failures = []
    for page in PAGES:
        if page == PAGES[0]:
            at.run()
        else:
            at.switch_page(page)
            at.run()
        key, tabs = TABS.get(page, ("", ()))
        for tab in (None, *tabs):
            if tab is not None:
                open_tab(at, key, tab)
            if at.exception:
                exc = at.exception[0]
                where = f"{page} ({tab or 'first tab'})"
                failures.append(f"{where}: {exc.message} {''.join(exc.stack_trace[-3:])}")
            # something is said on every page: content, or why there is none
            assert at.main.children, f"{page} on {name} is empty"
    assert not failures, "\n".join(failures)
