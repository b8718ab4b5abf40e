"""AppTest: the Customers & segments page runs on the sample data, shows its KPIs, tables and
controls, and its widgets change the results. Only the open tab is drawn: each tab, opened,
shows the tables the page's workbook holds for it whichever tab is open (built from the
choices kept while their tab is closed)."""

from __future__ import annotations

import polars as pl
import pytest

from tests.app.conftest import (
    Workbook,
    assert_no_exception,
    assert_same_workbooks,
    open_tab,
    run_page,
)
from views import customer_figures

TABS = [
    *("RFM segments", "Value tiers & personas", "Loyalty (repeat behaviour)", "Contribution"),
    *("Demographics", "Customer drill-down", "Customer table"),
]


@pytest.fixture(scope="module")
def at():
    at = run_page("views/customers.py")
    assert_no_exception(at)
    return at


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_page_shows_kpis_tabs_and_tables(at):
    assert at.title[0].value == "Customers & segments"
    labels = [m.label for m in at.metric]
    for label in ("Customers", "Revenue per customer", "Repeat rate", "Champions"):
        assert label in labels
    assert _metric(at, "Customers") == "8,000"
    tabs = [t.label for t in at.tabs]
    assert tabs[:3] == ["RFM segments", "Value tiers & personas", "Loyalty (repeat behaviour)"]
    assert "Customer drill-down" in tabs
    assert not at.error
    # the segment table lists the named segments with their suggested action
    seg = next(df.value for df in at.dataframe if "rfm_segment" in df.value.columns)
    assert "Champions" in list(seg["rfm_segment"]) and "action" in seg.columns
    # the two-group comparison is stated in plain words
    open_tab(at, "customers_tab", "Demographics")
    assert_no_exception(at)
    assert any("Welch t-test" in s.value for s in [*at.success, *at.info])


def test_fewer_score_bins_change_the_segments():
    at = run_page("views/customers.py")
    before = _metric(at, "Champions")
    at.button_group(key="seg_bins").set_value(3).run()
    assert_no_exception(at)
    assert _metric(at, "Champions") != before
    thresholds = next(df.value for df in at.dataframe if "score" in df.value.columns)
    assert sorted(set(thresholds["score"])) == [1, 2, 3]


def test_loyalty_cutoffs_and_grouping_change_tables():
    at = run_page("views/customers.py")

    def loyalty_counts():
        df = next(d.value for d in at.dataframe if "loyalty" in d.value.columns[:1])
        return dict(zip(df["loyalty"], df["customers"], strict=True))

    open_tab(at, "customers_tab", "Loyalty (repeat behaviour)")
    before = loyalty_counts()
    at.number_input(key="loy_loyal").set_value(8).run()
    assert_no_exception(at)
    after = loyalty_counts()
    assert after["Frequent"] < before["Frequent"] and after["New"] == before["New"]
    # an impossible pair of cut-offs is refused with a message, not a traceback
    at.number_input(key="loy_returning").set_value(9).run()
    assert_no_exception(at)
    assert any("cut-offs cannot be used" in e.value for e in at.error)

    open_tab(at, "customers_tab", "Contribution")
    at.selectbox(key="contrib_by").set_value("Value tier").run()
    assert_no_exception(at)
    assert any(d.value.columns[0] == "value_tier" for d in at.dataframe)


def test_numeric_attribute_is_binned_and_drill_down_finds_a_customer():
    at = open_tab(run_page("views/customers.py"), "customers_tab", "Demographics")
    at.selectbox(key="demo_attr").set_value("Age").run()
    assert_no_exception(at)
    groups = next(
        d.value for d in at.dataframe if d.value.columns[:2].tolist() == ["attribute", "group"]
    )
    assert len(groups) >= 4 and all("-" in g or g == "(missing)" for g in groups["group"])

    open_tab(at, "customers_tab", "Customer drill-down")
    at.text_input(key="drill_query").set_value("C00042").run()
    assert_no_exception(at)
    assert at.selectbox(key="drill_pick").value == "C00042"
    assert any(md.value.startswith("### C00042") for md in at.markdown)


def test_repeat_behaviour_is_not_named_like_the_rfm_segment():
    at = open_tab(run_page("views/customers.py"), "customers_tab", "Loyalty (repeat behaviour)")
    df = next(d.value for d in at.dataframe if "loyalty" in d.value.columns[:1])
    assert set(df["loyalty"]) <= {"New", "Returning", "Frequent"}
    captions = " ".join(c.value for c in at.caption)
    assert "not the RFM segment 'Loyal'" in captions


def test_the_customer_table_s_own_rfm_scores_are_those_of_its_bins():
    """The page scores the customer table again only for other bins than its own."""
    import inspect

    from core import segments
    from core.hub import metrics_with_fit
    from core.ingest import load_orders
    from core.ingest.readers import read_table_noted
    from tests.app.conftest import ROOT

    bins = inspect.signature(metrics_with_fit).parameters["rfm_bins"].default
    assert bins == customer_figures.HUB_BINS
    data = (ROOT / "data" / "orders.csv").read_bytes()
    raw, notes = read_table_noted(data, "orders.csv", None, typed=True, roles={})
    orders = load_orders(raw, name="orders.csv", overrides={}, read_notes=notes).orders
    hub = metrics_with_fit(orders)[0]
    assert segments.add_rfm(hub, bins).equals(hub)
    assert not segments.add_rfm(hub, 3).equals(hub)


def _by_text(rows: list[list]) -> list[list]:
    """Rows without their rank, sorted by their cells other than floats (items of equal
    revenue share a rank in any order)."""
    rank = rows[0].index("rank")
    rows = [r[:rank] + r[rank + 1 :] for r in rows]
    return sorted(rows, key=lambda r: [str(c) for c in r if not isinstance(c, float)])


def test_each_tab_shows_what_the_workbook_holds_whichever_tab_is_open(monkeypatch):
    """Choices made in one tab (tiers, persona rules, repeat cut-offs, the grouping) hold while
    it is closed; the workbook has the same sheets with the same cells whichever tab is open:
    a closed tab's sheets (built on the download, from core calls) are the tables the tab shows
    when it is opened."""
    book = Workbook(monkeypatch, "customers_tables.xlsx")
    at = run_page("views/customers.py")
    at.session_state[customer_figures.TIERS] = (("Best", 0.1), ("Good", 0.3), ("Rest", 0.6))
    open_tab(at, "customers_tab", "Value tiers & personas")
    at.slider(key="p_top").set_value(30).run()
    open_tab(at, "customers_tab", "Loyalty (repeat behaviour)")
    at.number_input(key="loy_loyal").set_value(6).run()
    open_tab(at, "customers_tab", "Contribution")
    at.selectbox(key="contrib_by").set_value("Persona").run()
    open_tab(at, "customers_tab", "Demographics")
    at.selectbox(key="demo_attr").set_value("Age").run()
    open_tab(at, "customers_tab", "Customer drill-down")
    at.text_input(key="drill_query").set_value("C00042").run()

    sheets, drawn = {}, {}
    for tab in TABS:
        open_tab(at, "customers_tab", tab)
        assert_no_exception(at)
        sheets[tab] = book.sheets()
        tables = at.session_state["_ui_tables_shown"]["tables"]
        drawn[tab] = {n for n, t in tables.items() if isinstance(t, pl.DataFrame)}
    first = sheets[TABS[0]]
    assert list(first) == [
        *("rfm_segments", "segment_champions", "rfm_thresholds", "rfm_segment_map"),
        *("value_tiers", "value_tier_edges", "persona_rules", "personas"),
        *("loyalty", "orders_per_customer", "time_to_second_order"),
        *("contribution_by_persona", "top_products_by_persona"),
        *("customers_by_Age", "compare_Subscription", "orders_C00042", "customer_table"),
    ]
    # every sheet is a table the tab it belongs to draws when open
    assert set().union(*drawn.values()) == set(first)
    assert drawn["Contribution"] == {"contribution_by_persona", "top_products_by_persona"}
    assert_same_workbooks(
        {tab: sheets[tab] for tab in TABS},
        lambda name, rows: _by_text(rows) if name.startswith("top_") else rows,
    )

    # the choices hold: the kept tiers, and "Frequent" from 6 orders (counted on the table)
    tiers = [r[0] for r in first["value_tiers"][1:]]
    assert tiers == ["Best", "Good", "Rest"]
    table = first["customer_table"]
    orders = [r[table[0].index("orders")] for r in table[1:]]
    loyalty = {r[0]: r[1] for r in first["loyalty"][1:]}
    assert loyalty["Frequent"] == sum(n >= 6 for n in orders)
    assert loyalty["New"] == sum(n == 1 for n in orders)


def _near(rows: list[list], rel: float) -> list[list]:
    return [[pytest.approx(c, rel=rel) if isinstance(c, float) else c for c in r] for r in rows]


def test_an_upload_s_figures_come_from_the_table_before_its_clv_fit(monkeypatch):
    """On an upload the customer table is computed ahead and handed over before its CLV fit
    (views.state.AppData.customer_metrics): the page draws its figures from it without taking
    the job, and puts the CLV columns on where it shows them (drill-down, the table, a CLV metric
    compared, the segment's members, the workbook). The workbook is the same whichever tab is
    open, and the same as in a session whose Churn page took the whole table first (CLV figures
    to 1e-6: the Gamma-Gamma fit moves in the last digits from fit to fit)."""
    import views.ahead
    from tests.app.test_recompute import _uploaded, _wait_ahead

    firsts = []  # the tables handed over before the fit that the page read
    real_first = views.ahead.first

    def first(name, key):
        job = real_first(name, key)
        firsts.append(job is not None and job.result() is not None)
        return job

    monkeypatch.setattr(views.ahead, "first", first)

    def choose(at):
        open_tab(at, "customers_tab", "Demographics")
        at.selectbox(key="cmp_metric").set_value("expected_clv_365d").run()
        open_tab(at, "customers_tab", "Customer drill-down")
        at.text_input(key="drill_query").set_value("C00042").run()
        open_tab(at, "customers_tab", TABS[0])
        assert_no_exception(at)

    book = Workbook(monkeypatch, "customers_tables.xlsx")
    at = _uploaded()
    at.run()
    _wait_ahead(at)
    at.switch_page("views/customers.py")
    at.run()
    assert_no_exception(at)
    assert firsts == [True]  # the page's figures: from the table before the fit
    before = book.sheets()  # the closed table's sheet takes the job's table
    choose(at)
    sheets = book.per_tab(at, "customers_tab", TABS)
    top = lambda name, rows: _by_text(rows) if name.startswith("top_") else rows  # noqa: E731
    assert_same_workbooks(sheets, top)
    assert "customer_table" in before
    for name, rows in before.items():  # the comparison and drill-down: other choices since
        if not name.startswith(("compare_", "orders_C")):
            assert top(name, rows) == _near(top(name, sheets[TABS[0]][name]), 1e-12), name

    ref = _uploaded()  # the table with its fit taken whole (by the Churn page) before
    ref.run()
    _wait_ahead(ref)
    for page in ("views/churn.py", "views/customers.py"):
        ref.switch_page(page)
        ref.run()
    assert not ref.session_state["_ahead"]["customer_table"]  # taken by the Churn page
    assert firsts[-1] is False  # the page's figures: from the table with its fit
    choose(ref)
    want = book.sheets()
    got = sheets[TABS[0]]
    assert list(got) == list(want)
    for name in want:
        assert top(name, got[name]) == _near(top(name, want[name]), 1e-6), name
    for name in ("customer_table", "segment_champions"):  # the CLV columns are filled
        table = got[name]
        alive = [r[table[0].index("p_alive")] for r in table[1:]]
        assert sum(a is not None for a in alive) > 0.9 * len(alive), name
    cmp = got["compare_Subscription"][1]  # the CLV metric compared, on its values
    assert cmp[0] == "average expected_clv_365d" and cmp[1] > 0 and cmp[2] > 0


def test_a_staged_job_hands_over_its_first_result_and_holds_the_rest_while_asked(monkeypatch):
    """views.ahead.Staged: the first result is there before the rest is done; a page reading it
    holds the rest (hold) until its run ends or the job is taken (release), at most HOLD
    seconds; an error before the first result is the first result's too."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from views.ahead import Staged

    steps = []

    def work(ready):
        steps.append("first")
        ready("table")
        steps.append("rest")
        return "table and fit"

    with ThreadPoolExecutor(1) as pool:
        job = Staged(work)
        job.hold()
        done = pool.submit(job)
        assert job.first.result(timeout=5) == "table"
        threading.Event().wait(0.2)
        assert steps == ["first"] and not done.done()  # held
        job.release()
        assert done.result(timeout=5) == "table and fit" and steps == ["first", "rest"]

        unheld = Staged(work)  # nobody holds it: straight on
        assert pool.submit(unheld).result(timeout=5) == "table and fit"

        monkeypatch.setattr(Staged, "HOLD", 0.05)
        never = Staged(work)  # held and never released: goes on after HOLD
        never.hold()
        assert pool.submit(never).result(timeout=5) == "table and fit"

        def fails(ready):
            raise ValueError("bad orders")

        bad = Staged(fails)
        with pytest.raises(ValueError):
            pool.submit(bad).result(timeout=5)
        with pytest.raises(ValueError):
            bad.first.result(timeout=5)
