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

For many moments keep a :class:`Client` (or an :class:`AsyncClient`). For tests,
:mod:`hotpot.testing` runs the bundled mock server in-process, and the pytest fixture
``hotpot_mock`` hands each test a fresh one.
"""

from ._api import AsyncClient, Client, Moment
from ._errors import (
    ConfigError,
    HotpotError,
    RateLimitedError,
    RejectedError,
    ServerError,
    TimeoutError,
    TransportError,
    UnauthorizedError,
    UnknownRequestError,
    ValidationError,
    WebhookError,
)
from ._hotpot import USER_AGENT, Receipt, RequestStatus, __version__, send

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._enums import MomentType, Priority
else:

    def __getattr__(name: str) -> object:
        # The enums are imported on first use: `enum` costs more than the rest of hotpot.
        if name in ("MomentType", "Priority"):
            from . import _enums

            value = getattr(_enums, name)
            globals()[name] = value
            return value
        raise AttributeError(f"module 'hotpot' has no attribute {name!r}")


__all__ = [
    "send",
    "Client",
    "AsyncClient",
    "Moment",
    "MomentType",
    "Priority",
    "Receipt",
    "RequestStatus",
    "HotpotError",
    "ConfigError",
    "ValidationError",
    "RejectedError",
    "WebhookError",
    "RateLimitedError",
    "ServerError",
    "TimeoutError",
    "TransportError",
    "UnauthorizedError",
    "UnknownRequestError",
    "USER_AGENT",
    "__version__",
]


def __dir__() -> list[str]:
    return sorted((set(globals()) | set(__all__)) - {"TYPE_CHECKING"})


