"""`AsyncClient`: concurrency through asyncio, errors, and cancellation."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

import hotpot
from hotpot import _hotpot
from hotpot.testing import MockServer


def test_gather_of_500_sends(hotpot_mock: MockServer) -> None:
    client = hotpot.AsyncClient(hotpot_mock.webhook_url)

    async def main() -> list[hotpot.Receipt]:
        return await asyncio.gather(*(client.send(f"async {i}", "page") for i in range(500)))

    receipts = asyncio.run(main())
    assert len(receipts) == 500
    assert all(r.status_code == 202 and r.request_id for r in receipts)
    assert len({r.request_id for r in receipts}) == 500
    names = Counter(m["name"] for m in hotpot_mock.wait_for_moments(500))
    assert names == Counter(f"async {i}" for i in range(500))


def test_send_moment_and_request_status(hotpot_mock: MockServer) -> None:
    client = hotpot.AsyncClient(hotpot_mock.webhook_url, api_key=hotpot_mock.api_key)
    moment = hotpot.Moment("Built earlier", hotpot.MomentType.INCIDENT, priority=hotpot.Priority.LOW)

    async def main() -> hotpot.RequestStatus:
        receipt = await client.send_moment(moment)
        assert receipt.request_id is not None
        return await client.request_status(receipt.request_id)

    status = asyncio.run(main())
    assert status.status == "success"
    [recorded] = hotpot_mock.moments()
    assert (recorded["type"], recorded["priority"]) == ("incident", "low")


def test_errors_are_raised_at_the_await(hotpot_mock: MockServer) -> None:
    client = hotpot.AsyncClient(hotpot_mock.webhook_url, max_retries=0)

    async def main() -> None:
        with pytest.raises(hotpot.ValidationError):
            await client.send("", "alert")
        hotpot_mock.fail_next(503)
        with pytest.raises(hotpot.ServerError) as info:
            await client.send("x", "alert")
        assert info.value.status_code == 503
        hotpot_mock.fail_next(drop_connection=True, count=2)  # and its resend (spec §5)
        with pytest.raises(ConnectionError):
            await client.send("x", "alert")

    asyncio.run(main())


def test_a_timeout_through_asyncio(hotpot_mock: MockServer) -> None:
    client = hotpot.AsyncClient(hotpot_mock.webhook_url, timeout=0.2, max_retries=0)
    hotpot_mock.fail_next(None, delay=2.0)

    async def main() -> None:
        with pytest.raises(TimeoutError):
            await client.send("x", "alert")

    asyncio.run(main())


def test_cancelling_the_task_cancels_the_request(hotpot_mock: MockServer) -> None:
    client = hotpot.AsyncClient(hotpot_mock.webhook_url)
    hotpot_mock.fail_next(None, delay=30.0)

    async def main() -> None:
        before = _hotpot._tasks_in_flight()
        task = asyncio.create_task(client.send("never answered", "alert"))
        await asyncio.sleep(0)  # one turn of the loop: the task starts its send
        assert _hotpot._tasks_in_flight() == before + 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The Rust task is aborted, not left waiting 30 s for its answer.
        for _ in range(200):
            if _hotpot._tasks_in_flight() == before:
                break
            await asyncio.sleep(0.01)
        assert _hotpot._tasks_in_flight() == before

    asyncio.run(asyncio.wait_for(main(), timeout=10))


def test_wait_for_timeout_cancels_cleanly(hotpot_mock: MockServer) -> None:
    client = hotpot.AsyncClient(hotpot_mock.webhook_url)
    hotpot_mock.fail_next(None, delay=30.0)

    async def main() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.send("slow", "alert"), timeout=0.2)
        # The client still works afterwards.
        assert (await client.send("after", "alert")).status_code == 202

    asyncio.run(main())


def test_one_client_across_event_loops(hotpot_mock: MockServer) -> None:
    client = hotpot.AsyncClient(hotpot_mock.webhook_url)
    for i in range(3):
        receipt = asyncio.run(client.send(f"loop {i}", "alert"))
        assert receipt.status_code == 202
    assert len(hotpot_mock.wait_for_moments(3)) == 3


def test_the_event_loop_is_not_blocked(hotpot_mock: MockServer) -> None:
    client = hotpot.AsyncClient(hotpot_mock.webhook_url)
    hotpot_mock.fail_next(None, delay=1.0)  # about 100 ticks; a blocked loop allows one

    async def ticker(stop: asyncio.Event) -> int:
        ticks = 0
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.01)
        return ticks

    async def main() -> int:
        stop = asyncio.Event()
        ticks = asyncio.create_task(ticker(stop))
        await client.send("slow", "alert")
        stop.set()
        return await ticks

    assert asyncio.run(main()) > 10


def test_from_env(monkeypatch: pytest.MonkeyPatch, hotpot_mock: MockServer) -> None:
    monkeypatch.setenv("HOTPOT_WEBHOOK_URL", hotpot_mock.webhook_url)
    client = hotpot.AsyncClient.from_env()
    assert asyncio.run(client.send("env", "alert")).status_code == 202


async def wait_until_in_flight(count: int) -> None:
    """Until `_tasks_in_flight()` is `count` (a cancelled send's task stops soon after)."""
    for _ in range(500):
        if _hotpot._tasks_in_flight() == count:
            return
        await asyncio.sleep(0.01)
    assert _hotpot._tasks_in_flight() == count


def test_sends_are_real_coroutines_for_create_task_and_ensure_future(hotpot_mock: MockServer) -> None:
    client = hotpot.AsyncClient(hotpot_mock.webhook_url)
    moment = hotpot.Moment("as a task", "alert")

    async def main() -> list[object]:
        coroutines = [
            client.send("created", "alert"),
            client.send_moment(moment),
        ]
        assert all(asyncio.iscoroutine(c) for c in coroutines)
        created = asyncio.create_task(coroutines[0])
        ensured = asyncio.ensure_future(coroutines[1])
        return [await created, await ensured]

    receipts = asyncio.run(main())
    assert [type(r) for r in receipts] == [hotpot.Receipt, hotpot.Receipt]
    assert sorted(m["name"] for m in hotpot_mock.wait_for_moments(2)) == ["as a task", "created"]


@pytest.mark.parametrize("how", ["wait_for", "ensure_future", "gather"])
def test_every_way_of_cancelling_cancels_the_request(hotpot_mock: MockServer, how: str) -> None:
    client = hotpot.AsyncClient(hotpot_mock.webhook_url)
    hotpot_mock.fail_next(None, delay=30.0, count=3)

    async def main() -> None:
        before = _hotpot._tasks_in_flight()
        if how == "wait_for":
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(client.send("slow", "alert"), timeout=0.2)
        elif how == "ensure_future":
            future = asyncio.ensure_future(client.send_moment(hotpot.Moment("slow", "alert")))
            await asyncio.sleep(0.1)
            assert _hotpot._tasks_in_flight() == before + 1
            future.cancel()
            with pytest.raises(asyncio.CancelledError):
                await future
        else:
            gathered = asyncio.gather(*(client.send(f"slow {i}", "alert") for i in range(3)))
            await asyncio.sleep(0.1)
            assert _hotpot._tasks_in_flight() == before + 3
            gathered.cancel()
            with pytest.raises(asyncio.CancelledError):
                await gathered
        await wait_until_in_flight(before)  # aborted, not left waiting 30 s for its answer

    asyncio.run(asyncio.wait_for(main(), timeout=20))


def test_the_seven_fields_are_read_as_moment_reads_them(hotpot_mock: MockServer) -> None:
    client = hotpot.AsyncClient(hotpot_mock.webhook_url)
    bad = {"name": "", "type": "near_miss", "priority": 3, "occurred_at": "yesterday"}
    with pytest.raises(hotpot.ValidationError) as expected:
        hotpot.Moment(**bad)  # type: ignore[arg-type]

    async def main() -> None:
        with pytest.raises(hotpot.ValidationError) as info:
            await client.send(**bad)  # type: ignore[arg-type]
        assert info.value.errors == expected.value.errors

    asyncio.run(main())
    for send in (hotpot.Client(hotpot_mock.webhook_url).send, lambda **kw: hotpot.send(hotpot_mock.webhook_url, **kw)):
        with pytest.raises(hotpot.ValidationError) as info:
            send(**bad)
        assert info.value.errors == expected.value.errors
    assert hotpot_mock.events() == []


def test_the_public_class_adds_only_the_coroutines() -> None:
    added = {name for name in vars(hotpot.AsyncClient) if not name.startswith("__")}
    assert added == {"send", "send_moment", "request_status"}
    assert hotpot.AsyncClient.__mro__[1] is _hotpot.AsyncClient


@pytest.mark.parametrize("method", ["flush_async", "shutdown_async"])
def test_the_emitter_waits_without_blocking_the_event_loop(
        hotpot_mock: MockServer, method: str) -> None:
    import inspect

    assert inspect.iscoroutinefunction(getattr(hotpot.Emitter, method))
    hotpot_mock.fail_next(None, delay=0.5)  # the moment is answered while the wait goes on
    emitter = hotpot.Emitter(hotpot.Client(hotpot_mock.webhook_url))
    emitter.emit(hotpot.Moment("Awaited", "alert"))
    order: list[str] = []

    async def other_task() -> None:
        order.append("other task ran")

    async def main() -> hotpot.EmitterReport:
        other = asyncio.create_task(other_task())
        report: hotpot.EmitterReport = await getattr(emitter, method)(10.0)
        order.append("wait returned")
        await other
        return report

    report = asyncio.run(main())
    # A wait that blocked the loop would have returned before the other task could run.
    assert order == ["other task ran", "wait returned"]
    assert (report["delivered"], report["timed_out"]) == (1, False), report
    assert emitter.closed == (method == "shutdown_async")
    emitter.shutdown(0)
