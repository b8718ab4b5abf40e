"""Ingest: turn an orders export into the canonical orders frame, saying what was done.

Reads the file (readers), detects the roles (roles; the user's overrides win), parses amounts,
dates and statuses (parsing) and builds the canonical frame. Order totals repeated on every line
of an order, or given only on its first line (Shopify), are counted once per order.
A missing order id is built from customer + date. Rows that cannot be used are kept aside with
the reason; nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from core.errors import InputError
from core.ingest.parsing import normalise_status, parse_amount, parse_date
from core.ingest.readers import read_table
from core.ingest.roles import detect_roles, name_score, norm
from core.schema import ROLES


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
        named = max(raw.columns, key=lambda c: name_score("order_date", c))
        values = raw[named].drop_nulls()
        if name_score("order_date", named) >= 60 and values.len():
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
    name = norm(mapping["revenue"])
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
    scores = sorted(((name_score("customer_id", c), c) for c in raw.columns), reverse=True)
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
        elif norm(column).endswith("date") or "signup" in norm(column):
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
