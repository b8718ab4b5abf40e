"""Ingest on messy files: encodings, delimiters, amounts, dates, order totals, rejected rows.

Every expected value below is read off the input by hand; the arithmetic is in the comments.
"""

from __future__ import annotations

import gzip
import io
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from core.errors import InputError
from core.ingest import (
    build_orders,
    load_customers,
    load_orders,
)
from core.ingest.parsing import parse_amount, parse_date
from core.ingest.readers import read_table
from core.ingest.roles import detect_roles

MESSY = Path(__file__).resolve().parents[1] / "data" / "messy"


def _dates(*values: str) -> list[date | None]:
    return parse_date(pl.Series("d", list(values)))[0].to_list()


# ---------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("₹1,346.60", 1346.60),  # comma = thousands, dot = decimal
        ("$1,200", 1200.0),  # comma followed by three digits = thousands
        ("(12.50)", -12.50),  # accounting negative
        ("1.234,56 €", 1234.56),  # European: dot = thousands, comma = decimal
        ("-$12.50", -12.50),
        ("12.50-", -12.50),  # trailing minus (SAP style)
        ("€1.234.567,89", 1234567.89),
        ("1 234,50 €", 1234.50),  # space as thousands separator
        ("USD 1,200.50", 1200.50),
    ],
)
def test_parse_amount_single_values(text: str, expected: float) -> None:
    assert parse_amount(pl.Series([text])).to_list() == [pytest.approx(expected)]


def test_parse_amount_decides_the_decimal_comma_per_column() -> None:
    # "12,50" and "3,00": a comma followed by two digits is a decimal comma -> 12.5 and 3.0,
    # so "1.234,56" in the same column is 1234.56
    assert parse_amount(pl.Series(["1.234,56", "12,50", "3,00"])).to_list() == [
        pytest.approx(1234.56),
        12.5,
        3.0,
    ]
    # "1,200" and "2,500" (three digits after the comma) are thousands
    assert parse_amount(pl.Series(["1,200", "2,500"])).to_list() == [1200.0, 2500.0]


def test_parse_amount_blank_and_text_are_null() -> None:
    assert parse_amount(pl.Series(["abc", None, "5"])).to_list() == [None, None, 5.0]


def test_parse_amount_keeps_numbers() -> None:
    assert parse_amount(pl.Series([1, 2])).to_list() == [1.0, 2.0]


# ---------------------------------------------------------------- dates


def test_timestamp_with_offset_keeps_the_local_date() -> None:
    # 23:30 at -05:00 is 04:30 UTC on the 2nd; the shop's own date (the 1st) is kept
    assert _dates("2024-03-01T23:30:00-05:00", "2024-03-02 10:00:00 +0100") == [
        date(2024, 3, 1),
        date(2024, 3, 2),
    ]
    assert _dates("2024-03-03T01:00:00Z", "2024-03-04 10:00:00.123+01:00") == [
        date(2024, 3, 3),
        date(2024, 3, 4),
    ]


def test_month_first_us_dates_inferred_from_the_column() -> None:
    # 03/13/2024 can only be month-first (there is no month 13), so 12/01/2024 is December 1st
    dates, fmt, ambiguous = parse_date(pl.Series(["03/13/2024", "12/01/2024"]))
    assert fmt == "%m/%d/%Y" and not ambiguous
    assert dates.to_list() == [date(2024, 3, 13), date(2024, 12, 1)]


def test_day_first_dates_inferred_from_the_column() -> None:
    # 13/03/2024 can only be day-first, so 01/12/2024 is the 1st of December
    dates, fmt, ambiguous = parse_date(pl.Series(["13/03/2024", "01/12/2024"]))
    assert fmt == "%d/%m/%Y" and not ambiguous
    assert dates.to_list() == [date(2024, 3, 13), date(2024, 12, 1)]


def test_ambiguous_dates_are_flagged_and_warned() -> None:
    # every value fits both orders: 01/02 and 03/04 could be Jan 2 / Mar 4 or Feb 1 / Apr 3
    _, _, ambiguous = parse_date(pl.Series(["01/02/2024", "03/04/2024"]))
    assert ambiguous
    csv = "customer_id,order_id,order_date,revenue\na,1,01/02/2024,10\nb,2,03/04/2024,20\n"
    loaded = load_orders(csv.encode(), name="amb.csv")
    assert any("every value fits day/month and month/day" in w for w in loaded.warnings)


def test_native_datetimes_become_dates() -> None:
    s = pl.Series([datetime(2024, 3, 1, 23, 30)])
    assert parse_date(s)[0].to_list() == [date(2024, 3, 1)]


# ---------------------------------------------------------------- European CSV, two encodings


@pytest.mark.parametrize("name", ["eu_semicolon_utf8_bom.csv", "eu_semicolon_cp1252.csv"])
def test_bom_semicolon_day_first_euro_amounts(name: str) -> None:
    loaded = load_orders(MESSY / name)
    assert loaded.mapping == {
        "customer_id": "Kunde",  # no BOM glued to the first header
        "order_date": "Datum",
        "revenue": "Betrag",
        "order_id": "Bestellnummer",
        "region": "Region",
    }
    # Börje's -10,00 € line is a return: beside the purchases, not one of them
    o = pl.concat([loaded.orders, loaded.returns], how="diagonal").sort("source_row")
    assert o["customer_id"].to_list() == ["Müller", "Müller", "Börje", "Zoë"]  # accents intact
    # 13.03.2024 is day-first (no month 13): the whole column is read as %d.%m.%Y
    assert o["order_date"].to_list() == [
        date(2024, 3, 13),
        date(2024, 4, 2),
        date(2024, 4, 1),
        date(2024, 3, 31),
    ]
    assert o["revenue"].to_list() == [pytest.approx(1234.56), pytest.approx(99.90), -10.0, 0.5]
    assert o["region"].to_list() == ["Süd", "Süd", "Nord", "Nord"]
    assert loaded.returns["source_row"].to_list() == [4]
    # gross purchases 1234.56 + 99.90 + 0.50 = 1334.96
    assert loaded.orders["revenue"].sum() == pytest.approx(1334.96)
    assert (
        loaded.warnings[0]
        == "Dates in 'Datum': read as day/month: '13.03.2024' only fits day/month."
    )
    assert "return" in loaded.warnings[1] and len(loaded.warnings) == 2
    assert loaded.rejected.height == 0


# ---------------------------------------------------------------- other formats


ORDERS = pl.DataFrame(
    {
        "Customer": ["a", "b", "a"],
        "Order": ["1", "2", "3"],
        "Date": [date(2024, 1, 5), date(2024, 2, 1), date(2024, 2, 20)],
        "Amount": [10.5, 20.0, 30.25],
    }
)
EXPECTED_ROWS = [
    ("a", "1", date(2024, 1, 5), 10.5),
    ("b", "2", date(2024, 2, 1), 20.0),
    ("a", "3", date(2024, 2, 20), 30.25),
]


def _rows(loaded) -> list[tuple]:
    return (
        loaded.orders.sort("source_row")
        .select("customer_id", "order_id", "order_date", "revenue")
        .rows()
    )


def test_excel_first_sheet_and_named_sheet(tmp_path: Path) -> None:
    other = pl.DataFrame(
        {
            "Client": ["x", "y"],
            "Invoice Date": ["05/01/2024", "13/02/2024"],
            "Total": ["€10,00", "€5,50"],
        }
    )
    path = tmp_path / "book.xlsx"
    import xlsxwriter

    with xlsxwriter.Workbook(path) as wb:
        ORDERS.write_excel(wb, worksheet="Orders")
        other.write_excel(wb, worksheet="Other")
    assert _rows(load_orders(path)) == EXPECTED_ROWS
    second = load_orders(path, sheet="Other")
    # 13/02/2024 is day-first, so 05/01/2024 is 5 January; "€10,00" -> 10.0
    assert second.orders.sort("source_row").select(
        "customer_id", "order_date", "revenue"
    ).rows() == [("x", date(2024, 1, 5), 10.0), ("y", date(2024, 2, 13), 5.5)]
    assert second.notes["order_id"] == "built"
    with pytest.raises(InputError, match="no sheet 'Nope'"):
        load_orders(path, sheet="Nope")


def test_parquet(tmp_path: Path) -> None:
    path = tmp_path / "orders.parquet"
    ORDERS.write_parquet(path)
    assert _rows(load_orders(path)) == EXPECTED_ROWS


def test_parquet_timezone_aware_timestamp_keeps_local_date(tmp_path: Path) -> None:
    # 2024-03-01 23:30 in New York is 2024-03-02 04:30 UTC: the local date is the 1st
    df = pl.DataFrame(
        {
            "customer_id": ["a", "b"],
            "created_at": [datetime(2024, 3, 1, 23, 30), datetime(2024, 3, 5, 8, 0)],
            "revenue": [1.0, 2.0],
        }
    ).with_columns(pl.col("created_at").dt.replace_time_zone("America/New_York"))
    path = tmp_path / "ts.parquet"
    df.write_parquet(path)
    loaded = load_orders(path)
    assert loaded.mapping["order_date"] == "created_at"
    assert loaded.orders.sort("source_row")["order_date"].to_list() == [
        date(2024, 3, 1),
        date(2024, 3, 5),
    ]


def test_gzip_csv(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv.gz"
    path.write_bytes(gzip.compress(ORDERS.write_csv().encode()))
    assert _rows(load_orders(path)) == EXPECTED_ROWS


def test_tsv_and_pipe_delimited() -> None:
    tsv = ORDERS.write_csv(separator="\t").encode()
    assert _rows(load_orders(tsv, name="orders.tsv")) == EXPECTED_ROWS
    pipe = ORDERS.write_csv(separator="|").encode()
    assert _rows(load_orders(pipe, name="orders.txt")) == EXPECTED_ROWS


# ---------------------------------------------------------------- order totals


def test_shopify_export_counts_each_order_total_once() -> None:
    loaded = load_orders(MESSY / "shopify_orders.csv")
    m = loaded.mapping
    assert m["customer_id"] == "Email"  # an e-mail column is the customer
    assert m["order_id"] == "Name"
    assert m["order_date"] == "Created at"
    assert m["revenue"] == "Total"
    assert m["quantity"] == "Lineitem quantity" and m["unit_price"] == "Lineitem price"
    assert loaded.notes["order_total"] == "given on each order's first line only"
    assert any("counted once per order" in w for w in loaded.warnings)
    assert loaded.rejected.height == 0  # blank totals on later lines are not errors
    o = loaded.orders.sort("source_row")
    # #1001 total 42 over 2 x 10 = 20 and 1 x 15 = 15: 42 * 20/35 = 24, 42 * 15/35 = 18
    # #1002 12 (one line); #1003 total 50 over 3 x 15 = 45 and 1 x 5 = 5: 45, 5
    # #1004 total 10 over 1 x 5 and 1 x 5: 5, 5
    assert o["revenue"].to_list() == pytest.approx([24.0, 18.0, 12.0, 45.0, 5.0, 5.0, 5.0])
    per_order = dict(o.group_by("order_id").agg(pl.col("revenue").sum()).iter_rows())
    assert per_order == pytest.approx({"#1001": 42.0, "#1002": 12.0, "#1003": 50.0, "#1004": 10.0})
    # 42 + 12 + 50 + 10 = 114, each Total once
    assert o["revenue"].sum() == pytest.approx(114.0)
    # 2024-03-31 23:30 -05:00 is April 1st in UTC; the date as written is kept
    assert o["order_date"].to_list()[2] == date(2024, 3, 31)
    # the financial status is on the first line only; the order's other lines share it
    assert o["status"].to_list() == [
        "delivered",
        "delivered",
        "delivered",
        "returned",
        "returned",
        "delivered",
        "delivered",
    ]


def test_line_level_status_is_not_filled_from_the_order() -> None:
    # statuses given per line (not on first lines only): a blank line status stays unknown
    csv = (
        "order_id,customer_id,order_date,revenue,status\n"
        "1,a,2024-01-01,10,Returned\n1,a,2024-01-01,20,\n1,a,2024-01-01,5,Delivered\n"
        "2,b,2024-01-02,7,Delivered\n2,b,2024-01-02,8,Cancelled\n"
    )
    o = load_orders(csv.encode(), name="status.csv").orders.sort("source_row")
    assert o["status"].to_list() == ["returned", "unknown", "delivered", "delivered", "cancelled"]


def test_order_total_repeated_on_every_line_is_counted_once() -> None:
    csv = (
        "order_id,customer_id,date,order_total,product\n"
        "1,a,2024-01-05,30,x\n1,a,2024-01-05,30,y\n"
        "2,b,2024-01-06,10,x\n2,b,2024-01-06,10,z\n"
        "3,c,2024-02-01,9,x\n3,c,2024-02-01,9,y\n3,c,2024-02-01,9,z\n"
        "4,a,2024-02-03,5,x\n"
    )
    loaded = load_orders(csv.encode(), name="totals.csv")
    assert loaded.notes["order_total"] == "repeated on every line of the order"
    o = loaded.orders.sort("source_row")
    # no price: spread evenly. 30 / 2 = 15, 10 / 2 = 5, 9 / 3 = 3, 5 / 1 = 5
    assert o["revenue"].to_list() == pytest.approx([15, 15, 5, 5, 3, 3, 3, 5])
    assert o["revenue"].sum() == pytest.approx(30 + 10 + 9 + 5)


def test_line_amounts_that_differ_are_not_treated_as_totals() -> None:
    csv = (
        "order_id,customer_id,date,amount\n"
        "1,a,2024-01-05,30\n1,a,2024-01-05,20\n2,b,2024-01-06,10\n2,b,2024-01-06,7\n"
        "3,c,2024-02-01,1\n3,c,2024-02-01,2\n"
    )
    loaded = load_orders(csv.encode(), name="lines.csv")
    assert "order_total" not in loaded.notes
    assert loaded.orders["revenue"].sum() == 30 + 20 + 10 + 7 + 1 + 2


def test_revenue_from_quantity_times_price() -> None:
    csv = (
        "customer_id,order_id,order_date,qty,unit price\n"
        "a,1,2024-01-01,3,2.50\nb,2,2024-01-02,2,$4\n"
    )
    loaded = load_orders(csv.encode(), name="qp.csv")
    # 3 x 2.50 = 7.5; 2 x 4 = 8
    assert loaded.orders.sort("source_row")["revenue"].to_list() == [7.5, 8.0]
    assert loaded.notes["revenue"] == "quantity x unit_price"


# ---------------------------------------------------------------- ids and rejected rows


def test_missing_order_id_is_built_and_said() -> None:
    csv = "customer,order date,amount\na,2024-01-01,10\na,2024-01-01,5\na,2024-01-02,1\n"
    loaded = load_orders(csv.encode(), name="noid.csv")
    assert loaded.notes["order_id"] == "built"
    assert any("No order id column" in w for w in loaded.warnings)
    # two lines on 2024-01-01 make one order, 2024-01-02 another
    assert loaded.orders["order_id"].n_unique() == 2
    assert loaded.orders.sort("source_row")["order_id"].to_list() == [
        "a|2024-01-01",
        "a|2024-01-01",
        "a|2024-01-02",
    ]


def test_unusable_rows_are_set_aside_with_reasons() -> None:
    csv = (
        "customer,order date,amount\n"
        "a,2024-01-01,10\n"  # row 2 ok
        ",2024-01-02,5\n"  # row 3 missing customer
        "b,not a date,7\n"  # row 4 unreadable date
        "c,2024-01-03,abc\n"  # row 5 unreadable amount
        "d,,4\n"  # row 6 missing date
        "e,2024-01-04,\n"  # row 7 missing amount
        "f,2024-01-05,3\n"  # row 8 ok
    )
    loaded = load_orders(csv.encode(), name="bad_rows.csv")
    assert loaded.rejected.select("row", "reason").rows() == [
        (3, "missing customer id"),
        (4, "unreadable order date"),
        (5, "unreadable amount"),
        (6, "missing order date"),
        (7, "missing amount"),
    ]
    assert loaded.rejected["amount"].to_list() == ["5", "7", "abc", "4", None]  # source kept
    assert loaded.orders["customer_id"].to_list() == ["a", "f"]
    assert loaded.orders["source_row"].to_list() == [2, 8]
    # 7 data rows = 2 used + 5 set aside: nothing dropped silently
    assert loaded.raw.height == loaded.orders.height + loaded.rejected.height
    assert (
        "5 rows could not be used and are set aside: 1 missing amount, 1 missing customer id, "
        "1 missing order date, 1 unreadable amount, 1 unreadable order date." in loaded.warnings
    )


def test_every_row_rejected_is_an_error() -> None:
    # row 2 has no amount, row 3 no customer: nothing is left
    csv = "customer,order date,amount\na,2024-01-01,\n,2024-01-02,2\n"
    with pytest.raises(InputError, match="no usable rows"):
        load_orders(csv.encode(), name="none.csv")


# ---------------------------------------------------------------- role detection and overrides


def test_email_column_detected_by_content() -> None:
    raw = pl.DataFrame(
        {
            "contact": ["ann@example.com", "bob@example.org"],
            "when": ["2024-01-01", "2024-01-02"],
            "revenue": ["1", "2"],
        }
    )
    roles = detect_roles(raw)
    assert roles["customer_id"] == "contact"
    assert roles["order_date"] == "when"


def test_map_overrides_detection() -> None:
    csv = (
        "customer_id,buyer_email,order_date,ship_date,revenue,list_price\n"
        "1,a@x.com,2024-01-01,2024-01-05,10,12\n"
        "2,a@x.com,2024-01-02,2024-01-06,20,25\n"
    )
    auto = load_orders(csv.encode(), name="m.csv")
    assert auto.mapping["customer_id"] == "customer_id"
    loaded = load_orders(
        csv.encode(),
        name="m.csv",
        overrides={
            "customer_id": "buyer_email",
            "order_date": "ship_date",
            "revenue": "list_price",
        },
    )
    assert loaded.mapping["customer_id"] == "buyer_email"
    assert loaded.detected["customer_id"] == "customer_id"  # what detection said is kept
    assert loaded.orders["customer_id"].unique().to_list() == ["a@x.com"]
    assert loaded.orders.sort("source_row")["order_date"].to_list() == [
        date(2024, 1, 5),
        date(2024, 1, 6),
    ]
    assert loaded.orders["revenue"].sum() == 12 + 25


def test_map_errors_name_the_problem() -> None:
    csv = b"customer_id,order_date,revenue\na,2024-01-01,1\n"
    with pytest.raises(InputError, match="no column 'nope' for role revenue"):
        load_orders(csv, name="m.csv", overrides={"revenue": "nope"})
    with pytest.raises(InputError, match="unknown role 'bogus'"):
        load_orders(csv, name="m.csv", overrides={"bogus": "revenue"})
    with pytest.raises(InputError, match="no such column"):
        build_orders(pl.DataFrame({"a": ["1"]}), {"customer_id": "x"}, source="m.csv")


# ---------------------------------------------------------------- bad files (in process)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "e.csv", "the file is empty"),
        (b"\n \n", "blank.csv", "the file is empty"),
        (b"customer_id,order_date,revenue\n", "h.csv", "header but no data rows"),
        (b"colour,size\nred,M\n", "n.csv", "no customer id / e-mail column found"),
        (b"customer_id,order_date,note\na,2024-01-01,hi\n", "n.csv", "no amount column found"),
        (b"customer_id,order_date,revenue\na,2024-01-01,1\n", "n.xlsx", "not an .xlsx workbook"),
        (b"\x1f\x8b\x08\x00broken", "n.csv.gz", "gzip file is damaged"),
        (b"PAR1 not really", "n.parquet", "not a readable Parquet file"),
    ],
)
def test_bad_files_raise_input_error_naming_the_file(data: bytes, name: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as err:
        load_orders(data, name=name)
    assert err.value.file == name


def test_random_bytes_are_not_a_table() -> None:
    import random

    data = random.Random(0).randbytes(4096)
    with pytest.raises(InputError, match="not a text table"):
        read_table(data, name="noise.csv")


def test_unparseable_date_column_names_column_and_row() -> None:
    csv = b"customer_id,order_date,revenue\na,2024-01-01,1\nb,,2\nc,soon,3\nd,later,4\n"
    with pytest.raises(InputError) as err:
        load_orders(csv, name="d.csv")
    # 1 of the 3 non-blank values reads as a date; the first bad one ("soon") is on row 4
    assert "only 1 of 3 values could be read as dates" in str(err.value)
    assert (err.value.file, err.value.column, err.value.row) == ("d.csv", "order_date", 4)


def test_missing_file() -> None:
    with pytest.raises(InputError, match="file not found"):
        load_orders(MESSY / "does_not_exist.csv")


# ---------------------------------------------------------------- customers file


def test_load_customers_one_row_per_customer_typed() -> None:
    csv = (
        "Customer ID,Signup Date,Age,Region\n"
        "C1,2023-01-05,30,North\n"
        "C2,2023-02-10,41,South\n"
        "C1,2023-03-01,99,East\n"  # duplicate id: the first row is kept
        ",2023-04-01,20,West\n"  # no id: not a customer
    )
    df = load_customers(io.BytesIO(csv.encode()).getvalue(), name="customers.csv")
    assert df.columns == ["customer_id", "Signup Date", "Age", "Region"]
    assert df.rows() == [
        ("C1", date(2023, 1, 5), 30, "North"),
        ("C2", date(2023, 2, 10), 41, "South"),
    ]
