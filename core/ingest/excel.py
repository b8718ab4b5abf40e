"""Reading one sheet of an .xlsx workbook (the one asked for, else the first that holds a table)
and listing its sheets, for core.ingest.readers and the app's sheet picker."""

from __future__ import annotations

import io

import polars as pl

from core.errors import InputError


def read_excel(
    data: bytes, name: str, sheet: str | int | None, notes: list[str] | None = None
) -> pl.DataFrame:
    """One sheet: the one asked for, else the first that holds a table (said in `notes`)."""
    if data[:4] != b"PK\x03\x04":
        raise InputError("the file is named like Excel but is not an .xlsx workbook", file=name)
    if sheet is not None:
        return _read_sheet(data, name, sheet)
    names = excel_sheets(data)
    for i, sheet_name in enumerate(names):
        try:
            df = _read_sheet(data, name, i)
        except pl.exceptions.NoDataError:
            continue
        if df.width == 0:
            continue
        if i > 0 and notes is not None:
            empty = ", ".join(repr(n) for n in names[:i])
            notes.append(
                f"the sheet{'s' if i > 1 else ''} {empty} of {name} hold{'' if i > 1 else 's'} "
                f"no table: read sheet {sheet_name!r}, the first that does"
            )
        return df
    if names:
        raise InputError("no sheet of the workbook holds a table", file=name)
    try:  # no sheet list: let the reader say what is wrong
        return _read_sheet(data, name, 0)
    except pl.exceptions.NoDataError:
        raise InputError("the first sheet of the workbook is empty", file=name) from None


def _read_sheet(data: bytes, name: str, sheet: str | int) -> pl.DataFrame:
    try:
        kwargs = {"sheet_name": sheet} if isinstance(sheet, str) else {"sheet_id": sheet + 1}
        return pl.read_excel(io.BytesIO(data), engine="calamine", **kwargs)
    except pl.exceptions.NoDataError:
        if isinstance(sheet, str):
            raise InputError(f"the sheet {sheet!r} is empty", file=name) from None
        raise
    except Exception as exc:
        msg = str(exc).splitlines()[0][:120] if str(exc) else exc.__class__.__name__
        if isinstance(sheet, str) and "sheet" in msg.lower():
            raise InputError(f"there is no sheet {sheet!r} in the workbook", file=name) from None
        raise InputError(f"not a readable Excel workbook ({msg})", file=name) from None


def excel_sheets(data: bytes) -> list[str]:
    """Sheet names of an .xlsx workbook (for the app's sheet picker)."""
    try:
        import fastexcel

        return list(fastexcel.read_excel(data).sheet_names)
    except Exception:
        return []
