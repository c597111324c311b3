"""The ``hotpot`` console script: the command line of the Rust crate ``hotpot-cli``, run
through the extension, so that it behaves and prints exactly as the Rust binary does."""

from __future__ import annotations

import signal
import sys

from ._hotpot import _cli_main


def main() -> None:
    """Runs ``hotpot`` with ``sys.argv`` and exits with its status."""
    # As in the Rust binary, Ctrl-C ends the process at once (SIGINT's default action), except
    # where the command catches it itself (`hotpot run`, `hotpot mock`): Python's handler would
    # only raise KeyboardInterrupt once the Rust code returned. A SIGINT ignored from the start
    # (a background job) stays ignored, as it does for the binary.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    # The Rust code writes to the file descriptors; nothing Python buffered may come after it.
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(_cli_main(["hotpot", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
