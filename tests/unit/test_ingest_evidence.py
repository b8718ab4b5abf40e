"""Inference a user can see, check and correct (issue 10) and identity / NaN amounts (issue 13),
each on a small hand-made file whose right answer is worked out in the comments."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from core.errors import InputError
from core.ingest import load_customers, load_orders
from core.ingest.dates import decide_date_format
from core.ingest.quality import quality_report

ROOT = Path(__file__).resolve().parents[2]


def csv(text: str) -> bytes:
    return text.strip().encode() + b"\n"


def cli(path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core", "report", str(path), "--json", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


# ---------------------------------------------------------------- 1. dates from evidence


def us_sorted(n_early: int = 3000) -> bytes:
    # a date-sorted US file: thousands of rows on 12/1..12/12, then 12/13/2010 decides
    lines = ["InvoiceNo,InvoiceDate,CustomerID,Amount"]
    for i in range(n_early):
        lines.append(f"{1000 + i},12/{1 + i * 12 // n_early}/2010 8:26,c{i % 40},10")
    lines.append("9999,12/13/2010 9:00,c1,5")
    return ("\n".join(lines) + "\n").encode()


def test_month_first_decided_by_a_late_value() -> None:
    loaded = load_orders(us_sorted(), name="us.csv")
    assert loaded.dates.order == "mdy" and not loaded.dates.ambiguous
    assert loaded.orders["order_date"].min() == date(2010, 12, 1)
    assert loaded.orders["order_date"].max() == date(2010, 12, 13)
    said = "Dates in 'InvoiceDate': read as month/day: '12/13/2010' only fits month/day."
    assert said in loaded.warnings


def test_date_format_override_and_cli_flag(tmp_path: Path) -> None:
    # dmy on the same file: 12/13/2010 does not read -> set aside; 12/1/2010 is 12 January
    loaded = load_orders(us_sorted(120), name="us.csv", date_format="dmy")
    assert loaded.orders["order_date"].min() == date(2010, 1, 12)
    assert loaded.rejected["reason"].to_list() == ["unreadable order date"]
    path = tmp_path / "us.csv"
    path.write_bytes(us_sorted(120))
    out = json.loads(cli(path, "--date-format", "%m/%d/%Y").stdout)
    assert (out["first_date"], out["last_date"]) == ("2010-12-01", "2010-12-13")
    bad = cli(path, "--date-format", "weekly")
    assert bad.returncode == 2 and bad.stderr.startswith("error: --date-format")


def test_ambiguous_column_decided_by_the_other_date_column() -> None:
    # Order Date fits both orders; Ship Date holds 25/01/2024, which only fits day/month
    data = csv(
        """
Order ID,Customer ID,Order Date,Ship Date,Sales
1,a,02/01/2024,25/01/2024,10
2,b,03/01/2024,04/01/2024,20
3,c,05/02/2024,07/02/2024,30
"""
    )
    loaded = load_orders(data, name="ship.csv")
    assert loaded.dates.ambiguous and loaded.dates.order == "dmy"
    assert "'Ship Date' dates only fit day/month" in loaded.dates.evidence
    assert loaded.orders["order_date"].to_list() == [
        date(2024, 1, 2),
        date(2024, 1, 3),
        date(2024, 2, 5),
    ]


def test_ambiguous_column_decided_by_the_decimal_comma() -> None:
    d = decide_date_format(pl.Series("d", ["01/02/2024", "01/02/2024"]), decimal_comma=True)
    assert d.order == "dmy" and "decimal comma" in d.evidence
    d = decide_date_format(pl.Series("d", ["01/02/2024", "01/02/2024"]), decimal_comma=False)
    assert d.order == "mdy"


# ---------------------------------------------------------------- 2. implausible dates


def test_implausible_dates_are_set_aside_and_as_of_stays(tmp_path: Path) -> None:
    path = tmp_path / "typo.csv"
    path.write_text(
        "order_id,customer_id,order_date,revenue\n"
        "1,a,2024-03-01,10\n2,b,2024-03-05,20\n3,c,2099-01-01,30\n"
        "4,d,9999-12-31,40\n5,e,1900-01-01,50\n"
    )
    proc = cli(path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["first_date"], out["last_date"], out["as_of"]) == ("2024-03-01",) + (
        "2024-03-05",
    ) * 2
    assert (out["rows"], out["revenue"], out["churned_customers"]) == (2, 30.0, 0)
    assert any("3 rows could not be used" in w for w in out["warnings"])
    loaded = load_orders(path)
    assert loaded.rejected["reason"].to_list() == ["implausible order date"] * 3


# ---------------------------------------------------------------- 3. cancellations and returns


def test_uci_cancellation_invoices_are_not_orders() -> None:
    # two purchases (100 + 30) and a C invoice taking back 20
    data = csv(
        """
InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID
536365,A,10,12/1/2010 8:26,10,17850
536366,B,3,12/2/2010 8:26,10,17850
C536367,A,-2,12/3/2010 9:00,10,17850
"""
    )
    loaded = load_orders(data, name="uci.csv")
    assert loaded.orders["order_id"].to_list() == ["536365", "536366"]
    assert loaded.returns["kind"].to_list() == ["cancellation"]
    assert loaded.returns["revenue"].to_list() == [-20.0]


def test_returns_in_the_report(tmp_path: Path) -> None:
    # a negative line (return) and a cancelled status with a zero amount: neither is an order;
    # a delivered-then-returned purchase of 40 stays a purchase, out of net (SPEC)
    path = tmp_path / "r.csv"
    path.write_text(
        "order_id,customer_id,order_date,revenue,status\n"
        "1,a,2024-01-01,100,Delivered\n2,a,2024-01-05,-25,Refunded\n"
        "3,b,2024-01-06,0,Cancelled\n4,c,2024-01-07,40,Returned\n"
    )
    out = json.loads(cli(path).stdout)
    assert (out["rows"], out["orders"], out["customers"]) == (4, 2, 2)
    assert out["revenue"] == 140.0
    assert out["net_revenue"] == 100.0 - 25.0  # 140 - 40 returned - 25 refunded


# ---------------------------------------------------------------- 4. roles


def test_state_and_yes_no_are_not_status() -> None:
    data = csv(
        """
Customer ID,Purchase Date,Purchase Amount (USD),State,Subscription Status,sales_qty
1,2024-01-01,10,Texas,Yes,2
2,2024-01-02,20,Ohio,No,1
3,2024-01-03,30,Maine,Yes,3
"""
    )
    loaded = load_orders(data, name="survey.csv")
    assert "status" not in loaded.mapping
    assert loaded.mapping["region"] == "State"
    assert loaded.mapping["quantity"] == "sales_qty"
    assert "Subscription Status" in loaded.attributes
    ev = loaded.evidence["customer_id"]
    assert ev.confidence == "high" and "'1'" in ev.reason


def test_lineitem_quantity_and_map_role_empty_removes_it(tmp_path: Path) -> None:
    data = csv(
        """
Name,Email,Created at,Lineitem quantity,Total,Region
#1,a@x.com,2024-01-01,2,10,North
#2,b@x.com,2024-01-02,1,20,South
"""
    )
    loaded = load_orders(data, name="shop.csv")
    assert loaded.mapping["quantity"] == "Lineitem quantity"
    assert "region" not in load_orders(data, name="shop.csv", overrides={"region": ""}).mapping
    path = tmp_path / "shop.csv"
    path.write_bytes(data)
    out = json.loads(cli(path, "--map", "region=").stdout)
    assert "region" not in out["mapping"]


# ---------------------------------------------------------------- 5. currencies


CURRENCIES = """
order_id,customer_id,order_date,amount,currency
1,a,2024-01-01,100,USD
2,b,2024-01-02,50,USD
3,c,2024-01-03,200,EUR
"""


def test_mixed_currencies_are_never_summed() -> None:
    loaded = load_orders(csv(CURRENCIES), name="fx.csv")
    assert loaded.orders["revenue"].sum() == 150.0  # USD only, the most common
    assert loaded.currency.currency == "USD"
    assert loaded.rejected["reason"].to_list() == ["amount in another currency"]
    said = next(w for w in loaded.warnings if "currencies" in w)
    assert "USD: 2 rows, 150.00" in said and "EUR: 1 rows, 200.00" in said


def test_fx_rates_convert_and_a_pick_reports_one(tmp_path: Path) -> None:
    loaded = load_orders(csv(CURRENCIES), name="fx.csv", fx={"EUR": 1.1})
    assert loaded.orders["revenue"].sum() == pytest.approx(150 + 220)
    assert loaded.rejected.height == 0
    assert load_orders(csv(CURRENCIES), name="fx.csv", currency="EUR").orders[
        "revenue"
    ].to_list() == [200.0]
    path = tmp_path / "fx.csv"
    path.write_bytes(csv(CURRENCIES))
    assert json.loads(cli(path, "--fx", "EUR=1.1").stdout)["revenue"] == pytest.approx(370)
    bad = cli(path, "--fx", "EUR=abc")
    assert bad.returncode == 2 and "--fx takes CUR=RATE" in bad.stderr


def test_currency_symbols_in_the_amounts() -> None:
    data = csv(
        "order_id,customer_id,order_date,total\n1,a,2024-01-01,$10\n2,b,2024-01-02,€5\n"
        "3,c,2024-01-03,$7\n"
    )
    loaded = load_orders(data, name="sym.csv")
    assert loaded.currency.set_aside == {"EUR": 1}
    assert loaded.orders["revenue"].sum() == 17.0


# ---------------------------------------------------------------- 6. no dates


def test_no_dates_gives_the_undated_figures() -> None:
    data = csv("Customer ID,Item,Purchase Amount (USD)\n1,Hat,10\n2,Cap,20\n1,Hat,30\n")
    loaded = load_orders(data, name="survey.csv")
    assert not loaded.has_dates
    assert loaded.orders["order_id"].n_unique() == 3  # one purchase per row


# ---------------------------------------------------------------- 7. customer attributes


def test_line_columns_are_not_customer_attributes() -> None:
    # gender is constant per customer; row id and ship date change on every line
    data = csv(
        """
Row ID,Order ID,Customer ID,Order Date,Ship Date,Sales,Gender
1,o1,a,2024-01-01,2024-01-03,10,F
2,o1,a,2024-01-01,2024-01-04,10,F
3,o2,b,2024-01-02,2024-01-05,10,M
4,o3,b,2024-01-09,2024-01-11,10,M
"""
    )
    loaded = load_orders(data, name="attrs.csv")
    assert loaded.attributes == ["Gender"]
    q = quality_report(loaded)
    assert q.inconsistent["attribute"].to_list() == ["Gender"]
    assert q.inconsistent["customers"].to_list() == [0]


# ---------------------------------------------------------------- 8. encodings


def test_utf16_with_bom() -> None:
    text = "customer_id\torder_date\trevenue\nZoë\t2024-01-01\t10\nMüller\t2024-01-02\t5\n"
    loaded = load_orders(text.encode("utf-16"), name="u16.txt")
    assert loaded.orders["customer_id"].to_list() == ["Zoë", "Müller"]


def test_utf8_with_a_few_latin1_lines() -> None:
    good = "".join(f"c{i},2024-01-01,1,Zoë\n" for i in range(30)).encode()
    data = (
        b"customer_id,order_date,revenue,label\n"
        + good
        + "x,2024-01-02,2,Málaga\n".encode("latin-1")
    )
    loaded = load_orders(data, name="mixed.csv")
    assert loaded.orders["label"].to_list()[-2:] == ["Zoë", "Málaga"]
    assert any("1 lines are not UTF-8 (lines 32)" in w for w in loaded.warnings)


# ---------------------------------------------------------------- 9. customers file


def test_customers_file_id_column_anywhere() -> None:
    orders = load_orders(csv("customer,order_date,revenue\nK1,2024-01-01,1\nK2,2024-01-02,2\n"))
    data = csv("Name,Segment,Ref\nAnn,Gold,K1\nBob,Silver,K2\nCy,Bronze,K9\n")
    out = load_customers(data, name="c.csv", order_ids=orders.orders["customer_id"])
    assert out["customer_id"].to_list() == ["K1", "K2", "K9"]
    assert out.columns == ["customer_id", "Name", "Segment"]


# ---------------------------------------------------------------- issue 13: identity, NaN


def test_customer_ids_are_normalised_and_merges_counted() -> None:
    data = (
        "customer_id,order_date,revenue\n"
        "Anna@Shop.com,2024-01-01,1\n anna@shop.com ,2024-01-02,1\n"
        "ＡＢＣ１,2024-01-03,1\nABC1,2024-01-04,1\n"
        "ze\u0301,2024-01-05,1\nz\u00e9,2024-01-06,1\n"
        "x\u200by,2024-01-07,1\nxy,2024-01-08,1\nBob,2024-01-09,1\n"
    ).encode()
    loaded = load_orders(data, name="ids.csv")
    assert loaded.orders["customer_id"].n_unique() == 5  # anna, ABC1, zé, xy, Bob
    assert loaded.id_merge.merged == 4
    assert any(w.startswith("4 customer ids were merged") for w in loaded.warnings)


def test_nan_and_inf_amounts_are_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "nan.csv"
    path.write_text(
        "order_id,customer_id,order_date,revenue\n1,a,2024-01-01,10\n2,b,2024-01-02,NaN\n"
        "3,c,2024-01-03,inf\n4,d,2024-01-04,-Infinity\n"
    )
    proc = cli(path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["rows"], out["revenue"], out["aov"]) == (1, 10.0, 10.0)
    reasons = load_orders(path).rejected["reason"].to_list()
    assert reasons == ["amount is not a number (NaN or infinite)"] * 3


def test_a_file_of_only_returns_is_refused_with_a_reason() -> None:
    with pytest.raises(InputError, match="every usable line is a return"):
        load_orders(csv("customer_id,order_date,revenue\na,2024-01-01,-5\n"), name="r.csv")


def test_dates_a_year_ahead_are_still_plausible() -> None:
    soon = date.today() + timedelta(days=30)
    loaded = load_orders(csv(f"customer_id,order_date,revenue\na,{soon},5\nb,2024-01-01,1\n"))
    assert loaded.rejected.height == 0


def test_a_data_set_ahead_of_the_clock_keeps_its_dates() -> None:
    # most dates lie beyond a year from today: the data (or the clock) is ahead, not a typo;
    # only the 9999 date is set aside
    ahead = date.today().year + 3
    rows = "".join(f"c{i},{ahead}-01-{1 + i:02d},1\n" for i in range(20))
    loaded = load_orders(csv(f"customer_id,order_date,revenue\n{rows}z,9999-12-31,1\n"))
    assert loaded.orders.height == 20
    assert loaded.rejected["reason"].to_list() == ["implausible order date"]


def test_credit_lines_count_in_the_returns_view() -> None:
    from core.ingest.returns import with_credit_lines
    from core.sales import status_breakdown

    data = csv(
        """
InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID
536365,A,10,12/1/2010 8:26,10,17850
C536367,A,-2,12/3/2010 9:00,10,17850
"""
    )
    loaded = load_orders(data, name="uci.csv")
    both = with_credit_lines(loaded.orders, loaded.returns)
    by = dict(status_breakdown(both).select("status", "revenue").rows())
    assert by == {"unknown": 100.0, "cancelled": 20.0}  # 20 taken back, shown as cancelled


def test_not_returned_is_not_a_return(tmp_path: Path) -> None:
    # an e-commerce returns file: Return_Status Returned / Not Returned, revenue = qty x price
    path = tmp_path / "returns.csv"
    path.write_text(
        "Order_ID,Product_Price,Order_Quantity,Return_Status,User_ID,Order_Date\n"
        "O1,10,3,Returned,U1,2023-08-05\nO2,20,1,Not Returned,U2,2023-08-06\n"
        "O3,5,2,Not Returned,U1,2023-08-07\n"
    )
    out = json.loads(cli(path).stdout)
    assert out["mapping"]["status"] == "Return_Status"
    assert (out["orders"], out["customers"], out["revenue"]) == (3, 2, 60.0)
    assert out["net_revenue"] == 30.0  # 60 - the returned 30


def _date_parts_by_hand(values: list[str | None]) -> list[tuple[str, int]]:
    """Each distinct date part and its lines, in the order first written (a loop per line)."""
    from core.ingest.dates import date_part

    counts: dict[str, int] = {}
    for v in values:
        if v is None:
            continue
        part = date_part(pl.Series([v]))[0]
        if part:
            counts[part] = counts.get(part, 0) + 1
    return list(counts.items())


@pytest.mark.parametrize("with_times", [True, False])
def test_date_parts_of_dates_and_of_mostly_distinct_date_times(with_times: bool) -> None:
    """Date-times (mostly distinct values) take the per-line path, dates the distinct-first
    one: both give each date part's lines in the order the file first writes it."""
    from core.ingest.dates import date_parts

    times = ["10:00", "23:59:59", "08:15:00 +0100", "7:05 PM", "12:00:00Z"]
    values: list[str | None] = []
    for i in range(3000):
        day = f"{1 + i % 28:02d}/{1 + (i // 28) % 12:02d}/2024"
        values.append(f"{day} {times[i % 5]}" if with_times else day)
        if i % 97 == 0:
            values += [None, "  ", "garbage"]
    col = pl.Series("d", values)
    assert (col.head(2000).n_unique() * 2 > 2000) is with_times  # the path under test
    got = date_parts(col)
    assert list(zip(got["v"].to_list(), got["n"].to_list(), strict=True)) == (
        _date_parts_by_hand(values)
    )
