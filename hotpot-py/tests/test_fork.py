"""A process that imported hotpot and sent, then forked, can send from the child."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import warnings

import pytest

import hotpot
from hotpot.testing import MockServer

# Set in the parent before the fork; the child inherits them.
_client: hotpot.Client | None = None
_aclient: hotpot.AsyncClient | None = None


def _child_sends(name: str) -> None:
    assert _client is not None and _aclient is not None
    _client.send(name, "alert")
    asyncio.run(_aclient.send(name + " (async)", "alert"))


def _warm_up(mock: MockServer) -> None:
    """The parent sends through both clients: runtimes, worker threads and pooled
    connections all exist when it forks."""
    global _client, _aclient
    _client = hotpot.Client(mock.webhook_url)
    _aclient = hotpot.AsyncClient(mock.webhook_url)
    _client.send("parent", "alert")
    asyncio.run(_aclient.send("parent (async)", "alert"))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_os_fork_child_sends(hotpot_mock: MockServer) -> None:
    _warm_up(hotpot_mock)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork of a threaded process
        pid = os.fork()
    if pid == 0:
        code = 1
        try:
            _child_sends("child")
            code = 0
        finally:
            os._exit(code)
    try:
        moments = hotpot_mock.wait_for_moments(4, timeout=20)
        names = sorted(m["name"] for m in moments)
        assert names == ["child", "child (async)", "parent", "parent (async)"]
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        pid = 0
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    # The parent keeps working after the fork, and its next moment is not taken for a replay
    # of the child's (a fork copies the generator of idempotency keys).
    assert _client is not None
    assert _client.send("parent again", "alert").status_code == 202
    assert "parent again" in [m["name"] for m in hotpot_mock.wait_for_moments(5)]


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method"
)
def test_multiprocessing_fork_child_sends(hotpot_mock: MockServer) -> None:
    _warm_up(hotpot_mock)
    context = multiprocessing.get_context("fork")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        children = [context.Process(target=_child_sends, args=(f"worker {i}",)) for i in range(2)]
        for child in children:
            child.start()
    for child in children:
        child.join(timeout=30)
    try:
        assert [child.exitcode for child in children] == [0, 0]
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
    names = sorted(m["name"] for m in hotpot_mock.wait_for_moments(6))
    assert names == [
        "parent", "parent (async)", "worker 0", "worker 0 (async)", "worker 1", "worker 1 (async)",
    ]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_mock_server_of_the_parent_refuses_use_in_the_child(hotpot_mock: MockServer) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        code = 1
        try:
            try:
                hotpot_mock.moments()
            except RuntimeError as e:
                code = 0 if "parent process" in str(e) else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
