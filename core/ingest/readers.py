"""Reading a table file: CSV/TSV with any delimiter and encoding (UTF-8 with or without BOM,
UTF-16 with a BOM, cp1252, Latin-1, UTF-8 with a few cp1252 lines named), gzipped CSV,
Excel (.xlsx, first or a chosen sheet) and Parquet.

Text files: UTF-8 (and ASCII) files go to polars as they are (from a path, polars reads the
file itself after its line lengths are checked on a memory map, and checks the encoding as it
parses, so the whole file is never held as bytes); only other encodings are decoded whole.
Columns a sample of the file shows clean are read typed (plain numbers, ISO dates:
core.ingest.text_types decides); when a later value does not read as its column's type, the
whole file is read again as text, so core.ingest.parsing reports every value it cannot read as
it always did. Other columns are text. Text cells of every format come without surrounding
whitespace, and blank ones as missing values (`trimmed`).
read_table_noted types (load_orders reads with it); read_table does not unless asked (customers
and experiment files parse their own columns); `typed=False` is the all-text read the ingest
checks were written for.
Every read keeps within core.ingest.limits (decompressed size, columns, line length).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import mmap
from collections.abc import Collection, Mapping
from pathlib import Path

import polars as pl

from core.errors import InputError
from core.ingest import limits as L
from core.ingest.dates import DateDecision, read_dates
from core.ingest.excel import read_excel
from core.ingest.text_types import coded_name, column_types, text_columns
from core.model.schema import coded, per_distinct

_TEXT_DELIMITERS = ",;\t|"
_NOT_TEXT = (".xlsx", ".xlsm", ".xls", ".parquet", ".gz")  # by name: read as bytes
_NOT_UTF8 = (b"\x1f\x8b", b"\xff\xfe", b"\xfe\xff", b"PK\x03\x04", b"PAR1")  # first bytes
_HEAD = 1 << 18  # the head that decides the delimiter (64K characters fit in it)
_ISO = DateDecision("%Y-%m-%d", "ymd", 1.0)  # what core.ingest.dates decides for ISO dates
_SAMPLE_LINES = 20_000  # the lines read as text to decide which columns can be typed


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
    rows: int | None = None,
) -> pl.DataFrame:
    """Read a table from bytes or a path. Text files come back all text unless `typed` (the
    customers and experiment files parse their own columns); load_orders reads them typed.
    `rows`: only the first rows (a preview: a text or Parquet file is not read further)."""
    if rows is not None and isinstance(data, bytes):
        with contextlib.suppress(InputError):  # (a cut inside a quoted cell: read it all)
            return read_table_noted(data, name, sheet, typed=typed, rows=rows)[0].head(rows)
    df = read_table_noted(data, name, sheet, typed=typed)[0]
    return df if rows is None else df.head(rows)


def read_table_noted(
    data: bytes | str | Path,
    name: str | None = None,
    sheet: str | int | None = None,
    *,
    typed: bool = True,
    roles: Mapping[str, str] | None = None,
    rows: int | None = None,
) -> tuple[pl.DataFrame, list[str]]:
    """read_table, with what reading had to say (lines in another encoding, the sheet it
    read when the first is empty). Stays within the input limits (core.ingest.limits).
    `typed=False`: every column of a text file as text (the checked path). `roles`: the user's
    role -> column choices; a column given a text role (an id, the product...) stays text.
    `rows`: read at least the first rows of a text or Parquet file (bytes only), not all."""
    notes: list[str] = []
    limits = L.Limits.from_env()
    keep = text_columns(roles or {}) if typed else None
    if isinstance(data, (str, Path)):
        path = Path(data)
        name = name or path.name
        try:
            if path.is_file():
                limits.check_size(path.stat().st_size, name)
                if not name.lower().endswith(_NOT_TEXT):
                    df = _read_text_file(path, name, limits, keep)
                    if df is not None:
                        return _checked(df, name, limits), notes
                elif name.lower().endswith(".parquet"):  # read from the file, not a copy
                    return _checked(_read_parquet(path, name, limits, rows), name, limits), notes
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
        df = read_excel(data, name, sheet, notes)
    elif lower.endswith(".parquet") or data[:4] == b"PAR1":
        df = _read_parquet(data, name, limits, rows)
    else:
        if rows is not None:
            data = _head_lines(data, rows + 1)
        L.check_lines(data, name, limits)
        df = _read_text(data, name, limits, notes, keep)
    return _checked(df, name, limits), notes


def _read_parquet(
    data: bytes | Path, name: str, limits: L.Limits, rows: int | None = None
) -> pl.DataFrame:
    L.check_parquet(data, name, limits)
    try:
        return pl.read_parquet(data if isinstance(data, Path) else io.BytesIO(data), n_rows=rows)
    except Exception as exc:
        msg = f"not a readable Parquet file ({exc.__class__.__name__})"
        raise InputError(msg, file=name) from None


def _checked(df: pl.DataFrame, name: str, limits: L.Limits) -> pl.DataFrame:
    limits.check_columns(df.width, name)
    df = _clean_header(df)
    if df.width == 0:
        raise InputError("the file has no columns", file=name)
    if df.height == 0:
        raise InputError("the file has a header but no data rows", file=name)
    return trimmed(df)


def trimmed(df: pl.DataFrame) -> pl.DataFrame:
    """The table with its text cells as the ingest reads them, whatever the file's format:
    without surrounding whitespace, and missing when blank. A column that needs neither keeps
    its own buffers. One pass over each text column tells: its stripped length against its
    length (a blank cell of spaces is padded), and whether a cell is empty; no per-cell column
    is kept while it is checked."""
    df = df.with_columns(
        _trimmed_coded(df[c]) for c, t in df.schema.items() if isinstance(t, pl.Categorical)
    )
    text = [c for c, t in df.schema.items() if t == pl.Utf8]
    if not text:
        return df
    length = [pl.col(c).str.len_bytes() for c in text]
    padded = (
        pl.col(c).str.strip_chars().str.len_bytes().sum() != n.sum()
        for c, n in zip(text, length, strict=True)
    )
    empty = ((n == 0).any() for n in length)
    found = df.select(e.alias(str(i)) for i, e in enumerate([*padded, *empty])).row(0)
    return df.with_columns(
        pl.col(c).str.strip_chars().replace("", None).alias(c)
        for i, c in enumerate(text)
        if found[i] or found[len(text) + i]
    )


def _trimmed_coded(col: pl.Series) -> pl.Series:
    """A coded column with its distinct texts trimmed as `trimmed` trims text (checked on the
    distinct texts only; the column is coded again when one changes)."""
    texts = col.dtype.categories.to_series()
    clean = texts.str.strip_chars().replace("", None)
    return (
        col if clean.equals(texts, null_equal=True) else coded(per_distinct(col, lambda _: clean))
    )


def _read_text(
    data: bytes,
    name: str,
    limits: L.Limits,
    notes: list[str] | None = None,
    keep: Collection[str] | None = (),
) -> pl.DataFrame:
    raw, head = _utf8(data, name, notes)
    blank = not head or head.isspace()  # (no copy of the text, unlike strip)
    if blank and (len(raw) <= _HEAD or raw.decode("utf-8").isspace()):
        raise InputError("the file is empty", file=name)
    return _parse_text(raw, raw, head, name, limits, keep)


class _NotUtf8(Exception):
    """polars found bytes that are not UTF-8 in a file read from its path."""


def _read_text_file(
    path: Path, name: str, limits: L.Limits, keep: Collection[str] | None
) -> pl.DataFrame | None:
    """A UTF-8 (or ASCII) text file read by polars from its path, never all in memory as bytes:
    the line lengths are checked on a memory map, and polars checks the encoding as it parses.
    None for any other file (gzip, binary, another encoding, a blank head), which
    read_table_noted then reads as bytes."""
    with path.open("rb") as f:
        first = f.read(L.CHUNK)
        if first[:2] in _NOT_UTF8 or first[:4] in _NOT_UTF8 or b"\x00" in first[:4096]:
            return None  # gzip, UTF-16, a workbook, Parquet, binary
        lines = L.LineCheck(name, limits, path)
        if len(first) < L.CHUNK:  # the whole file
            lines.feed(first)
        else:
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as whole:
                lines.feed(whole)
    head = first[:_HEAD].decode("utf-8-sig", errors="ignore")  # (a cut last character)
    if not head or head.isspace():
        return None
    if len(first) == L.CHUNK:  # more follows: whole lines only
        cut = first.rfind(b"\n")
        if cut < 0:
            return None
        first = first[: cut + 1]
    try:
        return _parse_text(path, first, head, name, limits, keep)
    except _NotUtf8:
        return None


def _parse_text(
    source: bytes | Path,
    first: bytes,
    head: str,
    name: str,
    limits: L.Limits,
    keep: Collection[str] | None,
) -> pl.DataFrame:
    """Parse UTF-8 text (the bytes, or a UTF-8 file's path) whose first whole lines are
    `first` (all of it for bytes) and whose first characters are `head`. `keep`: the columns
    (as named after _clean_header) read as text whatever they hold; None: all of them."""
    sep = _sniff_delimiter(head)
    L.check_header(first, sep, name, limits)
    options = {"separator": sep, "infer_schema": False, "truncate_ragged_lines": True}
    df = _read_typed(source, first, options, keep) if keep is not None else None
    if df is None:
        try:
            df = pl.read_csv(source, **options)
        except pl.exceptions.PolarsError as exc:
            if isinstance(source, Path) and "utf-8" in str(exc).lower():
                raise _NotUtf8 from None  # read as bytes: core.ingest decodes other encodings
            raw = source.read_bytes() if isinstance(source, Path) else source
            if line := _stray_quote_line(raw.decode("utf-8")):
                raise InputError(
                    f'a stray quote (") on line {line:,} leaves a cell open: remove it or close '
                    "the quoted cell",
                    file=name,
                ) from None
            msg = str(exc).splitlines()[0][:160]
            raise InputError(f"cannot read the file as a table ({msg})", file=name) from None
    return df


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


def _read_typed(
    source: bytes | Path, first: bytes, options: dict, keep: Collection[str]
) -> pl.DataFrame | None:
    """The file with the columns its first lines show clean typed (see the module docstring);
    None when no column can be, or when a later number does not read as its column's type.

    A text column named like a dimension (product, category, region, channel) or a status whose
    sample repeats its values is read coded, as the orders table holds a dimension
    (core.model.schema.coded): its text is never held per line. Numbers are parsed by polars'
    CSV reader, which raises on a value it cannot read. ISO dates are read coded, each distinct
    text then as core.ingest.dates reads it (polars' CSV reader would also take 2024/01/02,
    which core.ingest reads as unreadable in an ISO column): a date column with a value that
    does not read stays text, so that it is reported as before."""
    try:  # (polars reads the whole file for n_rows: hand it the head only)
        sample = pl.read_csv(_head_lines(first, _SAMPLE_LINES + 1), **options)
    except pl.exceptions.PolarsError:  # e.g. cut inside a quoted cell: no typing
        return None
    types = column_types(sample)
    named = _clean_header(sample).columns
    dtypes = {
        c: pl.Utf8 if clean in keep else t
        for c, clean, t in zip(sample.columns, named, types, strict=True)
    }
    dates = {c: pl.Categorical(pl.Categories.random()) for c, t in dtypes.items() if t == pl.Date}
    repeated = {
        c: pl.Categorical(pl.Categories.random())
        for c, clean in zip(sample.columns, named, strict=True)
        if dtypes[c] == pl.Utf8 and coded_name(clean) and _repeats(sample[c])
    }
    if not repeated and all(t == pl.Utf8 for t in dtypes.values()):
        return None
    try:
        df = pl.read_csv(source, schema_overrides=dtypes | dates | repeated, **options)
    except pl.exceptions.PolarsError:  # a value that does not read: every column as text
        return None
    return df.with_columns(_coded_dates(df[c]) for c in dates)


def _repeats(sample: pl.Series) -> bool:
    """Whether a column's sample repeats its values (at most one distinct value in two)."""
    return sample.n_unique() * 2 <= sample.len()


def _coded_dates(col: pl.Series) -> pl.Series:
    """An ISO date column read coded (its distinct texts and a code per line: a date column
    repeats its few hundred days, and its codes take a quarter of a text column's memory while
    the file is parsed) as dates when every distinct value reads, else as text: the same cells
    as a text read, each distinct value read once."""
    return per_distinct(col, _dates_or_texts)


def _dates_or_texts(texts: pl.Series) -> pl.Series:
    dates = _iso_dates(texts)
    return texts if dates is None else dates


def _iso_dates(col: pl.Series) -> pl.Series | None:
    """A text column as core.ingest.dates reads it with the ISO format; None when a value that
    is not blank does not read (the column stays text)."""
    dates = read_dates(col, _ISO)
    unread = col.filter(dates.is_null()).drop_nulls()
    return None if (unread.str.strip_chars() != "").any() else dates


def _head_lines(raw: bytes, lines: int) -> bytes:
    """The first `lines` lines of the bytes (all of them when there are fewer)."""
    end = 0
    for _ in range(lines):
        end = raw.find(b"\n", end) + 1
        if end == 0:
            return raw
    return raw[:end]


def _stray_quote_line(text: str) -> int | None:
    """The first line (1 = header) whose quotes do not pair up, None when all do."""
    lines = pl.Series(text.split("\n"))
    odd = (lines.str.count_matches('"', literal=True) % 2 == 1).arg_true()
    return int(odd[0]) + 1 if odd.len() else None
