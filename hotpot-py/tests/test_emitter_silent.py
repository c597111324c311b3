"""Nothing silent: an emitter without ``on_error`` tells the ``hotpot`` logger of every moment it
loses, rate-limited, and a garbage-collected emitter that drops says so too."""

from __future__ import annotations

import logging
import time

import pytest
from emitter_helpers import WAIT, hotpot_warnings, moments_counted

import hotpot
from hotpot.testing import MockServer


def test_the_warnings_are_rate_limited_and_say_how_many(
        hotpot_mock: MockServer, caplog: pytest.LogCaptureFixture) -> None:
    emitter = hotpot.Emitter(hotpot.Client(f"{hotpot_mock.url}/moment/no-such-s3cret"))
    with caplog.at_level(logging.WARNING, logger="hotpot"):
        for i in range(20):
            emitter.emit(hotpot.Moment(f"lost {i}", "alert"))
        emitter.flush(WAIT)
        emitter.shutdown(WAIT)  # says how many were held back since the last warning
        messages = hotpot_warnings(caplog)
    assert emitter.stats()["failed"] == 20
    assert len(messages) < 20, messages
    assert moments_counted(messages) == 20, messages


def test_a_garbage_collected_emitter_that_drops_says_so(
        hotpot_mock: MockServer, caplog: pytest.LogCaptureFixture) -> None:
    import gc

    hotpot_mock.fail_next(None, delay=30.0)  # the moment is being sent when the emitter goes
    emitter = hotpot.Emitter(hotpot.Client(hotpot_mock.webhook_url))
    with caplog.at_level(logging.WARNING, logger="hotpot"):
        emitter.emit(hotpot.Moment("Going with the emitter", "alert"))
        deadline = time.monotonic() + WAIT
        while emitter.stats()["in_flight"] != 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        del emitter
        gc.collect()
        messages = hotpot_warnings(caplog)
    assert any('"Going with the emitter"' in m and "abandoned" in m for m in messages), messages
