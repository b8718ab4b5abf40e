"""Reading a table file: CSV/TSV with any delimiter and encoding (UTF-8 with or without BOM,
UTF-16 with a BOM, cp1252, Latin-1, UTF-8 with a few cp1252 lines named), gzipped CSV,
Excel (.xlsx, first or a chosen sheet) and Parquet.

Text files: UTF-8 (and ASCII) bytes go to polars as they are; only other encodings are decoded
whole. A column is typed when a sample of the file (the first 20,000 lines, read as text) shows
it is already clean: plain numbers (no leading zeros, separators, symbols or exponents) become
Int64 / Float64, ISO dates (YYYY-MM-DD) pl.Date. Columns whose name could make them an id or
another text role, and numbers that look like codes or dates, stay text. If any value of a
typed column does not read, the whole file is read again as text, so that core.ingest.parsing
reports every value it cannot read as it always did. Every other column is text (blank cells
are missing values). read_table_noted types (load_orders reads with it); read_table does not
unless asked (the customers and experiment files parse their own columns); `typed=False` is the
all-text read the ingest checks were written for.
Every read keeps within core.ingest.limits (decompressed size, columns, line length).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
from pathlib import Path

import polars as pl

from core.errors import InputError
from core.ingest import limits as L
from core.ingest.roles import _TEXT_ROLES, name_score, norm

_TEXT_DELIMITERS = ",;\t|"
_HEAD = 1 << 18  # the head that decides the delimiter (64K characters fit in it)
_SAMPLE_LINES = 20_000  # the lines read as text to decide which columns can be typed
_INT = r"^-?(0|[1-9]\d{0,17})$"  # no sign but minus, no leading zero, no separator
_DECIMAL = r"^-?(0|[1-9]\d*)\.\d+$"
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
_CODE_NAMES = ("code", "zip", "postal", "phone", "number")
_ID_WORDS = ("id", "no", "nr", "ean", "upc", "isbn", "gtin", "sku")
_DAY_MONTH = r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}\b"


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
    data: bytes | str | Path,
    name: str | None = None,
    sheet: str | int | None = None,
    *,
    typed: bool = False,
) -> pl.DataFrame:
    """Read a table from bytes or a path. Text files come back all text unless `typed` (the
    customers and experiment files parse their own columns); load_orders reads them typed."""
    return read_table_noted(data, name, sheet, typed=typed)[0]


def read_table_noted(
    data: bytes | str | Path,
    name: str | None = None,
    sheet: str | int | None = None,
    *,
    typed: bool = True,
) -> tuple[pl.DataFrame, list[str]]:
    """read_table, with what reading had to say (lines in another encoding, the sheet it
    read when the first is empty). Stays within the input limits (core.ingest.limits).
    `typed=False`: every column of a text file as text (the checked path)."""
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
        df = _read_text(data, name, limits, notes, typed)
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
    data: bytes, name: str, limits: L.Limits, notes: list[str] | None = None, typed: bool = True
) -> pl.DataFrame:
    raw, head = _utf8(data, name, notes)
    blank = not head or head.isspace()  # (no copy of the text, unlike strip)
    if blank and (len(raw) <= _HEAD or raw.decode("utf-8").isspace()):
        raise InputError("the file is empty", file=name)
    sep = _sniff_delimiter(head)
    L.check_header(raw, sep, name, limits)
    options = {"separator": sep, "infer_schema": False, "truncate_ragged_lines": True}
    df = _read_typed(raw, options) if typed else None
    if df is None:
        try:
            df = pl.read_csv(raw, **options)
        except pl.exceptions.PolarsError as exc:
            if line := _stray_quote_line(raw.decode("utf-8")):
                raise InputError(
                    f'a stray quote (") on line {line:,} leaves a cell open: remove it or close '
                    "the quoted cell",
                    file=name,
                ) from None
            msg = str(exc).splitlines()[0][:160]
            raise InputError(f"cannot read the file as a table ({msg})", file=name) from None
    # blank strings are missing values (rewrite only the text columns that hold one)
    text = [c for c, t in df.schema.items() if t == pl.Utf8]
    if not text:
        return df
    blanks = df.select((pl.col(c).str.strip_chars() == "").any() for c in text).row(0)
    return df.with_columns(
        pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c)).alias(c)
        for c, has_blank in zip(text, blanks, strict=True)
        if has_blank
    )


def _utf8(data: bytes, name: str, notes: list[str] | None) -> tuple[bytes, str]:
    """The file as UTF-8 bytes for polars, and its head as text. UTF-8 (and ASCII) bytes are
    the file's own bytes (a BOM is skipped by polars): only other encodings are decoded whole."""
    if data[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        if b"\x00" in data[:4096]:
            raise InputError("this is not a text table (it holds binary data)", file=name)
        if data.isascii() or _is_utf8(data):
            return data, data[:_HEAD].decode("utf-8-sig", errors="ignore")  # (a cut last char)
    text = _decode(data, name, notes)
    return text.encode("utf-8"), text[:_HEAD]


def _is_utf8(data: bytes) -> bool:
    """Whether the bytes are UTF-8, checked in 16 MB pieces (never one str of the whole file)."""
    decoder, view = codecs.getincrementaldecoder("utf-8")(), memoryview(data)
    try:
        for start in range(0, len(data), L.CHUNK):
            decoder.decode(view[start : start + L.CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _read_typed(raw: bytes, options: dict) -> pl.DataFrame | None:
    """The file with the columns its first lines show clean typed (see the module docstring);
    None when no column can be, or when a later value does not read as its column's type."""
    try:  # (polars reads the whole file for n_rows: hand it the head only)
        sample = pl.read_csv(_head_lines(raw, _SAMPLE_LINES + 1), **options)
    except pl.exceptions.PolarsError:  # e.g. cut inside a quoted cell: no typing
        return None
    dtypes = dict(zip(sample.columns, column_types(sample), strict=True))
    if all(t == pl.Utf8 for t in dtypes.values()):
        return None
    try:
        df = pl.read_csv(raw, schema_overrides=dtypes, **options)
    except pl.exceptions.PolarsError:  # a value that does not read: every column as text
        return None
    dates = [c for c, t in df.schema.items() if t == pl.Date]
    if dates and (df.select(pl.col(dates).dt.year().min()).min_horizontal()[0] or 1000) < 1000:
        return None  # a year before 1000 is an unreadable date for core.ingest.dates
    return df


def _head_lines(raw: bytes, lines: int) -> bytes:
    """The first `lines` lines of the bytes (all of them when there are fewer)."""
    end = 0
    for _ in range(lines):
        end = raw.find(b"\n", end) + 1
        if end == 0:
            return raw
    return raw[:end]


def column_types(sample: pl.DataFrame) -> list[pl.DataType]:
    """The type each column of a text sample can be read with: Date for ISO dates, Int64 or
    Float64 for plain numbers, else text (Utf8)."""
    plain, floats = {}, []
    for c in sample.columns:
        values = sample[c].drop_nulls()
        values = values.filter(values != "")
        plain[c] = _plain_type(c, values)
        if plain[c] == pl.Float64:
            floats.append(c)
    if floats and _day_month_undecided(sample, plain):
        # the order dates may be decided by the amounts' decimal separator, which core.ingest
        # reads from their text (core.ingest.parsing.decimal_comma): keep the decimals as text
        plain |= dict.fromkeys(floats, pl.Utf8)
    return list(plain.values())


def _plain_type(column: str, values: pl.Series) -> pl.DataType:
    if values.len() == 0:
        return pl.Utf8
    if values.str.contains(_ISO_DATE).all():
        return pl.Date  # read back as text, an ISO date is the same text
    if _names_an_id(column) or _text_role(column):
        return pl.Utf8  # an id, code or date written as a number keeps its text
    whole = values.str.contains(_INT)
    if whole.all():
        # six digits or more on every line: a code, a phone number or a yyyymmdd date
        return pl.Utf8 if (values.str.len_bytes() >= 6).all() else pl.Int64
    if (whole | values.str.contains(_DECIMAL)).all():
        return pl.Float64
    return pl.Utf8


def _names_an_id(column: str) -> bool:
    """ "Row ID", "zip", "Postal Code", "Phone Number", "EAN": numbers that are names."""
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", column)]
    n = norm(column)
    return bool(words) and (words[-1] in _ID_WORDS or any(w in n for w in _CODE_NAMES))


def _text_role(column: str) -> bool:
    """Whether core.ingest.roles could give the column a text role (or the order date) by name."""
    return any(name_score(role, column) > 0 for role in (*_TEXT_ROLES, "order_date"))


def _day_month_undecided(sample: pl.DataFrame, types: dict[str, pl.DataType]) -> bool:
    """Whether a text column of the sample holds d/m or m/d dates that no value decides."""
    for c, t in types.items():
        if t != pl.Utf8:
            continue
        parts = sample[c].drop_nulls().str.extract_groups(_DAY_MONTH).struct.unnest()
        parts = parts.drop_nulls().cast(pl.Int32)
        if parts.height and (parts.max_horizontal().max() or 0) <= 12:
            return True
    return False


def _stray_quote_line(text: str) -> int | None:
    """The first line (1 = header) whose quotes do not pair up, None when all do."""
    lines = pl.Series(text.split("\n"))
    odd = (lines.str.count_matches('"', literal=True) % 2 == 1).arg_true()
    return int(odd[0]) + 1 if odd.len() else None
