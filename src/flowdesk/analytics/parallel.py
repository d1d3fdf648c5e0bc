"""Independent blocks of array work on both cores.

numpy releases the GIL inside its loops over large arrays, so two threads that work on
different blocks of rows run at the same time. Results always come back in order, so
the answers do not depend on the number of threads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")

#: Two threads: the machines this runs on have two cores (more would only contend).
WORKERS = min(2, os.cpu_count() or 1)

_state = threading.local()
_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid = 0


def _executor() -> ThreadPoolExecutor:
    """Return the shared pool, made on first use (and again in a forked child, where
    the parent's threads do not exist)."""
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="flowdesk-analytics",
                                       initializer=_mark_worker)
            _pool_pid = os.getpid()
        return _pool


def _mark_worker() -> None:
    _state.worker = True


def _serial() -> bool:
    """Return whether to run inline: one core, or already on a worker thread (waiting
    there for more work on the same two threads could deadlock)."""
    return WORKERS < 2 or getattr(_state, "worker", False)


def each(function: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """Return ``[function(item) for item in items]``, computed on two threads."""
    listed = list(items)
    if len(listed) < 2 or _serial():
        return [function(item) for item in listed]
    return list(_executor().map(function, listed))


def submit(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> Future[R]:
    """Return a future of ``function(*args, **kwargs)``, run on a worker thread (or
    at once, on one core or from a worker)."""
    if _serial():
        done: Future[R] = Future()
        try:
            done.set_result(function(*args, **kwargs))
        except BaseException as error:  # handed over like a worker's error
            done.set_exception(error)
        return done
    return _executor().submit(function, *args, **kwargs)
