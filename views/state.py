"""App state: which dataset is loaded, its role mapping, the global filters and the settings.

Everything here lives in st.session_state so it holds while the user moves between pages.
Heavy work is cached with st.cache_data keyed on a digest of the uploaded bytes (not the frame).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import polars as pl
import streamlit as st

from core.errors import InputError
from core.hub import customer_metrics, with_status
from core.ingest import Loaded, load_customers, load_orders
from core.ingest.limits import NAMES as LIMIT_NAMES
from core.ingest.readers import read_table
from core.model.filters import Filters, apply_filters, dimension_values
from core.model.settings import AT_RISK_DAYS, CHURN_DAYS, Settings, check_thresholds
from views import config, widgets

# input limits set in .streamlit/secrets.toml reach core like environment variables
config.secrets_to_environment(LIMIT_NAMES)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SAMPLE_ORDERS = DATA_DIR / "orders.csv"
SAMPLE_CUSTOMERS = DATA_DIR / "customers.csv"
SAMPLE_EXPERIMENT = DATA_DIR / "experiment.csv"


@dataclass
class Source:
    """A file the user gave (or the bundled sample): its bytes are kept, never lost."""

    name: str
    data: bytes
    digest: str
    sheet: str | None = None

    @classmethod
    def of(cls, name: str, data: bytes, sheet: str | None = None) -> Source:
        return cls(name, data, hashlib.sha1(data).hexdigest(), sheet)


@dataclass
class Dataset:
    kind: str  # "sample" | "upload"
    orders: Source
    customers: Source | None = None
    overrides: dict[str, str] = field(default_factory=dict)


def _sample() -> Dataset:
    orders = Source.of("Sample shop (orders.csv)", SAMPLE_ORDERS.read_bytes())
    customers = Source.of("customers.csv", SAMPLE_CUSTOMERS.read_bytes())
    return Dataset("sample", orders, customers)


def dataset() -> Dataset:
    if "dataset" not in st.session_state:
        st.session_state["dataset"] = _sample()
    return st.session_state["dataset"]


def use_sample() -> None:
    st.session_state["dataset"] = _sample()
    _forget_filters()


def use_upload(name: str, data: bytes, sheet: str | None = None) -> None:
    """Switch to an uploaded orders file (the customers file of the sample is dropped)."""
    st.session_state["dataset"] = Dataset("upload", Source.of(name, data, sheet))
    _forget_filters()
    _keep_upload()


def set_customers_file(name: str | None, data: bytes | None) -> None:
    ds = dataset()
    ds.customers = Source.of(name, data) if name and data else None


def set_overrides(overrides: dict[str, str]) -> None:
    dataset().overrides = dict(overrides)
    _forget_filters()


# ---------------------------------------------------------------- an upload survives a reload
# A reload starts a new session with an empty session state, but the URL stays. The uploaded
# dataset is kept in server memory (a few, newest first) under a random token carried in the
# URL as `data=`; a new session opened with that token gets the dataset back. A server restart
# forgets them (the link then says so, and the sample data is shown).
UPLOAD_PARAM = "data"
KEPT_UPLOADS = 8


@st.cache_resource(show_spinner=False)
def _kept_uploads() -> dict[str, Dataset]:
    return {}


def _keep_upload() -> None:
    kept = _kept_uploads()
    token = secrets.token_urlsafe(12)
    kept[token] = dataset()
    while len(kept) > KEPT_UPLOADS:
        kept.pop(next(iter(kept)))
    st.session_state["upload_token"] = token


def restore_upload() -> str | None:
    """On a session's first run, take back the upload its URL names; keep the token in the URL.

    Returns the token in use (None on the sample data)."""
    token = widgets.link_value(UPLOAD_PARAM)
    if "dataset" not in st.session_state and token in _kept_uploads():
        st.session_state["dataset"] = _kept_uploads()[token]
        st.session_state["upload_token"] = token
    current = st.session_state.get("upload_token") if dataset().kind == "upload" else None
    if current and st.query_params.get(UPLOAD_PARAM) != current:
        st.query_params[UPLOAD_PARAM] = current
    elif not current and UPLOAD_PARAM in st.query_params and UPLOAD_PARAM not in widgets.start():
        del st.query_params[UPLOAD_PARAM]
    return current


# ---------------------------------------------------------------- cached loading


@st.cache_data(show_spinner="Reading the orders file…", max_entries=6)
def _load_orders(digest: str, name: str, overrides: str, sheet: str | None, _data: bytes) -> Loaded:
    return load_orders(_data, name=name, overrides=json.loads(overrides), sheet=sheet)


@st.cache_data(show_spinner="Reading the customers file…", max_entries=6)
def _load_customers(digest: str, name: str, _data: bytes) -> pl.DataFrame:
    return load_customers(_data, name=name)


@st.cache_data(show_spinner=False, max_entries=6)
def _read_raw(digest: str, name: str, sheet: str | None, _data: bytes) -> pl.DataFrame:
    return read_table(_data, name, sheet)


def raw_table(src: Source) -> pl.DataFrame:
    """The file as read, before any mapping (for the mapping editor's preview)."""
    return _read_raw(src.digest, src.name, src.sheet, src.data)


def try_load() -> tuple[Loaded | None, InputError | None]:
    """Load the current dataset; on bad input return the error instead of raising."""
    ds = dataset()
    try:
        loaded = _load_orders(
            ds.orders.digest,
            ds.orders.name,
            json.dumps(ds.overrides, sort_keys=True),
            ds.orders.sheet,
            ds.orders.data,
        )
    except InputError as exc:
        return None, exc
    return loaded, None


def customers_file() -> tuple[pl.DataFrame | None, InputError | None]:
    src = dataset().customers
    if src is None:
        return None, None
    try:
        return _load_customers(src.digest, src.name, src.data), None
    except InputError as exc:
        return None, exc


@st.cache_data(show_spinner=False, max_entries=3)
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
    st.session_state["_reset_filters"] = True


def reset_filter_widgets_if_asked(defaults: dict[str, object]) -> None:
    """Called before the filter widgets are drawn: apply a reset asked for by _forget_filters."""
    if st.session_state.pop("_reset_filters", False):
        for key, value in defaults.items():
            st.session_state[key] = value


@st.cache_data(show_spinner=False, max_entries=6)
def _dimension_values(key: str, _orders: pl.DataFrame) -> dict[str, list[str]]:
    return dimension_values(_orders)


def filter_options(loaded: Loaded) -> dict[str, list[str]]:
    """The values each sidebar filter offers, once per dataset and mapping."""
    ds = dataset()
    key = f"{ds.orders.digest}|{json.dumps(ds.overrides, sort_keys=True)}"
    return _dimension_values(key, loaded.orders)


@st.cache_data(show_spinner=False, max_entries=12)
def _filtered(key: str, _orders: pl.DataFrame, _filters: Filters) -> pl.DataFrame:
    return apply_filters(_orders, _filters)


@st.cache_data(show_spinner="Computing customer metrics…", max_entries=12)
def _hub(
    key: str, _orders: pl.DataFrame, _customers: pl.DataFrame | None, as_of: date
) -> pl.DataFrame:
    """The threshold-free customer table (with the CLV fit), once per dataset, filters and as_of."""
    return customer_metrics(_orders, as_of=as_of, customers=_customers)


# ---------------------------------------------------------------- what pages use


@dataclass
class AppData:
    """What a page needs: the filtered orders, the hub table, settings and file metadata."""

    name: str
    key: str  # changes with dataset, mapping, filters and settings: use it as a cache key
    hub_key: str  # changes with dataset, mapping, filters and as_of (not the thresholds)
    loaded: Loaded
    orders: pl.DataFrame
    all_orders: pl.DataFrame
    customers_file: pl.DataFrame | None
    settings: Settings
    filters: Filters

    @property
    def mapping(self) -> dict[str, str]:
        return self.loaded.mapping

    @property
    def warnings(self) -> list[str]:
        return self.loaded.warnings

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
        table = _hub(self.hub_key, self.orders, self.customers_file, s.as_of)
        return with_status(table, s.churn_days, s.at_risk_days)


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
    ds = dataset()
    f = filters()
    fkey = f"{ds.orders.digest}|{json.dumps(ds.overrides, sort_keys=True)}|{f.key()}"
    orders = _filtered(fkey, loaded.orders, f) if f.active else loaded.orders
    if orders.height == 0:
        st.warning("No orders match the filters in the sidebar. Widen them to see results.")
        st.stop()
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
        hub_key=hashlib.sha1(hub_key.encode()).hexdigest(),
        loaded=loaded,
        orders=orders,
        all_orders=loaded.orders,
        customers_file=cust,
        settings=settings,
        filters=f,
    )


def with_as_of(settings: Settings, as_of: date | None) -> Settings:
    return replace(settings, as_of=as_of)
