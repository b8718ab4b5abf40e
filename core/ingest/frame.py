"""Ingest: turn an orders export into the canonical orders frame, saying what was done.

Reads the file (readers), detects the roles (roles; the user's overrides win), parses amounts,
dates and statuses (parsing) and builds the canonical frame. Order totals repeated on every line
of an order, or given only on its first line (Shopify), are counted once per order.
A missing order id is built from customer + date. Rows that cannot be used are kept aside with
the reason; nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from core.errors import InputError
from core.ingest.attributes import customer_attributes
from core.ingest.currency import CurrencyChoice, choose_currency, line_currency
from core.ingest.dates import DateDecision, decide_date_format, read_dates
from core.ingest.duplicates import drop_exact_duplicates
from core.ingest.identity import IdMerge, normalise_ids
from core.ingest.order_totals import dedupe_order_totals
from core.ingest.parsing import (
    EARLIEST,
    decimal_comma,
    latest_plausible,
    normalise_status,
    parse_amount,
    parse_date,
)
from core.ingest.readers import read_table_noted
from core.ingest.returns import split_returns
from core.ingest.roles import (
    RoleEvidence,
    detect_roles,
    explain,
    name_score,
    price_is_line_amount,
)
from core.model.schema import CODED_ROLES, ROLES, coded, decoded


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
    returns: pl.DataFrame = field(default_factory=pl.DataFrame)  # credit lines, negative
    dates: DateDecision | None = None
    evidence: dict[str, RoleEvidence] = field(default_factory=dict)
    id_merge: IdMerge = field(default_factory=lambda: IdMerge(0))
    currency: CurrencyChoice = field(default_factory=lambda: CurrencyChoice(None))
    attributes: list[str] = field(default_factory=list)  # nearly constant within a customer

    @property
    def has_dates(self) -> bool:
        """Whether the orders carry dates (pages that need dates check this)."""
        dates = self.orders.get_column("order_date", default=None)
        return dates is not None and dates.null_count() < dates.len()  # (counts kept: no scan)

    @property
    def set_aside_share(self) -> float:
        """Share of the file's rows set aside (not used for any figure)."""
        return self.rejected.height / max(self.raw.height, 1)


def _check_mapping(raw: pl.DataFrame, mapping: dict[str, str], source: str) -> None:
    unknown = [r for r in mapping if r not in ROLES]
    if unknown:
        raise InputError(f"unknown role {unknown[0]!r}; roles are: {', '.join(ROLES)}", file=source)
    for role, column in mapping.items():
        if column not in raw.columns:
            raise InputError(
                f"--map {role}={column}: no such column; columns are: {', '.join(raw.columns)}",
                file=source,
            )
    if "order_date" not in mapping:  # a date-named column whose values do not read as dates
        named = max(raw.columns, key=lambda c: name_score("order_date", c))
        values = raw[named].drop_nulls()
        if name_score("order_date", named) >= 85 and values.len() and values.dtype == pl.Utf8:
            dates = parse_date(raw[named])[0]
            read = dates.is_not_null().sum()
            if read < 0.5 * values.len():
                first_bad = int((dates.is_null() & raw[named].is_not_null()).arg_true()[0])
                raise InputError(
                    f"only {read:,} of {values.len():,} values could be read as dates "
                    f"(first unreadable: {str(raw[named][first_bad])!r}); "
                    f"map the order date with order_date=COLUMN",
                    file=source,
                    column=named,
                    row=first_bad + 2,
                )
    if "customer_id" not in mapping:
        raise InputError(
            f"no customer id / e-mail column found (columns: {', '.join(raw.columns[:12])}); "
            "map one with customer_id=COLUMN",
            file=source,
        )
    if "revenue" not in mapping and not {"quantity", "unit_price"} <= mapping.keys():
        raise InputError(
            "no amount column found (revenue / total / amount, or quantity and unit price); "
            "map one with revenue=COLUMN",
            file=source,
        )


def _decide_dates(
    raw: pl.DataFrame, mapping: dict[str, str], date_format: str | None
) -> DateDecision:
    """The order date decision, with the file's other date columns and decimal separator."""
    column = mapping["order_date"]
    first = decide_date_format(raw[column], user=date_format)
    if not first.ambiguous:
        return first
    others: dict[str, str] = {}
    for c in raw.columns:
        if c == column or raw[c].dtype != pl.Utf8 or name_score("order_date", c) <= 0:
            continue
        d = decide_date_format(raw[c])
        if d.share >= 0.8 and not d.ambiguous and d.order in ("dmy", "mdy"):
            others[c] = d.order
    amount = mapping.get("revenue") or mapping.get("unit_price")
    comma = decimal_comma(raw[amount]) if amount else None
    return decide_date_format(raw[column], other_orders=others, decimal_comma=comma)


REASONS = (
    "missing customer id",
    "missing order date",
    "unreadable order date",
    "implausible order date",
    "missing amount",
    "amount is not a number (NaN or infinite)",
    "unreadable amount",
    "amount in another currency",
)


def _reason_expr(has_dates: bool, latest: date) -> pl.Expr:
    """The index in REASONS of why a line is set aside, null for a usable line (a small
    integer per line: the sentences are written for the set-aside lines only)."""
    checks = [pl.col("customer_id").is_null()]
    if has_dates:
        checks += [
            pl.col("order_date").is_null() & ~pl.col("_date_given"),
            pl.col("order_date").is_null(),
            ~pl.col("order_date").is_between(pl.lit(EARLIEST), pl.lit(latest)),
        ]
    else:
        checks += [pl.lit(False)] * 3
    checks += [
        pl.col("revenue").is_null() & ~pl.col("_amount_given"),
        pl.col("revenue").is_nan() | pl.col("revenue").is_infinite(),
        pl.col("revenue").is_null(),
        pl.col("_other_currency"),
    ]
    reason = pl.when(checks[0]).then(pl.lit(0, dtype=pl.UInt8))
    for i, check in enumerate(checks[1:], start=1):
        reason = reason.when(check).then(pl.lit(i, dtype=pl.UInt8))
    return reason


def build_orders(
    raw: pl.DataFrame,
    mapping: dict[str, str],
    source: str = "upload",
    *,
    date_format: str | None = None,
    fx: dict[str, float] | None = None,
    currency: str | None = None,
) -> Loaded:
    """Turn a raw table and a role mapping into the canonical orders frame (see core.schema).

    `date_format`: a strftime pattern or dmy / mdy / ymd (default: decided from the data).
    `fx`: rates into the reporting currency ({CUR: rate}); `currency`: the one to report."""
    _check_mapping(raw, mapping, source)
    # a column read coded is text to every check below, unless it is a coded dimension or the
    # status (read per distinct text)
    dims = {mapping[r] for r in (*CODED_ROLES, "status") if r in mapping}
    raw = raw.with_columns(
        decoded(raw[c])
        for c, t in raw.schema.items()
        if isinstance(t, pl.Categorical) and c not in dims
    )
    warnings: list[str] = []
    notes: dict[str, str] = {}
    n = raw.height
    cols: dict[str, pl.Series] = {
        "source_row": pl.int_range(2, n + 2, dtype=pl.UInt32, eager=True).alias("source_row")
    }
    cust, id_merge = normalise_ids(raw[mapping["customer_id"]])
    cols["customer_id"] = cust.alias("customer_id")
    if id_merge.merged:
        warnings.append(id_merge.sentence)

    has_dates = "order_date" in mapping
    decision = None
    if has_dates:
        decision = _decide_dates(raw, mapping, date_format)
        dates = read_dates(raw[mapping["order_date"]], decision)
        if dates.is_null().all() and raw[mapping["order_date"]].is_not_null().any():
            first = raw[mapping["order_date"]].drop_nulls()[0]
            raise InputError(
                f"no value could be read as a date (first value {str(first)!r})"
                + (f" with the date format {date_format!r}" if date_format else ""),
                file=source,
                column=mapping["order_date"],
                row=2,
            )
        if decision.format:
            notes["date_format"] = decision.format
        if decision.evidence and decision.order in ("dmy", "mdy", "user"):
            warnings.append(f"Dates in {mapping['order_date']!r}: {decision.evidence}")
    else:
        dates = pl.Series("order_date", [None] * n, dtype=pl.Date)
        warnings.append(
            "No order date column: revenue, orders, customers and breakdowns are shown; "
            "as of, recency, churn, trends, cohorts and CLV need dates "
            "(map one with order_date=COLUMN)."
        )
        notes["order_date"] = "missing"
    cols["order_date"] = dates.alias("order_date")

    for role in ("quantity", "unit_price", "unit_cost", "cost"):
        if role in mapping:
            cols[role] = parse_amount(raw[mapping[role]]).alias(role)
    line_price = "" if "revenue" in mapping else price_is_line_amount(raw, mapping)
    if "revenue" in mapping:
        revenue = parse_amount(raw[mapping["revenue"]]).alias("revenue")
    elif line_price:
        revenue = cols["unit_price"].alias("revenue")
        warnings.append(line_price)
        notes["revenue"] = "unit_price is the line amount"
    else:
        revenue = (cols["quantity"] * cols["unit_price"]).alias("revenue")
        warnings.append("No amount column: revenue = quantity x unit price.")
        notes["revenue"] = "quantity x unit_price"
    line_cur, _ = line_currency(raw, mapping.get("revenue") or mapping.get("unit_price"))
    revenue, other_currency, cur_choice = choose_currency(line_cur, revenue, fx, currency)
    if cur_choice.summary is not None and cur_choice.summary.height > 1:
        warnings.append(cur_choice.sentence)
    if "unit_cost" in cols:
        qty = cols.get("quantity", pl.Series([1.0] * n))
        cols["cost"] = (cols.pop("unit_cost") * qty).alias("cost")
    cols.update(_stripped(raw, mapping))
    # the table as read holds the coded dimensions too: their text is not kept twice
    raw = raw.with_columns(**{mapping[r]: cols[r] for r in CODED_ROLES if r in cols})
    if "status" in mapping:
        cols["status"] = _status(raw, mapping)
    cols["revenue"] = revenue

    df = pl.DataFrame(cols)
    raw_amount = raw[mapping["revenue"]] if "revenue" in mapping else None
    df = df.with_columns(
        _date_given=raw[mapping["order_date"]].is_not_null() if has_dates else pl.lit(False),
        _amount_given=raw_amount.is_not_null() if raw_amount is not None else pl.lit(True),
        _other_currency=other_currency,
    )
    # Shopify: the order total only on an order's first line -> blank amounts there are fine
    order_total_mode = None
    if "order_id" in df.columns and "revenue" in mapping:
        df, order_total_mode = dedupe_order_totals(df, mapping)
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
    latest = latest_plausible(df["order_date"].drop_nulls())
    code = df.select(_reason_expr(has_dates, latest)).to_series()
    rejected_idx = code.is_not_null()
    rejected = (
        raw.with_columns(pl.int_range(2, n + 2, dtype=pl.UInt32).alias("row"))
        .filter(rejected_idx)
        .with_columns(
            reason=code.filter(rejected_idx).replace_strict(
                list(range(len(REASONS))), list(REASONS), return_dtype=pl.Utf8
            )
        )
        .select("row", "reason", *raw.columns)
    )
    if rejected.height:
        df = df.filter(~rejected_idx)
    df = df.drop("_date_given", "_amount_given", "_other_currency")
    if df.height == 0:
        first = rejected["reason"][0] if rejected.height else "no rows"
        raise InputError(f"no usable rows: every row was rejected (e.g. {first})", file=source)
    if rejected.height:
        counts = rejected.group_by("reason").len().sort(["len", "reason"], descending=[True, False])
        parts = ", ".join(f"{r['len']:,} {r['reason']}" for r in counts.iter_rows(named=True))
        warnings.append(f"{rejected.height:,} rows could not be used and are set aside: {parts}.")
        if (rejected["reason"] == "implausible order date").any():
            odd = rejected.filter(pl.col("reason") == "implausible order date")
            shown = ", ".join(repr(str(v)) for v in odd[mapping["order_date"]].head(3))
            warnings.append(
                f"{odd.height:,} order dates are implausible (before {EARLIEST.year} or after "
                f"{latest}, e.g. {shown}); as of is the last plausible date."
            )

    if "order_id" not in df.columns:
        if has_dates:
            keys = [pl.col("customer_id"), pl.col("order_date").cast(pl.Utf8)]
            extra = [r for r in ("channel", "region") if r in df.columns]
            keys += [pl.col(r).fill_null("") for r in extra]
            df = df.with_columns(order_id=pl.concat_str(keys, separator="|"))
            warnings.append(
                "No order id column: orders are built from customer + order date"
                + (f" + {' + '.join(extra)}" if extra else "")
                + "."
            )
        else:
            df = df.with_columns(order_id=pl.col("source_row").cast(pl.Utf8))
            warnings.append("No order id and no date: each row is one purchase.")
        notes["order_id"] = "built"
    df, returns, said = split_returns(df)
    if said:
        warnings.append(said)
    if df.height == 0:
        raise InputError("no purchases: every usable line is a return or cancellation", file=source)

    df = _with_attributes(df, raw, mapping)
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
        returns=returns.select(*front, *[c for c in returns.columns if c not in front]),
        dates=decision,
        id_merge=id_merge,
        currency=cur_choice,
        attributes=customer_attributes(df),
    )


def _stripped(raw: pl.DataFrame, mapping: dict[str, str]) -> dict[str, pl.Series]:
    """The text roles (read_table_noted has stripped them): order_id as text (no copy), the
    dimensions coded (core.model.schema.coded; no copy when read coded)."""
    out = {r: coded(raw[mapping[r]]).alias(r) for r in CODED_ROLES if r in mapping}
    if "order_id" in mapping:
        out["order_id"] = raw[mapping["order_id"]].cast(pl.Utf8).alias("order_id")
    return out


def _status(raw: pl.DataFrame, mapping: dict[str, str]) -> pl.Series:
    status = raw[mapping["status"]]
    # Shopify gives order-level fields on an order's first line only (so only when some are blank)
    if "order_id" in mapping and status.null_count():
        frame = pl.DataFrame({"s": status.cast(pl.Utf8), "o": raw[mapping["order_id"]]})
        multi = (
            frame.group_by("o")
            .agg(n=pl.len(), k=pl.col("s").count(), f=pl.col("s").first().is_not_null())
            .filter(pl.col("n") > 1)
        )
        if multi.height and ((multi["k"] == 1) & multi["f"]).mean() >= 0.9:
            # each order's first status, joined onto its lines (a window over text ids: 2x)
            given = frame.lazy().filter(pl.col("s").is_not_null())
            firsts = given.group_by("o").agg(first=pl.col("s").first())
            filled = frame.lazy().join(
                firsts, on="o", how="left", maintain_order="left", nulls_equal=True
            )
            status = filled.select(pl.col("s").fill_null(pl.col("first"))).collect().to_series()
    return normalise_status(status).alias("status")


def _with_attributes(df: pl.DataFrame, raw: pl.DataFrame, mapping: dict[str, str]) -> pl.DataFrame:
    """Every other source column, kept under its name (numeric when it all parses)."""
    used = set(mapping.values())
    attrs = []
    for column in raw.columns:
        if column in used or column in df.columns:
            continue
        s = raw[column]
        if s.dtype == pl.Utf8:
            num = s.str.strip_chars().cast(pl.Float64, strict=False)
            if s.drop_nulls().len() and num.is_not_null().sum() == s.drop_nulls().len():
                s = num.cast(pl.Int64) if (num.drop_nulls() % 1 == 0).all() else num
            else:
                s = s.str.strip_chars()
        attrs.append(s.alias(column))
    if not attrs:
        return df
    rows = raw.select(pl.int_range(2, raw.height + 2, dtype=pl.UInt32).alias("source_row"))
    extra = pl.DataFrame(attrs).with_columns(rows["source_row"])
    return df.join(extra, on="source_row", how="left")


# ---------------------------------------------------------------- entry points


def load_orders(
    data: bytes | str | Path | pl.DataFrame,
    name: str | None = None,
    overrides: dict[str, str] | None = None,
    sheet: str | int | None = None,
    *,
    date_format: str | None = None,
    fx: dict[str, float] | None = None,
    currency: str | None = None,
    read_notes: list[str] | None = None,
    drop_duplicates: bool = False,
) -> Loaded:
    """Read, detect roles (overridden by `overrides`; an empty column removes a role), and build
    the canonical orders frame. `date_format`, `fx`, `currency`: see build_orders;
    `drop_duplicates`: leave out the repeats of exact duplicate rows (core.ingest.duplicates).
    `data` may be a table read_table_noted already read (then `read_notes` are its notes), so
    the app keeps one copy of a file: the table, never the bytes as well."""
    if isinstance(data, (str, Path)):
        name = name or Path(data).name
    if isinstance(data, pl.DataFrame):
        raw, read_notes = data, list(read_notes or [])
    else:
        # typed dates are ISO whatever the user says: a date format reads every column as text;
        # a column the user gives a text role stays text
        raw, read_notes = read_table_noted(
            data, name, sheet, typed=date_format is None, roles=overrides
        )
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
    loaded = build_orders(
        raw, mapping, source=name or "upload", date_format=date_format, fx=fx, currency=currency
    )
    loaded.detected = detected
    loaded.evidence = explain(raw, loaded.mapping)
    loaded.warnings[:0] = read_notes
    return drop_exact_duplicates(loaded) if drop_duplicates else loaded
