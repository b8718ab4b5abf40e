"""Which workspace this visitor's rule sets, history and insight runs belong to.

By default a private SQLite file for this browser session, deleted when the session ends
(a session-scoped resource whose release deletes it). A shared file only when the deployment
names one ($CUSTOMER_PULSE_DB in the environment or in st.secrets). With st.login configured, a
signed-in user's rule set is their own (core.workspace.user_rule_set).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import streamlit as st

from core.store import DB_ENV, DEFAULT_RULE_SET
from core.workspace import (
    USER_PREFIX,
    Workspace,
    discard_workspace,
    new_session_workspace,
    shared_path,
    sweep_stale,
    user_rule_set,
)
from views import config


@st.cache_resource(show_spinner=False, ttl=3600)
def _sweep() -> int:
    """Once an hour at most: delete session workspaces a stopped server left behind."""
    return sweep_stale()


@st.cache_resource(scope="session", on_release=discard_workspace, show_spinner=False)
def _session_path(token: str) -> Path:
    """The session's database path; Streamlit releases it (deleting the folder) when the
    session disconnects. `token` tells apart sessions that share an id (AppTest)."""
    return new_session_workspace()


def signed_in_email() -> str | None:
    """The signed-in user's e-mail (st.login), None when nobody is signed in."""
    try:
        user = st.user
        if not user.get("is_logged_in"):
            return None
        return str(user.get("email") or user.get("sub") or "") or None
    except Exception:  # authentication not configured
        return None


def current() -> Workspace:
    """This visitor's workspace."""
    email = signed_in_email()
    rule_set = user_rule_set(email) if email else DEFAULT_RULE_SET
    shared = shared_path(config.setting(DB_ENV))
    if shared is not None:
        return Workspace(shared, shared=True, rule_set=rule_set)
    _sweep()
    token = st.session_state.setdefault("workspace_token", uuid.uuid4().hex)
    return Workspace(_session_path(token), shared=False, rule_set=rule_set)


def autosave_by_default(ws: Workspace) -> bool:
    """Auto-save starts on only where nobody else reads what it writes."""
    return not ws.shared or ws.rule_set.startswith(USER_PREFIX)
