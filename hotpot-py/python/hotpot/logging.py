"""Log records as Hotpot moments: :class:`MomentHandler` (spec §11).

Services already say when something goes wrong: they log it. Add this handler and every
record at ``ERROR`` or above becomes a moment, handed to an :class:`hotpot.Emitter`, which
delivers it in the background: the code that logs never waits on Hotpot::

    import logging
    import hotpot.logging

    # HOTPOT_WEBHOOK_URL; HOTPOT_SPOOL, where set, keeps the queue in a crash-safe spool
    logging.getLogger().addHandler(hotpot.logging.MomentHandler())
    log = logging.getLogger("checkout")
    log.error("Payment provider unreachable", extra={"hotpot_type": "incident", "order": 1234})

A record becomes a moment the same way as in Rust's ``MomentLayer``:

- ``name``: the message, whitespace collapsed, cut to 70 characters with ``…``; an empty
  message gives the logger's name;
- ``type``: ``extra={"hotpot_type": ...}``, else ``alert``; ``priority``: ``hotpot_priority``,
  else ``high`` for ``CRITICAL`` and none otherwise; ``source_url``: ``hotpot_source_url``;
- ``source``: the handler's ``source``, else the logger's name;
- ``description`` (Markdown): the full message and the exception's traceback (``exc_info``)
  in fenced code blocks, then the other ``extra`` fields and the level, logger and location
  as lists;
- ``occurred_at``: when the record was made.

The same message from the same place (logger, file and line) with the same error (the
exception's type and the innermost frame of its traceback, or none) within ``dedup_window``
seconds becomes one moment; the next one from there says how many were folded. Records of the
``hotpot`` and ``urllib3`` loggers (and their children) never become moments. A record that
makes no valid moment, or one the emitter refuses, goes to :meth:`logging.Handler.handleError`
and never raises into the code that logged.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime, timedelta

from . import _hotpot
from ._aio import Emitter
from ._errors import EmitterClosedError
from ._hotpot import Moment

__all__ = ["MomentHandler"]

_DEFAULTS = _hotpot.DEFAULTS
_NAME_MAX_CHARS: int = _hotpot.NAME_MAX_CHARS
_PLACES_MAX = int(_DEFAULTS["dedup_places"])

#: Loggers whose records never become moments (with their children): hotpot's own, and the
#: HTTP stack a program may share with it.
_EXCLUDED = ("hotpot", "urllib3")
_EXCLUDED_CHILDREN = tuple(name + "." for name in _EXCLUDED)

_TYPE_FIELD = "hotpot_type"
_PRIORITY_FIELD = "hotpot_priority"
_SOURCE_URL_FIELD = "hotpot_source_url"

#: The attributes every LogRecord has; the others came through ``extra``.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message", "asctime", "taskName", _TYPE_FIELD, _PRIORITY_FIELD, _SOURCE_URL_FIELD,
}

_BACKTICKS = re.compile("`+")
_NEWLINES = "\r\n"
#: Naive datetimes are UTC to ``Moment`` (and convert faster than aware ones).
_EPOCH = datetime(1970, 1, 1)
_formatter = logging.Formatter()


class MomentHandler(logging.Handler):
    """A :class:`logging.Handler` turning records at ``level`` or above into moments.

    ``emitter``: the :class:`hotpot.Emitter` to hand them to; without one the handler makes
    its own with :meth:`hotpot.Emitter.from_env` (``HOTPOT_WEBHOOK_URL``, and its queue in the
    spool ``HOTPOT_SPOOL`` names, where set, so that it survives a crash), shut down at exit
    like every emitter, so that ``logging.config.dictConfig`` (Django's ``LOGGING``) can name
    the handler by class with literal settings only:
    ``{"class": "hotpot.logging.MomentHandler"}``. ``source``: the moments'
    ``source`` (default: the logger's name). ``dedup_window``: seconds during which the same
    record from the same place is folded into the moment sent for it (default 60.0; 0 sends
    every record).

    An emitter given with ``overflow="block"`` makes a logging call wait for room when its queue
    is full; the default, ``"drop_newest"``, never waits (the record goes to ``handleError``).

    Raises :class:`hotpot.ConfigError` without an emitter when ``HOTPOT_WEBHOOK_URL`` is not
    set, and ``TypeError`` / ``ValueError`` for arguments of the wrong type or range.
    """

    def __init__(
        self,
        emitter: Emitter | None = None,
        *,
        level: int | str = logging.ERROR,
        source: str | None = None,
        dedup_window: float = _DEFAULTS["dedup_window"],
    ) -> None:
        if emitter is not None and not isinstance(emitter, Emitter):
            raise TypeError(
                f"emitter: expected a hotpot.Emitter or None, found {type(emitter).__name__}"
            )
        if source is not None and not isinstance(source, str):
            raise TypeError(f"source: expected a str or None, found {type(source).__name__}")
        if isinstance(dedup_window, bool) or not isinstance(dedup_window, (int, float)):
            raise TypeError(
                f"dedup_window: expected seconds as a number, found {type(dedup_window).__name__}"
            )
        if not dedup_window >= 0:  # NaN too
            raise ValueError(
                f"dedup_window: expected 0 or more seconds, found {dedup_window!r}"
            )
        super().__init__(level)
        # The emitter first: a handler whose emitter could not be made (no HOTPOT_WEBHOOK_URL)
        # is still in logging's list, and its close() at exit must find nothing to shut down.
        self._emitter = Emitter.from_env() if emitter is None else emitter
        self._owns_emitter = emitter is None
        self._source = source
        self._dedup_window = float(dedup_window)
        #: (logger, file, line, message, error) -> [monotonic time of the last moment, records
        #: folded]
        self._places: dict[_Place, list[float]] = {}

    @property
    def emitter(self) -> Emitter:
        """The emitter the moments go to."""
        return self._emitter

    @property
    def source(self) -> str | None:
        """The moments' ``source``; ``None``: the logger's name."""
        return self._source

    @property
    def dedup_window(self) -> float:
        """Seconds during which the same record from the same place is one moment."""
        return self._dedup_window

    def emit(self, record: logging.LogRecord) -> None:
        """Hands the record to the emitter as a moment (or folds it); never raises."""
        try:
            name = record.name
            if name in _EXCLUDED or name.startswith(_EXCLUDED_CHILDREN):
                return
            message = record.getMessage()
            folded = self._admit(
                (name, record.pathname, record.lineno, message, _error_key(record))
            )
            if folded is None:
                return
            moment = _to_moment(record, message, source=self._source, folded=folded)
            try:
                self._emitter.emit(moment)
            except EmitterClosedError:
                if self._owns_emitter:
                    return  # its own emitter, shut down at exit: records logged later are dropped
                raise
        except RecursionError:  # as logging's own handlers do
            raise
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        """Shuts down the emitter the handler made itself (not one it was given)."""
        try:
            # (A handler whose construction failed has no emitter to shut down.)
            if getattr(self, "_owns_emitter", False):
                self._emitter.shutdown()
        finally:
            super().close()

    def _admit(self, place: _Place) -> int | None:
        """The records folded since the last moment from ``place`` when this one should be a
        moment, ``None`` when it is folded. Runs under the handler's lock."""
        window = self._dedup_window
        if not window:
            return 0
        now = time.monotonic()
        places = self._places
        last = places.get(place)
        if last is not None:
            if now - last[0] < window:
                last[1] += 1
                return None
            folded = int(last[1])
            last[0], last[1] = now, 0
            return folded
        if len(places) >= _PLACES_MAX:
            # As in Rust: forget the places whose window passed with nothing folded, and all
            # of them if most are still live, so the table stays bounded.
            for key in [k for k, (t, n) in places.items() if not n and now - t >= window]:
                del places[key]
            if len(places) >= _PLACES_MAX // 2:
                places.clear()
        places[place] = [now, 0]
        return 0


#: What folds a record into the last moment: its logger, file, line and message, and its error.
_Place = tuple[str, str, int, str, "tuple[str, str, int] | None"]


def _error_key(record: logging.LogRecord) -> tuple[str, str, int] | None:
    """The record's error as far as folding goes: the exception's type and the innermost frame
    of its traceback (file and line), or ``None`` without one. Frameworks log every unhandled
    exception with one message from one line (Flask's ``Exception on /pay [GET]``, Django's
    ``Internal Server Error: /pay``): distinct errors must stay distinct moments."""
    exc_info = record.exc_info
    if not exc_info or exc_info[0] is None:
        return None
    exc_type, _, tb = exc_info
    name = f"{exc_type.__module__}.{exc_type.__qualname__}"
    if tb is None:
        return (name, "", 0)
    while tb.tb_next is not None:
        tb = tb.tb_next
    return (name, tb.tb_frame.f_code.co_filename, tb.tb_lineno)


# --- the mapping of §11, one record to one moment -------------------------------------------


def _moment_name(message: str, fallback: str) -> str:
    """The message with whitespace collapsed, cut to the §1 limit with ``…`` when longer; an
    empty message gives ``fallback`` (the logger's name), treated the same way."""
    name = " ".join(message.split())
    if len(name) > _NAME_MAX_CHARS:
        name = name[: _NAME_MAX_CHARS - 1].rstrip() + "…"
    if not name and fallback:
        return _moment_name(fallback, "")
    return name


def _to_moment(
    record: logging.LogRecord, message: str, *, source: str | None, folded: int
) -> Moment:
    """The moment for ``record`` (whose message is ``message``); ``folded``: the records folded
    since the last moment from its place. Raises ``hotpot.ValidationError``."""
    extra = record.__dict__
    priority = extra.get(_PRIORITY_FIELD)
    if priority is None and record.levelno >= logging.CRITICAL:
        priority = "high"
    return Moment(
        _moment_name(message, record.name),
        extra.get(_TYPE_FIELD, "alert"),
        priority=priority,
        source=record.name if source is None else source,
        source_url=extra.get(_SOURCE_URL_FIELD),
        description=_description(record, message, folded),
        occurred_at=_EPOCH + timedelta(seconds=record.created),
    )


def _description(record: logging.LogRecord, message: str, folded: int) -> str:
    """The Markdown description, in the order and with the titles of the Rust layer's."""
    out: list[str] = []
    if message.strip():
        out.append(_fenced(message))
    if record.exc_info:
        if not record.exc_text:
            record.exc_text = _formatter.formatException(record.exc_info)
        out.append("**exception**\n\n" + _fenced(record.exc_text))
    elif record.exc_text:
        out.append("**exception**\n\n" + _fenced(record.exc_text))
    if record.stack_info:
        out.append("**stack**\n\n" + _fenced(record.stack_info))
    if folded:
        out.append(_folded_note(folded) + "\n\n")
    fields = [
        (key, value if isinstance(value, str) else repr(value))
        for key, value in record.__dict__.items()
        if key not in _STANDARD and not key.startswith("_")
    ]
    out.append(_list("Fields", fields))
    out.append(_record_list(record.levelname, record.name, record.pathname, record.lineno))
    return "".join(out).rstrip()


#: The "Record" lists made so far, by place (bounded: cleared when full).
_record_lists: dict[tuple[str, str, str, int], str] = {}


def _record_list(level: str, logger: str, path: str, line: int) -> str:
    """The last list, the same for every record from one place (so it is kept)."""
    key = (level, logger, path, line)
    found = _record_lists.get(key)
    if found is None:
        place = [("level", level), ("logger", logger)]
        if path:
            place.append(("location", f"{path}:{line}"))
        if len(_record_lists) >= _PLACES_MAX:
            _record_lists.clear()
        found = _record_lists[key] = _list("Record", place)
    return found


def _folded_note(folded: int) -> str:
    records = "record" if folded == 1 else "records"
    return (
        f"**Folded:** {folded} more {records} like this one since the last moment from here "
        "(not sent as moments)."
    )


def _longest_backtick_run(text: str) -> int:
    if "`" not in text:  # the usual case, without the regex
        return 0
    return max(map(len, _BACKTICKS.findall(text)))


def _fenced(text: str) -> str:
    fence = "`" * (max(_longest_backtick_run(text), 2) + 1)
    return f"{fence}\n{text.rstrip(_NEWLINES)}\n{fence}\n\n"


def _inline_code(text: str) -> str:
    if "\n" in text or "\r" in text:
        text = text.replace("\r", " ").replace("\n", " ")
    if "`" not in text:
        return f"`{text}`"
    fence = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _list(title: str, items: list[tuple[str, str]]) -> str:
    if not items:
        return ""
    out = f"**{title}**\n\n"
    for name, value in items:
        if value:
            out += f"- {_inline_code(name)}: {_inline_code(value)}\n"
        else:
            out += f"- {_inline_code(name)}\n"
    return out + "\n"
