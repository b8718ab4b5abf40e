"""Widget state: choices that hold for the whole session and travel in the page's URL.

A page widget whose choice should be kept takes `**widgets.keep("key")`: Streamlit keeps its value
when the user moves to another page and back (persist_state="session") and mirrors it in the URL
query string under its key (bind="query-params"), so a copied link reproduces the view. Tabs use
`widgets.tabs(labels, key)`. Values equal to the widget's default stay out of the URL.

The shared settings (thresholds) are not widgets on every page, so the router writes them into
the URL itself (`settings_params`) and reads them back once, when a session starts from a link
(`start`, `link_value`). Whatever a link asked for that could not be applied is named in one line
(`ignored_params`); `copy_link` gives the link of the current view.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from urllib.parse import urlencode

import streamlit as st

_LINK = "_link_params"  # the query string the session started with: {key: [values]}
_NOTICED = "_link_noticed"
_MISSING = object()
OWN_PARAMS = ("embed", "embed_options")  # Streamlit's own parameters are never "ignored"


def keep(key: str) -> dict:
    """Keyword arguments that make a widget keep its value for the session and in the URL."""
    return {"key": key, "bind": "query-params", "persist_state": "session"}


def tabs(labels: Sequence[str], key: str):
    """st.tabs whose selected tab is kept in the URL under `key` (the first tab stays out).
    Switching tabs reruns the page, so a page may draw only the open tab (is_open)."""
    return st.tabs(list(labels), key=key, bind="query-params")


def is_open(tab) -> bool:
    """Whether a tab of `tabs` is the open one (True when Streamlit does not say): its content
    is drawn when it is opened, which reruns the page."""
    return tab.open is not False


def kept(key: str, default):
    """A kept widget's value in a run that does not draw it (a closed tab): what the session
    keeps (keep), else the widget's default."""
    value = st.session_state.get(key)
    return default if value is None else value


def current_params() -> dict[str, list[str]]:
    """The URL's query parameters now, repeated keys as lists."""
    return {k: st.query_params.get_all(k) for k in st.query_params}


def start() -> dict[str, list[str]]:
    """The query parameters this session was opened with (read once, on its first run)."""
    if _LINK not in st.session_state:
        st.session_state[_LINK] = current_params()
    return st.session_state[_LINK]


def link_value(key: str) -> str | None:
    """The single value a link gave for `key` when the session started, if any."""
    values = start().get(key) or []
    return values[-1] if values else None


def _as_text(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_texts(value: object) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, (list, tuple, set)):
        return {_as_text(v) for v in value}
    return {_as_text(value)}


def ignored_params(applied: dict[str, object]) -> list[str]:
    """The link's parameters that did not take effect, as 'key=value', once per session.

    `applied` maps the keys the router handles itself (settings, the upload) to the value now in
    use; widget keys are checked against their value in session state."""
    if st.session_state.get(_NOTICED):
        return []
    st.session_state[_NOTICED] = True
    out = []
    for key, values in start().items():
        if key in OWN_PARAMS:
            continue
        now = applied[key] if key in applied else st.session_state.get(key, _MISSING)
        empty_ok = {""} if not now else set()
        if now is _MISSING or not set(values) <= _as_texts(now) | empty_ok:
            out.append(f"{key}={','.join(values)}")
            if now is _MISSING and key in st.query_params:  # stale: out of the URL too
                del st.query_params[key]
    return out


def settings_params(values: dict[str, object], defaults: dict[str, object]) -> None:
    """Write the shared settings named in `defaults` into the URL (a default value stays out)."""
    for key in defaults:
        value = values.get(key)
        text = None if value is None or value == defaults.get(key) else _as_text(value)
        if text is None:
            if key in st.query_params:
                del st.query_params[key]
        elif st.query_params.get(key) != text:
            st.query_params[key] = text


def view_link(url_path: str) -> str:
    """The address of the current view: the page and every parameter now in the URL."""
    base = str(st.context.url or "").rstrip("/")
    if url_path and base.endswith(f"/{url_path}"):
        base = base[: -len(url_path) - 1]
    query = urlencode(current_params(), doseq=True)
    return f"{base}/{url_path}" + (f"?{query}" if query else "")


def copy_link(url_path: str) -> None:
    """A small "Copy link" control: the address of this view, with a copy button on its right."""
    with st.popover("Copy link", icon=":material/link:"):
        st.caption("Opening this link on the same data shows the same view and numbers.")
        st.code(view_link(url_path), language=None, wrap_lines=True)
