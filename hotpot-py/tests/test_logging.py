"""hotpot.logging.MomentHandler (spec §11): the mapping on its own, then every rule seen
on the wire through the in-process mock, deduplication, the excluded loggers, errors that go
to handleError, many threads, dictConfig by class in a process that exits right after
logging, and no feedback loop while Hotpot is down."""

from __future__ import annotations

import inspect
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import TOKEN
from emitter_helpers import hotpot_warnings

import hotpot
import hotpot.logging
from hotpot import _hotpot
from hotpot.logging import MomentHandler, _moment_name, _to_moment
from hotpot.testing import MockServer

MAX = _hotpot.NAME_MAX_CHARS
WAIT = 10.0


def record(msg: str = "Payment failed", level: int = logging.ERROR, **extra: Any) -> logging.LogRecord:
    r = logging.LogRecord("checkout.payments", level, "/srv/app/payments.py", 42, msg, None, None)
    r.__dict__.update(extra)
    return r


def to_moment(r: logging.LogRecord, source: str | None = None, folded: int = 0) -> hotpot.Moment:
    return _to_moment(r, r.getMessage(), source=source, folded=folded)


# --- the mapping, on its own -----------------------------------------------------------------


def test_the_name_limit_comes_from_rust() -> None:
    assert MAX == 70
    hotpot.Moment("x" * MAX, "alert")
    with pytest.raises(hotpot.ValidationError):
        hotpot.Moment("x" * (MAX + 1), "alert")


@pytest.mark.parametrize(
    ("message", "name"),
    [
        ("  Disk\n\tfull   on \r\n db-1 ", "Disk full on db-1"),
        ("x" * 200, "x" * (MAX - 1) + "…"),
        ("y" * MAX, "y" * MAX),
        ("y" * MAX + "z", "y" * (MAX - 1) + "…"),
        ("é🔥" * 100, ("é🔥" * 100)[: MAX - 1] + "…"),
        ("a" * (MAX - 2) + " b c", "a" * (MAX - 2) + "…"),  # no space before the ellipsis
        ("a" * (MAX - 2) + "\n\n\n\nb", "a" * (MAX - 2) + " b"),  # a run of whitespace is one
        ("", "checkout.payments"),
        (" \n\t ", "checkout.payments"),
    ],
    ids=["collapsed", "200", "exactly-70", "71", "characters-not-bytes", "cut-at-a-space",
         "whitespace-run", "empty", "only-whitespace"],
)
def test_the_name_is_the_message_collapsed_and_cut(message: str, name: str) -> None:
    assert _moment_name(message, "checkout.payments") == name
    assert len(name) <= MAX


def test_type_priority_source_url_and_source() -> None:
    plain = to_moment(record())
    assert (plain.type, plain.priority, plain.source_url) == ("alert", None, None)
    assert plain.source == "checkout.payments"
    m = to_moment(
        record(hotpot_type="Incident", hotpot_priority="low",
               hotpot_source_url="https://grafana.example.com/d/payments"),
        source="checkout-service",
    )
    assert (m.type, m.priority) == ("incident", "low")
    assert m.source_url == "https://grafana.example.com/d/payments"
    assert m.source == "checkout-service"
    assert "hotpot_type" not in (m.description or "")


def test_critical_is_high_unless_the_record_says_otherwise() -> None:
    assert to_moment(record(level=logging.CRITICAL)).priority == "high"
    assert to_moment(record(level=logging.CRITICAL, hotpot_priority="medium")).priority == "medium"
    assert to_moment(record(level=logging.ERROR)).priority is None


def test_occurred_at_is_when_the_record_was_made() -> None:
    r = record()
    assert to_moment(r).occurred_at == datetime.fromtimestamp(r.created, timezone.utc)


def test_the_description_fences_the_message_and_lists_fields_and_the_record() -> None:
    message = "Import failed:\n# not a heading\n```\ncode in the log\n```\n*x*"
    r = record(message, order_id=1234, note="two\nlines with `ticks`", _private=1)
    d = to_moment(r, folded=3).description
    assert d == (
        f"````\n{message}\n````\n\n"
        "**Folded:** 3 more records like this one since the last moment from here (not sent as moments).\n\n"
        "**Fields**\n\n- `order_id`: `1234`\n- `note`: `` two lines with `ticks` ``\n\n"
        "**Record**\n\n- `level`: `ERROR`\n- `logger`: `checkout.payments`\n"
        "- `location`: `/srv/app/payments.py:42`"
    )
    assert "1 more record like" in (to_moment(record(), folded=1).description or "")


def chained_exc_info() -> Any:
    try:
        try:
            raise ConnectionResetError("connection reset")
        except ConnectionResetError as cause:
            raise RuntimeError("charge failed") from cause
    except RuntimeError:
        return sys.exc_info()


def test_the_exception_is_its_traceback_with_the_chained_cause_in_a_fence() -> None:
    d = to_moment(record(exc_info=chained_exc_info())).description or ""
    assert "**exception**\n\n```\nTraceback (most recent call last):" in d
    assert "ConnectionResetError: connection reset" in d
    assert "The above exception was the direct cause of the following exception" in d
    assert "RuntimeError: charge failed\n```" in d


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"hotpot_type": "urgent"}, "type"), ({"hotpot_source_url": "grafana/d/1"}, "source_url"),
     ({"hotpot_priority": "asap"}, "priority")],
)
def test_bad_hotpot_fields_make_no_moment(extra: dict[str, str], field: str) -> None:
    with pytest.raises(hotpot.ValidationError) as e:
        to_moment(record(**extra))
    assert [f for f, _ in e.value.errors] == [field]


# --- through the handler, against the mock ---------------------------------------------------


@pytest.fixture
def emitter(client: hotpot.Client) -> Iterator[hotpot.Emitter]:
    with hotpot.Emitter(client) as emitter:
        yield emitter


@pytest.fixture
def log() -> Iterator[logging.Logger]:
    """A logger of its own, not propagating, with no handler yet."""
    logger = logging.getLogger(f"app.test{time.monotonic_ns()}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    yield logger
    for h in list(logger.handlers):
        logger.removeHandler(h)


def add(log: logging.Logger, handler: MomentHandler) -> MomentHandler:
    log.addHandler(handler)
    return handler


def delivered(emitter: hotpot.Emitter, mock: MockServer, n: int) -> list[dict[str, Any]]:
    emitter.flush(WAIT)
    moments = mock.wait_for_moments(n, timeout=WAIT)
    assert len(moments) == n, moments
    return moments


def test_an_error_record_becomes_a_moment(emitter: hotpot.Emitter, hotpot_mock: MockServer,
                                          log: logging.Logger) -> None:
    add(log, MomentHandler(emitter, dedup_window=0))
    log.info("Request served")  # below ERROR
    log.error("Payment provider unreachable for order %s", 1234, extra={"order": 1234})
    log.critical("Payments down", extra={"hotpot_type": "incident"})
    moments = sorted(delivered(emitter, hotpot_mock, 2), key=lambda m: m["name"])
    assert [(m["name"], m["type"], m["priority"]) for m in moments] == [
        ("Payment provider unreachable for order 1234", "alert", "medium"),
        ("Payments down", "incident", "high"),
    ]
    assert moments[0]["source"] == log.name
    assert "- `order`: `1234`" in moments[0]["description"]
    assert f"- `location`: `{__file__}:" in moments[0]["description"]


def test_level_and_source_are_settings(emitter: hotpot.Emitter, hotpot_mock: MockServer,
                                       log: logging.Logger) -> None:
    add(log, MomentHandler(emitter, level="WARNING", source="checkout-service", dedup_window=0))
    log.info("Request served")
    log.warning("Disk 91% full")
    (m,) = delivered(emitter, hotpot_mock, 1)
    assert (m["name"], m["source"]) == ("Disk 91% full", "checkout-service")


def test_a_200_character_message_and_one_with_newlines_and_markdown(
        emitter: hotpot.Emitter, hotpot_mock: MockServer, log: logging.Logger) -> None:
    add(log, MomentHandler(emitter, dedup_window=0))
    long = "é" * 150 + "z" * 50
    markdown = "Import failed\n\n# not a heading\n```sql\nSELECT 1\n```\n* not a list"
    log.error(long)
    log.error(markdown)
    moments = {m["name"]: m for m in delivered(emitter, hotpot_mock, 2)}
    assert moments["é" * (MAX - 1) + "…"]["description"].startswith(f"```\n{long}\n```")
    one_line = "Import failed # not a heading ```sql SELECT 1 ``` * not a list"
    assert moments[one_line]["description"].startswith(f"````\n{markdown}\n````\n")


def test_an_exception_with_a_chained_cause(emitter: hotpot.Emitter, hotpot_mock: MockServer,
                                           log: logging.Logger) -> None:
    add(log, MomentHandler(emitter, dedup_window=0))
    try:
        try:
            {}["card"]
        except KeyError as e:
            raise ValueError("no card on file") from e
    except ValueError:
        log.exception("Payment failed")
    (m,) = delivered(emitter, hotpot_mock, 1)
    d = m["description"]
    assert "KeyError: 'card'" in d and "ValueError: no card on file" in d
    assert "The above exception was the direct cause" in d


def test_the_same_record_from_the_same_place_is_folded_and_counted(
        emitter: hotpot.Emitter, hotpot_mock: MockServer, log: logging.Logger) -> None:
    window = 1.0  # the seven records before the pause fall within it even on a loaded machine
    add(log, MomentHandler(emitter, dedup_window=window))

    def disk_full(host: str) -> None:
        log.error("Disk full on %s", host)

    for _ in range(5):
        disk_full("db-1")  # one moment, four folded
    disk_full("db-2")  # another message from the same place
    log.error("Disk full on db-1")  # the same message from another line
    time.sleep(window + 0.1)
    for _ in range(3):
        disk_full("db-1")  # one moment saying four were folded, then two folded
    moments = delivered(emitter, hotpot_mock, 4)
    seen = sorted((m["name"], "**Folded:** 4 more records like this one" in m["description"])
                  for m in moments)
    assert seen == [("Disk full on db-1", False), ("Disk full on db-1", False),
                    ("Disk full on db-1", True), ("Disk full on db-2", False)]
    assert emitter.stats()["emitted"] == 4


@pytest.mark.parametrize(
    ("name", "lookalike"),
    [("hotpot", "hotpotato"), ("hotpot.emitter", "app.hotpot"), ("urllib3", "urllib3x"),
     ("urllib3.connectionpool", "vendored.urllib3")],
)
def test_hotpots_own_loggers_and_urllib3_never_become_moments(
        name: str, lookalike: str, emitter: hotpot.Emitter) -> None:
    handler = MomentHandler(emitter, level=logging.DEBUG, dedup_window=0)
    loggers = [logging.getLogger(name), logging.getLogger(lookalike)]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        loggers[0].error("excluded")
        loggers[1].error("not excluded")
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    assert emitter.stats()["emitted"] == 1


def logging_errors(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().err


def test_a_handler_on_a_shut_down_emitter_goes_through_handle_error(
        secret_mock: MockServer, log: logging.Logger, capsys: pytest.CaptureFixture[str]) -> None:
    emitter = hotpot.Emitter(hotpot.Client(secret_mock.webhook_url))
    emitter.shutdown(0)
    add(log, MomentHandler(emitter))
    log.error("Payment failed")  # returns: never raises into the code that logged
    err = logging_errors(capsys)
    assert "--- Logging error ---" in err and "EmitterClosedError" in err, err
    assert TOKEN[:8] not in err
    logging.raiseExceptions = False  # production setting: silent
    try:
        log.error("Payment failed")
    finally:
        logging.raiseExceptions = True
    assert logging_errors(capsys) == ""


def test_a_record_that_makes_no_valid_moment_goes_through_handle_error(
        emitter: hotpot.Emitter, hotpot_mock: MockServer, log: logging.Logger,
        capsys: pytest.CaptureFixture[str]) -> None:
    handler = add(log, MomentHandler(emitter, dedup_window=0))
    log.error("Payment failed", extra={"hotpot_type": "urgent"})
    # getMessage() raises (handed to the handler alone: pytest's own handler would raise).
    handler.handle(logging.LogRecord(log.name, logging.ERROR, __file__, 1, "Bad %d", ("x",), None))
    log.error("This one is fine")
    err = logging_errors(capsys)
    assert err.count("--- Logging error ---") == 2, err
    assert "ValidationError" in err and "urgent" in err, err
    assert [m["name"] for m in delivered(emitter, hotpot_mock, 1)] == ["This one is fine"]


def test_many_threads_at_once(emitter: hotpot.Emitter, hotpot_mock: MockServer,
                              log: logging.Logger) -> None:
    add(log, MomentHandler(emitter))
    threads, each = 8, 50
    start = threading.Barrier(threads)

    def work(t: int) -> None:
        start.wait()
        for i in range(each):
            log.error("Job %d failed on worker %d", i, t)

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    names = {m["name"] for m in delivered(emitter, hotpot_mock, threads * each)}
    assert len(names) == threads * each


def test_no_feedback_loop_while_hotpot_is_down(log: logging.Logger) -> None:
    with MockServer() as down:
        url = down.webhook_url  # stopped on leaving: connections are refused
    undelivered: list[str] = []
    emitter = hotpot.Emitter(hotpot.Client(url), delivery_deadline=0.3,
                             on_error=lambda m, e: undelivered.append(m.name))
    handler = MomentHandler(emitter, level=logging.DEBUG, dedup_window=0)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        logging.getLogger("checkout").error("Payment failed")  # the one moment
        # An hour's worth of warnings, one a second, from hotpot and the HTTP stack.
        for second in range(3600):
            logging.getLogger("hotpot").warning("%d moment(s) not delivered before exit", second)
            logging.getLogger("hotpot.emitter").error("moment not delivered (%d)", second)
            logging.getLogger("urllib3.connectionpool").warning("Retrying (%d)", second)
        report = emitter.flush(WAIT)
    finally:
        root.removeHandler(handler)
    assert (report["emitted"], report["failed"]) == (1, 1), report
    assert undelivered == ["Payment failed"]
    emitter.shutdown(0)


# --- settings, dictConfig, the emitter of its own ----------------------------------------------


def test_the_defaults_are_rusts() -> None:
    params = inspect.signature(MomentHandler).parameters
    assert params["dedup_window"].default == _hotpot.DEFAULTS["dedup_window"] == 60.0
    assert params["level"].default == logging.ERROR
    window = _hotpot.DEFAULTS["dedup_window"]
    assert f"(default {window};" in (MomentHandler.__doc__ or ""), "the docstring states it"
    readme = Path(__file__).resolve().parent.parent / "README.md"
    assert f"folded for {window:.0f} s" in readme.read_text(), "hotpot-py/README.md states it"
    handler = MomentHandler(hotpot.Emitter(hotpot.Client("http://127.0.0.1:9/moment/abcd")))
    assert (handler.level, handler.source, handler.dedup_window) == (logging.ERROR, None, 60.0)
    handler.emitter.shutdown(0)


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"emitter": "x"}, TypeError, "emitter: expected a hotpot.Emitter or None, found str"),
        ({"source": 3}, TypeError, "source: expected a str or None, found int"),
        ({"dedup_window": "60"}, TypeError, "dedup_window: expected seconds as a number, found str"),
        ({"dedup_window": True}, TypeError, "found bool"),
        ({"dedup_window": -1}, ValueError, "expected 0 or more seconds, found -1"),
        ({"dedup_window": float("nan")}, ValueError, "found nan"),
        ({"level": "LOUD"}, ValueError, "LOUD"),
    ],
)
def test_bad_arguments_are_refused_clearly(kwargs: dict[str, Any], error: type[Exception],
                                           text: str) -> None:
    emitter = hotpot.Emitter(hotpot.Client("http://127.0.0.1:9/moment/abcd"))
    kwargs.setdefault("emitter", emitter)
    with pytest.raises(error, match=text.replace("(", r"\(")):
        MomentHandler(**kwargs)
    emitter.shutdown(0)


def test_without_an_emitter_or_a_webhook_url_it_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTPOT_WEBHOOK_URL", raising=False)
    with pytest.raises(hotpot.ConfigError, match="HOTPOT_WEBHOOK_URL"):
        MomentHandler()


def test_without_an_emitter_it_makes_one_and_close_shuts_it_down(
        hotpot_mock: MockServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTPOT_WEBHOOK_URL", hotpot_mock.webhook_url)
    handler = MomentHandler()
    given = hotpot.Emitter(hotpot.Client(hotpot_mock.webhook_url))
    other = MomentHandler(given)
    handler.close()
    other.close()
    assert handler.emitter.closed
    assert not given.closed, "an emitter it was given is the caller's"
    given.shutdown(0)


def test_records_after_its_own_emitter_was_shut_down_at_exit_are_dropped_quietly(
        hotpot_mock: MockServer, monkeypatch: pytest.MonkeyPatch, log: logging.Logger,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOTPOT_WEBHOOK_URL", hotpot_mock.webhook_url)
    handler = add(log, MomentHandler())
    handler.emitter.shutdown(0)  # what the exit handler does
    log.error("Logged by a later atexit function")
    assert logging_errors(capsys) == ""
    assert handler.emitter.stats()["emitted"] == 1 and hotpot_mock.moment_count() == 0


#: dictConfig naming the handler by class, as Django's LOGGING does; exits right after logging.
DICT_CONFIG = """
import logging, logging.config
logging.config.dictConfig({
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "hotpot": {"class": "hotpot.logging.MomentHandler", "level": "ERROR",
                   "source": "django-app", "dedup_window": 30},
    },
    "root": {"handlers": ["console", "hotpot"], "level": "INFO"},
})
logging.getLogger("orders").info("Order 1 placed")
logging.getLogger("orders").error("Order %d failed", 2, extra={"hotpot_type": "incident"})
print("logged", flush=True)
"""


def test_dict_config_by_class_in_a_process_that_exits_right_after_logging(
        hotpot_mock: MockServer) -> None:
    hotpot_mock.fail_next(None, delay=0.3)  # the moment is still in flight at exit
    env = {**os.environ, "HOTPOT_WEBHOOK_URL": hotpot_mock.webhook_url}
    result = subprocess.run([sys.executable, "-c", DICT_CONFIG], capture_output=True,
                            text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "logged\n"
    assert "Logging error" not in result.stderr and "not delivered" not in result.stderr
    (m,) = hotpot_mock.wait_for_moments(1, timeout=WAIT)
    assert (m["name"], m["type"], m["source"]) == ("Order 2 failed", "incident", "django-app")
    assert hotpot_mock.token not in result.stderr + result.stdout


def test_the_module_has_the_one_public_name() -> None:
    assert hotpot.logging.__all__ == ["MomentHandler"]
    assert issubclass(MomentHandler, logging.Handler)
    assert isinstance(MomentHandler.__doc__, str) and "dictConfig" in MomentHandler.__doc__


# --- nothing silent: without on_error, the hotpot logger hears of every moment lost ----------
# (the emitter's own warnings: test_emitter_silent.py)


def test_without_on_error_a_failed_moment_is_a_warning_on_the_hotpot_logger(
        hotpot_mock: MockServer, log: logging.Logger, caplog: pytest.LogCaptureFixture) -> None:
    emitter = hotpot.Emitter(hotpot.Client(f"{hotpot_mock.url}/moment/no-such-s3cret"))
    add(log, MomentHandler(emitter, dedup_window=0))
    with caplog.at_level(logging.WARNING, logger="hotpot"):
        log.error("Payment failed")
        [message] = hotpot_warnings(caplog)
        assert emitter.stats()["failed"] == 1
        emitter.shutdown(WAIT)
    assert '"Payment failed"' in message and "404" in message, message
    assert "on_error" in message, message
    assert not message.startswith("hotpot:"), "the logger's name already says hotpot"
    assert "no-such-s3cret" not in caplog.text


#: A MomentHandler by class while HOTPOT_WEBHOOK_URL is unset: dictConfig refuses it, and the
#: process ends with that error only (logging closes every handler it made at exit, and the
#: traceback keeps the half-made handler alive until then).
NO_URL_CONFIG = """
import logging.config
logging.config.dictConfig({
    "version": 1,
    "handlers": {"hotpot": {"class": "hotpot.logging.MomentHandler"}},
    "root": {"handlers": ["hotpot"]},
})
"""


def test_a_handler_without_a_webhook_url_fails_with_that_error_only() -> None:
    env = {k: v for k, v in os.environ.items() if k != "HOTPOT_WEBHOOK_URL"}
    result = subprocess.run([sys.executable, "-c", NO_URL_CONFIG], capture_output=True,
                            text=True, timeout=60, env=env)
    assert result.returncode == 1, result.stderr
    assert "hotpot.ConfigError" in result.stderr and "HOTPOT_WEBHOOK_URL" in result.stderr
    assert "AttributeError" not in result.stderr and "Exception ignored" not in result.stderr, \
        result.stderr


# --- folding: distinct errors from one line stay distinct moments ---------------------------


def flask_like(log: logging.Logger, errors: list[str]) -> None:
    """Logs each error as Flask does an unhandled exception: one message from one line."""

    def pay(error: str) -> None:
        if error == "KeyError":
            {}["card"]  # noqa: B018
        elif error == "ZeroDivisionError":
            _ = 1 / 0
        else:
            raise RuntimeError("provider down")

    for error in errors:
        try:
            pay(error)
        except Exception:
            log.exception("Exception on /pay [GET]")


def test_distinct_errors_logged_from_one_line_are_distinct_moments(
        emitter: hotpot.Emitter, hotpot_mock: MockServer, log: logging.Logger) -> None:
    add(log, MomentHandler(emitter, dedup_window=60.0))
    flask_like(log, ["KeyError", "ZeroDivisionError", "RuntimeError", "KeyError", "KeyError"])
    moments = delivered(emitter, hotpot_mock, 3)
    errors = sorted(next(e for e in ("KeyError", "ZeroDivisionError", "RuntimeError")
                         if e in m["description"]) for m in moments)
    assert errors == ["KeyError", "RuntimeError", "ZeroDivisionError"]
    assert {m["name"] for m in moments} == {"Exception on /pay [GET]"}
    assert emitter.stats()["emitted"] == 3, "the repeated KeyError folds"


def test_the_same_type_raised_from_another_line_is_another_moment(
        emitter: hotpot.Emitter, hotpot_mock: MockServer, log: logging.Logger) -> None:
    add(log, MomentHandler(emitter, dedup_window=60.0))

    def fail(where: int) -> None:
        if where == 1:
            raise ValueError("first place")
        raise ValueError("second place")

    for where in (1, 2, 1):
        try:
            fail(where)
        except ValueError:
            log.exception("Request failed")
    delivered(emitter, hotpot_mock, 2)
    assert emitter.stats()["emitted"] == 2
