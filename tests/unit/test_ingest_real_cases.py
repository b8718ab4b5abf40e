"""Cases met on real public exports, each reproduced on a small hand-made file whose right
answer is worked out in the comments."""

from __future__ import annotations

from core.ingest import load_orders


def csv(text: str) -> bytes:
    return text.strip().encode() + b"\n"


def test_a_charge_is_not_the_goods_cost_or_the_line_amount() -> None:
    # Global Superstore: 'Shipping Cost' is what the carrier was paid, not the unit cost of the
    # goods; a tax or discount amount is not the line amount. 'Total incl. tax' still is.
    data = csv(
        """
Order ID,Customer ID,Order Date,Quantity,Shipping Cost,Tax Amount,Total incl. tax
A1,c1,2014-01-02,2,5.5,1.0,12.0
A2,c2,2014-01-03,1,3.0,0.5,6.0
"""
    )
    loaded = load_orders(data, name="superstore.csv")
    assert "unit_cost" not in loaded.mapping and "cost" not in loaded.mapping
    assert loaded.mapping["revenue"] == "Total incl. tax"
    assert loaded.orders["revenue"].sum() == 18.0  # 12 + 6, taxes and shipping not added
