"""AppTest: what keeps a big file interactive. A table longer than ui.SHOWN_ROWS sends its first
rows to the browser and says so (the downloads keep every row)."""

from __future__ import annotations

import views.ui
from tests.app.conftest import assert_no_exception, open_tab, run_page


def test_a_long_table_shows_its_first_rows_and_says_so(monkeypatch):
    monkeypatch.setattr(views.ui, "SHOWN_ROWS", 50)
    at = open_tab(run_page("views/customers.py"), "customers_tab", "Customer table")
    assert_no_exception(at)
    customers = at.session_state["_ui_tables_shown"]["tables"]["customer_table"].height
    assert customers > 50
    shown = [d.value for d in at.dataframe]
    assert max(len(v) for v in shown) == 50
    captions = [c.value for c in at.caption]
    assert f"The first 50 of {customers:,} rows: the downloads below hold every row." in captions
