"""TLS against a local HTTPS server whose certificates are made at test time.

A certificate nobody vouches for is refused (a ``TransportError`` that says so, without the
token), one from a certificate authority given as ``ca_cert`` (a path, a ``PathLike`` or PEM
bytes) is accepted, giving one does not switch off the host-name check, and a bad
``ca_cert`` is a ``ConfigError`` at construction.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import ipaddress
import json
import ssl
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import hotpot

TOKEN = "tlsPyT0ken-4f9a2c7e1b"
REQUEST_ID = "5b0e7c4a-9d2f-4e1a-8c3b-7a6f5e4d3c2b"


@dataclass
class Pem:
    """A certificate (with the authority that signed it) and its key, as PEM files."""

    ca: bytes  # what a client must trust
    cert_file: Path
    key_file: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _sans(names: list[str]) -> x509.SubjectAlternativeName:
    general: list[x509.GeneralName] = []
    for name in names:
        try:
            general.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            general.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(general)


def _builder(
    subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey
) -> x509.CertificateBuilder:
    """A certificate for `key`'s public half, valid from an hour ago until tomorrow."""
    now = dt.datetime.now(dt.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
    )


def _write(tmp: Path, stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> Pem:
    cert_file, key_file = tmp / f"{stem}.crt", tmp / f"{stem}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return Pem(ca=b"", cert_file=cert_file, key_file=key_file)


def signed_by_a_ca(tmp: Path, names: list[str]) -> Pem:
    """A certificate authority, and a server certificate it signed for `names`."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        _builder(_name("hotpot test CA"), _name("hotpot test CA"), ca_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        _builder(_name(names[0]), ca.subject, key)
        .add_extension(_sans(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = _write(tmp, "server", cert, key)
    pem.ca = ca.public_bytes(serialization.Encoding.PEM)
    return pem


def self_signed(tmp: Path, names: list[str]) -> Pem:
    """A server certificate that signs itself (what a test server usually has)."""
    key = ec.generate_private_key(ec.SECP256R1())
    # Not named after a host: a system store may hold a root called "localhost" (Debian's
    # snakeoil), and the refusal would then be about its key rather than an unknown issuer.
    name = _name("hotpot self-signed test server")
    cert = (
        _builder(name, name, key)
        .add_extension(_sans(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = _write(tmp, "self-signed", cert, key)
    pem.ca = cert.public_bytes(serialization.Encoding.PEM)
    return pem


class HttpsServer:
    """An HTTPS server on 127.0.0.1 answering every POST with the 202 envelope; it records the
    paths of the requests that got through the handshake."""

    def __init__(self, pem: Pem) -> None:
        self.paths: list[str] = []
        paths = self.paths

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                paths.append(self.path)
                body = json.dumps({"hotpot_request_id": REQUEST_ID, "response": {
                    "success": True, "message": "Your request has been queued."}}).encode()
                self.send_response(202)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pem.cert_file, pem.key_file)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, host: str = "localhost") -> str:
        return f"https://{host}:{self.port}/moment/{TOKEN}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve() -> Iterator[type[HttpsServer]]:
    servers: list[HttpsServer] = []

    class Started(HttpsServer):
        def __init__(self, pem: Pem) -> None:
            super().__init__(pem)
            servers.append(self)

    yield Started
    for server in servers:
        server.close()


def assert_refused_for_its_certificate(error: BaseException, why: str) -> None:
    assert isinstance(error, hotpot.TransportError), repr(error)
    assert isinstance(error, ConnectionError)
    message = str(error)
    assert "certificate" in message.lower(), message
    assert why in message, message
    shown = message + repr(error) + "".join(traceback.format_exception(error))
    assert TOKEN not in shown and TOKEN[:8] not in shown, shown


def test_a_self_signed_certificate_is_refused_by_default(tmp_path: Path, serve: type[HttpsServer]) -> None:
    server = serve(self_signed(tmp_path, ["localhost", "127.0.0.1"]))
    client = hotpot.Client(server.url(), max_retries=0)

    with pytest.raises(hotpot.TransportError) as info:
        client.send("TLS check", "alert")

    assert_refused_for_its_certificate(info.value, "UnknownIssuer")
    assert server.paths == []  # nothing got through


def test_a_certificate_from_an_unknown_authority_is_refused_by_default(
        tmp_path: Path, serve: type[HttpsServer]) -> None:
    server = serve(signed_by_a_ca(tmp_path, ["localhost", "127.0.0.1"]))

    with pytest.raises(hotpot.TransportError) as info:
        hotpot.send(server.url("127.0.0.1"), "TLS check", "alert")

    assert_refused_for_its_certificate(info.value, "UnknownIssuer")
    assert server.paths == []


@pytest.mark.parametrize("form", ["str path", "PathLike", "PEM bytes"])
def test_a_certificate_from_the_given_authority_is_accepted(
        tmp_path: Path, serve: type[HttpsServer], form: str) -> None:
    pem = signed_by_a_ca(tmp_path, ["localhost", "127.0.0.1"])
    server = serve(pem)
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(pem.ca)
    forms: dict[str, str | Path | bytes] = {
        "str path": str(ca_file), "PathLike": ca_file, "PEM bytes": pem.ca}
    ca_cert = forms[form]

    for host in ["localhost", "127.0.0.1"]:
        receipt = hotpot.Client(server.url(host), ca_cert=ca_cert).send("TLS check", "alert")
        assert receipt.status_code == 202
        assert receipt.request_id == REQUEST_ID

    assert server.paths == [f"/moment/{TOKEN}"] * 2


def test_a_self_signed_certificate_given_as_ca_cert_is_accepted(
        tmp_path: Path, serve: type[HttpsServer]) -> None:
    pem = self_signed(tmp_path, ["localhost"])
    server = serve(pem)

    receipt = hotpot.Client(server.url(), ca_cert=pem.cert_file).send("TLS check", "alert")

    assert receipt.status_code == 202


def test_the_async_client_takes_ca_cert_too(tmp_path: Path, serve: type[HttpsServer]) -> None:
    pem = signed_by_a_ca(tmp_path, ["localhost"])
    server = serve(pem)

    async def both() -> tuple[BaseException | hotpot.Receipt, ...]:
        trusting = hotpot.AsyncClient(server.url(), ca_cert=pem.ca)
        default = hotpot.AsyncClient(server.url(), max_retries=0)
        return tuple(await asyncio.gather(trusting.send("TLS check", "alert"),
                                          default.send("TLS check", "alert"),
                                          return_exceptions=True))

    accepted, refused = asyncio.run(both())
    assert isinstance(accepted, hotpot.Receipt) and accepted.status_code == 202
    assert isinstance(refused, BaseException)
    assert_refused_for_its_certificate(refused, "UnknownIssuer")


def test_a_given_authority_does_not_switch_off_the_host_name_check(
        tmp_path: Path, serve: type[HttpsServer]) -> None:
    pem = signed_by_a_ca(tmp_path, ["hotpot.example.com"])  # trusted CA, another host
    server = serve(pem)
    client = hotpot.Client(server.url(), ca_cert=pem.ca, max_retries=0)

    with pytest.raises(hotpot.TransportError) as info:
        client.send("TLS check", "alert")

    assert_refused_for_its_certificate(info.value, "not valid for name")
    assert server.paths == []


def test_a_bad_ca_cert_is_refused_when_the_client_is_made(tmp_path: Path) -> None:
    url = f"https://localhost:1/moment/{TOKEN}"
    (tmp_path / "junk.pem").write_bytes(b"not a certificate")
    broken = b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"
    cases: list[tuple[Any, type[BaseException], str]] = [
        (tmp_path / "missing.pem", hotpot.ConfigError, "missing.pem"),
        (tmp_path / "junk.pem", hotpot.ConfigError, "expected one or more PEM certificates"),
        (b"", hotpot.ConfigError, "found none"),
        (broken, hotpot.ConfigError, "certificate"),
        ("-----BEGIN CERTIFICATE-----\n...", hotpot.ConfigError, "pass it as bytes"),
        (42, TypeError, "ca_cert: expected a path (str or os.PathLike) or PEM bytes, found"),
    ]
    makers: list[Callable[..., object]] = [hotpot.Client, hotpot.AsyncClient]
    for ca_cert, kind, says in cases:
        for make in makers:
            with pytest.raises(kind) as info:
                make(url, ca_cert=ca_cert)
            assert says in str(info.value), (ca_cert, str(info.value))
            assert TOKEN not in str(info.value) and TOKEN not in repr(info.value)


def test_there_is_no_way_to_turn_verification_off() -> None:
    for make in (hotpot.Client, hotpot.AsyncClient):
        parameters = set(inspect.signature(make).parameters)
        # allow_http is about plain http to a trusted host; over https, TLS is always verified.
        assert parameters == {
            "webhook_url", "timeout", "max_retries", "api_key", "ca_cert", "allow_http",
        }
