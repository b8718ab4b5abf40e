"""Workspaces: who sees a visitor's rule sets, their history and insight runs.

By default the app gives each browser session its own SQLite database in a private temporary
folder (new_session_workspace), deleted when the session ends (discard_workspace): a public demo
keeps no visitor's rules, history or customer ids after the session. A shared workspace (a team's
private deployment, the nightly job) is opt-in: $CUSTOMER_PULSE_DB, or the same key in the app's
secrets, names its file. A signed-in user's rule set is named after them (user_rule_set), so in a
shared workspace their rules, history and runs are theirs. The tables live in core.store.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from core.store import DEFAULT_RULE_SET

SESSION_PREFIX = "customer-pulse-ws-"
USER_PREFIX = "user:"


@dataclass(frozen=True)
class Workspace:
    """Where a visitor's rule sets, history and runs go.

    path: the SQLite file; shared: True when other visitors (or a nightly job) use the same
    file; rule_set: the rule set this visitor reads and writes (their own when signed in)."""

    path: Path
    shared: bool = False
    rule_set: str = DEFAULT_RULE_SET

    def describe(self) -> str:
        """One sentence for the page: whose workspace this is and how long it lives."""
        if not self.shared:
            return (
                "Private workspace: your rules, history and runs live only in this browser "
                "session and are deleted when it ends."
            )
        owner = (
            f"rule set “{self.rule_set.removeprefix(USER_PREFIX)}” is yours"
            if self.rule_set.startswith(USER_PREFIX)
            else "everyone using this deployment sees its rules, history and runs"
        )
        return f"Shared workspace “{self.path.name}”: {owner}."


def new_session_workspace() -> Path:
    """A database path in a new private temporary folder (only this process's user can read
    it); nothing is written until the first save."""
    return Path(tempfile.mkdtemp(prefix=SESSION_PREFIX)) / "workspace.db"


def discard_workspace(path: str | Path) -> None:
    """Delete a session workspace: its folder, when it is one new_session_workspace made."""
    folder = Path(path).parent
    if folder.name.startswith(SESSION_PREFIX):
        shutil.rmtree(folder, ignore_errors=True)


def sweep_stale(max_age_s: float = 24 * 3600) -> int:
    """Delete session workspaces left behind by a server that stopped without ending its
    sessions (older than `max_age_s`); returns how many were deleted."""
    now, n = time.time(), 0
    for folder in Path(tempfile.gettempdir()).glob(SESSION_PREFIX + "*"):
        try:
            if now - folder.stat().st_mtime > max_age_s:
                shutil.rmtree(folder, ignore_errors=True)
                n += 1
        except OSError:
            continue
    return n


def user_rule_set(email: str) -> str:
    """The rule set a signed-in user owns in a shared workspace."""
    return USER_PREFIX + email.strip().lower()


def shared_path(value: str | None) -> Path | None:
    """The shared workspace file named by configuration ($CUSTOMER_PULSE_DB), else None."""
    value = (value or "").strip()
    return Path(value).expanduser() if value else None
