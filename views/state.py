"""App state: which dataset is loaded, its role mapping, the global filters and the settings.

Everything here lives in st.session_state so it holds while the user moves between pages.

Memory (README, "Security and limits"): a session holds one copy of an upload, compressed
(zstd, about 1/7 of the file) in its session state, never the raw bytes next to the frames;
the uploader's own copy is dropped once the file is in (views/data.py). The frames built from a
file are cached as resources (never pickled on a hit) keyed by the file's content digest:
- uploads: in session-scoped caches (one entry each), released when the session ends;
- the bundled sample: in global caches shared by every session, with a ttl and max_entries.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import streamlit as st

from core.clv import ClvFit
from core.errors import InputError
from core.hub import metrics_with_fit, with_status
from core.ingest import Loaded, load_customers, load_orders
from core.ingest.limits import NAMES as LIMIT_NAMES
from core.ingest.readers import excel_sheets, read_table, read_table_noted
from core.model.filters import Filters, apply_filters, dimension_values
from core.model.settings import AT_RISK_DAYS, CHURN_DAYS, Settings, check_thresholds
from views import ahead, config, ui, widgets

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
    kept once, compressed, under its digest in session state: see _stash)."""

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


def _sample_dataset() -> Dataset:
    orders, customers = _sample()
    return Dataset("sample", orders, customers)


def dataset() -> Dataset:
    if "dataset" not in st.session_state:
        st.session_state["dataset"] = _sample_dataset()
    return st.session_state["dataset"]


def use_sample() -> None:
    st.session_state["dataset"] = _sample_dataset()
    _forget_filters()
    _prune_stash()


def use_upload(name: str, data: bytes, sheet: str | None = None) -> None:
    """Switch to an uploaded orders file (the customers file of the sample is dropped)."""
    src = Source.of(name, data, sheet)
    _stash(src.digest, data)
    st.session_state["dataset"] = Dataset("upload", src)
    _forget_filters()
    _prune_stash()
    _keep_upload()


def use_sheet(sheet: str | None) -> None:
    """Read another sheet of the uploaded workbook (None: the first that holds a table)."""
    ds = dataset()
    st.session_state["dataset"] = replace(ds, orders=replace(ds.orders, sheet=sheet), overrides={})
    _forget_filters()


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


def set_customers_file(name: str | None, data: bytes | None) -> None:
    ds = dataset()
    if name and data:
        ds.customers = Source.of(name, data)
        _stash(ds.customers.digest, data)
    else:
        ds.customers = None
    _prune_stash()


def set_overrides(overrides: dict[str, str]) -> None:
    dataset().overrides = dict(overrides)
    _forget_filters()


def set_options(**options) -> None:
    """How the file is read beyond the mapping: date_format, fx ({CUR: rate}), currency."""
    ds = dataset()
    ds.options = {k: v for k, v in {**ds.options, **options}.items() if v}
    _forget_filters()


def mapping_key(ds: Dataset) -> str:
    """The mapping and reading options as one string (part of every cache key)."""
    return json.dumps({"map": ds.overrides, "options": ds.options}, sort_keys=True)


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


def _keep_upload() -> None:
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


def _stash(digest: str, data: bytes) -> None:
    """Keep an upload's bytes once, compressed, in this session's state."""
    files = st.session_state.setdefault("_files", {})
    if digest not in files:
        files[digest] = (len(data), pa.compress(data, codec="zstd", asbytes=True))


def _prune_stash() -> None:
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
    found = st.session_state.get("_files", {}).get(src.digest)
    if found is None:
        raise InputError(
            "this session no longer holds the uploaded file (it was reconnected): "
            "upload it again on the Data page",
            file=src.name,
        )
    size, packed = found
    return pa.decompress(packed, decompressed_size=size, codec="zstd", asbytes=True)


# ---------------------------------------------------------------- cached loading
# Each function is cached twice: shared by every session (the sample) and private to one
# session (uploads, released when it ends). Arguments starting with _ are not hashed: the
# digest (and the mapping) in the key say what the result is.


def _two_scopes(
    fn: Callable[..., Any], *, shared: int, private: int, spinner: bool | str = False
) -> Callable[..., Any]:
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
    digest: str, name: str, sheet: str | None, _data: Callable[[], bytes]
) -> pl.DataFrame:
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
        scoped = _two_scopes(fn, shared=shared, private=private, spinner=spinner)

        def call(*args: Any) -> Any:
            return scoped(_is_sample(dataset().orders), *args)

        call.shared, call.private = scoped.shared, scoped.private  # type: ignore[attr-defined]
        call.__doc__, call.__name__ = fn.__doc__, fn.__name__
        return call

    return wrap


_load_orders = _two_scopes(_load_orders_fn, shared=4, private=1, spinner="Reading the orders file…")
_load_customers = _two_scopes(
    _load_customers_fn, shared=2, private=1, spinner="Reading the customers file…"
)
_read_raw = _two_scopes(_read_raw_fn, shared=2, private=1)


def _is_sample(src: Source) -> bool:
    return src.path is not None


def raw_table(src: Source) -> pl.DataFrame:
    """The file as read, before any mapping: its first PREVIEW_ROWS rows (for the mapping
    editor's preview and checks)."""
    return _read_raw(_is_sample(src), src.digest, src.name, src.sheet, lambda: _bytes(src))


def try_load() -> tuple[Loaded | None, InputError | None]:
    """Load the current dataset; on bad input return the error instead of raising."""
    ds = dataset()
    src = ds.orders
    try:
        loaded = _load_orders(
            _is_sample(src),
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
        return _load_customers(_is_sample(src), src.digest, src.name, lambda: _bytes(src)), None
    except InputError as exc:
        return None, exc


@st.cache_resource(show_spinner=False, ttl=SHARED_TTL, max_entries=3)
def _experiment_sample(mtime: float) -> pl.DataFrame:
    return read_table(SAMPLE_EXPERIMENT)


# ---------------------------------------------------------------- settings and filters


DEFAULT_SETTINGS = {"churn_days": CHURN_DAYS, "at_risk_days": AT_RISK_DAYS}
AS_OF = "as_of"  # the sidebar's as-of widget (its key is also the URL parameter)


def settings_values() -> dict:
    """churn_days, at_risk_days (shared by every page) and as_of (the sidebar's date; None: the
    last order date) as the user set them."""
    values = st.session_state.setdefault("settings", dict(DEFAULT_SETTINGS))
    values["as_of"] = st.session_state.get(AS_OF)
    return values


def set_settings(**values) -> None:
    """Change the shared thresholds (churn_days, at_risk_days) for every page."""
    settings_values().update(values)


def settings_from_link() -> None:
    """Once per session: thresholds given in the URL, when they are whole days that fit together
    (otherwise they are left as they are and the link notice names them)."""
    if st.session_state.get("_settings_from_link"):
        return
    st.session_state["_settings_from_link"] = True
    given = {k: widgets.link_value(k) for k in DEFAULT_SETTINGS}
    if not any(given.values()):
        return
    values = {k: int(v) if v and v.isdigit() else settings_values()[k] for k, v in given.items()}
    try:
        check_thresholds(values["churn_days"], values["at_risk_days"])
    except InputError:
        return
    set_settings(**values)


def as_of_in_use() -> date | None:
    """The as-of date every page uses: the sidebar's date when set, else the end of the date
    filter when there is one, else the last order date of the whole file (a filter on region,
    category ... does not move it). None when the file cannot be loaded."""
    chosen = settings_values().get("as_of")
    if chosen:
        return chosen
    if filters().end:
        return filters().end
    loaded, _ = try_load()
    return None if loaded is None else loaded.orders["order_date"].max()


def filters() -> Filters:
    return st.session_state.get("filters") or Filters()


def set_filters(f: Filters) -> None:
    st.session_state["filters"] = f


def _forget_filters() -> None:
    """A new dataset or mapping: the filter widgets go back to their defaults on the next run."""
    st.session_state.pop("filters", None)
    ahead.forget()
    st.session_state["_reset_filters"] = True


def reset_filter_widgets_if_asked(defaults: dict[str, object]) -> None:
    """Called before the filter widgets are drawn: apply a reset asked for by _forget_filters."""
    if st.session_state.pop("_reset_filters", False):
        for key, value in defaults.items():
            st.session_state[key] = value


def _dimension_values_fn(key: str, _orders: pl.DataFrame) -> dict[str, list[str]]:
    return dimension_values(_orders)


_dimension_values = _two_scopes(_dimension_values_fn, shared=4, private=2)


def filter_options(loaded: Loaded) -> dict[str, list[str]]:
    """The values each sidebar filter offers, once per dataset and mapping."""
    ds = dataset()
    key = f"{ds.orders.digest}|{mapping_key(ds)}"
    return _dimension_values(_is_sample(ds.orders), key, loaded.orders)


def _filtered_fn(key: str, _orders: pl.DataFrame, _filters: Filters) -> pl.DataFrame:
    return apply_filters(_orders, _filters)


def _hub_fn(
    key: str,
    _orders: pl.DataFrame,
    _customers: pl.DataFrame | None,
    as_of: date,
    _ahead: Future | None = None,
) -> tuple[pl.DataFrame, ClvFit | None]:
    """The threshold-free customer table and the CLV fit of its columns (one fit, read by the
    Churn page's diagnostics and the Action plan too), once per dataset, filters and as_of: the
    result of the job computing them ahead (prepare_ahead) when there is one."""
    if _ahead is not None:
        return _ahead.result()
    return metrics_with_fit(_orders, as_of=as_of, customers=_customers)


_HUB_PRIVATE = 3  # customer tables one session keeps
_filtered = _two_scopes(_filtered_fn, shared=8, private=2)
_hub = _two_scopes(_hub_fn, shared=8, private=_HUB_PRIVATE, spinner="Computing customer metrics…")


# ---------------------------------------------------------------- what pages use


@dataclass
class AppData:
    """What a page needs: the filtered orders, the hub table, settings and file metadata."""

    name: str
    key: str  # changes with dataset, mapping, filters and settings: use it as a cache key
    dataset_key: str  # changes with dataset and mapping only (what all_orders depends on)
    hub_key: str  # changes with dataset, mapping, filters and as_of (not the thresholds)
    loaded: Loaded
    orders: pl.DataFrame
    all_orders: pl.DataFrame
    customers_file: pl.DataFrame | None
    settings: Settings
    filters: Filters
    shared: bool = False  # the bundled sample: its caches are shared by every session

    @property
    def mapping(self) -> dict[str, str]:
        return self.loaded.mapping

    @property
    def warnings(self) -> list[str]:
        return self.loaded.warnings

    @property
    def has_dates(self) -> bool:
        """Whether the orders carry dates (views.needs.dates stops a page that needs them)."""
        return self.loaded.has_dates

    @property
    def returns(self) -> pl.DataFrame:
        """Return and cancellation lines (negative), under the same sidebar filters."""
        r = self.loaded.returns
        return apply_filters(r, self.filters) if self.filters.active and r.height else r

    @property
    def experiment(self) -> pl.DataFrame | None:
        """The experiment table: uploaded on the A/B page, else the bundled sample."""
        up = st.session_state.get("experiment_upload")
        if up is not None:
            return up
        if SAMPLE_EXPERIMENT.exists():
            return _experiment_sample(SAMPLE_EXPERIMENT.stat().st_mtime)
        return None

    def customer_table(self) -> pl.DataFrame:
        """The customer metrics table (SPEC hub): cached per dataset, filters and as_of; the
        status for the current thresholds is a cheap view on it (a threshold change never
        refits CLV)."""
        s = self.settings
        return with_status(self._hub()[0], s.churn_days, s.at_risk_days)

    def clv_fit(self) -> ClvFit | None:
        """The CLV fit of the customer table's columns (core.clv.fit on these orders and as_of),
        from the same cache entry: the fit diagnostics and the Action plan fit nothing again."""
        return self._hub()[1]

    def _hub(self) -> tuple[pl.DataFrame, ClvFit | None]:
        job = ahead.take("customer_table", self.hub_key)
        ahead.have("customer_table", self.hub_key)  # also when it fails: the page says why
        return _hub(
            self.shared, self.hub_key, self.orders, self.customers_file, self.settings.as_of, job
        )


def _current(loaded: Loaded, cust: pl.DataFrame | None) -> AppData:
    """The current dataset, filters and settings as an AppData (no UI: callers check it)."""
    ds = dataset()
    f = filters()
    fkey = f"{ds.orders.digest}|{mapping_key(ds)}|{f.key()}"
    shared = _is_sample(ds.orders)
    orders = _filtered(shared, fkey, loaded.orders, f) if f.active else loaded.orders
    sv = settings_values()
    settings = Settings(
        as_of=as_of_in_use(),
        churn_days=int(sv["churn_days"]),
        at_risk_days=int(sv["at_risk_days"]),
    )
    cdig = ds.customers.digest if ds.customers else "-"
    hub_key = f"{fkey}|{cdig}|{settings.as_of}"
    key = f"{hub_key}|{settings.churn_days}|{settings.at_risk_days}"
    return AppData(
        name=ds.orders.name,
        key=hashlib.sha1(key.encode()).hexdigest(),
        dataset_key=hashlib.sha1(f"{ds.orders.digest}|{mapping_key(ds)}".encode()).hexdigest(),
        hub_key=hashlib.sha1(hub_key.encode()).hexdigest(),
        loaded=loaded,
        orders=orders,
        all_orders=loaded.orders,
        customers_file=cust,
        settings=settings,
        filters=f,
        shared=shared,
    )


def app_data() -> AppData:
    """The current dataset, filtered. On bad input shows st.error and stops the page."""
    loaded, err = try_load()
    if err is not None:
        st.error(f"The orders file cannot be used: {err}")
        st.page_link("views/data.py", label="Fix the column mapping on the Data page", icon="🛠️")
        st.stop()
    cust, cerr = customers_file()
    if cerr is not None:
        st.warning(f"The customers file is ignored: {cerr}")
    data = _current(loaded, cust)
    if data.orders.height == 0:
        st.warning("No orders match the filters in the sidebar. Widen them to see results.")
        st.stop()
    ui.set_currency(loaded.currency.currency)
    return data


# ---------------------------------------------------------------- work done ahead of time
def _ahead_jobs(data: AppData) -> dict[str, Callable[[], Any]]:
    """What is computed ahead (views.ahead), in order; every one is keyed by data.hub_key."""
    as_of = data.settings.as_of

    def churn_suggestion() -> Any:
        from core import churn

        return churn.suggest_thresholds(data.orders, as_of)

    return {
        "customer_table": lambda: metrics_with_fit(
            data.orders, as_of=as_of, customers=data.customers_file
        ),
        "churn_suggestion": churn_suggestion,
    }


def prepare_ahead() -> None:
    """Called at the end of every run: on an upload, start in the background what this session
    does not have yet for the current dataset, filters and as_of (views.ahead)."""
    if _is_sample(dataset().orders):
        return
    loaded, err = try_load()
    cust, cerr = customers_file()
    if err is not None or loaded is None:
        return
    data = _current(loaded, None if cerr is not None else cust)
    if data.orders.height == 0:
        return
    ahead.start(_ahead_jobs(data), data.hub_key)


def with_as_of(settings: Settings, as_of: date | None) -> Settings:
    return replace(settings, as_of=as_of)
