"""The customer drill-down (core.segments.drilldown)."""

from __future__ import annotations

import polars as pl
import pytest

from core import segments as sg
from core.errors import InputError
from tests.unit.segments.hand import HAND, ORDERS


def test_drill_down():
    assert sg.find_customers(HAND, "C1")["customer_id"].to_list() == ["c1"]
    assert sg.find_customers(HAND, "", limit=2)["customer_id"].to_list() == ["c0", "c7"]
    assert sg.customer_profile(HAND, "c7")["revenue"] == 500.0
    with pytest.raises(InputError, match="no customer"):
        sg.customer_profile(HAND, "zz")
    orders = sg.customer_orders(ORDERS, "A")
    # newest first; o1 has two lines: 10 + 5
    assert orders.select("order_id", "lines", "revenue").rows() == [
        ("o3", 1, 30.0),
        ("o2", 1, 20.0),
        ("o1", 2, 15.0),
    ]
    assert orders["product"].to_list()[-1] == "pen, ink"
    timeline = sg.customer_timeline(ORDERS, "A")
    assert timeline["cumulative_revenue"].to_list() == [15.0, 35.0, 65.0]


def test_drill_down_labels():
    found = pl.DataFrame({"customer_id": ["C1", "C2"], "rfm_segment": ["Loyal", None]})
    assert sg.match_labels(found) == {"C1": "C1 · Loyal", "C2": "C2"}
    p = {
        "rfm_segment": "Loyal",
        "r_score": 3,
        "f_score": 5,
        "m_score": 5,
        "value_tier": "Top 5%",
        "persona": "Premium",
        "loyalty": None,
        "status": "churned",
        "age": 39,
        "gender": None,
    }
    assert sg.profile_headline(p) == (
        "**Loyal** (R 3 · F 5 · M 5) · Top 5% · Premium · status **Churned**"
    )
    assert sg.profile_attributes(p, ["age", "gender", "region"]) == "age: 39 · gender: –"
