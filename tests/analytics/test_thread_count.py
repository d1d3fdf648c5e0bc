"""The analytics spread their work over one thread per core, or as many as asked."""

from __future__ import annotations

import os
import threading

import pytest

from flowdesk.analytics import parallel
from flowdesk.config import SettingsError, load_settings


def test_the_thread_count_is_the_machines_by_default() -> None:
    assert parallel.thread_count({}) == os.cpu_count()


def test_the_environment_sets_the_thread_count() -> None:
    assert parallel.thread_count({"FLOWDESK_ANALYTICS_THREADS": "3"}) == 3


@pytest.mark.parametrize("bad", ["0", "-1", "two", "1.5", "257"])
def test_a_bad_thread_count_is_refused_naming_the_setting(bad: str) -> None:
    with pytest.raises(ValueError, match="FLOWDESK_ANALYTICS_THREADS"):
        parallel.thread_count({"FLOWDESK_ANALYTICS_THREADS": bad})
    with pytest.raises(SettingsError, match="FLOWDESK_ANALYTICS_THREADS"):
        load_settings({"FLOWDESK_ANALYTICS_THREADS": bad})


def test_set_workers_spreads_work_over_that_many_threads() -> None:
    try:
        parallel.set_workers(3)
        barrier = threading.Barrier(3, timeout=10)  # passes only if three run at once

        def meet(_: int) -> str:
            barrier.wait()
            return threading.current_thread().name

        assert len(set(parallel.each(meet, range(3)))) == 3
        parallel.set_workers(1)
        assert set(parallel.each(lambda _: threading.current_thread().name, range(4))) == {
            threading.current_thread().name}
    finally:
        parallel.set_workers(None)
