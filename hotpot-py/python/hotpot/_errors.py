"""The exceptions of hotpot, all under :class:`HotpotError`.

They are defined here, in Python, so that each can also be the builtin exception a caller
already catches (``ValueError``, ``TimeoutError``, ``ConnectionError``); the native core
raises them by name. Messages never contain the webhook token: at most its first 4
characters and ``…`` (``https://api.hotpot.works/moment/845b…``).
"""

from __future__ import annotations

import builtins

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._hotpot import Moment


class HotpotError(Exception):
    """Base class of every hotpot error.

    ``status_code`` is the HTTP status of the answer that caused it, or ``None`` when there
    was no answer; ``retryable`` says whether the same send could succeed later (the client
    has already retried it as often as it was configured to).
    """

    status_code: int | None
    retryable: bool

    def __init__(
        self, text: str = "", /, *, status_code: int | None = None, retryable: bool = False
    ) -> None:
        super().__init__(text)
        self.status_code = status_code
        self.retryable = retryable


class ConfigError(HotpotError, ValueError):
    """A client or server was given an unusable setting: a webhook URL that is not one
    (or plain ``http://`` to a host that is not loopback), a negative timeout, a missing
    ``HOTPOT_WEBHOOK_URL``, ``request_status`` without an API key."""


class ValidationError(HotpotError, ValueError):
    """The moment breaks one or more rules of the payload; nothing was sent.

    ``errors`` lists every problem as a ``(field, message)`` pair, each message saying what
    was expected and what was found::

        try:
            hotpot.Moment("", "near_miss")
        except hotpot.ValidationError as e:
            e.errors  # [('name', 'expected 1 to 70 characters, found an empty string'),
                      #  ('type', '... found "near_miss" (did you mean "near-miss"?)')]
    """

    errors: list[tuple[str, str]]

    def __init__(
        self,
        text: str = "",
        /,
        *,
        errors: list[tuple[str, str]] | None = None,
        status_code: int | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(text, status_code=status_code, retryable=retryable)
        self.errors = list(errors or [])


class RejectedError(HotpotError):
    """Hotpot refused the payload (400, 413, 415, 422): sending it again gives the same answer.

    ``message`` is the server's explanation, ``body`` the answer's body (redacted, at most
    512 characters) and ``errors`` the ``(field, message)`` problems of a strict-mode 422.
    """

    message: str | None
    body: str
    errors: list[tuple[str, str]]

    def __init__(
        self,
        text: str = "",
        /,
        *,
        status_code: int | None = None,
        retryable: bool = False,
        body: str = "",
        errors: list[tuple[str, str]] | None = None,
        message: str | None = None,
    ) -> None:
        super().__init__(text, status_code=status_code, retryable=retryable)
        self.message = message
        self.body = body
        self.errors = list(errors or [])


class WebhookError(HotpotError):
    """The webhook is unknown or revoked (401, 403, 404) or has expired (410, ``expired``
    is then true): time to use the new URL."""

    @property
    def expired(self) -> bool:
        """Whether the webhook has expired (HTTP 410)."""
        return self.status_code == 410


class RateLimitedError(HotpotError):
    """Rate limited (429) on every attempt, or told to wait longer than the client will.

    ``retry_after`` is the wait the server asked for, in seconds, or ``None``.
    """

    retry_after: float | None

    def __init__(
        self,
        text: str = "",
        /,
        *,
        retry_after: float | None = None,
        status_code: int | None = 429,
        retryable: bool = True,
    ) -> None:
        super().__init__(text, status_code=status_code, retryable=retryable)
        self.retry_after = retry_after


class ServerError(HotpotError):
    """Hotpot had trouble (a 5xx answer, or 408) on the last attempt."""


class TimeoutError(HotpotError, builtins.TimeoutError):
    """No answer in time (the per-attempt ``timeout``, or the overall deadline of the
    retries). Also a builtin ``TimeoutError``. ``elapsed`` is the time spent, in seconds."""

    elapsed: float | None

    def __init__(
        self,
        text: str = "",
        /,
        *,
        elapsed: float | None = None,
        status_code: int | None = None,
        retryable: bool = True,
    ) -> None:
        super().__init__(text, status_code=status_code, retryable=retryable)
        self.elapsed = elapsed


class TransportError(HotpotError, builtins.ConnectionError):
    """The request got no answer: refused or reset connection, DNS or TLS failure. Also a
    builtin ``ConnectionError``."""


class UnauthorizedError(HotpotError):
    """The API refused the key (401, 403): ``request_status`` or a page
    (:class:`ApiClient`); the key is missing, wrong or revoked."""


class PageFailedError(HotpotError):
    """A page was queued, then its status became ``error`` (a field problem, or a recipient
    Hotpot does not know), so nobody will handle it: raised by ``wait_for_acknowledgement``.
    ``errors`` lists the problems as ``(field, message)`` pairs; ``request_id`` names the
    page's request."""

    errors: list[tuple[str, str]]
    request_id: str | None

    def __init__(
        self,
        text: str = "",
        /,
        *,
        errors: list[tuple[str, str]] | None = None,
        request_id: str | None = None,
        status_code: int | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(text, status_code=status_code, retryable=retryable)
        self.errors = list(errors or [])
        self.request_id = request_id


class UnknownRequestError(HotpotError, LookupError):
    """``request_status`` was asked about a request id the server does not know."""


class DroppedError(HotpotError):
    """An :class:`Emitter` gave a moment up without an answer from Hotpot.

    ``moment`` is the :class:`Moment`; ``reason`` says why:

    - ``"queue_full"``: ``emit`` found the queue full (raised as :class:`QueueFullError`);
    - ``"shut_down"``: ``emit`` was called after ``shutdown`` (raised as
      :class:`EmitterClosedError`);
    - ``"displaced"``: with ``overflow="drop_oldest"``, a newer moment took its place in the
      full queue;
    - ``"abandoned"``: still queued, never sent, when ``shutdown`` reached its timeout;
    - ``"abandoned_in_flight"``: being sent when ``shutdown`` reached its timeout (Hotpot
      may have it);
    - ``"spool"``: the emitter's spool could not store it (raised as :class:`SpoolError`).

    The emitter passes each drop to its ``on_error`` callback with one of these.
    """

    reason: str
    moment: Moment | None

    def __init__(
        self,
        text: str = "",
        /,
        *,
        reason: str = "dropped",
        moment: Moment | None = None,
        status_code: int | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(text, status_code=status_code, retryable=retryable)
        self.reason = reason
        self.moment = moment


class QueueFullError(DroppedError):
    """``Emitter.emit`` refused the moment: the queue was full (at once with
    ``overflow="drop_newest"``, after ``block_timeout`` with ``"block"``). ``moment`` is the
    refused moment, to keep or send another way."""


class EmitterClosedError(DroppedError):
    """``Emitter.emit`` was called after ``shutdown`` (or the interpreter's exit handler)
    began; the moment was not queued. ``moment`` is the refused moment."""


class SpoolError(DroppedError):
    """``Emitter.emit`` refused the moment: the emitter's spool could not store it (a full
    disk, a directory no longer writable, a moment larger than 1 MiB). The message says what
    the operating system said; ``moment`` is the refused moment, to keep or send another
    way. Nothing was queued."""


class WaitTimeout(builtins.TimeoutError):
    """A wait of :class:`hotpot.testing.MockServer` (``wait_for_events``, ``wait_for_moments``)
    ended before enough records arrived: what the Rust ``hotpot_mock_server::WaitTimeout``
    says. Also a builtin ``TimeoutError``; not a :class:`HotpotError` (no request failed).

    ``wanted`` is how many the call waited for, ``got`` every record there was when the
    timeout passed (fewer than ``wanted``; dicts as ``events()`` or ``moments()`` give them),
    ``waited`` how long it waited, in seconds.
    """

    wanted: int
    got: list[dict[str, Any]]
    waited: float

    def __init__(
        self,
        text: str = "",
        /,
        *,
        wanted: int = 0,
        got: list[dict[str, Any]] | None = None,
        waited: float = 0.0,
    ) -> None:
        super().__init__(text)
        self.wanted = wanted
        self.got = list(got or [])
        self.waited = waited


WaitTimeout.__module__ = "hotpot.testing"

for _cls in (
    HotpotError,
    ConfigError,
    ValidationError,
    RejectedError,
    WebhookError,
    RateLimitedError,
    ServerError,
    TimeoutError,
    TransportError,
    UnauthorizedError,
    UnknownRequestError,
    DroppedError,
    QueueFullError,
    EmitterClosedError,
    SpoolError,
):
    # Tracebacks then read `hotpot.ValidationError: ...`, the name users import.
    _cls.__module__ = "hotpot"
del _cls
