"""Whole-process cost of paging a team from a shell: ``hotpot page`` (the Rust binary and the
Python console script) beside ``curl`` doing the same ``POST /page/team`` and a ``requests``
script doing it, all to the same local mock server (``hotpot-mock-server``), in the same run.

Measured with bench_cli.py's harness (interleaved runs, medians), against the same targets:
the Rust binary at most 1.5x curl, the console script at most 0.3x the requests script.

    make bench-page           # builds what it needs, then runs this
    python hotpot-cli/bench/bench_page.py [--runs N]
"""

from __future__ import annotations

import json
import os

from bench_cli import arguments, binaries, compare, start_mock

API_KEY = "hp_bench_0123456789abcdef"
TITLE = "Rollback failed"
TEXT = "api 1.4.2 could not be rolled back"
BODY = json.dumps({"title": TITLE, "text": TEXT, "recipient": "default", "urgency": "high"})

#: What a script without hotpot writes to page a team.
REQUESTS_SCRIPT = """\
import os, requests
base = os.environ["HOTPOT_API_URL"]
body = {"title": "Rollback failed", "text": "api 1.4.2 could not be rolled back",
        "recipient": "default", "urgency": "high"}
response = requests.post(f"{base}/page/team", json=body,
                         headers={"Authorization": f"Bearer {os.environ['HOTPOT_API_KEY']}"})
response.raise_for_status()
print(response.json()["hotpot_request_id"])
"""


def main() -> None:
    args = arguments(__doc__)
    hotpot, mock, script = binaries("bench-page")
    server, webhook_url = start_mock(mock, "--api-key", API_KEY, "--max-events", "100000")
    base = webhook_url.split("/moment/")[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTPOT_")}
    env.pop("RUST_LOG", None)
    env.update(HOTPOT_API_URL=base, HOTPOT_API_KEY=API_KEY)
    page = ["page", "--team", "default", "--title", TITLE, "--text", TEXT, "--urgency", "high"]
    commands = {
        "curl POST /page/team": ["curl", "-s", "-o", "/dev/null", "-f", "-X", "POST",
                                 "-H", f"Authorization: Bearer {API_KEY}",
                                 "--json", BODY, f"{base}/page/team"],
        "hotpot page (Rust binary)": [str(hotpot), *page],
        "hotpot page (console script)": [str(script), *page],
    }
    compare(server, commands, env, REQUESTS_SCRIPT, args, (
        ("hotpot page (Rust binary)", "curl POST /page/team"),
        ("hotpot page (console script)", "requests script"),
    ))


if __name__ == "__main__":
    main()
