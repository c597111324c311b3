"""The public classes: ``Moment``, ``Client`` and ``AsyncClient``.

``Moment`` and ``Client`` are thin subclasses of the native classes (their methods run in
Rust); they exist to give the constructors real signatures. ``AsyncClient`` wraps the native
``AsyncCore`` in coroutines.
"""

from __future__ import annotations

from . import _hotpot
from ._hotpot import Receipt, RequestStatus

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os
    from datetime import datetime

    from typing_extensions import Self

    from ._enums import MomentType, Priority

__all__ = ["Moment", "Client", "AsyncClient"]


class Moment(_hotpot.Moment):
    """A moment that satisfies every rule of the payload, checked on construction.

    ``type`` is a string in any case (``"near-miss"``, ``"Near-miss"``) or a
    :class:`MomentType`; ``priority`` a string or a :class:`Priority`; ``occurred_at`` a
    ``datetime`` (naive means UTC, aware ones are converted) or a string such as
    ``"2023-04-01T12:31:26Z"`` or ``"2023-04-01 12:31:26"`` (UTC). Left out, the server's
    clock decides when it happened.

    Anything wrong — a name of 71 characters, a relative ``source_url``, a time in the
    future, a value of the wrong Python type — raises :class:`ValidationError` listing every
    problem, each naming its field.

    The attributes have the same names as the arguments (``type`` is a :class:`MomentType`,
    ``occurred_at`` an aware ``datetime`` in UTC); ``to_dict()`` and ``to_json()`` give the
    payload exactly as it is sent. Moments compare equal by value, hash, and pickle.

    >>> m = Moment("Failed deploy with successful rollback", "Near-miss", source="Deploybot")
    >>> m.to_json()
    '{"name":"Failed deploy with successful rollback","type":"near-miss","source":"Deploybot"}'
    """

    __slots__ = ()
    __module__ = "hotpot"

    def __new__(
        cls,
        name: str,
        type: MomentType | str,
        *,
        priority: Priority | str | None = None,
        source: str | None = None,
        source_url: str | None = None,
        description: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> Self:
        """Checks every value and every rule; raises ValidationError listing each problem."""
        return super().__new__(
            cls,
            name,
            type,
            priority=priority,
            source=source,
            source_url=source_url,
            description=description,
            occurred_at=occurred_at,
        )


class Client(_hotpot.Client):
    """A client for one webhook URL; safe to share between threads.

    ``timeout`` is the time allowed for one attempt, in seconds; ``max_retries`` how many
    times a retryable failure (429, 408, 500, 502, 503, 504, timeouts, refused or reset
    connections) is tried again, with exponential backoff and the same ``Idempotency-Key``;
    ``api_key`` enables :meth:`request_status`; ``ca_cert`` adds a certificate authority to
    trust besides the system's (for a private deployment or a TLS-inspecting proxy): the path
    of a PEM file, or the PEM itself as ``bytes``. Certificates are always verified; there is
    no way to turn that off.

    The URL must be ``https://`` (plain ``http://`` only to a loopback host) and end in
    ``/moment/TOKEN``; it is a secret, so ``repr()`` and every exception show only the
    token's first 4 characters. Sends release the GIL while they wait, and a forked child
    (gunicorn, celery, multiprocessing) gets its own connections automatically.

    While a client's recent answers came within 0.2 ms (the mock server, a local relay), a
    send polls for its answer for up to 0.2 ms before it sleeps, when no other thread is
    sending: on a virtual machine that halves its latency, for no more CPU than the wake-up
    it saves. Against a distant server it sleeps (after the first two sends).

    >>> client = Client(os.environ["HOTPOT_WEBHOOK_URL"])  # doctest: +SKIP
    >>> client.send("Disk 91% full on db-1", "alert", priority="high")  # doctest: +SKIP
    Receipt(status_code=202, request_id='f1e5ae0a-…', message='Your request has been queued.')
    """

    __slots__ = ()
    __module__ = "hotpot"

    def __new__(
        cls,
        webhook_url: str,
        *,
        timeout: float = 15.0,
        max_retries: int = 2,
        api_key: str | None = None,
        ca_cert: str | os.PathLike[str] | bytes | None = None,
    ) -> Self:
        """Checks the URL and settings (ConfigError otherwise); connects on the first send."""
        return super().__new__(
            cls,
            webhook_url,
            timeout=timeout,
            max_retries=max_retries,
            api_key=api_key,
            ca_cert=ca_cert,
        )


class AsyncClient:
    """The asyncio version of :class:`Client`: the same constructor, the same methods as
    coroutines.

    Sends run on hotpot's own worker threads; awaiting one does not block the event loop,
    and cancelling the task that awaits it cancels the request. ``asyncio.gather`` of many
    sends runs them concurrently over pooled connections.

    >>> client = AsyncClient(os.environ["HOTPOT_WEBHOOK_URL"])  # doctest: +SKIP
    >>> await client.send("Failed deploy", "near-miss", source="Deploybot")  # doctest: +SKIP
    """

    __slots__ = ("_core",)

    def __init__(
        self,
        webhook_url: str,
        *,
        timeout: float = 15.0,
        max_retries: int = 2,
        api_key: str | None = None,
        ca_cert: str | os.PathLike[str] | bytes | None = None,
    ) -> None:
        self._core = _hotpot.AsyncCore(
            webhook_url,
            timeout=timeout,
            max_retries=max_retries,
            api_key=api_key,
            ca_cert=ca_cert,
        )

    @classmethod
    def from_env(cls) -> Self:
        """A client for ``HOTPOT_WEBHOOK_URL``, with ``HOTPOT_API_KEY`` where it is set."""
        url, api_key = _hotpot.AsyncCore.env()
        return cls(url, api_key=api_key)

    async def send(
        self,
        name: str,
        type: MomentType | str,
        *,
        priority: Priority | str | None = None,
        source: str | None = None,
        source_url: str | None = None,
        description: str | None = None,
        occurred_at: datetime | str | None = None,
    ) -> Receipt:
        """Sends one moment and returns the server's receipt; see :meth:`Client.send`."""
        future, task = self._core.send(
            name, type, priority, source, source_url, description, occurred_at
        )
        try:
            return await future
        except BaseException:
            task.abort()  # cancelled (or interrupted): drop the request too
            raise

    async def send_moment(self, moment: Moment) -> Receipt:
        """Sends a :class:`Moment` built earlier and returns the server's receipt."""
        future, task = self._core.send_moment(moment)
        try:
            return await future
        except BaseException:
            task.abort()
            raise

    async def request_status(self, request_id: str) -> RequestStatus:
        """Looks up what became of a request; needs the client's ``api_key``."""
        future, task = self._core.request_status(request_id)
        try:
            return await future
        except BaseException:
            task.abort()
            raise

    @property
    def timeout(self) -> float:
        """Seconds allowed for one attempt."""
        return self._core.timeout

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt."""
        return self._core.max_retries

    def __repr__(self) -> str:
        return self._core.describe(type(self).__name__)


AsyncClient.__module__ = "hotpot"
