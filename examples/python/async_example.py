"""Sending from asyncio: ``AsyncClient``, concurrent sends with ``gather``, a timeout.

Runs against the in-process mock server unless ``HOTPOT_WEBHOOK_URL`` is set.
"""

from __future__ import annotations

import asyncio
import sys
from contextlib import ExitStack

import hotpot
from _target import webhook_url

SERVICES = ["api", "worker", "scheduler", "billing", "search"]


async def report(url: str) -> list[hotpot.Receipt]:
    client = hotpot.AsyncClient(url, timeout=5)
    # One moment per service, all in flight at once over pooled connections.
    receipts = await asyncio.gather(
        *(client.send(f"Paged: {service} latency SLO burn", "page", source=service)
          for service in SERVICES)
    )
    # Cancelling the awaiting task (here through wait_for) cancels the request too.
    try:
        await asyncio.wait_for(client.send("Disk 91% full on db-1", "alert"), timeout=5)
    except asyncio.TimeoutError:
        print("gave up waiting", file=sys.stderr)
    return list(receipts)


def main() -> int:
    with ExitStack() as stack:
        url, mock = webhook_url(stack)

        receipts = asyncio.run(report(url))
        print(f"{len(receipts)} moments queued: {[r.status_code for r in receipts]}")

        if mock is not None:
            moments = mock.wait_for_moments(len(SERVICES) + 1)
            print(sorted(m["source"] or "-" for m in moments))
    return 0


if __name__ == "__main__":
    sys.exit(main())
