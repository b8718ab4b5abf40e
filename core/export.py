"""Exports that are safe to open in Excel: CSV, XLSX and Parquet writers for any table.

Text cells that start with = + - @ (or a tab / carriage return) would run as formulas in Excel;
they are neutralised with a leading apostrophe. Numbers are left alone.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

_DANGEROUS = r"^[=+\-@\t\r]"


def neutralise(df: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells that Excel would read as a formula with an apostrophe."""
    text_cols = [c for c, t in df.schema.items() if t in (pl.Utf8, pl.Categorical, pl.Enum)]
    return df.with_columns(
        pl.when(pl.col(c).cast(pl.Utf8).str.contains(_DANGEROUS))
        .then(pl.lit("'") + pl.col(c).cast(pl.Utf8))
        .otherwise(pl.col(c).cast(pl.Utf8))
        .alias(c)
        for c in text_cols
    )


def _flat(df: pl.DataFrame) -> pl.DataFrame:
    """Lists and structs cannot go to CSV: join lists, JSON-encode structs."""
    out = []
    for c, t in df.schema.items():
        if isinstance(t, pl.List):
            out.append(pl.col(c).cast(pl.List(pl.Utf8)).list.join(", "))
        elif isinstance(t, pl.Struct):
            out.append(pl.col(c).struct.json_encode())
    return df.with_columns(out) if out else df


def to_csv_bytes(df: pl.DataFrame) -> bytes:
    """CSV with a UTF-8 BOM so Excel opens accents correctly."""
    return b"\xef\xbb\xbf" + neutralise(_flat(df)).write_csv().encode("utf-8")


def to_xlsx_bytes(df: pl.DataFrame, sheet: str = "data") -> bytes:
    buf = io.BytesIO()
    neutralise(_flat(df)).write_excel(buf, worksheet=sheet[:31], autofit=True)
    return buf.getvalue()


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
