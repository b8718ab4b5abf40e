"""AppTest: an orders file whose CLV fit cannot be trusted (nobody ever leaves, P(alive) ~100%
for customers silent most of the year; tests/unit/test_clv_quality.py) shows a warning on the
Churn page and the customer table, and leaves P(alive) empty."""

from __future__ import annotations

import pyarrow as pa
from streamlit.testing.v1 import AppTest

from core import clv
from tests.app.conftest import APP, assert_no_exception, open_tab
from tests.unit.test_clv_quality import ORDERS
from views.loading import Dataset, Source


def _run(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    data = ORDERS.write_csv().encode()
    src = Source.of("never_leaving.csv", data)
    at.session_state["dataset"] = Dataset("upload", src)
    # the upload's bytes as views.state.use_upload keeps them (compressed, by digest)
    at.session_state["_files"] = {src.digest: (len(data), pa.compress(data, "zstd", asbytes=True))}
    at.run()
    at.switch_page(page)
    at.run()
    assert_no_exception(at)
    return at


def test_churn_page_warns_and_falls_back_to_the_status():
    at = _run("views/churn.py")
    assert any(clv.FALLBACK_NOTE in c.value for c in at.caption)  # under the churn list
    open_tab(at, "churn_tab", "Predicted churn & CLV")
    assert_no_exception(at)
    warning = next(w.value for w in at.warning if "cannot be trusted" in w.value)
    assert (
        "P(alive) stays near 100%" in warning and "status follows the churn thresholds" in warning
    )


def test_customer_table_says_why_p_alive_is_empty():
    at = open_tab(_run("views/customers.py"), "customers_tab", "Customer table")
    assert_no_exception(at)
    assert any(w.value == clv.FALLBACK_NOTE for w in at.warning)
