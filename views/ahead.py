"""Work done ahead of time, for one session: jobs started in the background and taken by the
page that needs their result.

At 1M lines the customer table (with its CLV fit, which the Churn page's diagnostics and the
Action plan read too) takes over a second, and the Churn page's threshold suggestion a tenth of
one. Once a page of an upload is drawn (views.state.prepare_ahead), and as the Churn page opens
(views.state.start_ahead), the ones this session does not have yet for the current dataset,
filters and as_of are started (one worker for the whole server, in order), so Customers, Churn,
Insight rules and the Action plan open without that wait: the page that needs one takes the job
(take) and passes it to its cached function, whose cache keeps the result (or it waits for the
rest). A job may hand over a first result before it is done (Staged, `first`: the customer
table before its CLV fit, for a page that shows no CLV column; the job stays for the page that
takes it). Jobs belong to the session (its state); a filter change cancels the ones not
started yet for the filters left, keeps those running or done (the KEEP newest: going back to
those filters takes their result), and a new dataset or mapping drops them all. The sample is
small and its caches shared: nothing is computed ahead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import streamlit as st

_AHEAD = "_ahead"  # {name: {key: Future}}: jobs started for this session, newest last
_HAVE = "_ahead_have"  # {name: [keys]}: what this session's caches hold (newest last)
KEEP = 3  # keys remembered per name (the private caches keep about as many)


@st.cache_resource(show_spinner=False)
def _worker() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="ahead")


class Staged:
    """A job that hands over a first result on the way: `work(ready)` calls `ready(value)` once
    before it goes on; `first` holds that value as soon as it is there (None when the work
    ended without calling it; its error when it failed before). A page that reads the first
    result asks the rest to wait (`hold`) until its run ends or the rest is taken (`release`,
    at most HOLD seconds): the rest would take turns with the page's drawing for the GIL."""

    HOLD = 1.0

    def __init__(self, work: Callable[[Callable[[Any], None]], Any]) -> None:
        self.work, self.first = work, Future()
        self._go = threading.Event()
        self._go.set()

    def hold(self) -> None:
        if not self.first.done():  # past it, the rest has begun
            self._go.clear()

    def release(self) -> None:
        self._go.set()

    def _ready(self, value: Any) -> None:
        self.first.set_result(value)
        self._go.wait(self.HOLD)

    def __call__(self) -> Any:
        try:
            return self.work(self._ready)
        except BaseException as exc:
            if not self.first.done():
                self.first.set_exception(exc)
            raise
        finally:
            if not self.first.done():
                self.first.set_result(None)


def have(name: str, key: str) -> None:
    """Say this session's cache holds (or has just failed to compute) `name` for `key`: nothing
    to compute ahead."""
    known = st.session_state.setdefault(_HAVE, {})
    known[name] = [*(k for k in known.get(name, []) if k != key), key][-KEEP:]


def take(name: str, key: str) -> Future | None:
    """The job computing `name` for `key` ahead of time, if one was started (taken: pass it to
    the cached function, whose cache keeps its result); None otherwise."""
    jobs = st.session_state.get(_AHEAD, {})
    by_key = jobs.get(name, {})
    job = by_key.pop(key, None)
    if not by_key:
        jobs.pop(name, None)
    if (staged := getattr(job, "staged", None)) is not None:
        staged.release()  # its whole result is wanted now
    return job


def peek(name: str, key: str) -> Future | None:
    """The job computing `name` for `key`, if one was started and not taken (it stays for the
    page that takes it); None otherwise."""
    return st.session_state.get(_AHEAD, {}).get(name, {}).get(key)


def first(name: str, key: str) -> Future | None:
    """The first result (Staged.first) of peek(name, key), the rest held until this run ends
    (release_all) or the job is taken; None when there is no such job."""
    staged = getattr(peek(name, key), "staged", None)
    if staged is None:
        return None
    staged.hold()
    return staged.first


def release_all() -> None:
    """The run has ended: the jobs held for it go on (Staged.hold)."""
    for by_key in st.session_state.get(_AHEAD, {}).values():
        for job in by_key.values():
            if (staged := getattr(job, "staged", None)) is not None:
                staged.release()


def start(work: dict[str, Callable[[], Any]], key: str) -> None:
    """Start, in order, each job of `work` this session neither has nor has started for `key`.
    The jobs of other keys (a dataset, filters or as_of no longer shown) that have not started
    are cancelled; running and finished ones are kept, the KEEP newest."""
    jobs, known = st.session_state.setdefault(_AHEAD, {}), st.session_state.get(_HAVE, {})
    for name, job in work.items():
        by_key = jobs.setdefault(name, {})
        if key in known.get(name, []) or key in by_key:
            continue
        for other in [k for k, f in by_key.items() if f.cancel()]:
            del by_key[other]
        by_key[key] = _worker().submit(job)
        by_key[key].staged = job if isinstance(job, Staged) else None
        for old in list(by_key)[:-KEEP]:
            del by_key[old]


def forget() -> None:
    """A new dataset or mapping: drop this session's jobs (their results would not be used)."""
    st.session_state.pop(_AHEAD, None)
