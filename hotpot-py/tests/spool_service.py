"""The service the gunicorn tests of the spool run (test_spool_gunicorn.py): a WSGI app whose
every request emits one moment, named after a fresh UUID, and answers with that name. One
emitter per process, made at import, on the spool directory ``HOTPOT_TEST_SPOOL``: in each
worker, or (``--preload``) in the master, whose forked workers then claim slots of their own on
first use. Nothing in it knows about gunicorn."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import hotpot

emitter = hotpot.Emitter(
    hotpot.Client(os.environ["HOTPOT_TEST_URL"]), spool=os.environ["HOTPOT_TEST_SPOOL"]
)


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    name = f"req-{uuid.uuid4()}"
    emitter.emit(hotpot.Moment(name, "alert", source="spool_service"))
    body = name.encode()
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/plain"),
            ("Content-Length", str(len(body))),
            ("X-Pid", str(os.getpid())),
        ],
    )
    return [body]
