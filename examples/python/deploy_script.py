"""A deploy script reporting a near-miss: a failed deploy that rolled back by itself.

The moment from Hotpot's docs (Deploybot), sent with a ``Client`` that is kept for the whole
script. Every kind of failure has its own exception; none of them stops the deploy, and none
shows the webhook token.

Runs against the in-process mock server unless ``HOTPOT_WEBHOOK_URL`` is set.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack

import hotpot
from _target import webhook_url


def report_rollback(client: hotpot.Client, run_id: int) -> hotpot.Receipt | None:
    """Sends the near-miss; logs and swallows any failure (the deploy goes on)."""
    try:
        return client.send(
            "Failed deploy with successful rollback",
            hotpot.MomentType.NEAR_MISS,
            priority=hotpot.Priority.MEDIUM,
            source="Deploybot",
            source_url=f"https://deploys.example.com/runs/{run_id}",
            description="Health checks failed after the deploy; rolled back **automatically**.",
            occurred_at="2023-04-01 12:31:26",
        )
    except hotpot.ValidationError as e:  # a bug in this script: nothing was sent
        for field, message in e.errors:
            print(f"invalid {field}: {message}", file=sys.stderr)
    except hotpot.WebhookError as e:  # the URL is wrong, revoked or expired
        print(f"webhook problem (expired: {e.expired}): {e}", file=sys.stderr)
    except (hotpot.RateLimitedError, hotpot.ServerError, TimeoutError, ConnectionError) as e:
        print(f"Hotpot unavailable after retries, moment not recorded: {e}", file=sys.stderr)
    return None


def main() -> int:
    with ExitStack() as stack:
        url, mock = webhook_url(stack)
        if mock is not None:
            mock.fail_next(503)  # Hotpot hiccups once: the client retries through it

        client = hotpot.Client(url, timeout=10, max_retries=3)
        print(client)  # the token shows as its first 4 characters only
        receipt = report_rollback(client, run_id=1234)
        if receipt is not None:
            print(f"reported in {receipt.attempts} attempt(s): {receipt.request_id}")

        if mock is not None:
            [moment] = mock.wait_for_moments(1)
            print(f"{moment['type']}: {moment['name']} at {moment['occurred_at']}")
    return 0 if receipt is not None else 1


if __name__ == "__main__":
    sys.exit(main())
