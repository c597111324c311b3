"""One `Client` shared by threads: every send recorded exactly once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

import hotpot
from hotpot.testing import MockServer

THREADS = 8
SENDS = 200


def test_8_threads_x_200_sends_through_one_client(hotpot_mock: MockServer) -> None:
    client = hotpot.Client(hotpot_mock.webhook_url)
    failures: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(t: int) -> None:
        start.wait()
        for i in range(SENDS):
            try:
                receipt = client.send(f"thread {t} moment {i}", "alert")
                assert receipt.status_code == 202
            except BaseException as e:  # noqa: BLE001 - reported below
                failures.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    moments = hotpot_mock.wait_for_moments(THREADS * SENDS, timeout=10)
    names = Counter(m["name"] for m in moments)
    expected = {f"thread {t} moment {i}" for t in range(THREADS) for i in range(SENDS)}
    assert set(names) == expected
    assert set(names.values()) == {1}


def test_sends_release_the_gil(hotpot_mock: MockServer) -> None:
    """While one thread waits on a slow answer, another runs Python code."""
    hotpot_mock.fail_next(None, delay=1.0)
    client = hotpot.Client(hotpot_mock.webhook_url)
    done = threading.Event()
    ticks = 0

    def slow_send() -> None:
        client.send("slow", "alert")
        done.set()

    thread = threading.Thread(target=slow_send)
    thread.start()
    while not done.is_set():
        ticks += 1
        done.wait(0.01)
    thread.join()
    # About 100 ticks of 10 ms in one second; a held GIL would allow almost none.
    assert ticks > 20


@pytest.mark.usefixtures("ctrl_c")
def test_ctrl_c_interrupts_a_blocking_send(hotpot_mock: MockServer) -> None:
    """A send waiting on the network still lets KeyboardInterrupt through (within ~0.1 s)."""
    import os
    import signal
    import time

    # Uninterrupted, the send would wait ten minutes for the answer.
    hotpot_mock.fail_next(None, delay=600.0)
    client = hotpot.Client(hotpot_mock.webhook_url, timeout=900.0)
    timer = threading.Timer(0.3, os.kill, args=(os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    try:
        try:
            client.send("interrupted", "alert")
        except KeyboardInterrupt:
            pass
        else:
            raise AssertionError("the send was not interrupted")
    finally:
        timer.cancel()
    assert time.monotonic() - started < 60
