"""Where the examples send their moments: ``HOTPOT_WEBHOOK_URL`` if it is set, otherwise an
in-process mock server, started for the duration of ``stack`` (and returned, so that the
example can read what it recorded)."""

from __future__ import annotations

import os
from contextlib import ExitStack

from hotpot.testing import MockServer


def webhook_url(stack: ExitStack) -> tuple[str, MockServer | None]:
    """The webhook URL to use, and the mock behind it (``None`` for ``HOTPOT_WEBHOOK_URL``)."""
    url = os.environ.get("HOTPOT_WEBHOOK_URL")
    if url is not None:
        return url, None
    mock = stack.enter_context(MockServer())
    return mock.webhook_url, mock
