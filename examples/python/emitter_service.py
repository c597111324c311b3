"""A service that reports moments without ever waiting on Hotpot: ``hotpot.Emitter``.

Worker threads handle jobs and ``emit`` a moment when something noteworthy happens; ``emit``
only queues it and returns at once, and the emitter's own thread delivers it, retrying
through Hotpot's bad moments. Whatever cannot be delivered reaches ``on_error``; nothing is
lost silently. At the end the service shuts the emitter down, which waits (a bounded time)
for the queue to drain.

Runs against the in-process mock server unless ``HOTPOT_WEBHOOK_URL`` is set.
"""

from __future__ import annotations

import logging
import sys
import threading
from contextlib import ExitStack

import hotpot
from _target import webhook_url
from hotpot.testing import MockServer

log = logging.getLogger("service")

WORKERS = 4
JOBS_PER_WORKER = 250


def on_error(moment: hotpot.Moment, error: hotpot.HotpotError) -> None:
    """Each moment that was not delivered. Runs on the emitter's thread: log, never block."""
    if isinstance(error, hotpot.DroppedError):
        log.warning("moment %r dropped (%s)", moment.name, error.reason)
    else:  # WebhookError, RejectedError, ... or the last error when its deadline passed
        log.error("moment %r not delivered: %s", moment.name, error)


def work(worker: int, emitter: hotpot.Emitter) -> None:
    """Handles jobs; every 10th one is slow, and worth a moment."""
    for job in range(JOBS_PER_WORKER):
        if job % 10 == 0:
            moment = hotpot.Moment(
                f"Job {worker}-{job} took 12 s (limit 10 s)",
                hotpot.MomentType.NEAR_MISS,
                priority=hotpot.Priority.LOW,
                source=f"worker-{worker}",
            )
            try:
                emitter.emit(moment)  # returns at once
            except hotpot.QueueFullError:
                pass  # overloaded: on_error has been told, and the job goes on


def burst(url: str, mock: MockServer) -> None:
    """Overload: a small queue while Hotpot stalls. With ``overflow="drop_oldest"`` the
    freshest moments win, and each one pushed out goes to ``on_error``."""
    mock.fail_next(None, delay=1.0, count=2)  # Hotpot holds the next two answers 1 s
    with hotpot.Emitter(
        hotpot.Client(url), capacity=5, overflow="drop_oldest", concurrency=2, on_error=on_error
    ) as emitter:
        for i in range(20):
            emitter.emit(hotpot.Moment(f"Queue depth alarm #{i}", "alert", source="burst"))
    report = emitter.shutdown()  # already shut down by the `with`: the same counts, at once
    print(
        f"burst: {report['emitted']} emitted, {report['delivered']} delivered, "
        f"{report['dropped']} dropped ({report['abandoned']} of them given up by the shutdown)"
    )


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    with ExitStack() as stack:
        url, mock = webhook_url(stack)
        if mock is not None:
            mock.fail_next(503, count=3)  # Hotpot hiccups: the emitter retries, nobody waits

        # One emitter for the whole process, shared by every thread.
        emitter = hotpot.Emitter(hotpot.Client(url, timeout=5), on_error=on_error)
        print(emitter)  # the webhook token shows as its first 4 characters only
        workers = [threading.Thread(target=work, args=(w, emitter)) for w in range(WORKERS)]
        for t in workers:
            t.start()
        for t in workers:
            t.join()
        print(f"{emitter.stats()['emitted']} moments emitted by {WORKERS} workers")

        # Before exiting: deliver what is queued, within 10 s (without it, the exit handler
        # gives the emitters 2 s). Whatever is left is reported to on_error and counted as
        # dropped ("abandoned": given up by the shutdown).
        report = emitter.shutdown(timeout=10)
        print(
            f"delivered {report['delivered']} of {report['emitted']} "
            f"(retried {report['retried']}, failed {report['failed']}, "
            f"dropped {report['dropped']}, abandoned at shutdown {report['abandoned']})"
        )

        if mock is not None:
            print(f"recorded by the mock: {len(mock.moments())}")
            burst(url, mock)
    return 0 if report["abandoned"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
