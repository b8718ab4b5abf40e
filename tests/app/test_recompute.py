"""AppTest: the app recomputes only what a change touches, and no cache hit copies a frame.

Counters wrap the core functions the app's caches call (reading the file, building the orders
frame, the customer table, the CLV fit and its BG/NBD fits, the filters, and the pages' own
computations: first orders, seasonality, the month comparison, the Sales tabs' figures, RFM
scores, time to a second order, the fit diagnostics, the threshold suggestion, the churn list,
the rules' evaluation, the Action plan's value, plans and best actions): a rerun that changed
nothing calls none of them, a threshold change and a page switch do not read the file again nor
refit CLV, a filter change fits BG/NBD once (the customer table's fit, which the Churn page's
diagnostics and the Action plan read), and a closed Sales tab computes nothing.

st.cache_data pickles its value on a miss and unpickles a copy on every hit (at 1M lines a
customer table or the orders frame costs tenths of a second each time); the dataset's frames
and what pages derive from them are cached as resources (views.loading.dataset_cache). A
counter on the unpickling of st.cache_data proves no hit returns a polars frame.
"""

from __future__ import annotations

import importlib
import pickle
from collections import Counter
from concurrent.futures import wait

import polars as pl
import pyarrow
import pytest
import streamlit as st
import streamlit.runtime.caching.cache_data_api as cache_data_api
from streamlit.testing.v1 import AppTest

import core.assign
import core.churn
import core.clv
import core.hub.table
import core.ingest.quality
import core.model.filters
import core.plan
import core.rules
import core.sales
import core.segments
import views.loading
import views.state
from core.ingest import load_orders
from core.ingest.readers import read_table_noted
from tests.app.conftest import APP, ROOT, assert_no_exception, open_tab, run_page

COUNTED = {
    views.loading: ("read_table_noted", "read_table", "load_orders"),
    core.ingest.quality: ("quality_report",),
    views.state: ("metrics_with_fit", "apply_filters"),
    core.hub.table: ("customer_clv",),
    importlib.import_module("core.clv.fit"): ("fit_bgnbd",),  # the module, not core.clv.fit()
    core.sales: (
        "first_orders",
        "seasonality",
        "compare_kpis",
        "in_period",
        "top_products",
        "leakage",
        "pareto",
        "explain_change",
    ),
    core.segments: (
        "add_rfm",
        "time_to_second_order",
        "segment_kpis",
        "segment_summary",
        "segment_members",
        "with_status_labels",
        "orders_distribution",
        "second_order_summary",
        "second_order_buckets",
        "attribute_columns",
        "attribute_breakdown",
        "two_valued_attributes",
        "two_groups",
        "compare_groups",
        "find_customers",
        "customer_profile",
        "customer_timeline",
        "customer_orders",
    ),
    core.clv: ("fit_diagnostics",),
    core.churn: ("suggest_thresholds", "churn_list"),
    core.plan: ("customer_value", "build_plan", "best_actions"),
    core.rules: ("evaluate", "preview", "summary_by_action", "filter_insights"),
    core.assign: ("unit_choices", "pick_units", "assign", "split_summary"),
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


@pytest.mark.parametrize(
    "page", [*PAGES, "views/insights.py", "views/plan.py", "views/experiments.py", "views/data.py"]
)
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
    at = open_tab(run_page("views/churn.py"), "churn_tab", "Predicted churn & CLV")
    first = dict(calls)
    at.number_input(key="churn_days").set_value(180).run()
    assert_no_exception(at)
    assert at.session_state["settings"]["churn_days"] == 180
    assert calls["customer_clv"] == first["customer_clv"] == 1
    assert calls["fit_bgnbd"] == first["fit_bgnbd"] == 1
    assert calls["metrics_with_fit"] == first["metrics_with_fit"]
    assert calls["fit_diagnostics"] == first["fit_diagnostics"]
    assert calls["load_orders"] == calls["read_table_noted"] == 1


def test_a_page_switch_reads_and_fits_nothing_again(calls):
    at = run_page("views/churn.py")
    for page in ("views/customers.py", "views/overview.py", "views/sales.py", "views/churn.py"):
        at.switch_page(page)
        at.run()
        assert_no_exception(at)
    assert calls["load_orders"] == 1
    assert calls["customer_clv"] == calls["fit_bgnbd"] == 1
    assert calls["first_orders"] == 1  # the Sales page's first orders: once per dataset


def test_a_closed_tab_computes_nothing(calls):
    """The Sales page draws its open tab: the closed tabs' figures are computed when their tab
    is opened (or the workbook downloaded), not on every run."""
    at = run_page("views/sales.py")  # the Trends tab is open
    assert_no_exception(at)
    closed = ("top_products", "pareto", "explain_change", "leakage")
    assert [calls[name] for name in closed] == [0, 0, 0, 0]
    open_tab(at, "sales_tab", "Pareto")
    assert_no_exception(at)
    assert calls["pareto"] == 2  # customers and products
    assert [calls[name] for name in ("top_products", "explain_change", "leakage")] == [0, 0, 0]


def test_a_closed_customers_tab_computes_nothing(calls):
    """The Customers page draws its open tab: the others' figures wait for their tab (or the
    workbook's download); a closed tab draws its controls only."""
    later = ("time_to_second_order", "orders_distribution", "attribute_breakdown")
    later += ("compare_groups", "customer_profile", "customer_orders")
    at = run_page("views/customers.py")  # the first tab: RFM segments
    assert_no_exception(at)
    assert calls["add_rfm"] >= 1 and not any(calls[name] for name in later)
    open_tab(at, "customers_tab", "Loyalty (repeat behaviour)")
    assert calls["time_to_second_order"] == calls["orders_distribution"] == 1
    assert not any(calls[name] for name in later[2:])


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
    src = views.loading.Source.of("orders.csv", data)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["dataset"] = views.loading.Dataset("upload", src)
    at.session_state["_files"] = {src.digest: (len(data), pyarrow.compress(data, codec="zstd"))}
    return at


def _wait_ahead(at: AppTest) -> set[str]:
    jobs = at.session_state["_ahead"] if "_ahead" in at.session_state else {}  # noqa: SIM401 (no .get)
    wait([future for by_key in jobs.values() for future in by_key.values()])
    return {name for name, by_key in jobs.items() if by_key}


def test_an_upload_s_customer_table_and_fit_are_computed_once_ahead(calls):
    at = _uploaded()
    at.run()
    assert_no_exception(at)
    assert _wait_ahead(at) == {"customer_table", "churn_suggestion"}
    assert calls["metrics_with_fit"] == calls["fit_bgnbd"] == 1
    for page in ("views/customers.py", "views/churn.py", "views/insights.py", "views/plan.py"):
        at.switch_page(page)
        at.run()
        assert_no_exception(at)
        if page == "views/churn.py":  # its fit diagnostics are drawn in their tab
            assert_no_exception(open_tab(at, "churn_tab", "Predicted churn & CLV"))
    at.run()
    assert _wait_ahead(at) == set()  # taken by the pages, nothing new started
    assert calls["metrics_with_fit"] == calls["customer_clv"] == 1
    # one BG/NBD fit for the table, the Churn page's diagnostics and the Action plan's value
    assert calls["fit_bgnbd"] == 1
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
    assert _wait_ahead(at) == {"customer_table", "churn_suggestion"}
    at.switch_page("views/churn.py")
    at.run()
    assert_no_exception(open_tab(at, "churn_tab", "Predicted churn & CLV"))
    assert calls["metrics_with_fit"] == calls["fit_bgnbd"] == 2
    assert calls["fit_diagnostics"] == 1


def test_going_back_to_the_filters_left_takes_their_table_computed_ahead(calls):
    """A filter applied, then cleared, on a page that does not read the customer table: the
    unfiltered table computed ahead is kept while the filtered one is computed, and the page
    that needs it takes it (two tables computed, not three)."""
    at = _uploaded()
    at.run()
    _wait_ahead(at)
    _filter_region(at)
    _wait_ahead(at)
    next(b for b in at.button if b.label == "Clear").click()
    at.run()
    assert_no_exception(at)
    _wait_ahead(at)
    at.switch_page("views/customers.py")
    at.run()
    assert_no_exception(at)
    assert calls["metrics_with_fit"] == 2


def _filter_region(at: AppTest) -> None:
    at.multiselect(key="f_region").set_value([at.multiselect(key="f_region").options[0]])
    next(b for b in at.button if b.label == "Apply").click()
    at.run()
    assert_no_exception(at)


def _shown(at: AppTest, column: str):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_a_filter_change_on_churn_fits_bgnbd_once(calls):
    """A region filter applied on the Churn page: the filtered customer table fits BG/NBD once
    and the page's fit diagnostics are that fit's, equal to the diagnostics of a fresh fit on
    the filtered orders (core.clv.fit_diagnostics, checked against lifetimes in test_clv)."""
    at = open_tab(run_page("views/churn.py"), "churn_tab", "Predicted churn & CLV")
    assert calls["fit_bgnbd"] == calls["fit_diagnostics"] == 1
    _filter_region(at)
    assert calls["apply_filters"] == 1
    assert calls["fit_bgnbd"] == 2  # not 3: the diagnostics fit nothing
    assert calls["metrics_with_fit"] == calls["fit_diagnostics"] == 2

    # the sample as the app reads it (views.loading._load_orders_fn), filtered as the sidebar says
    raw, notes = read_table_noted(
        (ROOT / "data" / "orders.csv").read_bytes(), "orders.csv", None, typed=True, roles={}
    )
    orders = load_orders(raw, name="orders.csv", overrides={}, read_notes=notes).orders
    as_of = orders["order_date"].max()  # the whole file's: a region filter does not move it
    filtered = core.model.filters.apply_filters(orders, at.session_state["filters"])
    assert 0 < filtered.height < orders.height
    report, hist = core.clv.fit_diagnostics(filtered, as_of, "days")
    params = _shown(at, "parameter")
    want = core.clv.parameter_table(report)
    assert list(params["parameter"]) == list(want["parameter"])
    # BG/NBD exactly; Gamma-Gamma to 1e-6 (its spend sums move in the last digits run to run)
    assert list(params["value"])[:4] == list(want["value"])[:4]
    assert list(params["value"]) == pytest.approx(list(want["value"]), rel=1e-6)
    shown = _shown(at, "expected")
    assert list(shown["label"]) == list(hist["label"])
    assert list(shown["actual"]) == list(hist["actual"])
    assert list(shown["expected"]) == list(hist["expected"])
    text = f"({report['customers']:,} customers, {report['repeat_customers']:,} with repeat"
    assert any(text in m.value for m in at.markdown)
