"""Reading a table file: CSV/TSV with any delimiter and encoding (UTF-8 with or without BOM,
UTF-16 with a BOM, cp1252, Latin-1, UTF-8 with a few cp1252 lines named), gzipped CSV,
Excel (.xlsx, first or a chosen sheet) and Parquet.

Text files come back with every column as text (blank cells are missing values), so that the
parsing of amounts and dates stays in core.ingest.parsing, where it can say what it could not read.
Every read keeps within core.ingest.limits (decompressed size, columns, line length).
"""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path

import polars as pl

from core.errors import InputError
from core.ingest import limits as L

_TEXT_DELIMITERS = ",;\t|"


def _utf16(data: bytes) -> str | None:
    """UTF-16 text with a byte-order mark (Excel's "Unicode text" export)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    return None


def _mostly_utf8(data: bytes, notes: list[str]) -> str | None:
    """UTF-8 with a few lines in Latin-1 / cp1252: those lines are read as cp1252 and named."""
    pos, parts, bad_lines = 0, [], []
    while True:
        try:
            parts.append(data[pos:].decode("utf-8"))
            break
        except UnicodeDecodeError as exc:
            start = data.rfind(b"\n", 0, pos + exc.start) + 1
            end = data.find(b"\n", pos + exc.start)
            end = len(data) if end < 0 else end
            parts.append(data[pos:start].decode("utf-8"))
            parts.append(data[start:end].decode("cp1252", errors="replace"))
            bad_lines.append(data.count(b"\n", 0, start) + 1)
            pos = end
            if len(bad_lines) > 50:
                return None
    lines = data.count(b"\n") + 1
    if len(bad_lines) > lines // 10:  # not a few lines: the whole file is in another encoding
        return None
    shown = ", ".join(str(n) for n in bad_lines[:5]) + (" ..." if len(bad_lines) > 5 else "")
    notes.append(
        f"{len(bad_lines):,} lines are not UTF-8 (lines {shown}); they were read as "
        "Windows-1252 (Latin-1): check their accented letters."
    )
    return "".join(parts)


def _decode(data: bytes, name: str, notes: list[str] | None = None) -> str:
    notes = [] if notes is None else notes
    text = _utf16(data)
    if text is not None:
        return text.lstrip("\ufeff")
    if b"\x00" in data[:4096]:
        raise InputError("this is not a text table (it holds binary data)", file=name)
    with contextlib.suppress(UnicodeDecodeError):  # not UTF-8: try a few mixed lines, then cp1252
        return data.decode("utf-8-sig")
    text = _mostly_utf8(data[3:] if data[:3] == b"\xef\xbb\xbf" else data, notes)
    if text is not None:
        return text
    for enc in ("cp1252", "latin-1"):
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
    """The sniffer's pick when the header line holds it; else the header's most frequent
    candidate (quoted cells with tabs or semicolons in them can mislead the sniffer)."""
    head = "\n".join(text[:65536].splitlines()[:30])
    first = head.split("\n", 1)[0]
    try:
        sniffed = csv.Sniffer().sniff(head, delimiters=_TEXT_DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    if sniffed and sniffed in first:
        return sniffed
    counts = {d: first.count(d) for d in _TEXT_DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else (sniffed or ",")


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
    return read_table_noted(data, name, sheet)[0]


def read_table_noted(
    data: bytes | str | Path, name: str | None = None, sheet: str | int | None = None
) -> tuple[pl.DataFrame, list[str]]:
    """read_table, with what reading had to say (lines in another encoding, the sheet it
    read when the first is empty). Stays within the input limits (core.ingest.limits)."""
    notes: list[str] = []
    limits = L.Limits.from_env()
    if isinstance(data, (str, Path)):
        path = Path(data)
        name = name or path.name
        try:
            if path.is_file():
                limits.check_size(path.stat().st_size, name)
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputError("file not found", file=str(path)) from None
        except IsADirectoryError:
            raise InputError("this is a folder, not a file", file=str(path)) from None
    name = name or "upload"
    lower = name.lower()
    if not data:
        raise InputError("the file is empty", file=name)
    limits.check_size(len(data), name)
    if data[:2] == b"\x1f\x8b":
        data = L.gunzip(data, name, limits)
        lower = lower.removesuffix(".gz")
        if not data:
            raise InputError("the file is empty", file=name)
    if lower.endswith((".xlsx", ".xlsm", ".xls")) or data[:4] == b"PK\x03\x04":
        L.check_zip(data, name, limits)
        df = _read_excel(data, name, sheet, notes)
    elif lower.endswith(".parquet") or data[:4] == b"PAR1":
        L.check_parquet(data, name, limits)
        try:
            df = pl.read_parquet(io.BytesIO(data))
        except Exception as exc:
            msg = f"not a readable Parquet file ({exc.__class__.__name__})"
            raise InputError(msg, file=name) from None
    else:
        L.check_lines(data, name, limits)
        df = _read_text(data, name, limits, notes)
    limits.check_columns(df.width, name)
    df = _clean_header(df)
    if df.width == 0:
        raise InputError("the file has no columns", file=name)
    if df.height == 0:
        raise InputError("the file has a header but no data rows", file=name)
    return df, notes


def _read_excel(
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


def _read_text(
    data: bytes, name: str, limits: L.Limits, notes: list[str] | None = None
) -> pl.DataFrame:
    text = _decode(data, name, notes)
    if not text or text.isspace():  # (no copy of the text, unlike strip)
        raise InputError("the file is empty", file=name)
    sep = _sniff_delimiter(text)
    L.check_header(text, sep, name, limits)
    # polars reads UTF-8 bytes fastest: hand it the file's own bytes when they already are
    raw = data[3:] if data[:3] == b"\xef\xbb\xbf" else data
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raw = text.encode("utf-8")
    try:
        if not raw.isascii():  # ASCII is UTF-8: only other bytes need the check
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
        if line := _stray_quote_line(text):
            raise InputError(
                f'a stray quote (") on line {line:,} leaves a cell open: remove it or close '
                "the quoted cell",
                file=name,
            ) from None
        msg = str(exc).splitlines()[0][:160]
        raise InputError(f"cannot read the file as a table ({msg})", file=name) from None
    # blank strings are missing values (rewrite only the columns that hold one)
    blank = df.select((pl.col(c).str.strip_chars() == "").any() for c in df.columns).row(0)
    return df.with_columns(
        pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c)).alias(c)
        for c, has_blank in zip(df.columns, blank, strict=True)
        if has_blank
    )


def _stray_quote_line(text: str) -> int | None:
    """The first line (1 = header) whose quotes do not pair up, None when all do."""
    lines = pl.Series(text.split("\n"))
    odd = (lines.str.count_matches('"', literal=True) % 2 == 1).arg_true()
    return int(odd[0]) + 1 if odd.len() else None
