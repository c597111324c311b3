"""AFTER: the same moment with hotpot (compare with ``requests_before.py``).

    import hotpot

    hotpot.send(url, "A thing happened", "alert")

- the payload is checked before anything is sent: leaving out ``type`` raises
  ``hotpot.ValidationError`` at once, naming the field and the four allowed values;
- TLS certificates are always verified; plain ``http://`` is only accepted for loopback hosts;
- a timeout, retries with backoff for 429/5xx/dropped connections, one ``Idempotency-Key``
  per moment so a retry cannot create a duplicate;
- errors are typed (``WebhookError``, ``RateLimitedError``, ``TimeoutError``, ...) and never
  show the webhook token.

Runs against the in-process mock server unless ``HOTPOT_WEBHOOK_URL`` is set.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack

import hotpot
from _target import webhook_url


def main() -> int:
    with ExitStack() as stack:
        url, mock = webhook_url(stack)

        # The docs' payload as it was: caught before it leaves the process.
        try:
            hotpot.Moment("A thing happened", "")
        except hotpot.ValidationError as e:
            print(f"refused before sending: {e.errors}")

        receipt = hotpot.send(url, "A thing happened", "alert")
        print(f"HTTP {receipt.status_code}: queued as {receipt.request_id}")

        if mock is not None:
            [moment] = mock.wait_for_moments(1)
            print(f"created: {moment['name']!r} ({moment['type']}, {moment['priority']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
