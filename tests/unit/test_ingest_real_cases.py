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


def test_a_price_that_grows_with_the_quantity_is_the_line_amount() -> None:
    # Istanbul malls data: 'price' is 300.08 for 1 shirt, 600.16 for 2, 1500.40 for 5: the
    # line amount already, so revenue is the sum of price (not quantity x price).
    rows = ["invoice,customer,category,quantity,price,date"]
    base = {"Clothing": 300.08, "Books": 15.15, "Toys": 35.84}
    for i in range(30):
        cat = list(base)[i % 3]
        q = 1 + i % 5
        rows.append(f"I{i},C{i},{cat},{q},{round(base[cat] * q, 2)},2022-01-{1 + i:02d}")
    loaded = load_orders(("\n".join(rows) + "\n").encode(), name="malls.csv")
    want = sum(round(base[list(base)[i % 3]] * (1 + i % 5), 2) for i in range(30))
    assert abs(loaded.orders["revenue"].sum() - want) < 1e-6
    assert any("'price' grows with 'quantity'" in w for w in loaded.warnings)


def test_a_unit_price_that_stays_with_the_product_is_a_unit_price() -> None:
    # UCI-style lines: the same product at the same unit price whatever the quantity, and one
    # product whose price changed: revenue stays quantity x unit price.
    rows = ["InvoiceNo,CustomerID,Description,Quantity,UnitPrice,InvoiceDate"]
    for i in range(30):
        price = 2.55 if i < 20 else 2.95
        rows.append(f"{500 + i},c{i % 7},MUG,{1 + i % 6},{price},2011-01-{1 + i:02d}")
    loaded = load_orders(("\n".join(rows) + "\n").encode(), name="uci.csv")
    want = sum((1 + i % 6) * (2.55 if i < 20 else 2.95) for i in range(30))
    assert abs(loaded.orders["revenue"].sum() - want) < 1e-6
    assert not any("grows with" in w for w in loaded.warnings)


def test_a_customer_id_new_on_every_order_gives_way_to_the_unique_one() -> None:
    # Olist: 'customer_id' is issued per order (o1, o2 and o3 each have their own) while
    # 'customer_unique_id' is the person: u1 ordered twice, so 2 customers, not 3.
    data = csv(
        """
order_id,customer_id,order_status,order_purchase_timestamp,price,customer_unique_id
o1,k1,delivered,2017-10-02 10:56:33,29.99,u1
o2,k2,delivered,2018-07-24 20:41:37,118.70,u2
o3,k3,canceled,2018-08-08 08:38:49,159.90,u1
"""
    )
    loaded = load_orders(data, name="olist.csv")
    assert loaded.mapping["customer_id"] == "customer_unique_id"
    assert loaded.orders["customer_id"].n_unique() == 2
    # a customer id that repeats across orders stays the customer
    data = csv(
        """
order_id,customer_id,order_date,price,customer_unique_id
o1,k1,2018-01-01,10,u1
o2,k1,2018-01-02,10,u2
o3,k2,2018-01-03,10,u2
"""
    )
    assert load_orders(data, name="shop.csv").mapping["customer_id"] == "customer_id"


def test_shopify_cash_on_delivery_export_without_e_mails() -> None:
    # A Shopify export of a cash-on-delivery shop: Email blank on every line, the buyer known by
    # Phone; order #2 has two lines and its Total (incl. shipping) only on the first one.
    # Rows 3, orders 2, customers 2, revenue 1500 + 1700 = 3200 (the blank is not set aside).
    data = csv(
        """
Name,Email,Financial Status,Total,Created at,Lineitem quantity,Lineitem name,Lineitem price,Phone
#1,,pending,1500.00,2026-04-05 21:06:21 +0400,1,Vinegar,1400.00,+8801700000001
#2,,pending,1700.00,2026-04-06 01:48:03 +0400,1,Perfume,600.00,+8801700000002
#2,,,,2026-04-06 01:48:03 +0400,1,Vinegar,1400.00,+8801700000002
"""
    )
    loaded = load_orders(data, name="orders_export.csv")
    assert loaded.mapping["customer_id"] == "Phone"
    assert loaded.rejected.height == 0
    orders = loaded.orders
    assert (orders.height, orders["order_id"].n_unique(), orders["customer_id"].n_unique()) == (
        3,
        2,
        2,
    )
    assert abs(orders["revenue"].sum() - 3200.0) < 1e-9
