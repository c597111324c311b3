"""The ``hotpot`` console script: the command line of the Rust crate ``hotpot-cli``, run
through the extension, so that it behaves and prints exactly as the Rust binary does."""

from __future__ import annotations

import os
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
    # (A stream closed when Python started is None.)
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    _open_closed_standard_fds()
    sys.exit(_cli_main(["hotpot", *sys.argv[1:]]))


def _open_closed_standard_fds() -> None:
    """Opens ``/dev/null`` on standard input, output or error where it is closed (``2>&-``),
    as the Rust runtime does before a binary's ``main``: the command then runs as the binary
    does, and no file it opens later takes descriptor 1 or 2 by chance."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)


if __name__ == "__main__":
    main()
