"""BEFORE: the raw ``requests`` code hotpot replaces (the snippet from Hotpot's docs).

    import requests

    url = "https://api.hotpot.works/moment/<token>"
    payload = {"name": "A thing happened"}
    response = requests.post(url, json=payload, verify=False)
    print(response.text)

What goes wrong with it, shown below against the mock server:

- ``verify=False`` turns off TLS certificate checks for a URL that carries a secret;
- the payload misses the required ``type``, and nothing says so: Hotpot answers 202 and
  records an *error event* later, where nobody looks;
- no timeout (a stalled connection blocks forever), no retries, no idempotency key;
- a failure prints the response, and a traceback of ``requests`` prints the whole URL, token
  included.

Compare with ``hotpot_after.py``. This script never talks to the internet: it runs against
the in-process mock server, or against ``HOTPOT_WEBHOOK_URL`` only when that is a loopback
address (``python -m hotpot.testing --port 8080`` runs one).
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from urllib.parse import urlsplit

import requests
from _target import webhook_url

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def post_the_old_way(url: str) -> requests.Response:
    """The docs' snippet, as it is (the mock is plain http, so verify=False changes nothing
    here; against the real https URL it would switch certificate checks off)."""
    payload = {"name": "A thing happened"}
    return requests.post(url, json=payload, verify=False, timeout=10)


def main() -> int:
    with ExitStack() as stack:
        url, mock = webhook_url(stack)
        if mock is None and urlsplit(url).hostname not in LOOPBACK:
            print("requests_before.py only runs against a local mock server", file=sys.stderr)
            return 2

        response = post_the_old_way(url)
        print(f"HTTP {response.status_code}: {response.text}")  # 202: looks fine...

        if mock is not None:
            # ...but the moment was never created: the event log says why.
            [event] = mock.wait_for_events(1)
            print(f"event {event['id']}: {event['status']}")
            for problem in event["errors"]:
                print(f"  {problem['field']}: {problem['message']}")
            print(f"moments created: {len(mock.moments())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
