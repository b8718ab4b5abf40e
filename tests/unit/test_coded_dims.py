"""The text dimensions held coded (core.model.schema.coded): read coded from a CSV when their name
says so and their values repeat, coded by build_orders otherwise; the same text either way, each
column with categories of its own, and text to everything that reads text."""

from __future__ import annotations

import csv
import io

import polars as pl
import pytest

from core.export import neutralise
from core.ingest import load_orders
from core.ingest.readers import read_table_noted, trimmed
from core.ingest.text_types import coded_name
from core.model.schema import coded, decoded

HEADER = "Order ID,Order Date,Customer ID,Product,Region,Channel,Status,Amount\n"
REGIONS = (" North", "South ", "", "North", "\tEast")
STATUSES = ("Delivered", "returned ", "Shipped", "Cancelled", "")


def _lines(n: int = 60) -> str:
    rows = [
        f"O{i // 2},2024-0{1 + i % 9}-1{i % 10},C{i % 7},Mug {i % 3},"
        f'"{REGIONS[i % 5]}",{("Web", "Shop")[i % 2]},{STATUSES[i % 5]},{10 + i}.5'
        for i in range(n)
    ]
    return HEADER + "\n".join(rows) + "\n"


def test_repeated_dimensions_and_status_are_read_coded_and_trimmed() -> None:
    raw, _ = read_table_noted(_lines().encode(), "orders.csv")
    for c in ("Product", "Region", "Channel", "Status"):
        assert isinstance(raw[c].dtype, pl.Categorical), c
    for c in ("Order ID", "Customer ID"):  # ids are never read coded
        assert raw[c].dtype == pl.Utf8
    # trimmed on the distinct texts: the same cells as the text read trimmed
    text, _ = read_table_noted(_lines().encode(), "orders.csv", typed=False)
    assert raw["Region"].cast(pl.Utf8).to_list() == text["Region"].to_list()
    want = [r.strip() or None for r in (REGIONS * 12)]
    assert text["Region"].to_list() == want


def test_orders_hold_the_dimensions_coded_with_categories_of_their_own() -> None:
    data = _lines().encode()
    text, _ = read_table_noted(data, "orders.csv", typed=False)
    fast, slow = load_orders(data, "orders.csv"), load_orders(text, "orders.csv")
    for loaded in (fast, slow):
        for role in ("product", "region", "channel"):
            dtype = loaded.orders[role].dtype
            assert isinstance(dtype, pl.Categorical) and not dtype.categories.is_global()
        assert loaded.orders["status"].dtype == pl.Utf8
    a, b = fast.orders["region"], slow.orders["region"]
    assert a.dtype != b.dtype  # two loads, two mappings
    assert decoded(a).to_list() == decoded(b).to_list()
    # by hand, from the csv module: the revenue per region (blank regions apart)
    by_region: dict[str | None, float] = {}
    for row in csv.DictReader(io.StringIO(_lines())):
        key = row["Region"].strip() or None  # (every amount is positive: all purchases)
        by_region[key] = by_region.get(key, 0.0) + float(row["Amount"])
    got = fast.orders.group_by("region").agg(pl.col("revenue").sum())
    got = {r: v for r, v in got.iter_rows()}
    assert got == pytest.approx(by_region)


def test_a_dimension_named_column_given_another_role_is_text_again() -> None:
    # "Product" holds the amounts here: mapped to revenue, it is parsed as amounts
    data = "Customer ID,Order Date,Product\n" + "".join(
        f"C{i % 3},2024-01-0{1 + i % 9},{(5, 7)[i % 2]}.25\n" for i in range(40)
    )
    loaded = load_orders(data.encode(), "o.csv", overrides={"revenue": "Product"})
    assert "product" not in loaded.orders.columns
    assert loaded.orders["revenue"].sum() == pytest.approx(20 * 5.25 + 20 * 7.25)
    assert not any(isinstance(t, pl.Categorical) for t in loaded.raw.schema.values())


def test_unique_values_are_not_read_coded() -> None:
    data = "Customer ID,Order Date,Product,Amount\n" + "".join(
        f"C{i},2024-01-01,Item {i},1\n" for i in range(40)
    )
    raw, _ = read_table_noted(data.encode(), "o.csv")
    assert raw["Product"].dtype == pl.Utf8
    # build_orders codes it all the same: one definition of the orders table
    assert isinstance(load_orders(data.encode(), "o.csv").orders["product"].dtype, pl.Categorical)


def test_coded_names() -> None:
    assert all(coded_name(n) for n in ("Product", "Category", "Region", "Sales Channel"))
    assert coded_name("Order Status")
    assert not any(coded_name(n) for n in ("Order ID", "Customer ID", "Unit Price", "Order Date"))


def test_coded_and_decoded_round_trip_and_trimmed_codes() -> None:
    s = pl.Series("r", ["b", None, "a", "b"])
    c = coded(s)
    assert isinstance(c.dtype, pl.Categorical) and coded(c) is c
    assert decoded(c).equals(s) and decoded(s) is s
    padded = coded(pl.Series("r", [" a", "a", "", None, "b\t"]))
    out = trimmed(padded.to_frame())["r"]
    assert isinstance(out.dtype, pl.Categorical)
    assert out.to_list() == ["a", "a", None, None, "b"]


def test_coded_cells_are_neutralised_for_spreadsheets() -> None:
    df = pl.DataFrame({"product": coded(pl.Series(["=1+6", "Mug", "@SUM(A1)"]))})
    assert neutralise(df)["product"].to_list() == ["'=1+6", "Mug", "'@SUM(A1)"]
