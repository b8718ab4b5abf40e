"""Input limits: how big a file may get once decompressed, how many columns it may have and how
long one line may be. Each is checked while reading, before the table is built, so a hostile
file (a gzip bomb, a 5 MB single-line CSV, a workbook whose sheets inflate to gigabytes) is
refused with a sentence that names the limit and how to raise it.

Each limit is an environment variable (the app also reads the same key from
.streamlit/secrets.toml, see views/config.py):
- CUSTOMER_PULSE_MAX_FILE_MB    size of a file once decompressed (default 300 MB)
- CUSTOMER_PULSE_MAX_COLUMNS    columns in a table (default 500)
- CUSTOMER_PULSE_MAX_LINE_KB    length of one line of a text file (default 256 KB)
"""

from __future__ import annotations

import io
import mmap
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from core.errors import InputError

MAX_FILE_MB = "CUSTOMER_PULSE_MAX_FILE_MB"
MAX_COLUMNS = "CUSTOMER_PULSE_MAX_COLUMNS"
MAX_LINE_KB = "CUSTOMER_PULSE_MAX_LINE_KB"
NAMES = (MAX_FILE_MB, MAX_COLUMNS, MAX_LINE_KB)
DEFAULTS = {MAX_FILE_MB: 300, MAX_COLUMNS: 500, MAX_LINE_KB: 256}
CHUNK = 1 << 24  # 16 MB: the most any single check holds at once besides the file itself


def _raise_hint(name: str) -> str:
    return f"set {name} higher in the environment or in .streamlit/secrets.toml to allow more"


@dataclass(frozen=True)
class Limits:
    """The limits in force (bytes, columns, bytes per line)."""

    max_bytes: int
    max_columns: int
    max_line_bytes: int

    @classmethod
    def from_env(cls) -> Limits:
        """The limits from the environment, else the defaults; a bad value is an InputError."""
        values = {}
        for name, default in DEFAULTS.items():
            text = os.environ.get(name, "").strip()
            try:
                values[name] = float(text) if text else float(default)
            except ValueError:
                raise InputError(f"{name} must be a number, got {text!r}") from None
            if values[name] <= 0:
                raise InputError(f"{name} must be above 0, got {text!r}")
        return cls(
            max_bytes=int(values[MAX_FILE_MB] * 1024 * 1024),
            max_columns=int(values[MAX_COLUMNS]),
            max_line_bytes=int(values[MAX_LINE_KB] * 1024),
        )

    def too_big(self, name: str, what: str = "once decompressed") -> InputError:
        mb = self.max_bytes / 1024 / 1024
        return InputError(
            f"the file is larger than the limit of {mb:,.0f} MB {what} "
            f"({MAX_FILE_MB}; {_raise_hint(MAX_FILE_MB)})",
            file=name,
        )

    def check_size(self, size: int, name: str) -> None:
        if size > self.max_bytes:
            raise self.too_big(name, "")

    def check_columns(self, columns: int, name: str, sheet: str | None = None) -> None:
        if columns > self.max_columns:
            where = f" on sheet {sheet!r}" if sheet else ""
            raise InputError(
                f"the table has {columns:,} columns{where}, more than the limit of "
                f"{self.max_columns:,} ({MAX_COLUMNS}; {_raise_hint(MAX_COLUMNS)})",
                file=name,
            )


def gunzip(data: bytes, name: str, limits: Limits) -> bytes:
    """Decompress a gzip file (every member) in a stream, stopping as soon as the output passes
    the size limit: a gzip bomb costs at most the limit, never the bomb's full size."""
    out, total, rest = [], 0, data
    try:
        while rest:
            d = zlib.decompressobj(wbits=31)
            chunk = d.decompress(rest, CHUNK)
            while True:
                total += len(chunk)
                if total > limits.max_bytes:
                    raise limits.too_big(name)
                out.append(chunk)
                if d.eof or not d.unconsumed_tail:
                    break
                chunk = d.decompress(d.unconsumed_tail, CHUNK)
            if not d.eof:
                raise InputError("the gzip file is damaged (it ends too early)", file=name)
            rest = d.unused_data.lstrip(b"\x00")
            if rest and rest[:2] != b"\x1f\x8b":
                break  # trailing bytes that are not another member: ignored, like gzip does
    except zlib.error:
        raise InputError("the gzip file is damaged", file=name) from None
    return b"".join(out)


def check_zip(data: bytes, name: str, limits: Limits) -> None:
    """An .xlsx is a zip: refuse one whose parts add up to more than the size limit."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            total = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip after all: the Excel reader says what it is
    if total > limits.max_bytes:
        raise limits.too_big(name)


def check_parquet(data: bytes | Path, name: str, limits: Limits) -> None:
    """Columns and uncompressed size from a Parquet file's footer (its bytes or the file),
    before reading its data."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(data if isinstance(data, Path) else io.BytesIO(data))
    except Exception:
        return  # not readable: the Parquet reader says so
    limits.check_columns(meta.num_columns, name)
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if size > limits.max_bytes:
        raise limits.too_big(name)


def check_lines(data: bytes, name: str, limits: Limits) -> None:
    """Refuse a text file with a line longer than the limit, naming the line (1 = header).

    See LineCheck (no copy of the file)."""
    LineCheck(name, limits, data).feed(data)


class LineCheck:
    """check_lines over a file read piece by piece: feed() each piece in order. `source` (the
    bytes, or the file) is read again only to number a line that is too long.

    A line longer than the limit holds a stretch of half the limit, aligned on multiples of
    half the limit, with no line break: only such stretches are looked at closely, so a file
    of short lines costs one search per half limit (about 700 searches for 94 MB)."""

    def __init__(self, name: str, limits: Limits, source: bytes | Path | None = None) -> None:
        self.name, self.limits, self.source = name, limits, source
        self.pos, self.line_start = 0, 0  # bytes fed; where the current line starts

    def feed(self, piece: bytes | mmap.mmap) -> None:
        limit, n = self.limits.max_line_bytes, len(piece)
        half = max(1, limit // 2)
        first = piece.find(b"\n")
        if self.pos + (first if first >= 0 else n) - self.line_start > limit:
            self._too_long(self.line_start)  # the line carried over from earlier pieces
        if first < 0:
            self.pos += n
            return
        for w in range(first + 1, n, half):
            if piece.find(b"\n", w, w + half) >= 0:
                continue
            start = piece.rfind(b"\n", 0, w) + 1
            stop = piece.find(b"\n", w + half)
            if (stop if stop >= 0 else n) - start > limit:
                self._too_long(self.pos + start)
        self.line_start = self.pos + piece.rfind(b"\n") + 1
        self.pos += n

    def _too_long(self, offset: int) -> None:
        number = _line_number(self.source, offset) if self.source is not None else None
        kb = self.limits.max_line_bytes / 1024
        where = f"line {number:,}" if number else "a line"
        raise InputError(
            f"{where} is longer than the limit of {kb:,.0f} KB "
            f"({MAX_LINE_KB}; {_raise_hint(MAX_LINE_KB)})",
            file=self.name,
        )


def _line_number(source: bytes | Path, offset: int) -> int:
    """The number (1 = header) of the line starting at byte `offset`."""
    if isinstance(source, (bytes, bytearray)):
        return source.count(b"\n", 0, offset) + 1
    breaks, read = 0, 0
    with Path(source).open("rb") as f:
        while read < offset:
            piece = f.read(min(CHUNK, offset - read))
            if not piece:
                break
            breaks, read = breaks + piece.count(b"\n"), read + len(piece)
    return breaks + 1


def check_header(text: str | bytes, sep: str, name: str, limits: Limits) -> None:
    """Columns of a text table (its text or UTF-8 bytes), counted on its first line before it
    is parsed (no copy of the line)."""
    if isinstance(text, bytes):
        end = text.find(b"\n")
        count = text.count(sep.encode(), 0, end if end >= 0 else len(text))
    else:
        end = text.find("\n")
        count = text.count(sep, 0, end if end >= 0 else len(text))
    limits.check_columns(count + 1, name)
