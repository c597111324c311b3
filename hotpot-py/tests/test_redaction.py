"""The webhook token never shows (spec §2): not in repr, str(exc) or a traceback."""

from __future__ import annotations

import asyncio
import traceback

import pytest

import hotpot
from hotpot.testing import MockServer

from conftest import TOKEN

HINT = TOKEN[:4] + "…"


def errors_for(mock: MockServer) -> list[BaseException]:
    """One exception of each kind that can happen while sending to the mock's webhook."""
    caught: list[BaseException] = []
    fast = hotpot.Client(mock.webhook_url, timeout=0.2, max_retries=0, api_key="wrong-key")
    faults: list[dict[str, object]] = [
        {"status": 503},
        {"status": 429, "retry_after": 60},
        {"status": 400},
        {"status": 404},
        {"status": 410},
        {"status": None, "delay": 1.0},
        {"drop_connection": True, "count": 2},  # the at-once resend too (spec §5)
    ]
    for fault in faults:
        mock.fail_next(**fault)  # type: ignore[arg-type]
        try:
            fast.send("x", "alert")
        except hotpot.HotpotError as e:
            caught.append(e)
    for call in (
        lambda: fast.send("", "alert"),
        lambda: fast.request_status("00000000-0000-4000-8000-000000000000"),
        lambda: hotpot.Client(mock.webhook_url).request_status("x"),
        lambda: hotpot.Client(mock.webhook_url.replace("http://127.0.0.1", "http://example.com")),
        lambda: hotpot.Client(mock.webhook_url + "?q=1"),
        lambda: hotpot.Client(mock.webhook_url, timeout=-1),
        lambda: hotpot.send(mock.webhook_url.replace(TOKEN, TOKEN + "x"), "x", "alert"),
    ):
        try:
            call()
        except hotpot.HotpotError as e:
            caught.append(e)
    return caught


def test_no_exception_shows_the_token(secret_mock: MockServer) -> None:
    caught = errors_for(secret_mock)
    kinds = {type(e).__name__ for e in caught}
    assert kinds >= {
        "ServerError", "RateLimitedError", "RejectedError", "WebhookError", "TimeoutError",
        "TransportError", "ValidationError", "UnauthorizedError", "ConfigError",
    }
    for e in caught:
        for text in (str(e), repr(e), "".join(traceback.format_exception(type(e), e, e.__traceback__))):
            assert TOKEN not in text, (type(e).__name__, text)
        for value in vars(e).values():
            assert TOKEN not in repr(value)


def test_a_traceback_of_a_failed_send_shows_no_token(secret_mock: MockServer) -> None:
    client = hotpot.Client(secret_mock.webhook_url, max_retries=0)
    secret_mock.fail_next(drop_connection=True, count=2)
    text = ""
    try:
        client.send("x", "alert")
    except hotpot.TransportError:
        text = traceback.format_exc()
    assert "hotpot.TransportError: transport error" in text
    assert TOKEN not in text


def test_reprs_show_the_hint_only(secret_mock: MockServer) -> None:
    client = hotpot.Client(secret_mock.webhook_url, api_key="my-api-key")
    text = repr(client)
    assert TOKEN not in text and HINT in text and "my-api-key" not in text
    assert text == (
        f"Client(webhook_url='{secret_mock.url}/moment/{HINT}', timeout=15.0, "
        "max_retries=2, api_key='…')"
    )
    aclient = hotpot.AsyncClient(secret_mock.webhook_url)
    assert TOKEN not in repr(aclient) and repr(aclient).startswith("AsyncClient(")
    assert TOKEN not in repr(secret_mock) and HINT in repr(secret_mock)
    assert TOKEN not in str(client)


def test_async_errors_are_redacted_too(secret_mock: MockServer) -> None:
    client = hotpot.AsyncClient(secret_mock.webhook_url, max_retries=0)

    async def main() -> BaseException:
        secret_mock.fail_next(drop_connection=True, count=2)
        try:
            await client.send("x", "alert")
        except hotpot.TransportError as e:
            return e
        raise AssertionError("no error")

    e = asyncio.run(main())
    text = "".join(traceback.format_exception(type(e), e, e.__traceback__))
    assert TOKEN not in text and "TransportError" in text


def test_events_recorded_by_the_mock_carry_only_the_hint(secret_mock: MockServer) -> None:
    hotpot.Client(secret_mock.webhook_url).send("x", "alert")
    [event] = secret_mock.wait_for_events(1)
    assert event["token_hint"] == HINT
    assert TOKEN not in repr(event)


@pytest.mark.parametrize("bad", ["https://api.hotpot.works/moment/" + TOKEN + "/Bad_Slug"])
def test_url_errors_do_not_repeat_the_url(bad: str) -> None:
    with pytest.raises(hotpot.ConfigError) as info:
        hotpot.Client(bad)
    assert TOKEN not in str(info.value)


def test_a_short_path_segment_does_not_mangle_the_message() -> None:
    # "x" after moment/ is no token; redacting every "x" would read "e…pected".
    with pytest.raises(hotpot.ConfigError) as info:
        hotpot.Client(f"https://{TOKEN}@api.hotpot.works/moment/x")
    message = str(info.value)
    assert "expected no user name or password" in message, message
    assert TOKEN not in message
