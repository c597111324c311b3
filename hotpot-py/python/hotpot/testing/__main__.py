"""``python -m hotpot.testing``: the mock server as a standalone process.

For tests written in other languages. It runs the Rust code of the binary
``hotpot-mock-server`` (and of ``hotpot mock``) in this process, so it takes the same flags and
``HOTPOT_MOCK_*`` environment variables (``--help`` lists them), prints the same first two lines
(``listening on http://HOST:PORT`` and ``webhook url: http://HOST:PORT/moment/TOKEN``; with
``--port 0``, the port it got), logs each request to standard error as the binary does (tokens
redacted; ``RUST_LOG``, ``--log-format json``) and stops cleanly on SIGINT or SIGTERM.
"""

from __future__ import annotations

import signal
import sys

from .._hotpot import _mock_main

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

PROG = "python -m hotpot.testing"


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the server until SIGINT or SIGTERM (``argv``: the flags, ``sys.argv[1:]`` when
    ``None``); returns the exit status: 0 once stopped, 1 when it cannot start, 2 for a bad
    flag."""
    args = sys.argv[1:] if argv is None else list(argv)
    # The Rust code listens for SIGINT itself and stops cleanly; Python's handler would only
    # raise KeyboardInterrupt once it returned. A SIGINT ignored from the start (a background
    # job) stays ignored, as it does for the binary.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    # The Rust code writes to the file descriptors; nothing Python buffered may come after it.
    sys.stdout.flush()
    sys.stderr.flush()
    return _mock_main([PROG, *args])


if __name__ == "__main__":
    sys.exit(main())
