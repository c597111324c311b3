"""Every public name of spec §8 exists, with the signature §8 gives it."""

from __future__ import annotations

import builtins
import inspect
import subprocess
import sys

import pytest

import hotpot
import hotpot.testing

P = inspect.Parameter
POS = P.POSITIONAL_OR_KEYWORD
KW = P.KEYWORD_ONLY

MOMENT_FIELDS = [
    ("priority", KW, None),
    ("source", KW, None),
    ("source_url", KW, None),
    ("description", KW, None),
    ("occurred_at", KW, None),
]


def params(func: object) -> list[tuple[str, object, object]]:
    """(name, kind, default) of each parameter, `self` left out."""
    sig = inspect.signature(func)  # type: ignore[arg-type]
    return [
        (p.name, p.kind, p.default)
        for p in sig.parameters.values()
        if p.name not in ("self", "cls")
    ]


def required(*names: str) -> list[tuple[str, object, object]]:
    return [(n, POS, P.empty) for n in names]


def test_every_name_of_the_spec_is_exported() -> None:
    for name in [
        "send", "Client", "AsyncClient", "Moment", "MomentType", "Priority", "Receipt",
        "HotpotError", "ValidationError", "RejectedError", "WebhookError",
        "RateLimitedError", "ServerError", "TimeoutError", "TransportError",
    ]:
        assert hasattr(hotpot, name), name
        # TimeoutError is left out of `__all__` (see the test below); reachable by name.
        assert name in hotpot.__all__ or name == "TimeoutError", name
    assert hotpot.testing.MockServer
    assert sorted(dir(hotpot)) == dir(hotpot) and "MomentType" in dir(hotpot)


def test_client_signatures() -> None:
    assert params(hotpot.Client) == [
        ("webhook_url", POS, P.empty),
        ("timeout", KW, 15.0),
        ("max_retries", KW, 2),
        ("api_key", KW, None),
        ("ca_cert", KW, None),
        ("allow_http", KW, False),
    ]
    assert params(hotpot.Client.send) == [
        ("name", P.POSITIONAL_OR_KEYWORD, P.empty),
        ("type", P.POSITIONAL_OR_KEYWORD, P.empty),
        *MOMENT_FIELDS,
    ]
    assert params(hotpot.Client.send_moment) == required("moment")
    assert params(hotpot.Client.request_status) == required("request_id")
    assert params(hotpot.Client.from_env) == [("allow_http", KW, False)]


def test_async_client_has_the_same_methods_as_coroutines() -> None:
    assert params(hotpot.AsyncClient) == params(hotpot.Client)
    for method in ("send", "send_moment", "request_status"):
        func = getattr(hotpot.AsyncClient, method)
        assert inspect.iscoroutinefunction(func), method
        assert params(func) == params(getattr(hotpot.Client, method)), method
    assert params(hotpot.AsyncClient.from_env) == [("allow_http", KW, False)]


def test_a_star_import_shadows_no_builtin() -> None:
    """`from hotpot import *` (or of a submodule) binds no name of a builtin: above all not
    `TimeoutError`, whose hotpot version (a subclass) stays reachable as hotpot.TimeoutError."""
    import hotpot.logging

    for module in (hotpot, hotpot.testing, hotpot.logging):
        namespace: dict[str, object] = {}
        exec(f"from {module.__name__} import *", namespace)
        assert set(namespace) - {"__builtins__"} == set(module.__all__), module
        assert not set(module.__all__) & set(dir(builtins)), module
    assert "TimeoutError" not in hotpot.__all__
    assert hotpot.TimeoutError is not builtins.TimeoutError
    assert issubclass(hotpot.TimeoutError, builtins.TimeoutError)
    assert "TimeoutError" in dir(hotpot)


def test_send_and_moment_signatures() -> None:
    assert params(hotpot.send) == [
        *required("webhook_url", "name", "type"), *MOMENT_FIELDS, ("allow_http", KW, False),
    ]
    assert params(hotpot.Moment) == [*required("name", "type"), *MOMENT_FIELDS]
    for method in ("to_dict", "to_json"):
        assert params(getattr(hotpot.Moment, method)) == []


def test_mock_server_signatures() -> None:
    MockServer = hotpot.testing.MockServer
    assert params(MockServer)[:3] == [
        ("strict", KW, False),
        ("token", KW, None),
        ("api_key", KW, None),
    ]
    assert params(MockServer.create_webhook) == [
        ("label", POS, P.empty),
        ("type", POS, "custom"),
        ("expires_at", POS, None),
    ]
    assert params(MockServer.fail_next) == [
        ("status", POS, 503),
        ("count", KW, 1),
        ("retry_after", KW, None),
        ("delay", KW, None),
        ("drop_connection", KW, False),
        ("token", KW, None),
        ("route", KW, None),
    ]
    assert params(MockServer.add_team) == [
        ("slug", POS, P.empty),
        ("stages", POS, P.empty),
        ("name", KW, None),
        ("backstop", KW, None),
        ("escalate_after_s", KW, 300),
        ("copy", KW, None),
    ]
    assert params(MockServer.reset) == [("webhooks", KW, False), ("oncall", KW, False)]
    for method in ("moments", "events", "reset", "close", "pages", "acknowledge", "add_user"):
        assert callable(getattr(MockServer, method))
    # Read-only attributes (native getters, as properties are in Python), not methods.
    assert inspect.isdatadescriptor(MockServer.url)
    assert inspect.isdatadescriptor(MockServer.webhook_url)


def test_enums_are_str_enums_with_the_spec_members() -> None:
    import enum

    assert issubclass(hotpot.MomentType, str) and issubclass(hotpot.MomentType, enum.Enum)
    assert {m.name: m.value for m in hotpot.MomentType} == {
        "PAGE": "page", "ALERT": "alert", "NEAR_MISS": "near-miss", "INCIDENT": "incident",
    }
    assert {m.name: m.value for m in hotpot.Priority} == {
        "HIGH": "high", "MEDIUM": "medium", "LOW": "low",
    }
    assert hotpot.MomentType.NEAR_MISS == "near-miss"
    assert str(hotpot.MomentType.NEAR_MISS) == "near-miss"
    assert hotpot.MomentType("Near-Miss") is hotpot.MomentType.NEAR_MISS
    assert hotpot.Priority("HIGH") is hotpot.Priority.HIGH
    with pytest.raises(ValueError):
        hotpot.MomentType("near_miss")


def test_exception_hierarchy_and_builtin_bases() -> None:
    for name in [
        "ConfigError", "ValidationError", "RejectedError", "WebhookError", "RateLimitedError",
        "ServerError", "TimeoutError", "TransportError", "UnauthorizedError",
        "UnknownRequestError",
    ]:
        assert issubclass(getattr(hotpot, name), hotpot.HotpotError), name
    assert issubclass(hotpot.HotpotError, Exception)
    assert issubclass(hotpot.ValidationError, ValueError)
    assert issubclass(hotpot.ConfigError, ValueError)
    assert issubclass(hotpot.TimeoutError, builtins.TimeoutError)
    assert hotpot.TimeoutError is not builtins.TimeoutError
    assert issubclass(hotpot.TransportError, ConnectionError)
    assert not issubclass(hotpot.RejectedError, ValueError)
    assert hotpot.ValidationError.__module__ == "hotpot"


def test_receipt_has_the_spec_attributes() -> None:
    r = hotpot.Receipt(202, "f1e5ae0a", "Your request has been queued.")
    assert (r.status_code, r.request_id, r.message) == (202, "f1e5ae0a", "Your request has been queued.")
    assert r == hotpot.Receipt(202, "f1e5ae0a", "Your request has been queued.")
    assert repr(r) == (
        "Receipt(status_code=202, request_id='f1e5ae0a', message='Your request has been queued.', "
        "attempts=1, idempotency_key='', sunset=None)"
    )
    with pytest.raises(AttributeError):
        r.status_code = 200  # type: ignore[misc]


def test_everything_public_is_documented() -> None:
    objects = [
        hotpot, hotpot.send, hotpot.Client, hotpot.Client.send, hotpot.Client.send_moment,
        hotpot.Client.request_status, hotpot.Client.from_env, hotpot.AsyncClient,
        hotpot.AsyncClient.send, hotpot.Moment, hotpot.Moment.to_dict, hotpot.Moment.to_json,
        hotpot.Receipt, hotpot.RequestStatus, hotpot.MomentType, hotpot.Priority,
        hotpot.HotpotError, hotpot.ValidationError, hotpot.testing,
        hotpot.testing.MockServer, hotpot.testing.MockServer.fail_next,
    ]
    for obj in objects:
        assert (obj.__doc__ or "").strip(), obj


def test_import_is_lazy() -> None:
    """`import hotpot` does not pull in the heavy standard modules (asyncio, enum, typing,
    datetime): they are imported when first needed."""
    code = (
        "import sys, hotpot\n"
        "heavy = {'asyncio', 'enum', 'typing', 'datetime', 're'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"


def test_user_agent_names_the_python_package() -> None:
    assert hotpot.USER_AGENT == f"hotpot-python/{hotpot.__version__}"
