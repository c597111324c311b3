"""Testing code that sends Hotpot moments, without the network.

:class:`MockServer` runs the bundled mock of Hotpot's webhooks (the Rust
``hotpot-mock-server``) inside this process, on ``127.0.0.1`` and a free port: give its
``webhook_url`` to the code under test, then look at what it recorded::

    from hotpot.testing import MockServer

    with MockServer() as mock:
        deploy(webhook_url=mock.webhook_url)
        [moment] = mock.wait_for_moments(1)
        assert moment["type"] == "near-miss"

With pytest, the fixture ``hotpot_mock`` (registered when hotpot is installed) gives each
test a fresh server. ``python -m hotpot.testing --port 8080`` runs one standalone for tests
in other languages.
"""

from __future__ import annotations

from .. import _hotpot

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import datetime
    from types import TracebackType
    from typing import Any

    from typing_extensions import Self

__all__ = ["MockServer"]


class MockServer:
    """The mock server, running in this process until :meth:`close` (or the end of a
    ``with`` block).

    ``strict=True`` answers payloads that break a rule with 422 instead of 202 (Hotpot
    itself queues them and records an error event). ``token`` fixes the default webhook's
    token (random otherwise); ``api_key`` is the key ``GET /request/{id}/status`` accepts
    (``hotpot-mock-api-key`` otherwise). ``host`` and ``port`` choose the address (127.0.0.1
    and a free port by default), ``rate_limit`` answers 429 beyond that many requests per
    second per webhook, ``max_events`` bounds the event log.

    Events and moments come back as lists of dicts, oldest first, shaped as the mock's own
    JSON API (``/_mock/events``, ``/_mock/moments``).
    """

    __slots__ = ("_core",)

    def __init__(
        self,
        *,
        strict: bool = False,
        token: str | None = None,
        api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: int | None = None,
        max_events: int | None = None,
    ) -> None:
        self._core = _hotpot.MockCore(
            strict=strict,
            token=token,
            api_key=api_key,
            host=host,
            port=port,
            rate_limit=rate_limit,
            max_events=max_events,
        )

    @property
    def url(self) -> str:
        """The server's base URL, ``http://127.0.0.1:PORT``."""
        return self._core.url

    @property
    def webhook_url(self) -> str:
        """The default webhook's URL, ``{url}/moment/{token}``: give it to the code under test."""
        return self._core.webhook_url

    @property
    def token(self) -> str:
        """The default webhook's token."""
        return self._core.token

    @property
    def api_key(self) -> str:
        """The API key ``request_status`` must use."""
        return self._core.api_key

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has run."""
        return self._core.closed

    def moments(self) -> list[dict[str, Any]]:
        """Every moment created so far, oldest first: ``id``, ``request_id``, ``name``,
        ``type``, ``priority`` (``medium`` when none was sent), ``source``, ``source_url``,
        ``description``, ``occurred_at``, ``created_at``, ``webhook_label``, ``integration``."""
        return self._core.moments()

    def events(self) -> list[dict[str, Any]]:
        """Every request recorded so far, oldest first: ``id``, ``request_id``,
        ``webhook_label``, ``token_hint``, ``integration``, ``received_at``, ``status``
        (``success`` or ``error``), ``errors`` and ``warnings`` (lists of ``{field,
        message}``), ``payload``, ``raw_body``, ``moment_id``."""
        return self._core.events()

    def webhooks(self) -> list[dict[str, Any]]:
        """Every webhook, oldest first: ``token``, ``url``, ``label``, ``type``,
        ``expires_at``, ``created_at``."""
        return self._core.webhooks()

    def wait_for_events(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Waits until at least ``n`` events are recorded and returns them all; raises
        ``TimeoutError`` after ``timeout`` seconds. Wakes on each event: no polling."""
        return self._core.wait_for_events(n, timeout)

    def wait_for_moments(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Waits until at least ``n`` moments exist and returns them all; raises
        ``TimeoutError`` after ``timeout`` seconds."""
        return self._core.wait_for_moments(n, timeout)

    def create_webhook(
        self, label: str, type: str = "custom", expires_at: datetime | str | None = None
    ) -> str:
        """Creates another webhook and returns its URL. From ``expires_at`` on (a
        ``datetime``, naive meaning UTC, or an RFC 3339 string; by the server's clock) it is
        answered 410."""
        return str(self._core.create_webhook(label, type, expires_at)["url"])

    def fail_next(
        self,
        status: int | None = 503,
        *,
        count: int = 1,
        retry_after: float | None = None,
        delay: float | None = None,
        drop_connection: bool = False,
    ) -> None:
        """Makes the next ``count`` requests fail: answered with ``status`` (with a
        ``Retry-After`` of ``retry_after`` seconds), answered ``delay`` seconds late, or
        with the connection closed unanswered (``drop_connection=True``, which ignores
        ``status``). ``status=None`` with a ``delay`` only slows the answer down."""
        self._core.fail_next(status, count, retry_after, delay, drop_connection)

    def pending_faults(self) -> int:
        """How many :meth:`fail_next` calls are not used up yet (one with ``count=3``
        counts once, until its third request)."""
        return self._core.pending_faults()

    def event_count(self) -> int:
        """How many events are recorded (cheaper than ``len(self.events())``)."""
        return self._core.event_count()

    def clear_faults(self) -> None:
        """Drops the faults not yet used."""
        self._core.clear_faults()

    def reset(self, *, webhooks: bool = False) -> None:
        """Forgets events, moments and faults; with ``webhooks=True`` also every webhook
        but the default one."""
        self._core.reset(webhooks)

    def now(self) -> datetime:
        """The server's clock (it decides what "in the future" means, and webhook expiry)."""
        return self._core.now()

    def set_clock(self, now: datetime | str) -> None:
        """Freezes the server's clock at ``now``."""
        self._core.set_clock(now)

    def advance_clock(self, seconds: float) -> None:
        """Moves the server's clock forward."""
        self._core.advance_clock(seconds)

    def reset_clock(self) -> None:
        """Puts the server's clock back on real time."""
        self._core.reset_clock()

    def close(self) -> None:
        """Stops the server (requests in flight get up to 2 s to finish). Idempotent."""
        self._core.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return repr(self._core)


