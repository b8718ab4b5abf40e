"""AppTest: the Churn & retention page on the sample data; changing a threshold moves the
KPIs and the churn list; the page's workbook holds every tab's tables whichever is open."""

import streamlit as st

from tests.app.conftest import (
    Workbook,
    assert_no_exception,
    assert_same_workbooks,
    open_tab,
    run_page,
)

TABS = ["Churn list", "Inactivity", "Period retention", "Cohorts", "Predicted churn & CLV"]


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _list_height(at) -> int:
    return next(df.value.shape[0] for df in at.dataframe if "reason" in df.value.columns)


def test_churn_page_renders_and_reacts_to_the_threshold():
    at = run_page("views/churn.py")
    assert_no_exception(at)
    assert at.title[0].value == "Churn & retention"
    before = _metrics(at)
    for label in ("Churn rate", "Retention rate", "Revenue at risk", "At risk", "Churned"):
        assert label in before
    assert [t.label for t in at.tabs] == [
        "Churn list",
        "Inactivity",
        "Period retention",
        "Cohorts",
        "Predicted churn & CLV",
    ]
    rows_before = _list_height(at)
    assert rows_before > 0

    # a longer churn window: fewer churned customers, more at risk, the same list size
    # (at risk + churned = everyone silent for more than 60 days)
    at.number_input(key="churn_days").set_value(180).run()
    assert_no_exception(at)
    after = _metrics(at)
    assert at.session_state["settings"]["churn_days"] == 180
    assert after["Churn rate"] != before["Churn rate"]
    assert int(after["Churned"].replace(",", "")) < int(before["Churned"].replace(",", ""))
    assert int(after["At risk"].replace(",", "")) > int(before["At risk"].replace(",", ""))
    assert _list_height(at) == rows_before

    # a longer at-risk window shrinks the list
    at.number_input(key="at_risk_days").set_value(120).run()
    assert _list_height(at) < rows_before


def test_bad_thresholds_are_refused_with_a_message():
    at = run_page("views/churn.py")
    at.number_input(key="at_risk_days").set_value(200).run()
    assert_no_exception(at)
    assert any("must not exceed the churn threshold" in e.value for e in at.error)
    assert at.session_state["settings"]["at_risk_days"] == 60


def test_churn_list_filter_and_clv_section():
    at = run_page("views/churn.py")
    rows = _list_height(at)
    at.multiselect(key="cl_status").set_value(["At risk"]).run()
    assert_no_exception(at)
    at_risk = int(_metrics(at)["At risk"].replace(",", ""))
    assert _list_height(at) == at_risk < rows
    # the CLV tab explains P(alive) for one-time buyers and shows the fitted parameters
    open_tab(at, "churn_tab", "Predicted churn & CLV")
    assert_no_exception(at)
    assert any("one-time buyers" in i.value for i in at.info)
    params = next(df.value for df in at.dataframe if "parameter" in df.value.columns)
    assert list(params["parameter"])[:4] == ["r", "alpha", "a", "b"]


def test_a_threshold_change_does_not_refit_clv(monkeypatch):
    """The page's customer table and CLV diagnostics are cached without the thresholds: moving
    the churn threshold re-derives the status only. Fits are counted on core.clv's fit."""
    import importlib

    st.cache_data.clear()  # earlier tests in this process may have cached the fits
    st.cache_resource.clear()
    fit_module = importlib.import_module("core.clv.fit")
    calls = []
    real = fit_module.fit_bgnbd
    monkeypatch.setattr(fit_module, "fit_bgnbd", lambda s: calls.append(1) or real(s))
    at = run_page("views/churn.py")
    assert_no_exception(at)
    fits = len(calls)
    assert fits >= 1  # the table's fit (and the diagnostics') on the first run
    churned = _metrics(at)["Churned"]
    at.number_input(key="churn_days").set_value(150).run()
    assert_no_exception(at)
    assert _metrics(at)["Churned"] != churned  # the status moved ...
    assert len(calls) == fits  # ... without a single new fit


def test_the_workbook_holds_every_tab_whichever_is_open(monkeypatch):
    """Only the open tab is drawn; the closed tabs' tables are built for the workbook when it is
    downloaded (ui.register_later): the same sheets, in the same order, with the same cells as
    the tables the open tab shows, for every tab open in turn."""
    book = Workbook(monkeypatch, "churn_tables.xlsx")
    at = run_page("views/churn.py")
    open_tab(at, "churn_tab", "Inactivity")
    at.select_slider(key="recency_bin").set_value(30).run()  # kept while the tab is closed
    sheets = book.per_tab(at, "churn_tab", TABS)
    first = sheets[TABS[0]]
    assert {
        *("churn_list", "inactivity_buckets", "recency_distribution", "retention_by_month"),
        *("cohort_retention", "cohort_average_curve", "top_customers_by_clv", "clv_parameters"),
        "clv_frequency_fit",
    } <= set(first)
    assert_same_workbooks({tab: sheets[tab] for tab in TABS})
