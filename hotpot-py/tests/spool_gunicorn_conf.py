"""gunicorn settings for test_spool_gunicorn.py. With ``HOTPOT_TEST_EXIT_HOOK=1`` a worker
that exits gracefully shuts its emitter down with a short timeout and logs the report, so the
test can see what was kept in the spool (without the hook the exit handler keeps them just
the same; its report is only printed when it finishes before gunicorn's graceful timeout)."""

from __future__ import annotations

import os
import sys
from typing import Any


def worker_exit(server: Any, worker: Any) -> None:
    if os.environ.get("HOTPOT_TEST_EXIT_HOOK") != "1":
        return
    service = sys.modules.get("spool_service")
    if service is None:
        return
    report = service.emitter.shutdown(timeout=0.2)
    server.log.info(
        "hotpot report pid=%d emitted=%d recovered=%d delivered=%d kept=%d failed=%d dropped=%d",
        os.getpid(),
        report["emitted"],
        report["recovered"],
        report["delivered"],
        report["kept"],
        report["failed"],
        report["dropped"],
    )
