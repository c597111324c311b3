"""Testing code that sends Hotpot moments, without the network.

:class:`MockServer` runs the bundled mock of Hotpot's webhooks (the Rust
``hotpot-mock-server``) inside this process, on ``127.0.0.1`` and a free port: give its
``webhook_url`` to the code under test, then look at what it recorded::

    from hotpot.testing import MockServer

    with MockServer() as mock:
        deploy(webhook_url=mock.webhook_url)
        [moment] = mock.wait_for_moments(1)
        assert moment["type"] == "near-miss"

It also takes pages and simulates on-call: users and teams (``add_user``, ``add_team``, or
``MockServer(oncall=...)``), escalation stage by stage on its clock (``advance_clock``), and
``acknowledge``; ``pages()`` and ``wait_for_pages(n)`` show what was paged and whom it reached.

A wait that ends before enough records arrived raises :class:`WaitTimeout` (a builtin
``TimeoutError``). With pytest, the fixture ``hotpot_mock`` (registered when hotpot is
installed) gives each test a fresh server. ``python -m hotpot.testing --port 8080`` runs one
standalone for tests in other languages.
"""

from __future__ import annotations

from .._errors import WaitTimeout
from .._hotpot import MockServer

__all__ = ["MockServer", "WaitTimeout"]
