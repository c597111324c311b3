"""Schemathesis hooks for ``run_schemathesis.py`` (loaded through ``SCHEMATHESIS_HOOKS``).

One rule of the mock's admin API cannot be written in OpenAPI 3.0, and one would make the
run slow rather than wrong; this hook applies both to every request of every phase, after
generation, so Schemathesis still validates what is actually sent:

- ``GET /_mock/events``, ``/_mock/moments`` and ``/_mock/requests`` take ``wait_ms`` only with
  ``min`` (alone it is answered 400, as the description says): a lone ``wait_ms`` gets
  ``min=0``.
- Those long-polls wait up to ``wait_ms`` (default 30 s) for ``min`` items that a generated
  run rarely creates: a valid ``wait_ms`` is cut to at most 20 ms, and a ``min`` without one
  gets ``wait_ms=0``. Invalid values are left as they are, to be rejected.
- ``POST /_mock/expect`` waits up to ``within_ms`` for moments: a valid ``within_ms`` is cut to
  at most 20 ms, for the same reason.
- The ingest routes answer a repeated ``Idempotency-Key`` with the first answer, whatever it
  was (spec §3), and the generator repeats short keys (``"0"``) often: a valid key gets a
  unique suffix, so that each request is answered on its own merits. Invalid keys are left
  as they are, to be rejected.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import MutableMapping
from typing import Any

import schemathesis

LONG_POLLS = {"/_mock/events", "/_mock/moments", "/_mock/requests"}
MAX_WAIT_MS = 600_000
BOUNDED_WAIT_MS = 20
INGEST = {"/moment/{token}", "/moment/{token}/{integration}"}
# The OpenAPI's pattern for the header: visible ASCII, spaces and tabs only inside.
VALID_KEY = re.compile(r"[!-~]([\t -~]*[!-~])?")
MAX_KEY_CHARS = 255


def _whole(value: Any) -> int | None:
    """The value as the server would read it (digits only), else None."""
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() else None


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    operation = context.operation
    if operation is None:
        return
    if operation.method.upper() == "POST" and operation.path in INGEST:
        _unique_idempotency_key(case)
    elif operation.method.upper() == "GET" and operation.path in LONG_POLLS:
        _bounded_long_poll(case)
    elif operation.method.upper() == "POST" and operation.path == "/_mock/expect":
        _bounded_expectation(case)


def _unique_idempotency_key(case: Any) -> None:
    headers = case.headers
    if not isinstance(headers, MutableMapping):
        return
    for name, value in headers.items():
        if name.lower() == "idempotency-key" and isinstance(value, str):
            if len(value) <= MAX_KEY_CHARS and VALID_KEY.fullmatch(value):
                suffix = "~" + uuid.uuid4().hex[:16]
                headers[name] = value[: MAX_KEY_CHARS - len(suffix)].rstrip() + suffix
            return


def _bounded_expectation(case: Any) -> None:
    body = case.body
    if not isinstance(body, MutableMapping):
        return
    wait = body.get("within_ms")
    if isinstance(wait, int) and not isinstance(wait, bool) and 0 <= wait <= MAX_WAIT_MS:
        body["within_ms"] = min(wait, BOUNDED_WAIT_MS)


def _bounded_long_poll(case: Any) -> None:
    query = case.query
    if not isinstance(query, MutableMapping):
        return
    if "wait_ms" in query and "min" not in query:
        query["min"] = 0
    if "min" in query and "wait_ms" not in query:
        query["wait_ms"] = 0
    wait = _whole(query.get("wait_ms"))
    if wait is not None and wait <= MAX_WAIT_MS:
        query["wait_ms"] = min(wait, BOUNDED_WAIT_MS)
