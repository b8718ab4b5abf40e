"""The Overview chart builds from core.metrics.monthly and marks partial months."""

from datetime import date

import polars as pl

from core.charts.overview import monthly_revenue
from core.metrics import monthly


def test_monthly_revenue_chart_marks_partial_months():
    orders = pl.DataFrame(
        {
            "customer_id": ["a", "b", "a"],
            "order_id": ["1", "2", "3"],
            "order_date": [date(2024, 1, 15), date(2024, 2, 1), date(2024, 3, 10)],
            "revenue": [10.0, 20.0, 30.0],
        }
    )
    m = monthly(orders)
    # January starts on the 15th and March ends on the 10th: both partial; February complete
    assert m["partial"].to_list() == [True, False, True]
    spec = monthly_revenue(m).to_dict()
    assert spec["mark"]["type"] == "bar"
    # one band per month, in time order, labelled as people read it
    assert spec["encoding"]["x"]["field"] == "period_label"
    assert spec["encoding"]["x"]["type"] == "ordinal"
    (rows,) = spec["datasets"].values()
    assert [r["period_label"] for r in rows] == ["Jan 2024", "Feb 2024", "Mar 2024"]
    assert spec["encoding"]["color"]["field"] == "partial"
    assert {t["field"] for t in spec["encoding"]["tooltip"]} >= {"revenue", "growth", "partial"}
