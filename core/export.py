"""The one writer for tables leaving the app: CSV (files, downloads, standard output), XLSX and
Parquet. Everything that writes a table a person may open in a spreadsheet goes through here.

Formula injection: a text cell (or a column header) that starts with = + - @, a tab, a carriage
return or a line feed (or their full-width forms) would run as a formula in Excel or LibreOffice.
- CSV: such text gets a leading apostrophe, the usual neutralisation. Text that is a plain number
  (-34, +1.5, -2e3) is left alone: it is a number, not a formula, and must stay one.
- XLSX: every text cell is stored as a string (never a formula, a number or a hyperlink) with
  Excel's "quote prefix" style, so the text is shown exactly as it is, with no visible apostrophe,
  and stays text when someone edits the cell.
Numbers and dates are never touched (in XLSX, NaN and infinity become empty cells). Parquet is
data, not a spreadsheet: written as is.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path

import polars as pl
import xlsxwriter

from core.model.schema import is_text

# characters that start a formula (ASCII and full-width), or a line break that hides one
_TRIGGER = r"^[=+\-@\t\r\n\uff1d\uff0b\uff0d\uff20]"
# a plain number: optional sign, digits with an optional decimal part, optional exponent
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row


def is_dangerous(text: str) -> bool:
    """True when Excel would read `text` as a formula (a plain number is not dangerous)."""
    return bool(re.match(_TRIGGER, text)) and not re.match(_NUMBER, text)


def _safe_expr(col: str) -> pl.Expr:
    text = pl.col(col).cast(pl.Utf8)
    bad = text.str.contains(_TRIGGER) & ~text.str.contains(_NUMBER)
    return pl.when(bad).then(pl.lit("'") + text).otherwise(text).alias(col)


def safe_header(name: str) -> str:
    """A column name that is safe as a CSV header cell."""
    return "'" + name if is_dangerous(name) else name


def neutralise(df: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells and headers that a spreadsheet would run as a formula with an
    apostrophe (for CSV); numbers, dates and number-like text are left as they are."""
    text_cols = [c for c, t in df.schema.items() if is_text(t)]
    out = df.with_columns(_safe_expr(c) for c in text_cols) if text_cols else df
    renames = {c: safe_header(c) for c in out.columns if safe_header(c) != c}
    if not renames:
        return out
    # two names may only collide if one already carried the apostrophe: keep both, numbered
    taken, final = set(out.columns) - set(renames), {}
    for old, new in renames.items():
        cand, n = new, 2
        while cand in taken:
            cand, n = f"{new}_{n}", n + 1
        taken.add(cand)
        final[old] = cand
    return out.rename(final)


def _flat(df: pl.DataFrame) -> pl.DataFrame:
    """Lists and structs cannot go to CSV or a cell: join lists, JSON-encode structs."""
    out = []
    for c, t in df.schema.items():
        if isinstance(t, pl.List | pl.Array):
            out.append(pl.col(c).cast(pl.List(pl.Utf8)).list.join(", "))
        elif isinstance(t, pl.Struct):
            out.append(pl.col(c).struct.json_encode())
        elif t == pl.Object:
            out.append(pl.col(c).map_elements(str, return_dtype=pl.Utf8))
    return df.with_columns(out) if out else df


def to_csv_text(df: pl.DataFrame) -> str:
    """Formula-safe CSV text (no byte-order mark), e.g. for standard output."""
    return neutralise(_flat(df)).write_csv()


def to_csv_bytes(df: pl.DataFrame) -> bytes:
    """Formula-safe CSV with a UTF-8 BOM so Excel opens accents correctly (files, downloads)."""
    return b"\xef\xbb\xbf" + to_csv_text(df).encode("utf-8")


def _sheet_name(name: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique (case-insensitive)."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'") or "data"
    base, n, cand = clean[:31], 2, clean[:31]
    while cand.lower() in taken:
        suffix = f" ({n})"
        cand, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(cand.lower())
    return cand


# Excel number formats per column kind (the kinds of views.tables.column_kind, the app's formats)
EXCEL_FORMATS: dict[str, str] = {
    "money": "#,##0",
    "unit_money": "#,##0.00",
    "percent": "0.0%",
    "p_value": "0.0000",
    "count": "#,##0",
    "days": "#,##0",
    "decimal": "#,##0.00",
    "plain_int": "0",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}


# decimals kept per column kind in CSV (Excel keeps full numbers under EXCEL_FORMATS instead)
CSV_DECIMALS: dict[str, int] = {
    "money": 2,
    "unit_money": 2,
    "decimal": 2,
    "percent": 4,
    "p_value": 6,
    "count": 0,
    "days": 0,
    "plain_int": 0,
}


def tidy_numbers(df: pl.DataFrame, kinds: Mapping[str, str]) -> pl.DataFrame:
    """Float columns rounded to their kind's decimals (CSV_DECIMALS), so a CSV reads 364427.3,
    not 364427.30000000005; whole-number kinds (counts, days) become integers."""
    out = []
    for c, t in df.schema.items():
        digits = CSV_DECIMALS.get(kinds.get(c, ""))
        if digits is None or not t.is_float():
            continue
        rounded = pl.col(c).round(digits)
        out.append(rounded.cast(pl.Int64) if digits == 0 else rounded)
    return df.with_columns(out) if out else df


def to_xlsx_workbook(
    sheets: Mapping[str, pl.DataFrame],
    kinds: Mapping[str, Mapping[str, str]] | None = None,
) -> bytes:
    """One .xlsx with a sheet per table; text stored as text, never as a formula or a link.

    Typed columns (numbers and dates stay numbers and dates) under a frozen bold header; with
    `kinds` ({sheet: {column: kind}}, kinds of EXCEL_FORMATS) each column gets its number format.
    """
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": True,
            "use_zip64": True,
        },
    )
    taken: set[str] = set()
    as_text = {"quote_prefix": True}
    for name, df in sheets.items():
        table = _flat(df).head(XLSX_MAX_ROWS)
        # NaN and infinity have no cell value: written as empty cells, not as error formulas
        table = table.with_columns(
            pl.when(pl.col(c).is_finite()).then(pl.col(c)).alias(c)
            for c, t in table.schema.items()
            if t.is_float()
        )
        formats: dict[str, dict] = {c: as_text for c, t in table.schema.items() if is_text(t)}
        for c, kind in ((kinds or {}).get(name) or {}).items():
            if kind in EXCEL_FORMATS and c in table.columns and c not in formats:
                formats[c] = {"num_format": EXCEL_FORMATS[kind]}
        table.write_excel(
            wb,
            worksheet=_sheet_name(str(name), taken),
            autofit=table.height <= 20_000,  # autofit reads every cell: skip it on big tables
            header_format={"bold": True, "quote_prefix": True},
            column_formats=formats or None,
            table_style=None,
            freeze_panes=(1, 0),
        )
    wb.close()
    return buf.getvalue()


def to_xlsx_bytes(df: pl.DataFrame, sheet: str = "data") -> bytes:
    """One table as an .xlsx workbook (see to_xlsx_workbook)."""
    return to_xlsx_workbook({sheet: df})


def write_table(df: pl.DataFrame, path: str | Path) -> Path:
    """Write by extension: .csv, .xlsx or .parquet. Raises ValueError for anything else."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext == ".csv":
        path.write_bytes(to_csv_bytes(df))
    elif ext == ".xlsx":
        path.write_bytes(to_xlsx_bytes(df))
    elif ext == ".parquet":
        df.write_parquet(path)
    else:
        raise ValueError(f"cannot write {path.name!r}: use a .csv, .xlsx or .parquet name")
    return path
