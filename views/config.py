"""Deployment settings for the app: an environment variable, else the same key in
.streamlit/secrets.toml (st.secrets), else nothing. The environment wins, so one server can be
tuned without editing its secrets."""

from __future__ import annotations

import os
from collections.abc import Iterable

import streamlit as st


def setting(name: str) -> str | None:
    """The value of setting `name`, None when it is set nowhere (or empty)."""
    value = os.environ.get(name)
    if value:
        return value
    try:
        found = st.secrets.get(name)
    except Exception:  # no secrets file, or one that does not parse: nothing configured
        return None
    return str(found) if found not in (None, "") else None


def secrets_to_environment(names: Iterable[str]) -> None:
    """Copy settings found only in st.secrets into the environment, where core reads them."""
    for name in names:
        if name not in os.environ and (value := setting(name)) is not None:
            os.environ[name] = value
