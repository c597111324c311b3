"""Spec §6: the ``Sunset`` header as ``Receipt.sunset``, one WARNING on the ``hotpot`` logger
per webhook URL per process (sends, the async client, an emitter, the log bridge), and a 410
that says when the webhook expired. Each test creates webhooks of its own: the warning is
once per process."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

import pytest

import hotpot
from hotpot.logging import MomentHandler
from hotpot.testing import MockServer

EXPIRES = datetime(2099, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
WARNING = "this webhook expires at 2099-01-02T03:04:05Z; rotate it"


def rotation_warnings(caplog: pytest.LogCaptureFixture, url: str) -> list[str]:
    """The ``hotpot`` logger's rotation warnings about the webhook ``url`` (redacted)."""
    token = url.rsplit("/", 1)[1]
    shown = f"{url.rsplit('/', 1)[0]}/{token[:4]}…"
    return [
        r.getMessage() for r in caplog.records
        if r.name == "hotpot" and r.levelno == logging.WARNING and shown in r.getMessage()
        and "rotate it" in r.getMessage()
    ]


def assert_no_token(caplog: pytest.LogCaptureFixture, url: str) -> None:
    token = url.rsplit("/", 1)[1]
    assert all(token not in r.getMessage() for r in caplog.records)


def test_receipt_sunset_is_an_aware_datetime_or_none(hotpot_mock: MockServer) -> None:
    receipt = hotpot.Client(hotpot_mock.webhook_url).send("no expiry", "alert")
    assert receipt.sunset is None
    url = hotpot_mock.create_webhook("old-ci", expires_at=EXPIRES)
    receipt = hotpot.Client(url).send("expiring", "alert")
    assert receipt.sunset == EXPIRES
    assert receipt.sunset is not None and receipt.sunset.utcoffset() == timedelta(0)
    assert repr(receipt).endswith(
        "sunset=datetime.datetime(2099, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc))"
    )
    assert hotpot.send(url, "one-liner", "alert").sunset == EXPIRES


def test_receipt_takes_sunset_as_a_keyword() -> None:
    r = hotpot.Receipt(202, "id", None, sunset=EXPIRES)
    assert r.sunset == EXPIRES
    assert r != hotpot.Receipt(202, "id", None)
    assert hotpot.Receipt(202).sunset is None


def test_one_warning_per_webhook_url_per_process(
    hotpot_mock: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = hotpot_mock.create_webhook("old-ci", expires_at=EXPIRES)
    with caplog.at_level(logging.WARNING, logger="hotpot"):
        first = hotpot.Client(url)
        for i in range(3):
            first.send(f"send {i}", "alert")
        hotpot.Client(url).send("another client", "alert")
        hotpot.send(url, "one-liner", "alert")
        emitter = hotpot.Emitter(hotpot.Client(url))
        emitter.emit(hotpot.Moment("emitted", "alert"))
        assert emitter.shutdown(10)["delivered"] == 1
    warnings = rotation_warnings(caplog, url)
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(WARNING + " ("), warnings
    assert_no_token(caplog, url)
    assert len(hotpot_mock.wait_for_moments(6)) == 6


def test_an_emitter_alone_warns_once(
    hotpot_mock: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = hotpot_mock.create_webhook("old-worker", expires_at=EXPIRES)
    with caplog.at_level(logging.WARNING, logger="hotpot"):
        emitter = hotpot.Emitter(hotpot.Client(url))
        for i in range(3):
            emitter.emit(hotpot.Moment(f"emitted {i}", "alert"))
        assert emitter.flush(10)["delivered"] == 3
        emitter.emit(hotpot.Moment("after", "alert"))
        emitter.shutdown(10)
    assert len(rotation_warnings(caplog, url)) == 1
    assert_no_token(caplog, url)


def test_the_log_bridge_warns_once(
    hotpot_mock: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = hotpot_mock.create_webhook("old-logs", expires_at=EXPIRES)
    emitter = hotpot.Emitter(hotpot.Client(url))
    handler = MomentHandler(emitter)
    log = logging.getLogger("test_sunset.bridge")
    log.addHandler(handler)
    log.propagate = False
    try:
        with caplog.at_level(logging.WARNING, logger="hotpot"):
            log.error("disk full on db-1")
            assert emitter.flush(10)["delivered"] == 1
            log.error("disk full on db-2")
            emitter.shutdown(10)
    finally:
        log.removeHandler(handler)
    assert len(rotation_warnings(caplog, url)) == 1
    # The warning itself never became a moment (the `hotpot` logger is excluded).
    names = [m["name"] for m in hotpot_mock.wait_for_moments(2)]
    assert sorted(names) == ["disk full on db-1", "disk full on db-2"]


def test_the_async_client_reads_and_warns(
    hotpot_mock: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = hotpot_mock.create_webhook("old-async", expires_at=EXPIRES)
    client = hotpot.AsyncClient(url)

    async def main() -> list[hotpot.Receipt]:
        return await asyncio.gather(*(client.send(f"async {i}", "page") for i in range(3)))

    with caplog.at_level(logging.WARNING, logger="hotpot"):
        receipts = asyncio.run(main())
    assert [r.sunset for r in receipts] == [EXPIRES] * 3
    assert len(rotation_warnings(caplog, url)) == 1


def test_a_410_says_when_the_webhook_expired(
    hotpot_mock: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    expired = datetime(2020, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    url = hotpot_mock.create_webhook("gone", expires_at=expired)
    gone = pytest.raises(hotpot.WebhookError)
    with caplog.at_level(logging.WARNING, logger="hotpot"), gone as caught:
        hotpot.Client(url).send("late", "alert")
    assert caught.value.expired and caught.value.status_code == 410
    assert "expired at 2020-05-06T07:08:09Z" in str(caught.value)
    assert url.rsplit("/", 1)[1] not in str(caught.value)
    # Already expired: an error, not a rotation warning.
    assert rotation_warnings(caplog, url) == []
