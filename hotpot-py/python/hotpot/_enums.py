"""``MomentType``, ``Priority`` and ``Urgency``: ``str`` enums, so a member equals its wire value
(``MomentType.NEAR_MISS == "near-miss"``) and goes wherever a string does.

Imported on first use, not by ``import hotpot``: the ``enum`` module alone costs more than
the rest of the package's import.
"""

from __future__ import annotations

import enum

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["MomentType", "Priority", "Urgency"]


class _WireEnum(str, enum.Enum):
    """A ``str`` enum that prints as its value and looks values up in any case."""

    if TYPE_CHECKING:
        # What `Enum` makes of the constructor at runtime: a lookup by value.
        def __new__(cls, value: object) -> Self: ...

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> _WireEnum | None:
        if isinstance(value, str):
            lowered = value.lower()
            for member in cls:
                if member.value == lowered:
                    return member
        return None


class MomentType(_WireEnum):
    """What kind of moment it is. ``MomentType("Near-miss")`` looks a value up in any case."""

    PAGE = "page"
    """Somebody was paged."""
    ALERT = "alert"
    """An alert fired."""
    NEAR_MISS = "near-miss"
    """Something almost went wrong."""
    INCIDENT = "incident"
    """Something went wrong."""


class Priority(_WireEnum):
    """How urgent a moment is; Hotpot uses ``MEDIUM`` when none is given."""

    HIGH = "high"
    """Needs attention now."""
    MEDIUM = "medium"
    """The server's default."""
    LOW = "low"
    """Can wait."""


class Urgency(_WireEnum):
    """How urgent a page is; Hotpot uses ``MEDIUM`` when none is given."""

    LOW = "low"
    """Can wait."""
    MEDIUM = "medium"
    """Hotpot's default."""
    HIGH = "high"
    """Wake somebody up."""
