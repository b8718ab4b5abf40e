"""AppTest: the Customers & segments page runs on the sample data, shows its KPIs, tables and
controls, and its widgets change the results."""

from __future__ import annotations

import pytest

from tests.app.conftest import assert_no_exception, run_page


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

    before = loyalty_counts()
    at.number_input(key="loy_loyal").set_value(8).run()
    assert_no_exception(at)
    after = loyalty_counts()
    assert after["Frequent"] < before["Frequent"] and after["New"] == before["New"]
    # an impossible pair of cut-offs is refused with a message, not a traceback
    at.number_input(key="loy_returning").set_value(9).run()
    assert_no_exception(at)
    assert any("cut-offs cannot be used" in e.value for e in at.error)

    at.selectbox(key="contrib_by").set_value("Value tier").run()
    assert_no_exception(at)
    assert any(d.value.columns[0] == "value_tier" for d in at.dataframe)


def test_numeric_attribute_is_binned_and_drill_down_finds_a_customer():
    at = run_page("views/customers.py")
    at.selectbox(key="demo_attr").set_value("Age").run()
    assert_no_exception(at)
    groups = next(
        d.value for d in at.dataframe if d.value.columns[:2].tolist() == ["attribute", "group"]
    )
    assert len(groups) >= 4 and all("-" in g or g == "(missing)" for g in groups["group"])

    at.text_input(key="drill_query").set_value("C00042").run()
    assert_no_exception(at)
    assert at.selectbox(key="drill_pick").value == "C00042"
    assert any(md.value.startswith("### C00042") for md in at.markdown)


def test_repeat_behaviour_is_not_named_like_the_rfm_segment():
    at = run_page("views/customers.py")
    df = next(d.value for d in at.dataframe if "loyalty" in d.value.columns[:1])
    assert set(df["loyalty"]) <= {"New", "Returning", "Frequent"}
    captions = " ".join(c.value for c in at.caption)
    assert "not the RFM segment 'Loyal'" in captions
