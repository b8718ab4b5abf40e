"""core.workspace: session workspaces live in private temporary folders and are deleted whole;
nothing else is ever deleted; a signed-in user's rule set and its history are theirs."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from core.rules import default_rules
from core.store import autosave, history, newest_rules
from core.workspace import (
    SESSION_PREFIX,
    Workspace,
    discard_workspace,
    new_session_workspace,
    shared_path,
    sweep_stale,
    user_rule_set,
)


def test_session_workspace_is_private_and_discarded_whole() -> None:
    path = new_session_workspace()
    assert path.parent.name.startswith(SESSION_PREFIX) and not path.exists()
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700  # only this server's user
    autosave(path, default_rules())
    assert path.exists()
    discard_workspace(path)
    assert not path.parent.exists()


def test_discard_never_deletes_a_folder_it_did_not_make(tmp_path: Path) -> None:
    shared = tmp_path / "team" / "workspace.db"
    shared.parent.mkdir()
    shared.write_bytes(b"x")
    discard_workspace(shared)
    assert shared.exists()


def test_sweep_deletes_only_stale_session_folders() -> None:
    old, new = new_session_workspace().parent, new_session_workspace().parent
    past = time.time() - 3 * 86400
    os.utime(old, (past, past))
    assert sweep_stale(max_age_s=86400) >= 1
    assert not old.exists() and new.exists()
    discard_workspace(new / "workspace.db")


def test_signed_in_users_have_their_own_rule_sets(tmp_path: Path) -> None:
    db = tmp_path / "team.db"
    ann, bob = user_rule_set(" Ann@Example.com "), user_rule_set("bob@example.com")
    assert ann == "user:ann@example.com"
    rules = default_rules()
    autosave(db, rules[:1], author="ann", rule_set=ann)
    assert newest_rules(db, rule_set=bob) is None
    assert newest_rules(db, rule_set=ann) == rules[:1]
    assert history(db, rule_set=bob)[0].height == 0
    ws = Workspace(db, shared=True, rule_set=ann)
    assert "ann@example.com" in ws.describe() and "yours" in ws.describe()
    assert "deleted when it ends" in Workspace(db).describe()


def test_shared_path_is_opt_in() -> None:
    assert shared_path(None) is None and shared_path("  ") is None
    assert shared_path("~/team.db") == Path.home() / "team.db"
