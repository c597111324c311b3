"""A service whose log errors become Hotpot moments: ``hotpot.logging.MomentHandler``.

The service logs as it always does; its logging configuration names one more handler, by
class, as Django's ``LOGGING`` or any ``logging.config.dictConfig`` does. Every record at
``ERROR`` or above becomes a moment, delivered in the background: ``log.error`` never waits
on Hotpot. A burst of the same error becomes one moment. At exit the handler's emitter is
shut down like every other, so what was logged just before still arrives.

Runs against the in-process mock server unless ``HOTPOT_WEBHOOK_URL`` is set.
"""

from __future__ import annotations

import logging
import logging.config
import os
from contextlib import ExitStack

from hotpot.testing import MockServer

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        # HOTPOT_WEBHOOK_URL is read when the handler is made; ERROR and above become moments.
        "hotpot": {"class": "hotpot.logging.MomentHandler", "level": "ERROR",
                   "source": "checkout-service"},
    },
    "root": {"handlers": ["console", "hotpot"], "level": "INFO"},
}

log = logging.getLogger("checkout")


def charge(order: int, amount: int) -> None:
    if amount == 0:
        try:
            raise ConnectionResetError("provider closed the connection")
        except ConnectionResetError as e:
            raise RuntimeError(f"charge for order {order} failed") from e


def serve() -> None:
    for order, amount in [(1001, 25), (1002, 0), (1003, 40)]:
        try:
            charge(order, amount)
            log.info("order %d paid", order)
        except RuntimeError:
            # The traceback, with its cause, goes into the moment's description.
            log.exception("Payment provider refused order %d", order,
                          extra={"hotpot_type": "incident", "order": order})
    for _ in range(50):  # a flapping dependency: 50 identical errors, one moment
        log.error("Cache unreachable, serving from the database", extra={"cache": "redis-1"})
    log.warning("Slow request: 2.4 s (limit 2 s)")  # below ERROR: logged, not a moment


def main() -> None:
    with ExitStack() as stack:
        mock = None
        if "HOTPOT_WEBHOOK_URL" not in os.environ:
            mock = stack.enter_context(MockServer())
            os.environ["HOTPOT_WEBHOOK_URL"] = mock.webhook_url
        logging.config.dictConfig(LOGGING)
        serve()
        if mock is not None:
            for moment in sorted(mock.wait_for_moments(2), key=lambda m: str(m["name"])):
                print(f"moment: {moment['name']} ({moment['type']}, {moment['priority']})")


if __name__ == "__main__":
    main()
