"""hotpot: send Hotpot moments from Python.

A *moment* is a small JSON record — "Failed deploy with successful rollback", type
``near-miss``, source ``Deploybot`` — posted to a secret webhook URL. This package checks it
against every rule before sending, retries what is worth retrying without creating
duplicates, raises a precise exception otherwise, and never shows the webhook token::

    import hotpot

    receipt = hotpot.send(
        webhook_url, "Failed deploy with successful rollback", "near-miss",
        source="Deploybot", occurred_at="2023-04-01 12:31:26",
    )

For many moments keep a :class:`Client` (or an :class:`AsyncClient`); where sending must
never slow the caller down (a web service, a worker), hand moments to an :class:`Emitter`,
which delivers them in the background. For tests,
:mod:`hotpot.testing` runs the bundled mock server in-process, and the pytest fixture
``hotpot_mock`` hands each test a fresh one.
"""

from . import _emitter  # noqa: F401 - registers the exit handler of the emitters
from ._aio import AsyncClient, Emitter
from ._errors import (
    ConfigError,
    DroppedError,
    EmitterClosedError,
    HotpotError,
    PageFailedError,
    QueueFullError,
    RateLimitedError,
    RejectedError,
    ServerError,
    SpoolError,
    TransportError,
    UnauthorizedError,
    UnknownRequestError,
    ValidationError,
    WebhookError,
)
from ._errors import TimeoutError as TimeoutError  # public, but left out of __all__ (below)
from ._hotpot import (
    USER_AGENT,
    Acknowledgement,
    ApiClient,
    Client,
    Moment,
    Page,
    Receipt,
    RequestStatus,
    __version__,
    check,
    send,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._enums import MomentType, Priority, Urgency
    from ._pages import AsyncApiClient, page_person, page_team
    from ._reports import EmitterReport, EmitterStats
else:
    # Imported on first use: `enum` and `typing` cost more than the rest of hotpot.
    _LAZY = {
        "MomentType": "_enums",
        "Priority": "_enums",
        "Urgency": "_enums",
        "AsyncApiClient": "_pages",
        "page_team": "_pages",
        "page_person": "_pages",
        "EmitterReport": "_reports",
        "EmitterStats": "_reports",
    }

    def __getattr__(name: str) -> object:
        module = _LAZY.get(name)
        if module is not None:
            from importlib import import_module

            value = getattr(import_module(f"{__name__}.{module}"), name)
            globals()[name] = value
            return value
        raise AttributeError(f"module 'hotpot' has no attribute {name!r}")


__all__ = [
    "send",
    "check",
    "Client",
    "AsyncClient",
    "Moment",
    "MomentType",
    "Priority",
    "Receipt",
    "RequestStatus",
    "Emitter",
    "ApiClient",
    "AsyncApiClient",
    "Page",
    "Urgency",
    "Acknowledgement",
    "page_team",
    "page_person",
    "EmitterReport",
    "EmitterStats",
    "HotpotError",
    "ConfigError",
    "ValidationError",
    "RejectedError",
    "WebhookError",
    "RateLimitedError",
    "ServerError",
    # Not "TimeoutError": `from hotpot import *` would shadow the builtin one, which
    # hotpot.TimeoutError subclasses. It stays reachable by name.
    "TransportError",
    "UnauthorizedError",
    "UnknownRequestError",
    "PageFailedError",
    "DroppedError",
    "QueueFullError",
    "EmitterClosedError",
    "SpoolError",
    "USER_AGENT",
    "__version__",
]


def __dir__() -> list[str]:
    return sorted((set(globals()) | set(__all__)) - {"TYPE_CHECKING", "_LAZY"})


