"""AppTest: the app recomputes only what a change touches. Counters wrap the core functions the
app's caches call (reading the file, building the orders frame, the customer table, the CLV fit,
the filters): a rerun that changed nothing calls none of them, a threshold change and a page
switch do not read the file again nor refit CLV."""

from __future__ import annotations

from collections import Counter

import pytest
import streamlit as st

import core.hub.table
import views.state
from tests.app.conftest import assert_no_exception, run_page

COUNTED = {
    views.state: ("read_table_noted", "load_orders", "customer_metrics", "apply_filters"),
    core.hub.table: ("customer_clv",),
}


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


def test_a_rerun_that_changed_nothing_recomputes_nothing(calls):
    at = run_page("views/churn.py")
    assert_no_exception(at)
    assert calls["load_orders"] == 1 and calls["customer_clv"] == 1
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
    assert calls["load_orders"] == calls["read_table_noted"] == 1


def test_a_page_switch_reads_and_fits_nothing_again(calls):
    at = run_page("views/churn.py")
    for page in ("views/customers.py", "views/overview.py", "views/churn.py"):
        at.switch_page(page)
        at.run()
        assert_no_exception(at)
    assert calls["load_orders"] == 1
    assert calls["customer_clv"] == 1
