"""AppTest: the Overview and Data pages run on the sample data and show the KPIs."""

from tests.app.conftest import assert_no_exception, run_page


def test_overview_shows_kpis():
    at = run_page("views/overview.py")
    assert_no_exception(at)
    labels = [m.label for m in at.metric]
    for label in ("Revenue", "Orders", "Customers", "Average order value", "Churn rate"):
        assert label in labels
    assert at.title[0].value == "Overview"


def test_data_page_shows_mapping_and_quality():
    at = run_page("views/data.py")
    assert_no_exception(at)
    assert at.selectbox(key="map_customer_id").value == "Customer ID"
    assert at.selectbox(key="map_revenue").value == "Line Total"
    assert "Rows read" in [m.label for m in at.metric]


def test_glossary_page():
    at = run_page("views/glossary.py")
    assert_no_exception(at)
