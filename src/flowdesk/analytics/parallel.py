"""Independent blocks of array work on every core.

numpy releases the GIL inside its loops over large arrays, so threads that work on
different blocks of rows run at the same time. Results always come back in order, so
the answers do not depend on the number of threads.

The number of threads is the machine's (`os.cpu_count()`), or `FLOWDESK_ANALYTICS_THREADS`
when set (1: everything on the calling thread), or what `set_workers` says.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")

ENV = "FLOWDESK_ANALYTICS_THREADS"
MAX_THREADS = 256


def thread_count(env: Mapping[str, str] = os.environ) -> int:
    """Return the threads to use: `FLOWDESK_ANALYTICS_THREADS`, else one per core;
    raises ValueError, naming the variable, for anything but a whole number in range."""
    text = env.get(ENV, "").strip()
    if not text:
        return max(1, os.cpu_count() or 1)
    if not text.isdigit() or not 1 <= int(text) <= MAX_THREADS:
        raise ValueError(f"{ENV} must be a whole number from 1 to {MAX_THREADS}, not {text!r}")
    return int(text)


#: Threads of the pool; 0 until first use (read from the environment then).
WORKERS = 0

_state = threading.local()
_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid = 0
_pool_size = 0


def workers() -> int:
    """Return how many threads analytics work is spread over."""
    global WORKERS
    if WORKERS < 1:
        WORKERS = thread_count()
    return WORKERS


def set_workers(count: int | None) -> None:
    """Use `count` threads from now on (None: the environment's or the machine's again)."""
    global WORKERS, _pool
    if count is not None and not 1 <= count <= MAX_THREADS:
        raise ValueError(f"threads must be from 1 to {MAX_THREADS}, not {count}")
    with _lock:
        WORKERS = count or 0
        old, _pool = _pool, None
    if old is not None:
        old.shutdown(wait=False)


def _executor() -> ThreadPoolExecutor:
    """Return the shared pool, made on first use (and again in a forked child, where
    the parent's threads do not exist, or after the thread count changed)."""
    global _pool, _pool_pid, _pool_size
    count = workers()
    with _lock:
        if _pool is None or _pool_pid != os.getpid() or _pool_size != count:
            _pool = ThreadPoolExecutor(count, thread_name_prefix="flowdesk-analytics",
                                       initializer=_mark_worker)
            _pool_pid, _pool_size = os.getpid(), count
        return _pool


def _mark_worker() -> None:
    _state.worker = True


def _serial() -> bool:
    """Return whether to run inline: one core, or already on a worker thread (waiting
    there for more work on the same threads could deadlock)."""
    return workers() < 2 or getattr(_state, "worker", False)


def each(function: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """Return ``[function(item) for item in items]``, computed on the pool's threads."""
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
