"""The dataset's files and their cached loading: which files (`Source`, `Dataset`), an upload's
bytes kept once per session, an upload kept across a reload, and the cached readers that turn
them into frames (`try_load`, `customers_file`, `raw_table`, `dataset_cache` for pages).

Memory (README, "Security and limits"): a session holds one copy of an upload, compressed
(zstd, about 1/7 of the file) in its session state, never the raw bytes next to the frames;
the uploader's own copy is dropped once the file is in (views/data.py). The frames built from a
file are cached as resources (never pickled on a hit) keyed by the file's content digest:
- uploads: in session-scoped caches (one entry each), released when the session ends;
- the bundled sample: in global caches shared by every session, with a ttl and max_entries.

Which dataset the user chooses (and the filters reset that goes with it) is views.state's.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl
import pyarrow as pa
import streamlit as st

from core.errors import InputError
from core.ingest import Loaded, load_customers, load_orders
from core.ingest.excel import excel_sheets
from core.ingest.limits import NAMES as LIMIT_NAMES
from core.ingest.limits import Limits
from core.ingest.readers import read_table, read_table_noted
from views import config, widgets

# input limits set in .streamlit/secrets.toml reach core like environment variables
config.secrets_to_environment(LIMIT_NAMES)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SAMPLE_ORDERS = DATA_DIR / "orders.csv"
SAMPLE_CUSTOMERS = DATA_DIR / "customers.csv"
SAMPLE_EXPERIMENT = DATA_DIR / "experiment.csv"
SHARED_TTL = "1h"  # entries of the global caches (the sample) live at most this long
PREVIEW_ROWS = 10_000  # the mapping editor works on the file's first rows


@dataclass
class Source:
    """A file: the bundled sample (read from `path` when needed) or an upload (its bytes are
    kept once, compressed, under its digest in session state: see stash)."""

    name: str
    digest: str
    sheet: str | None = None
    size: int = 0
    path: Path | None = None
    sheets: tuple[str, ...] = ()  # an Excel workbook's sheet names

    @classmethod
    def of(cls, name: str, data: bytes, sheet: str | None = None) -> Source:
        sheets = tuple(excel_sheets(data)) if data[:4] == b"PK\x03\x04" else ()
        return cls(name, hashlib.sha1(data).hexdigest(), sheet, len(data), None, sheets)

    @classmethod
    def bundled(cls, name: str, path: Path) -> Source:
        data = path.read_bytes()
        return cls(name, hashlib.sha1(data).hexdigest(), None, len(data), path)


@dataclass
class Dataset:
    kind: str  # "sample" | "upload"
    orders: Source
    customers: Source | None = None
    overrides: dict[str, str] = field(default_factory=dict)
    options: dict = field(default_factory=dict)  # date_format, fx, currency, drop_duplicates


@st.cache_resource(show_spinner=False, ttl=SHARED_TTL)
def _sample() -> tuple[Source, Source]:
    return (
        Source.bundled("Sample shop (orders.csv)", SAMPLE_ORDERS),
        Source.bundled("customers.csv", SAMPLE_CUSTOMERS),
    )


def sample_dataset() -> Dataset:
    orders, customers = _sample()
    return Dataset("sample", orders, customers)


def dataset() -> Dataset:
    """This session's dataset (the sample until the user chooses another: views.state)."""
    if "dataset" not in st.session_state:
        st.session_state["dataset"] = sample_dataset()
    return st.session_state["dataset"]


def set_dataset(ds: Dataset) -> None:
    st.session_state["dataset"] = ds


def mapping_key(ds: Dataset) -> str:
    """The mapping and reading options as one string (part of every cache key)."""
    return json.dumps({"map": ds.overrides, "options": ds.options}, sort_keys=True)


def uploader_key(name: str) -> str:
    """The current key of an uploader: it changes after each upload (see release_upload)."""
    return f"{name}_{st.session_state.get('_upload_round', {}).get(name, 0)}"


def release_upload(upload: Any, name: str) -> None:
    """Once a file is taken in, drop Streamlit's own copy of it and show an empty uploader
    (a new key), so the session holds the file once."""
    rounds = st.session_state.setdefault("_upload_round", {})
    rounds[name] = rounds.get(name, 0) + 1
    # An internal API: if it fails, at worst Streamlit's copy lives until the session ends.
    with contextlib.suppress(Exception):
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is not None:
            ctx.uploaded_file_mgr.remove_file(ctx.session_id, upload.file_id)


# ---------------------------------------------------------------- an upload survives a reload
# A reload starts a new session with an empty session state, but the URL stays. The uploaded
# dataset is kept in server memory (a few, newest first) under a random token carried in the
# URL as `data=`; a new session opened with that token gets the dataset back. A server restart
# forgets them (the link then says so, and the sample data is shown). What is kept is the
# dataset and its compressed bytes (the session's stash), never the frames.
UPLOAD_PARAM = "data"
KEPT_UPLOADS = 8


@st.cache_resource(show_spinner=False)
def _kept_uploads() -> dict[str, tuple[Dataset, dict]]:
    return {}


def keep_upload() -> None:
    """Keep the current (uploaded) dataset for a reload, under a new token."""
    kept = _kept_uploads()
    token = secrets.token_urlsafe(12)
    kept[token] = (dataset(), st.session_state.setdefault("_files", {}))
    while len(kept) > KEPT_UPLOADS:
        kept.pop(next(iter(kept)))
    st.session_state["upload_token"] = token


def restore_upload() -> str | None:
    """On a session's first run, take back the upload its URL names; keep the token in the URL.

    Returns the token in use (None on the sample data)."""
    token = widgets.link_value(UPLOAD_PARAM)
    if "dataset" not in st.session_state and token in _kept_uploads():
        st.session_state["dataset"], st.session_state["_files"] = _kept_uploads()[token]
        st.session_state["upload_token"] = token
    current = st.session_state.get("upload_token") if dataset().kind == "upload" else None
    if current and st.query_params.get(UPLOAD_PARAM) != current:
        st.query_params[UPLOAD_PARAM] = current
    elif not current and UPLOAD_PARAM in st.query_params and UPLOAD_PARAM not in widgets.start():
        del st.query_params[UPLOAD_PARAM]
    return current


# ---------------------------------------------------------------- one copy of each upload


def stash(digest: str, data: bytes) -> None:
    """Keep an upload's bytes once, compressed, in this session's state."""
    files = st.session_state.setdefault("_files", {})
    if digest not in files:
        files[digest] = (len(data), pa.compress(data, codec="zstd", asbytes=True))


def prune_stash() -> None:
    """Drop the bytes of files the dataset no longer uses."""
    ds = dataset()
    keep = {ds.orders.digest} | ({ds.customers.digest} if ds.customers else set())
    files = st.session_state.get("_files", {})
    for digest in [d for d in files if d not in keep]:
        del files[digest]


def _bytes(src: Source) -> bytes:
    """The file's bytes, rebuilt for a (re)read: from disk for the sample, else the stash."""
    if src.path is not None:
        return src.path.read_bytes()
    size, packed = _stashed(src)
    return pa.decompress(packed, decompressed_size=size, codec="zstd", asbytes=True)


def _stashed(src: Source) -> tuple[int, bytes]:
    """An upload's (size, compressed bytes) from this session's stash."""
    found = st.session_state.get("_files", {}).get(src.digest)
    if found is None:
        raise InputError(
            "this session no longer holds the uploaded file (it was reconnected): "
            "upload it again on the Data page",
            file=src.name,
        )
    return found


def _stream(src: Source) -> BinaryIO:
    """The file's bytes as a stream: from disk for the sample, else decompressed from the stash
    as they are read (the head of an upload without decompressing the rest)."""
    if src.path is not None:
        return src.path.open("rb")
    return pa.CompressedInputStream(pa.BufferReader(_stashed(src)[1]), "zstd")


_NOT_TEXT_NAMES = (".xlsx", ".xlsm", ".xls", ".parquet", ".gz")  # as readers reads them
_NOT_TEXT_STARTS = (b"\x1f\x8b", b"PK\x03\x04", b"PAR1")  # gzip, a workbook, Parquet
_HEAD_CHUNK = 1 << 20


def head_lines(stream: BinaryIO, name: str, lines: int) -> bytes | None:
    """The first bytes of a text file holding at least its first `lines` lines (all of it when
    it has fewer), read from `stream`; None for a file that readers does not read as text by
    its name or first bytes (gzip, a workbook, Parquet), which is read whole."""
    if name.lower().endswith(_NOT_TEXT_NAMES):
        return None
    parts: list[bytes] = []
    found = 0
    with stream:
        while found < lines:
            chunk = stream.read(_HEAD_CHUNK)
            if not chunk:
                break
            if not parts and chunk.startswith(_NOT_TEXT_STARTS):
                return None
            parts.append(chunk)
            found += chunk.count(b"\n")
    return b"".join(parts)


# ---------------------------------------------------------------- cached loading
# Each function is cached twice: shared by every session (the sample) and private to one
# session (uploads, released when it ends). Arguments starting with _ are not hashed: the
# digest (and the mapping) in the key say what the result is.


def two_scopes(
    fn: Callable[..., Any], *, shared: int, private: int, spinner: bool | str = False
) -> Callable[..., Any]:
    """`fn` cached as a resource twice; the result is called with `sample` (is_sample: which
    cache) before `fn`'s own arguments. `shared` and `private` are their max_entries."""
    shared_fn = st.cache_resource(fn, ttl=SHARED_TTL, max_entries=shared, show_spinner=spinner)
    private_fn = st.cache_resource(fn, scope="session", max_entries=private, show_spinner=spinner)

    def call(sample: bool, *args: Any) -> Any:
        return (shared_fn if sample else private_fn)(*args)

    call.shared, call.private = shared_fn, private_fn  # type: ignore[attr-defined]
    return call


def _load_orders_fn(
    digest: str, name: str, key: str, sheet: str | None, _data: Callable[[], bytes]
) -> Loaded:
    """`key`: mapping_key(dataset) (the role overrides and the reading options)."""
    given = json.loads(key)
    # typed dates are ISO whatever the user says: a date format reads every column as text
    typed = not given["options"].get("date_format")
    raw, notes = read_table_noted(_data(), name, sheet, typed=typed, roles=given["map"])
    return load_orders(raw, name=name, overrides=given["map"], read_notes=notes, **given["options"])


def _load_customers_fn(digest: str, name: str, _data: Callable[[], bytes]) -> pl.DataFrame:
    return load_customers(_data(), name=name)


def _read_raw_fn(
    digest: str,
    name: str,
    sheet: str | None,
    size: int,
    _head: Callable[[], bytes | None],
    _data: Callable[[], bytes],
) -> pl.DataFrame:
    """read_table(the file, rows=PREVIEW_ROWS), from the file's head when it is text (`_head`:
    head_lines) and it reads; else (not text, a cut inside a quoted cell, an error to report)
    from the whole file, which gives the same table or the same error."""
    head = _head()
    if head is not None:
        Limits.from_env().check_size(size, name)  # as a read of the whole file checks first
        with contextlib.suppress(InputError):
            return read_table_noted(head, name, sheet, typed=False, rows=PREVIEW_ROWS)[0].head(
                PREVIEW_ROWS
            )
    return read_table(_data(), name, sheet, rows=PREVIEW_ROWS)


def dataset_cache(
    *, shared: int, private: int, spinner: bool | str = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator for a page's computation on the current dataset (its frames, the hub, what
    is derived from them): cached like the frames above, as a resource, so a hit returns the
    object itself (never pickled, never copied; treat it as read-only). The cache is the
    shared one on the bundled sample and this session's own on an upload (released when the
    session ends); `shared` and `private` are their max_entries. Key it like st.cache_data:
    a first argument saying what the result depends on (data.key, data.hub_key ...); arguments
    starting with _ are not hashed."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        scoped = two_scopes(fn, shared=shared, private=private, spinner=spinner)

        def call(*args: Any) -> Any:
            return scoped(is_sample(dataset().orders), *args)

        call.shared, call.private = scoped.shared, scoped.private  # type: ignore[attr-defined]
        call.__doc__, call.__name__ = fn.__doc__, fn.__name__
        return call

    return wrap


_load_orders = two_scopes(_load_orders_fn, shared=4, private=1, spinner="Reading the orders file…")
_load_customers = two_scopes(
    _load_customers_fn, shared=2, private=1, spinner="Reading the customers file…"
)
_read_raw = two_scopes(_read_raw_fn, shared=2, private=1)
_READ_AS_TEXT_OR_NOT = (".xlsx", ".xlsm", ".xls", ".parquet")  # readers: no text typing


def is_sample(src: Source) -> bool:
    """Whether `src` is the bundled sample (its caches are shared by every session)."""
    return src.path is not None


def raw_table(src: Source, loaded: Loaded | None = None) -> pl.DataFrame:
    """The file as read, before any mapping: its first PREVIEW_ROWS rows (for the mapping
    editor's preview and checks), all text for a text file. `loaded`: the file's Loaded when
    it loaded; a workbook or Parquet file reads the same typed or not, so its table as read
    serves (no second read). A text file's head is read alone (head_lines)."""
    if loaded is not None and src.name.lower().endswith(_READ_AS_TEXT_OR_NOT):
        return loaded.raw.head(PREVIEW_ROWS)
    return _read_raw(
        is_sample(src),
        src.digest,
        src.name,
        src.sheet,
        src.size,
        lambda: head_lines(_stream(src), src.name, PREVIEW_ROWS + 1),
        lambda: _bytes(src),
    )


def try_load() -> tuple[Loaded | None, InputError | None]:
    """Load the current dataset; on bad input return the error instead of raising."""
    ds = dataset()
    src = ds.orders
    try:
        loaded = _load_orders(
            is_sample(src),
            src.digest,
            src.name,
            mapping_key(ds),
            src.sheet,
            lambda: _bytes(src),
        )
    except InputError as exc:
        return None, exc
    return loaded, None


def customers_file() -> tuple[pl.DataFrame | None, InputError | None]:
    src = dataset().customers
    if src is None:
        return None, None
    try:
        return _load_customers(is_sample(src), src.digest, src.name, lambda: _bytes(src)), None
    except InputError as exc:
        return None, exc


@st.cache_resource(show_spinner=False, ttl=SHARED_TTL, max_entries=3)
def _experiment_sample(mtime: float) -> pl.DataFrame:
    return read_table(SAMPLE_EXPERIMENT)


def sample_experiment() -> pl.DataFrame | None:
    """The bundled experiment table (None when the app ships without one)."""
    if SAMPLE_EXPERIMENT.exists():
        return _experiment_sample(SAMPLE_EXPERIMENT.stat().st_mtime)
    return None
