"""Each exception class from a real answer of the in-process mock server (spec §5)."""

from __future__ import annotations

import builtins
import pickle
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest

import hotpot
from hotpot.testing import MockServer


URL = "https://api.hotpot.works/moment/abcdef"


def test_503_on_every_attempt_is_a_server_error(hotpot_mock: MockServer, client: hotpot.Client) -> None:
    hotpot_mock.fail_next(503, count=3)
    with pytest.raises(hotpot.ServerError) as info:
        client.send("x", "alert")
    e = info.value
    assert e.status_code == 503 and e.retryable
    assert "server error (HTTP 503)" in str(e)
    assert hotpot_mock.moments() == []


def test_a_503_then_success_is_retried_into_one_moment(hotpot_mock: MockServer, client: hotpot.Client) -> None:
    hotpot_mock.fail_next(503, count=2)
    receipt = client.send("Retried", "alert")
    assert receipt.status_code == 202 and receipt.attempts == 3
    assert repr(receipt) == (
        f"Receipt(status_code=202, request_id={receipt.request_id!r}, "
        f"message='Your request has been queued.', attempts=3, "
        f"idempotency_key={receipt.idempotency_key!r}, sunset=None)"
    )
    assert len(receipt.idempotency_key) == 36  # the UUID every attempt carried
    assert [m["name"] for m in hotpot_mock.wait_for_moments(1)] == ["Retried"]


def test_429_with_retry_after_beyond_the_maximum_is_rate_limited(
    hotpot_mock: MockServer, client: hotpot.Client
) -> None:
    hotpot_mock.fail_next(429, retry_after=120)
    with pytest.raises(hotpot.RateLimitedError) as info:
        client.send("x", "alert")
    assert info.value.retry_after == 120.0
    assert info.value.status_code == 429
    assert "rate limited (HTTP 429)" in str(info.value)


def test_429_on_every_attempt_is_rate_limited(hotpot_mock: MockServer, client: hotpot.Client) -> None:
    hotpot_mock.fail_next(429, count=3, retry_after=0)
    with pytest.raises(hotpot.RateLimitedError) as info:
        client.send("x", "alert")
    assert info.value.retry_after == 0.0


def test_429_without_retry_after(hotpot_mock: MockServer) -> None:
    hotpot_mock.fail_next(429)
    with pytest.raises(hotpot.RateLimitedError) as info:
        hotpot.Client(hotpot_mock.webhook_url, max_retries=0).send("x", "alert")
    assert info.value.retry_after is None


def test_a_dropped_connection_is_a_transport_error(hotpot_mock: MockServer) -> None:
    # Two: a request whose connection closed unanswered is resent once at once (spec §5).
    hotpot_mock.fail_next(drop_connection=True, count=2)
    client = hotpot.Client(hotpot_mock.webhook_url, max_retries=0)
    with pytest.raises(ConnectionError) as info:
        client.send("x", "alert")
    assert isinstance(info.value, hotpot.TransportError)
    assert info.value.retryable and info.value.status_code is None
    assert str(info.value).startswith("transport error")


def test_a_closed_server_is_a_transport_error() -> None:
    with MockServer() as mock:
        url = mock.webhook_url
    with pytest.raises(hotpot.TransportError):
        hotpot.Client(url, max_retries=0).send("x", "alert")


def test_a_slow_answer_is_a_timeout(hotpot_mock: MockServer) -> None:
    hotpot_mock.fail_next(None, delay=2.0)
    client = hotpot.Client(hotpot_mock.webhook_url, timeout=0.2, max_retries=0)
    with pytest.raises(builtins.TimeoutError) as info:
        client.send("x", "alert")
    e = info.value
    assert isinstance(e, hotpot.TimeoutError) and isinstance(e, hotpot.HotpotError)
    # No upper bound: a send the timeout did not cut would have had its 202 after 2 s.
    assert e.retryable and e.elapsed is not None and 0.15 < e.elapsed
    assert str(e).startswith("timed out after")


def test_an_unknown_token_is_a_webhook_error(hotpot_mock: MockServer) -> None:
    client = hotpot.Client(f"{hotpot_mock.url}/moment/no-such-token")
    with pytest.raises(hotpot.WebhookError) as info:
        client.send("x", "alert")
    assert info.value.status_code == 404 and not info.value.expired
    assert not info.value.retryable
    assert "webhook unknown (HTTP 404)" in str(info.value)


def test_an_expired_webhook_is_a_webhook_error_marked_expired(hotpot_mock: MockServer) -> None:
    hotpot_mock.set_clock("2026-01-01T00:00:00Z")
    url = hotpot_mock.create_webhook("old", expires_at=datetime(2026, 1, 1, 1, 0))
    client = hotpot.Client(url)
    assert client.send("still alive", "alert").status_code == 202
    hotpot_mock.advance_clock(2 * 3600)
    with pytest.raises(hotpot.WebhookError) as info:
        client.send("too late", "alert")
    assert info.value.status_code == 410 and info.value.expired
    assert "webhook expired (HTTP 410)" in str(info.value)


def test_strict_mode_422_is_a_rejected_error_with_the_problems() -> None:
    with MockServer(strict=True) as mock:
        # The server's clock is behind the client's: it sees this time as the future.
        mock.set_clock(datetime(2020, 1, 1, tzinfo=timezone.utc))
        client = hotpot.Client(mock.webhook_url)
        with pytest.raises(hotpot.RejectedError) as info:
            client.send("x", "alert", occurred_at="2023-04-01 12:31:26")
        e = info.value
        assert e.status_code == 422 and not e.retryable
        assert e.message == "Unprocessable Entity"
        assert [field for field, _ in e.errors] == ["occurred_at"]
        assert "Unprocessable Entity" in e.body
        assert str(e).startswith("payload rejected (HTTP 422)")
        assert mock.events()[0]["status"] == "error"


def test_400_is_a_rejected_error(hotpot_mock: MockServer, client: hotpot.Client) -> None:
    hotpot_mock.fail_next(400)
    with pytest.raises(hotpot.RejectedError) as info:
        client.send("x", "alert")
    assert info.value.status_code == 400 and info.value.message == "Bad Request"
    assert info.value.errors == []


def test_validation_errors_are_value_errors_and_nothing_is_sent(
    hotpot_mock: MockServer, client: hotpot.Client
) -> None:
    with pytest.raises(ValueError) as info:
        client.send("x" * 71, "alert")
    assert isinstance(info.value, hotpot.ValidationError)
    assert info.value.errors[0][0] == "name"
    with pytest.raises(hotpot.ValidationError):
        hotpot.send(hotpot_mock.webhook_url, "x", "outage")
    assert hotpot_mock.events() == []


def caught_by(send: Callable[[], object]) -> str:
    """Which `except` clause of a caller that knows only the builtins (then HotpotError)
    catches what `send` raises."""
    try:
        send()
    except TimeoutError:
        return "timeout"
    except ConnectionError:
        return "connection"
    except ValueError:
        return "value"
    except hotpot.HotpotError:
        return "hotpot"
    return "nothing"


def test_builtin_excepts_catch_the_right_classes(hotpot_mock: MockServer) -> None:
    client = hotpot.Client(hotpot_mock.webhook_url, timeout=0.2, max_retries=0)
    caught = []
    for fault in ({"status": None, "delay": 1.0}, {"drop_connection": True, "count": 2}, {"status": 404}):
        hotpot_mock.fail_next(**fault)  # type: ignore[arg-type]
        caught.append(caught_by(lambda: client.send("x", "alert")))
    caught.append(caught_by(lambda: client.send("", "alert")))
    assert caught == ["timeout", "connection", "hotpot", "value"]


def test_configuration_errors() -> None:
    with pytest.raises(hotpot.ConfigError, match="refusing plain http to hotpot.example.com"):
        hotpot.Client("http://hotpot.example.com/moment/abcdef")
    with pytest.raises(ValueError, match="path ending in /moment/TOKEN"):
        hotpot.Client("https://api.hotpot.works/webhooks/abcdef")
    with pytest.raises(hotpot.ConfigError, match="timeout: expected a positive number"):
        hotpot.Client("https://api.hotpot.works/moment/abcdef", timeout=0)
    with pytest.raises(hotpot.ConfigError, match="max_retries: expected 0 to 100, found -1"):
        hotpot.Client("https://api.hotpot.works/moment/abcdef", max_retries=-1)

@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((42,), {}, "webhook_url: expected a str, found int (42)"),
        ((URL,), {"timeout": "10"}, "timeout: expected a number of seconds, found str ('10')"),
        ((URL,), {"timeout": True}, "timeout: expected a number of seconds, found bool (True)"),
        ((URL,), {"max_retries": 1.5}, "max_retries: expected an int, found float (1.5)"),
        ((URL,), {"max_retries": True}, "max_retries: expected an int, found bool (True)"),
        ((URL,), {"api_key": 3}, "api_key: expected a str or None, found int (3)"),
    ],
)
def test_wrong_argument_types_are_type_errors_naming_the_argument(
    args: tuple[object, ...], kwargs: dict[str, object], message: str
) -> None:
    for cls in (hotpot.Client, hotpot.AsyncClient):
        with pytest.raises(TypeError) as info:
            cls(*args, **kwargs)  # type: ignore[arg-type]
        assert str(info.value) == message
    if not kwargs:
        with pytest.raises(TypeError, match="^webhook_url: expected a str"):
            hotpot.send(*args, "x", "alert")  # type: ignore[arg-type]


def test_from_env(monkeypatch: pytest.MonkeyPatch, hotpot_mock: MockServer) -> None:
    monkeypatch.delenv("HOTPOT_WEBHOOK_URL", raising=False)
    with pytest.raises(hotpot.ConfigError, match="HOTPOT_WEBHOOK_URL is not set"):
        hotpot.Client.from_env()
    monkeypatch.setenv("HOTPOT_WEBHOOK_URL", hotpot_mock.webhook_url)
    monkeypatch.setenv("HOTPOT_API_KEY", hotpot_mock.api_key)
    client = hotpot.Client.from_env()
    assert type(client) is hotpot.Client
    receipt = client.send("from env", "alert")
    assert receipt.request_id is not None
    assert client.request_status(receipt.request_id).status == "success"


def test_request_status(hotpot_mock: MockServer) -> None:
    client = hotpot.Client(hotpot_mock.webhook_url, api_key=hotpot_mock.api_key)
    receipt = client.send("Looked up", "alert")
    assert receipt.request_id is not None
    status = client.request_status(receipt.request_id)
    assert status.status == "success" and status.errors == []
    assert status.message_id == hotpot_mock.moments()[0]["id"]
    with pytest.raises(hotpot.UnknownRequestError):
        client.request_status("00000000-0000-4000-8000-000000000000")
    with pytest.raises(hotpot.UnauthorizedError):
        hotpot.Client(hotpot_mock.webhook_url, api_key="wrong").request_status(receipt.request_id)
    with pytest.raises(hotpot.ConfigError, match="needs an API key"):
        hotpot.Client(hotpot_mock.webhook_url).request_status(receipt.request_id)


def test_exceptions_pickle_with_their_attributes() -> None:
    e = hotpot.RejectedError("payload rejected", status_code=422, message="Unprocessable Entity",
                             body="{}", errors=[("name", "too long")])
    again = pickle.loads(pickle.dumps(e))
    assert (again.status_code, again.message, again.errors, str(again)) == (
        422, "Unprocessable Entity", [("name", "too long")], "payload rejected"
    )
    t = pickle.loads(pickle.dumps(hotpot.TimeoutError("timed out", elapsed=1.5)))
    assert isinstance(t, builtins.TimeoutError) and t.elapsed == 1.5


def test_a_404_says_what_it_means_and_what_to_check(hotpot_mock: MockServer) -> None:
    client = hotpot.Client(f"{hotpot_mock.url}/moment/no-such-s3cret-token")
    with pytest.raises(hotpot.WebhookError) as info:
        client.send("x", "alert")
    message = str(info.value)
    assert "webhook unknown (HTTP 404)" in message
    assert "Hotpot does not know the webhook" in message
    assert "deleted or revoked" in message and "mistyped" in message
    assert "HOTPOT_WEBHOOK_URL" in message
    assert "no-such-s3cret-token" not in message


def test_an_expired_webhook_says_to_rotate_it(hotpot_mock: MockServer) -> None:
    hotpot_mock.set_clock("2026-01-01T00:00:00Z")
    url = hotpot_mock.create_webhook("old", expires_at=datetime(2026, 1, 1, 1, 0))
    hotpot_mock.advance_clock(2 * 3600)
    with pytest.raises(hotpot.WebhookError) as info:
        hotpot.Client(url).send("too late", "alert")
    assert "rotate it" in str(info.value) and "HOTPOT_WEBHOOK_URL" in str(info.value)


def test_a_spool_that_cannot_be_used_is_a_config_error_without_a_generic_prefix(
        tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    client = hotpot.Client("https://example.com/moment/abc")
    with pytest.raises(hotpot.ConfigError) as info:
        hotpot.Emitter(client, spool=blocker / "spool")
    assert "invalid client configuration" not in str(info.value)
    assert str(info.value).startswith(f"cannot use {blocker / 'spool'} as the emitter's spool")


def test_an_empty_spool_is_refused_naming_it_and_creates_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    client = hotpot.Client("https://example.com/moment/abc")
    with pytest.raises(hotpot.ConfigError) as info:
        hotpot.Emitter(client, spool="")
    assert str(info.value).startswith("spool: expected a directory, found an empty path")
    assert list(tmp_path.iterdir()) == []
