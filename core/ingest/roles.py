"""Role detection: which source column plays which canonical role (core.schema.ROLES), from its
name (English, German, Spanish and French export headers) and checked against its content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from core.ingest.parsing import infer_date_format, normalise_status, parse_amount
from core.model.schema import ROLES, decoded, is_text


@dataclass(frozen=True)
class RoleEvidence:
    """Why a column got a role: how sure (high / medium / low) and the values that decided."""

    column: str
    confidence: str
    reason: str


def norm(name: str) -> str:
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
        ("phone", 50),
        ("customerphone", 70),
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
    "quantity": [
        ("quantity", 100),
        ("qty", 100),
        ("lineitemquantity", 100),
        ("salesqty", 100),
        ("orderqty", 100),
        ("qtyordered", 100),
        ("quantityordered", 100),
        ("units", 80),
        ("unitssold", 95),
        ("menge", 90),
        ("cantidad", 90),
        ("quantite", 90),
    ],
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
        ("location", 70),
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
        ("paymentstatus", 60),
        ("returnstatus", 90),
        ("state", 20),
    ],
}


# a text role never takes a column whose name says it holds an amount or a date
# ("Product_Price" is a price, not the product; "Order Date" is not the order id)
_TEXT_ROLES = ("customer_id", "order_id", "product", "category", "region", "channel", "status")
_NOT_TEXT = ("price", "cost", "amount", "total", "qty", "quantity", "revenue", "date", "time")


# an amount named for a charge besides the goods ("Shipping Cost", "Tax Amount", "freight_value")
# is not the line amount, price or cost; "Total incl. tax" still is
_MONEY_ROLES = ("revenue", "unit_price", "unit_cost", "cost")
_CHARGES = ("shipping", "freight", "postage", "tax", "taxes", "discount", "fee", "fees")
_CHARGES += ("commission", "refund", "refunded", "duties", "tip")
_QUALIFIERS = ("incl", "including", "excl", "excluding", "ex", "with", "without", "plus", "after")
_QUALIFIERS += ("before", "less", "net", "inkl", "exkl", "ohne", "zzgl", "sans", "hors")


def _names_a_charge(column: str) -> bool:
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", column)]
    return any(
        w in _CHARGES and (i == 0 or words[i - 1] not in _QUALIFIERS) for i, w in enumerate(words)
    )


def name_score(role: str, column: str) -> int:
    """How well a column's name says `role`: exact hints score their number, a hint inside the
    name less (the longer the rest, the less)."""
    n = norm(column)
    best = 0
    for hint, score in _NAME_HINTS[role]:
        if n == hint:
            best = max(best, score)
        elif hint and len(hint) >= 4 and hint in n:
            if role in _TEXT_ROLES and any(w in n and w not in hint for w in _NOT_TEXT):
                continue
            if role in _MONEY_ROLES and _names_a_charge(column):
                continue
            best = max(best, score - 25 - (len(n) - len(hint)))
    return best


def _content_ok(role: str, col: pl.Series) -> bool:
    sample = decoded(col.drop_nulls().head(2000))
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
    if role == "status":
        return status_like(sample)
    return True


_FLAGS = {"yes", "no", "y", "n", "true", "false", "0", "1", "t", "f"}


def status_like(col: pl.Series) -> bool:
    """Values that look like order statuses: not yes/no flags, not US states, few distinct."""
    values = col.drop_nulls().cast(pl.Utf8).str.strip_chars().str.to_lowercase()
    distinct = values.unique()
    if distinct.len() == 0 or distinct.len() > 40:
        return False
    if distinct.is_in(list(_FLAGS)).all():
        return False
    known = normalise_status(values) != "unknown"
    return bool(known.mean() >= 0.6)


def explain(raw: pl.DataFrame, mapping: dict[str, str]) -> dict[str, RoleEvidence]:
    """Confidence and evidence for each detected role: the name match and sample values."""
    out = {}
    for role, column in mapping.items():
        score = name_score(role, column)
        values = raw[column].drop_nulls()
        first = values.head(1000).unique(maintain_order=True)  # enough, nearly always
        values = (first if first.len() >= 3 else values.unique(maintain_order=True)).head(3)
        values = values.cast(pl.Utf8)
        sample = ", ".join(repr(v) for v in values.to_list())
        if score >= 90:
            confidence, why = "high", f"the name {column!r} says {role.replace('_', ' ')}"
        elif score >= 60:
            confidence, why = "medium", f"the name {column!r} resembles {role.replace('_', ' ')}"
        else:
            confidence, why = "low", "found by its values"
        out[role] = RoleEvidence(column, confidence, f"{why}; values such as {sample}")
    return out


def detect_roles(raw: pl.DataFrame) -> dict[str, str]:
    """Map canonical roles to source columns, from column names and checked against content."""
    candidates = []
    for role in _NAME_HINTS:
        for column in raw.columns:
            score = name_score(role, column)
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
            if column in used or not is_text(raw[column].dtype):
                continue
            emails = decoded(raw[column].drop_nulls().head(500)).str.contains(r"^[^@\s]+@[^@\s]+$")
            if (emails.mean() or 0.0) > 0.8:  # an all-blank column has no mean
                mapping["customer_id"] = column
                used.add(column)
                break
    # Olist: 'customer_id' is new on every order; 'customer_unique_id' is the person
    person = [
        c for c in raw.columns if c not in used and ("unique" in norm(c) or norm(c).endswith("uid"))
    ]
    if {"customer_id", "order_id"} <= mapping.keys() and person:
        ids = raw[mapping["customer_id"]].n_unique()
        per_order = ids >= raw[mapping["order_id"]].n_unique()
        for column in person:
            values = raw[column].drop_nulls()
            if per_order and name_score("customer_id", column) and 0 < values.n_unique() < ids:
                mapping["customer_id"] = column
                break
    # a "price" with no quantity is the amount itself
    if "revenue" not in mapping and "unit_price" in mapping and "quantity" not in mapping:
        mapping["revenue"] = mapping.pop("unit_price")
    return {role: mapping[role] for role in ROLES if role in mapping}


def price_is_line_amount(raw: pl.DataFrame, mapping: dict[str, str]) -> str:
    """Whether the 'unit price' is in fact the line amount: within a product (or category) it
    grows with the quantity (1 x 'Clothing' 300.08, 5 x 1500.40), so price / quantity takes far
    fewer values than the price. Returns the sentence saying so, or ''."""
    group = mapping.get("product") or mapping.get("category")
    if not group or not {"quantity", "unit_price"} <= mapping.keys():
        return ""
    df = pl.DataFrame(
        {
            "g": raw[group].cast(pl.Utf8),
            "q": parse_amount(raw[mapping["quantity"]]),
            "p": parse_amount(raw[mapping["unit_price"]]),
        }
    ).filter((pl.col("q") > 0) & (pl.col("p") > 0))
    if df.height < 20 or df["q"].n_unique() < 2:
        return ""
    df = df.with_columns(unit=(pl.col("p") / pl.col("q")).round(4))
    n_price = df.select(pl.struct("g", "p").n_unique()).item()
    n_unit = df.select(pl.struct("g", "unit").n_unique()).item()
    if n_unit * 2 > n_price:
        return ""
    example = df.filter(pl.col("q").n_unique().over("g", "unit") > 1).sort("g", "unit", "q")
    lo, hi = (
        example.row(0, named=True),
        example.filter(
            (pl.col("g") == example["g"][0]) & (pl.col("unit") == example["unit"][0])
        ).row(-1, named=True),
    )
    return (
        f"{mapping['unit_price']!r} grows with {mapping['quantity']!r} within each {group!r} "
        f"({lo['q']:g} x {lo['g']!r}: {lo['p']:g}; {hi['q']:g} x: {hi['p']:g}): "
        "read as the line amount, not a unit price (map revenue=COLUMN for another amount)."
    )
