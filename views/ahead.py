"""Work done ahead of time, for one session: jobs started in the background and taken by the
page that needs their result.

At 1M lines the customer table (with its CLV fit, which the Churn page's diagnostics and the
Action plan read too) takes over a second, and the Churn page's threshold suggestion a tenth of
one. Once a page of an upload is drawn (views.state.prepare_ahead), and as the Churn page opens
(views.state.start_ahead), the ones this session does not have yet for the current dataset,
filters and as_of are started (one worker for the whole server, in order), so Customers, Churn,
Insight rules and the Action plan open without that wait: the page that needs one takes the job
(take) and passes it to its cached function, whose cache keeps the result (or it waits for the
rest). Jobs belong to the session (its state), are replaced by
the next ones and dropped with a new dataset or mapping. The sample is small and its caches
shared: nothing is computed ahead.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import streamlit as st

_AHEAD = "_ahead"  # {name: (key, Future)}: jobs started for this session
_HAVE = "_ahead_have"  # {name: [keys]}: what this session's caches hold (newest last)
KEEP = 3  # keys remembered per name (the private caches keep about as many)


@st.cache_resource(show_spinner=False)
def _worker() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="ahead")


def have(name: str, key: str) -> None:
    """Say this session's cache holds (or has just failed to compute) `name` for `key`: nothing
    to compute ahead."""
    known = st.session_state.setdefault(_HAVE, {})
    known[name] = [*(k for k in known.get(name, []) if k != key), key][-KEEP:]


def take(name: str, key: str) -> Future | None:
    """The job computing `name` for `key` ahead of time, if one was started (taken: pass it to
    the cached function, whose cache keeps its result); None otherwise."""
    jobs = st.session_state.get(_AHEAD, {})
    job = jobs.get(name)
    if job is None or job[0] != key:
        return None
    del jobs[name]
    return job[1]


def start(work: dict[str, Callable[[], Any]], key: str) -> None:
    """Start, in order, each job of `work` this session neither has nor has started for `key`;
    a job started for another key (a dataset, filters or as_of no longer shown) is cancelled."""
    jobs, known = st.session_state.setdefault(_AHEAD, {}), st.session_state.get(_HAVE, {})
    for name, job in work.items():
        started = jobs.get(name)
        if key in known.get(name, []) or (started and started[0] == key):
            continue
        if started:
            started[1].cancel()
        jobs[name] = (key, _worker().submit(job))


def forget() -> None:
    """A new dataset or mapping: drop this session's jobs (their results would not be used)."""
    st.session_state.pop(_AHEAD, None)
