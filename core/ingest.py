"""Ingest: read any orders export, detect the canonical roles, parse it into the canonical frame.

Reads CSV/TSV (any delimiter, UTF-8 with or without BOM, cp1252/Latin-1), gzipped CSV, Excel
(.xlsx, first or chosen sheet) and Parquet. Parses amounts with currency symbols and thousand
separators, dates in ISO, day-first or month-first order (inferred per column) and timestamps with
offsets (the local date as written is kept). Order totals repeated on every line of an order, or
given only on its first line (Shopify), are counted once per order. Rows that cannot be used are
kept aside with the reason; nothing is dropped silently.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from core.errors import InputError
from core.schema import ROLES

# ---------------------------------------------------------------- reading files

_TEXT_DELIMITERS = ",;\t|"


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096]:
        raise InputError("this is not a text table (it holds binary data)", file=name)
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        sample = text[:4096]
        bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
        if sample and bad / len(sample) > 0.01:
            raise InputError("this is not a text table (it holds binary data)", file=name)
        return text
    raise InputError("cannot decode the file as text", file=name)  # pragma: no cover


def _sniff_delimiter(text: str) -> str:
    head = "\n".join(text[:65536].splitlines()[:30])
    try:
        return csv.Sniffer().sniff(head, delimiters=_TEXT_DELIMITERS).delimiter
    except csv.Error:
        first = text[:65536].splitlines()[0] if text else ""
        counts = {d: first.count(d) for d in _TEXT_DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _clean_header(df: pl.DataFrame) -> pl.DataFrame:
    names, seen = [], {}
    for i, col in enumerate(df.columns):
        base = str(col).strip().strip('"') or f"column_{i + 1}"
        n = seen.get(base, 0)
        seen[base] = n + 1
        names.append(base if n == 0 else f"{base}_{n + 1}")
    return df.rename(dict(zip(df.columns, names, strict=True)))


def read_table(
    data: bytes | str | Path, name: str | None = None, sheet: str | int | None = None
) -> pl.DataFrame:
    """Read a table from bytes or a path. Text files come back as all-Utf8 columns."""
    if isinstance(data, (str, Path)):
        path = Path(data)
        name = name or path.name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputError("file not found", file=str(path)) from None
        except IsADirectoryError:
            raise InputError("this is a folder, not a file", file=str(path)) from None
    name = name or "upload"
    lower = name.lower()
    if not data:
        raise InputError("the file is empty", file=name)
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            raise InputError("the gzip file is damaged", file=name) from None
        lower = lower.removesuffix(".gz")
        if not data:
            raise InputError("the file is empty", file=name)
    if lower.endswith((".xlsx", ".xlsm", ".xls")) or data[:4] == b"PK\x03\x04":
        df = _read_excel(data, name, sheet)
    elif lower.endswith(".parquet") or data[:4] == b"PAR1":
        try:
            df = pl.read_parquet(io.BytesIO(data))
        except Exception as exc:
            msg = f"not a readable Parquet file ({exc.__class__.__name__})"
            raise InputError(msg, file=name) from None
    else:
        df = _read_text(data, name)
    df = _clean_header(df)
    if df.width == 0:
        raise InputError("the file has no columns", file=name)
    if df.height == 0:
        raise InputError("the file has a header but no data rows", file=name)
    return df


def _read_excel(data: bytes, name: str, sheet: str | int | None) -> pl.DataFrame:
    if data[:4] != b"PK\x03\x04":
        raise InputError("the file is named like Excel but is not an .xlsx workbook", file=name)
    try:
        kwargs = {"sheet_name": sheet} if isinstance(sheet, str) else {"sheet_id": (sheet or 0) + 1}
        df = pl.read_excel(io.BytesIO(data), engine="calamine", **kwargs)
    except Exception as exc:
        msg = str(exc).splitlines()[0][:120] if str(exc) else exc.__class__.__name__
        if sheet is not None and "sheet" in msg.lower():
            raise InputError(f"there is no sheet {sheet!r} in the workbook", file=name) from None
        raise InputError(f"not a readable Excel workbook ({msg})", file=name) from None
    return df


def excel_sheets(data: bytes) -> list[str]:
    """Sheet names of an .xlsx workbook (for the app's sheet picker)."""
    try:
        import fastexcel

        return list(fastexcel.read_excel(data).sheet_names)
    except Exception:
        return []


def _read_text(data: bytes, name: str) -> pl.DataFrame:
    text = _decode(data, name)
    if not text.strip():
        raise InputError("the file is empty", file=name)
    sep = _sniff_delimiter(text)
    # polars reads UTF-8 bytes fastest: hand it the file's own bytes when they already are
    raw = data[3:] if data[:3] == b"\xef\xbb\xbf" else data
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raw = text.encode("utf-8")
    try:
        df = pl.read_csv(
            raw,
            separator=sep,
            infer_schema=False,
            truncate_ragged_lines=True,
        )
    except pl.exceptions.PolarsError as exc:
        msg = str(exc).splitlines()[0][:160]
        raise InputError(f"cannot read the file as a table ({msg})", file=name) from None
    # blank strings are missing values
    return df.with_columns(
        pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c)).alias(c)
        for c in df.columns
    )


# ---------------------------------------------------------------- parsing values

_CURRENCY = r"[^\d,.\-()]"


def parse_amount(col: pl.Series) -> pl.Series:
    """Parse amounts like '₹1,346.60', '$1,200', '1.234,56 €', '(12.50)' into floats.

    The decimal separator is decided once for the column: a comma is decimal when it is the last
    separator in values that hold both, or when it is followed by one or two digits.
    """
    if col.dtype.is_numeric():
        return col.cast(pl.Float64)
    if col.dtype == pl.Boolean:
        return col.cast(pl.Float64)
    s = col.cast(pl.Utf8).str.strip_chars()
    direct = s.cast(pl.Float64, strict=False)
    if direct.null_count() == s.null_count():  # plain numbers: the fast path
        return direct.alias(col.name)
    cleaned = s.str.replace_all(_CURRENCY, "")
    both = cleaned.filter(cleaned.str.contains(r"\.") & cleaned.str.contains(","))
    comma_decimal = False
    if both.len():
        comma_decimal = bool((both.str.extract(r"([.,])[^.,]*$") == ",").mean() > 0.5)
    else:
        commas = cleaned.filter(cleaned.str.contains(","))
        if commas.len():
            comma_decimal = bool(commas.str.contains(r",\d{1,2}\)?-?$").mean() > 0.5)
    if comma_decimal:
        num = cleaned.str.replace_all(r"\.", "").str.replace(",", ".")
    else:
        num = cleaned.str.replace_all(",", "")
    negative = num.str.contains(r"^\(.*\)$") | num.str.contains(r"-$")
    num = num.str.replace_all(r"[()]", "").str.replace(r"-$", "")
    out = num.cast(pl.Float64, strict=False)
    return pl.select(pl.when(negative).then(-out).otherwise(out)).to_series().alias(col.name)


_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d/%m/%y",
    "%m/%d/%y",
    "%Y%m%d",
    "%d %b %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%B %d, %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
)


def _date_part(s: pl.Series) -> pl.Series:
    """Drop a time and an offset: keep the date as written (local to the shop)."""
    return (
        s.str.strip_chars()
        .str.replace(
            r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[AaPp][Mm]|[+-]\d{2}:?\d{2}|UTC)?$", ""
        )
        .str.strip_chars()
    )


def infer_date_format(col: pl.Series) -> tuple[str | None, float, bool]:
    """Best format for a text column: (format, share parsed, ambiguous day/month order)."""
    sample = _date_part(col.drop_nulls().cast(pl.Utf8)).head(5000)
    if sample.len() == 0:
        return None, 0.0, False
    scores = {
        fmt: sample.str.strptime(pl.Date, fmt, strict=False).is_not_null().mean() or 0.0
        for fmt in _DATE_FORMATS
    }
    best = max(_DATE_FORMATS, key=lambda f: scores[f])  # ties keep the earlier (preferred) one
    pairs = {"%d/%m/%Y": "%m/%d/%Y", "%d-%m-%Y": "%m-%d-%Y", "%d/%m/%y": "%m/%d/%y"}
    pairs |= {v: k for k, v in pairs.items()}
    ambiguous = best in pairs and scores[pairs[best]] == scores[best]
    return best, float(scores[best]), ambiguous


def parse_date(col: pl.Series) -> tuple[pl.Series, str | None, bool]:
    """Parse a column into pl.Date: (dates, format used, ambiguous day/month order)."""
    if col.dtype == pl.Date:
        return col, None, False
    if isinstance(col.dtype, pl.Datetime):
        return col.dt.date(), None, False
    if col.dtype.is_numeric():
        col = col.cast(pl.Int64).cast(pl.Utf8)
    fmt, _, ambiguous = infer_date_format(col)
    if fmt is None:
        return pl.Series(col.name, [None] * col.len(), dtype=pl.Date), None, False
    out = _date_part(col.cast(pl.Utf8)).str.strptime(pl.Date, fmt, strict=False)
    return out.alias(col.name), fmt, ambiguous


_STATUS_PATTERNS = (
    ("returned", r"return|refund|rma|chargeback"),
    ("cancelled", r"cancel|void|fail|declin|reject"),
    ("in_transit", r"transit|ship|pending|process|unfulfil|partial|dispatch|on.?hold|open|await"),
    ("delivered", r"deliver|complete|fulfil|paid|closed|done|success|received"),
)


def normalise_status(col: pl.Series) -> pl.Series:
    s = col.cast(pl.Utf8).str.to_lowercase().str.strip_chars()
    expr = pl.lit("unknown")
    for label, pattern in reversed(_STATUS_PATTERNS):
        expr = pl.when(pl.col("s").str.contains(pattern)).then(pl.lit(label)).otherwise(expr)
    return pl.DataFrame({"s": s}).select(expr.alias(col.name)).to_series()


# ---------------------------------------------------------------- role detection


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


# role -> [(normalised name, score)]; exact matches score the number, substring matches less.
_NAME_HINTS: dict[str, list[tuple[str, int]]] = {
    "customer_id": [
        ("customerid", 100),
        ("customer", 90),
        ("custid", 90),
        ("customerno", 90),
        ("customernumber", 90),
        ("clientid", 85),
        ("client", 80),
        ("email", 75),
        ("customeremail", 85),
        ("userid", 70),
        ("buyer", 60),
        ("accountid", 60),
        ("memberid", 60),
        ("contactid", 60),
        ("kunde", 80),
        ("kundennr", 85),
        ("kundennummer", 85),
        ("cliente", 80),
        ("idcliente", 85),
    ],
    "order_id": [
        ("orderid", 100),
        ("ordernumber", 95),
        ("orderno", 95),
        ("order", 80),
        ("invoiceno", 90),
        ("invoice", 85),
        ("invoiceid", 90),
        ("transactionid", 85),
        ("receiptid", 80),
        ("salesorder", 80),
        ("bestellnummer", 95),
        ("name", 30),
    ],
    "order_date": [
        ("orderdate", 100),
        ("date", 90),
        ("createdat", 85),
        ("invoicedate", 95),
        ("purchasedate", 95),
        ("transactiondate", 95),
        ("orderdatetime", 95),
        ("timestamp", 70),
        ("paidat", 70),
        ("datetime", 80),
        ("orderedat", 85),
        ("saledate", 95),
        ("processedat", 60),
        ("datum", 85),
        ("bestelldatum", 95),
        ("fecha", 85),
        ("datecommande", 95),
    ],
    "revenue": [
        ("linetotal", 100),
        ("revenue", 100),
        ("sales", 90),
        ("amount", 90),
        ("total", 80),
        ("totalamount", 95),
        ("netsales", 85),
        ("grosssales", 90),
        ("totalprice", 90),
        ("ordertotal", 85),
        ("lineamount", 95),
        ("subtotal", 70),
        ("value", 60),
        ("salesamount", 95),
        ("purchaseamount", 90),
        ("totalsales", 90),
        ("saleamount", 95),
        ("lineitemtotal", 95),
        ("extendedprice", 85),
        ("amountusd", 90),
        ("betrag", 85),
        ("umsatz", 90),
        ("importe", 85),
        ("montant", 85),
        ("totalttc", 80),
    ],
    "quantity": [("quantity", 100), ("qty", 100), ("lineitemquantity", 100), ("units", 80)],
    "unit_price": [
        ("unitprice", 100),
        ("price", 90),
        ("lineitemprice", 95),
        ("itemprice", 95),
        ("priceeach", 95),
        ("sellingprice", 90),
    ],
    "unit_cost": [
        ("unitcost", 100),
        ("costperitem", 95),
        ("costprice", 90),
        ("cost", 70),
        ("itemcost", 90),
        ("purchaseprice", 70),
    ],
    "cost": [("linecost", 100), ("totalcost", 95), ("cogs", 95), ("costofgoods", 90)],
    "product": [
        ("product", 100),
        ("productname", 100),
        ("item", 85),
        ("itemname", 95),
        ("lineitemname", 95),
        ("description", 70),
        ("sku", 60),
        ("stockcode", 60),
        ("productid", 65),
        ("title", 50),
        ("producttitle", 90),
    ],
    "category": [
        ("category", 100),
        ("productcategory", 100),
        ("producttype", 85),
        ("department", 75),
        ("type", 50),
        ("productline", 85),
        ("subcategory", 60),
    ],
    "region": [
        ("region", 100),
        ("state", 80),
        ("country", 85),
        ("province", 80),
        ("shippingcountry", 85),
        ("billingcountry", 80),
        ("city", 60),
        ("market", 70),
        ("territory", 85),
        ("shippingprovince", 75),
        ("area", 60),
        ("zone", 60),
    ],
    "channel": [
        ("channel", 100),
        ("saleschannel", 100),
        ("source", 60),
        ("ordersource", 80),
        ("platform", 60),
        ("medium", 50),
    ],
    "status": [
        ("status", 100),
        ("orderstatus", 100),
        ("fulfillmentstatus", 95),
        ("shippingstatus", 95),
        ("deliverystatus", 95),
        ("financialstatus", 70),
        ("state", 20),
    ],
}


def _name_score(role: str, column: str) -> int:
    n = _norm(column)
    best = 0
    for hint, score in _NAME_HINTS[role]:
        if n == hint:
            best = max(best, score)
        elif hint and len(hint) >= 4 and hint in n:
            best = max(best, score - 25 - (len(n) - len(hint)))
    return best


def _content_ok(role: str, col: pl.Series) -> bool:
    sample = col.drop_nulls().head(2000)
    if sample.len() == 0:
        return False
    if role == "order_date":
        if col.dtype in (pl.Date,) or isinstance(col.dtype, pl.Datetime):
            return True
        if col.dtype.is_numeric():
            return False
        _, share, _ = infer_date_format(sample.cast(pl.Utf8))
        return share >= 0.5
    if role in ("revenue", "quantity", "unit_price", "unit_cost", "cost"):
        return bool(parse_amount(sample).is_not_null().mean() >= 0.8)
    if role == "customer_id":
        return True
    return True


def detect_roles(raw: pl.DataFrame) -> dict[str, str]:
    """Map canonical roles to source columns, from column names and checked against content."""
    candidates = []
    for role in _NAME_HINTS:
        for column in raw.columns:
            score = _name_score(role, column)
            if score > 0:
                candidates.append((score, role, column))
    candidates.sort(key=lambda t: -t[0])
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for _, role, column in candidates:
        if role in mapping or column in used:
            continue
        if not _content_ok(role, raw[column]):
            continue
        mapping[role] = column
        used.add(column)
    # by content when names did not say: a date column, an e-mail column
    if "order_date" not in mapping:
        for column in raw.columns:
            if column not in used and _content_ok("order_date", raw[column]):
                if raw[column].dtype.is_numeric():
                    continue
                mapping["order_date"] = column
                used.add(column)
                break
    if "customer_id" not in mapping:
        for column in raw.columns:
            if column in used or raw[column].dtype != pl.Utf8:
                continue
            emails = raw[column].drop_nulls().head(500).str.contains(r"^[^@\s]+@[^@\s]+$")
            if (emails.mean() or 0.0) > 0.8:  # an all-blank column has no mean
                mapping["customer_id"] = column
                used.add(column)
                break
    # a "price" with no quantity is the amount itself
    if "revenue" not in mapping and "unit_price" in mapping and "quantity" not in mapping:
        mapping["revenue"] = mapping.pop("unit_price")
    return {role: mapping[role] for role in ROLES if role in mapping}


# ---------------------------------------------------------------- building the orders frame


@dataclass
class Loaded:
    """An ingested orders file: the canonical frame and everything said about it."""

    orders: pl.DataFrame
    mapping: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    rejected: pl.DataFrame = field(default_factory=pl.DataFrame)
    raw: pl.DataFrame = field(default_factory=pl.DataFrame)
    source: str = ""
    detected: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def _first_bad(raw: pl.DataFrame, column: str, bad: pl.Series) -> str:
    idx = bad.arg_true()
    if idx.len() == 0:
        return ""
    i = int(idx[0])
    return f"row {i + 2}: {str(raw[column][i])!r}"


def build_orders(raw: pl.DataFrame, mapping: dict[str, str], source: str = "upload") -> Loaded:
    """Turn a raw table and a role mapping into the canonical orders frame (see core.schema)."""
    unknown = [r for r in mapping if r not in ROLES]
    if unknown:
        raise InputError(f"unknown role {unknown[0]!r}; roles are: {', '.join(ROLES)}", file=source)
    for role, column in mapping.items():
        if column not in raw.columns:
            raise InputError(
                f"--map {role}={column}: no such column; columns are: {', '.join(raw.columns)}",
                file=source,
            )
    warnings: list[str] = []
    notes: dict[str, str] = {}
    if "order_date" not in mapping:  # a date-named column whose values do not read as dates
        named = max(raw.columns, key=lambda c: _name_score("order_date", c))
        values = raw[named].drop_nulls()
        if _name_score("order_date", named) >= 60 and values.len():
            read = parse_date(values)[0].is_not_null().sum()
            bad = parse_date(raw[named])[0].is_null() & raw[named].is_not_null()
            first_bad = int(bad.arg_true()[0])
            raise InputError(
                f"only {read:,} of {values.len():,} values could be read as dates "
                f"(first unreadable: {str(raw[named][first_bad])!r}); "
                f"map the order date with order_date=COLUMN",
                file=source,
                column=named,
                row=first_bad + 2,
            )
    for role in ("customer_id", "order_date"):
        if role not in mapping:
            what = {"customer_id": "customer id / e-mail", "order_date": "order date"}[role]
            raise InputError(
                f"no {what} column found (columns: {', '.join(raw.columns[:12])}); "
                f"map one with {role}=COLUMN",
                file=source,
            )
    if "revenue" not in mapping and not {"quantity", "unit_price"} <= mapping.keys():
        raise InputError(
            "no amount column found (revenue / total / amount, or quantity and unit price); "
            "map one with revenue=COLUMN",
            file=source,
        )

    n = raw.height
    cols: dict[str, pl.Series] = {
        "source_row": pl.Series("source_row", range(2, n + 2), dtype=pl.UInt32)
    }
    cust = raw[mapping["customer_id"]].cast(pl.Utf8).str.strip_chars()
    cols["customer_id"] = cust.alias("customer_id")

    dates, fmt, ambiguous = parse_date(raw[mapping["order_date"]])
    if dates.is_null().all() and raw[mapping["order_date"]].is_not_null().any():
        first = raw[mapping["order_date"]].drop_nulls()[0]
        raise InputError(
            f"no value could be read as a date (first value {str(first)!r})",
            file=source,
            column=mapping["order_date"],
            row=2,
        )
    if fmt:
        notes["date_format"] = fmt
    if ambiguous:
        warnings.append(
            f"Dates in {mapping['order_date']!r} could be day-first or month-first; "
            f"read as {fmt}. Check a known date."
        )
    cols["order_date"] = dates.alias("order_date")

    for role in ("quantity", "unit_price", "unit_cost", "cost"):
        if role in mapping:
            cols[role] = parse_amount(raw[mapping[role]]).alias(role)
    if "revenue" in mapping:
        revenue = parse_amount(raw[mapping["revenue"]]).alias("revenue")
    else:
        revenue = (cols["quantity"] * cols["unit_price"]).alias("revenue")
        warnings.append("No amount column: revenue = quantity x unit price.")
        notes["revenue"] = "quantity x unit_price"
    if "unit_cost" in cols:
        qty = cols.get("quantity", pl.Series([1.0] * n))
        cols["cost"] = (cols.pop("unit_cost") * qty).alias("cost")
    for role in ("product", "category", "region", "channel"):
        if role in mapping:
            cols[role] = raw[mapping[role]].cast(pl.Utf8).str.strip_chars().alias(role)
    if "status" in mapping:
        status = raw[mapping["status"]]
        if "order_id" in mapping:  # Shopify gives order-level fields on an order's first line only
            frame = pl.DataFrame({"s": status.cast(pl.Utf8), "o": raw[mapping["order_id"]]})
            multi = (
                frame.group_by("o")
                .agg(n=pl.len(), k=pl.col("s").count(), f=pl.col("s").first().is_not_null())
                .filter(pl.col("n") > 1)
            )
            if multi.height and ((multi["k"] == 1) & multi["f"]).mean() >= 0.9:
                fill = pl.col("s").fill_null(pl.col("s").drop_nulls().first().over("o"))
                status = frame.select(fill).to_series()
        cols["status"] = normalise_status(status).alias("status")
    if "order_id" in mapping:
        cols["order_id"] = raw[mapping["order_id"]].cast(pl.Utf8).str.strip_chars()
        cols["order_id"] = cols["order_id"].alias("order_id")
    cols["revenue"] = revenue

    df = pl.DataFrame(cols)

    # rows that cannot be used, with the reason
    raw_amount = raw[mapping["revenue"]] if "revenue" in mapping else None
    reason = (
        pl.when(pl.col("customer_id").is_null())
        .then(pl.lit("missing customer id"))
        .when(pl.col("order_date").is_null() & pl.col("_date_raw").is_null())
        .then(pl.lit("missing order date"))
        .when(pl.col("order_date").is_null())
        .then(pl.lit("unreadable order date"))
        .when(pl.col("revenue").is_null() & pl.col("_amount_raw").is_null())
        .then(pl.lit("missing amount"))
        .when(pl.col("revenue").is_null())
        .then(pl.lit("unreadable amount"))
    )
    df = df.with_columns(
        _date_raw=raw[mapping["order_date"]].cast(pl.Utf8),
        _amount_raw=(
            raw_amount.cast(pl.Utf8) if raw_amount is not None else pl.lit("x", dtype=pl.Utf8)
        ),
    )
    # Shopify: the order total only on an order's first line -> blank amounts there are fine
    order_total_mode = None
    if "order_id" in df.columns and "revenue" in mapping:
        df, order_total_mode = _dedupe_order_totals(df, mapping)
        if order_total_mode:
            warnings.append(
                f"{mapping['revenue']!r} is an order total ({order_total_mode}); "
                "it is counted once per order"
                + (
                    ", spread over the lines by quantity x price."
                    if {"quantity", "unit_price"} <= set(df.columns)
                    else ", spread evenly over the order's lines."
                )
            )
            notes["order_total"] = order_total_mode
    df = df.with_columns(_reason=reason)
    rejected_idx = df["_reason"].is_not_null()
    rejected = (
        raw.with_columns(pl.Series("row", range(2, n + 2), dtype=pl.UInt32))
        .filter(rejected_idx)
        .with_columns(reason=df.filter(rejected_idx)["_reason"])
        .select("row", "reason", *raw.columns)
    )
    df = df.filter(~rejected_idx).drop("_reason", "_date_raw", "_amount_raw")
    if df.height == 0:
        first = rejected["reason"][0] if rejected.height else "no rows"
        raise InputError(f"no usable rows: every row was rejected (e.g. {first})", file=source)
    if rejected.height:
        counts = rejected.group_by("reason").len().sort(["len", "reason"], descending=[True, False])
        parts = ", ".join(f"{r['len']:,} {r['reason']}" for r in counts.iter_rows(named=True))
        warnings.append(f"{rejected.height:,} rows could not be used and are set aside: {parts}.")

    if "order_id" not in df.columns:
        keys = [pl.col("customer_id"), pl.col("order_date").cast(pl.Utf8)]
        extra = [r for r in ("channel", "region") if r in df.columns]
        keys += [pl.col(r).fill_null("") for r in extra]
        df = df.with_columns(order_id=pl.concat_str(keys, separator="|"))
        warnings.append(
            "No order id column: orders are built from customer + order date"
            + (f" + {' + '.join(extra)}" if extra else "")
            + "."
        )
        notes["order_id"] = "built"

    # every other source column is kept as an attribute (numeric when it all parses)
    used = set(mapping.values())
    attrs = []
    for column in raw.columns:
        if column in used or column in df.columns:
            continue
        s = raw[column].filter(~rejected_idx)
        if s.dtype == pl.Utf8:
            num = s.str.strip_chars().cast(pl.Float64, strict=False)
            if s.drop_nulls().len() and num.is_not_null().sum() == s.drop_nulls().len():
                s = num.cast(pl.Int64) if (num.drop_nulls() % 1 == 0).all() else num
            else:
                s = s.str.strip_chars()
        attrs.append(s.alias(column))
    if attrs:
        df = df.with_columns(attrs)

    front = [c for c in ("customer_id", "order_id", "order_date", "revenue") if c in df.columns]
    df = df.select(*front, *[c for c in df.columns if c not in front])
    return Loaded(
        orders=df,
        mapping=dict(mapping),
        warnings=warnings,
        rejected=rejected,
        raw=raw,
        source=source,
        notes=notes,
    )


def _dedupe_order_totals(
    df: pl.DataFrame, mapping: dict[str, str]
) -> tuple[pl.DataFrame, str | None]:
    """Detect an order-level amount and spread it once over the order's lines."""
    keyed = df.filter(pl.col("order_id").is_not_null())
    stats = (
        keyed.group_by("order_id")
        .agg(
            lines=pl.len(),
            distinct=pl.col("revenue").drop_nulls().n_unique(),
            valued=pl.col("revenue").is_not_null().sum(),
            first_valued=pl.col("revenue").first().is_not_null(),
        )
        .filter(pl.col("lines") > 1)
    )
    if stats.height < 3:
        return df, None
    first_only = (stats["valued"] == 1) & stats["first_valued"]
    repeated = (stats["valued"] == stats["lines"]) & (stats["distinct"] == 1)
    name = _norm(mapping["revenue"])
    total_like = "total" in name and "line" not in name and "item" not in name
    if first_only.mean() >= 0.9:
        mode = "given on each order's first line only"
    elif repeated.mean() >= 0.9 and (total_like or stats.height >= 20):
        mode = "repeated on every line of the order"
    else:
        return df, None
    has_price = {"quantity", "unit_price"} <= set(df.columns)
    weight = (
        (pl.col("quantity").fill_null(1) * pl.col("unit_price").fill_null(0))
        if has_price
        else pl.col("order_id").is_not_null().cast(pl.Float64)  # one per line, not a scalar
    )
    w = weight.clip(lower_bound=0)
    total = pl.col("revenue").drop_nulls().first().over("order_id")
    share = (
        pl.when(w.sum().over("order_id") > 0)
        .then(w / w.sum().over("order_id"))
        .otherwise(1.0 / pl.len().over("order_id"))
    )
    df = df.with_columns(
        revenue=pl.when(pl.col("order_id").is_not_null())
        .then(total * share)
        .otherwise(pl.col("revenue")),
        _amount_raw=pl.when(pl.col("order_id").is_not_null())
        .then(pl.col("_amount_raw").drop_nulls().first().over("order_id"))
        .otherwise(pl.col("_amount_raw")),
    )
    return df, mode


# ---------------------------------------------------------------- entry points


def load_orders(
    data: bytes | str | Path,
    name: str | None = None,
    overrides: dict[str, str] | None = None,
    sheet: str | int | None = None,
) -> Loaded:
    """Read, detect roles (overridden by `overrides`), and build the canonical orders frame."""
    if isinstance(data, (str, Path)):
        name = name or Path(data).name
    raw = read_table(data, name, sheet)
    detected = detect_roles(raw)
    mapping = dict(detected)
    for role, column in (overrides or {}).items():
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}; roles are: {', '.join(ROLES)}", file=name)
        if not column:  # an empty override unmaps the role
            mapping.pop(role, None)
            continue
        if column not in raw.columns:
            raise InputError(
                f"no column {column!r} for role {role}; columns are: {', '.join(raw.columns)}",
                file=name,
            )
        for other, col in list(mapping.items()):
            if col == column and other != role:
                del mapping[other]
        mapping[role] = column
    loaded = build_orders(raw, mapping, source=name or "upload")
    loaded.detected = detected
    return loaded


def load_customers(data: bytes | str | Path, name: str | None = None) -> pl.DataFrame:
    """Read a customers file: customer_id + attributes (one row per customer; first row kept)."""
    if isinstance(data, (str, Path)):
        name = name or Path(data).name
    raw = read_table(data, name)
    scores = sorted(((_name_score("customer_id", c), c) for c in raw.columns), reverse=True)
    if not scores or scores[0][0] <= 0:
        raise InputError(
            f"no customer id column found (columns: {', '.join(raw.columns[:12])})", file=name
        )
    id_col = scores[0][1]
    out = raw.rename({id_col: "customer_id"}).with_columns(
        pl.col("customer_id").cast(pl.Utf8).str.strip_chars()
    )
    conv = []
    for column in out.columns[1:]:
        s = out[column]
        if s.dtype != pl.Utf8:
            continue
        num = s.str.strip_chars().cast(pl.Float64, strict=False)
        if s.drop_nulls().len() and num.is_not_null().sum() == s.drop_nulls().len():
            conv.append(num.cast(pl.Int64) if (num.drop_nulls() % 1 == 0).all() else num)
        elif _norm(column).endswith("date") or "signup" in _norm(column):
            d, fmt, _ = parse_date(s)
            if fmt and d.is_not_null().sum() >= 0.8 * s.drop_nulls().len():
                conv.append(d)
    if conv:
        out = out.with_columns(conv)
    return (
        out.filter(pl.col("customer_id").is_not_null())
        .unique("customer_id", keep="first", maintain_order=True)
        .select("customer_id", *[c for c in out.columns if c != "customer_id"])
    )
