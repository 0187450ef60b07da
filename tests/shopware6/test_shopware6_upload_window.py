"""The media upload's pool is fed a bounded window: results in order, few submitted ahead."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from pimflow.threads import in_order


class CountingPool(ThreadPoolExecutor):
    """Counts what was submitted, so the test sees how far ahead of the caller it ran."""

    def __init__(self) -> None:
        super().__init__(max_workers=2)
        self.submitted = 0
        self._lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs):  # noqa: ANN001, ANN201
        with self._lock:
            self.submitted += 1
        return super().submit(fn, *args, **kwargs)


def test_results_come_in_order_with_at_most_the_window_submitted_ahead():
    ahead = []
    with CountingPool() as pool:
        results = []
        for value in in_order(pool, lambda n: n * n, range(500), window=8):
            ahead.append(pool.submitted - len(results))
            results.append(value)
    assert results == [n * n for n in range(500)]
    assert max(ahead) <= 8  # pool.map would have had all 500 submitted at the first result


def test_stopping_early_cancels_what_has_not_started():
    release = threading.Event()
    ran = []

    def work(n: int) -> int:
        if n:  # the first comes back at once; the next one holds the only thread
            release.wait(5)
        ran.append(n)
        return n

    with ThreadPoolExecutor(max_workers=1) as pool:
        results = in_order(pool, work, range(100), window=10)
        assert next(results) == 0
        results.close()  # what is still queued of the window is cancelled
        release.set()
    assert ran in ([0], [0, 1])  # 1 may have started; without the cancel, 0..9 would run
