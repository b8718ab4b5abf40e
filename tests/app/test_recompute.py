"""AppTest: the app recomputes only what a change touches, and no cache hit copies a frame.

Counters wrap the core functions the app's caches call (reading the file, building the orders
frame, the customer table, the CLV fit, the filters, and the pages' own computations: first
orders, seasonality, the month comparison, RFM scores, time to a second order, the fit
diagnostics, the threshold suggestion): a rerun that changed nothing calls none of them, a
threshold change and a page switch do not read the file again nor refit CLV.

st.cache_data pickles its value on a miss and unpickles a copy on every hit (at 1M lines a
customer table or the orders frame costs tenths of a second each time); the dataset's frames
and what pages derive from them are cached as resources (views.state.dataset_cache). A
counter on the unpickling of st.cache_data proves no hit returns a polars frame.
"""

from __future__ import annotations

import pickle
from collections import Counter
from concurrent.futures import wait

import polars as pl
import pyarrow
import pytest
import streamlit as st
import streamlit.runtime.caching.cache_data_api as cache_data_api
from streamlit.testing.v1 import AppTest

import core.churn
import core.clv
import core.hub.table
import core.sales
import core.segments
import views.state
from tests.app.conftest import APP, ROOT, assert_no_exception, run_page

COUNTED = {
    views.state: ("read_table_noted", "load_orders", "customer_metrics", "apply_filters"),
    core.hub.table: ("customer_clv",),
    core.sales: ("first_orders", "seasonality", "compare_kpis"),
    core.segments: ("add_rfm", "time_to_second_order"),
    core.clv: ("fit_diagnostics",),
    core.churn: ("suggest_thresholds",),
}
PAGES = ["views/overview.py", "views/sales.py", "views/customers.py", "views/churn.py"]


@pytest.fixture
def calls(monkeypatch) -> Counter:
    st.cache_resource.clear()  # the sample's caches are shared: start cold
    st.cache_data.clear()
    counter: Counter = Counter()
    for module, names in COUNTED.items():
        for name in names:
            real = getattr(module, name)

            def counted(*args, _real=real, _name=name, **kwargs):
                counter[_name] += 1
                return _real(*args, **kwargs)

            monkeypatch.setattr(module, name, counted)
    yield counter
    st.cache_resource.clear()


class _CountingPickle:
    """Stands in for the pickle module inside st.cache_data: counts the frames it unpickles."""

    def __init__(self) -> None:
        self.frames = 0

    def __getattr__(self, name):
        return getattr(pickle, name)

    def loads(self, data: bytes):
        entry = pickle.loads(data)  # Streamlit's own cache entries
        value = getattr(entry, "value", entry)  # a CachedResult: the function's value
        parts = value if isinstance(value, tuple) else (value,)
        self.frames += sum(isinstance(p, pl.DataFrame) for p in parts)
        return entry


@pytest.mark.parametrize("page", PAGES)
def test_a_rerun_that_changed_nothing_recomputes_nothing(calls, page):
    at = run_page(page)
    assert_no_exception(at)
    assert calls["load_orders"] == 1
    first = dict(calls)
    at.run()
    at.run()
    assert_no_exception(at)
    assert dict(calls) == first


def test_a_threshold_change_does_not_refit_clv(calls):
    at = run_page("views/churn.py")
    first = dict(calls)
    at.number_input(key="churn_days").set_value(180).run()
    assert_no_exception(at)
    assert at.session_state["settings"]["churn_days"] == 180
    assert calls["customer_clv"] == first["customer_clv"] == 1
    assert calls["customer_metrics"] == first["customer_metrics"]
    assert calls["fit_diagnostics"] == first["fit_diagnostics"]
    assert calls["load_orders"] == calls["read_table_noted"] == 1


def test_a_page_switch_reads_and_fits_nothing_again(calls):
    at = run_page("views/churn.py")
    for page in ("views/customers.py", "views/overview.py", "views/sales.py", "views/churn.py"):
        at.switch_page(page)
        at.run()
        assert_no_exception(at)
    assert calls["load_orders"] == 1
    assert calls["customer_clv"] == 1
    assert calls["first_orders"] == 1  # the Sales page's first orders: once per dataset


def test_no_cache_hit_copies_a_frame(calls, monkeypatch):
    counting = _CountingPickle()
    monkeypatch.setattr(cache_data_api, "pickle", counting)
    at = run_page("views/overview.py")
    for page in [*PAGES[1:], "views/insights.py", "views/plan.py"]:
        at.switch_page(page)
        at.run()
        at.run()
        assert_no_exception(at)
    assert counting.frames == 0


def _uploaded() -> AppTest:
    """A session holding the sample's orders as an upload (as views.state.use_upload leaves it):
    its caches are the session's own and its work is done ahead."""
    data = (ROOT / "data" / "orders.csv").read_bytes()
    src = views.state.Source.of("orders.csv", data)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["dataset"] = views.state.Dataset("upload", src)
    at.session_state["_files"] = {src.digest: (len(data), pyarrow.compress(data, codec="zstd"))}
    return at


def _wait_ahead(at: AppTest) -> set[str]:
    jobs = at.session_state["_ahead"] if "_ahead" in at.session_state else {}  # noqa: SIM401 (no .get)
    wait([future for _, future in jobs.values()])
    return set(jobs)


def test_an_upload_s_customer_table_and_fit_are_computed_once_ahead(calls):
    at = _uploaded()
    at.run()
    assert_no_exception(at)
    assert _wait_ahead(at) == {"customer_table", "clv_fit", "churn_suggestion"}
    assert calls["customer_metrics"] == calls["fit_diagnostics"] == 1
    for page in ("views/customers.py", "views/churn.py", "views/insights.py", "views/plan.py"):
        at.switch_page(page)
        at.run()
        assert_no_exception(at)
    at.run()
    assert _wait_ahead(at) == set()  # taken by the pages, nothing new started
    assert calls["customer_metrics"] == calls["customer_clv"] == 1
    assert calls["fit_diagnostics"] == calls["suggest_thresholds"] == 1
    assert calls["load_orders"] == 1


def test_a_filter_change_computes_the_filtered_table_ahead_once(calls):
    at = _uploaded()
    at.run()
    _wait_ahead(at)
    at.multiselect(key="f_region").set_value([at.multiselect(key="f_region").options[0]])
    next(b for b in at.button if b.label == "Apply").click()
    at.run()
    assert_no_exception(at)
    assert _wait_ahead(at) == {"customer_table", "clv_fit", "churn_suggestion"}
    at.switch_page("views/churn.py")
    at.run()
    assert_no_exception(at)
    assert calls["customer_metrics"] == calls["fit_diagnostics"] == 2
