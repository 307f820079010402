"""Real servers on 127.0.0.1 for the sharing tests: a proxy, HTTPS, S3 (moto) and tus.

Each one is started by a fixture, bound to a free loopback port and stopped
after the test; nothing here talks to any other address.
"""

from __future__ import annotations

import contextlib
import http.server
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

PROXY_USER, PROXY_PASSWORD = "support", "pr0xy-pass"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


@dataclass
class Proxy:
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url_with_auth(self) -> str:
        return f"http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:{self.port}"

    def requests_seen(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def auth_proxy(tmp_path: Path) -> Iterator[Proxy]:
    """tinyproxy on loopback requiring Basic proxy authentication (407 without it)."""
    binary = shutil.which("tinyproxy") or "/usr/bin/tinyproxy"
    if not Path(binary).exists():
        pytest.skip("tinyproxy is not installed (apt-get install tinyproxy; .ci/run installs it)")
    port = free_port()
    log = tmp_path / "tinyproxy.log"
    conf = tmp_path / "tinyproxy.conf"
    conf.write_text(
        f"Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 20\nAllow 127.0.0.1\n"
        f"BasicAuth {PROXY_USER} {PROXY_PASSWORD}\nLogLevel Connect\nLogFile \"{log}\"\n"
    )
    log.touch()
    log.chmod(0o666)
    proc = subprocess.Popen([binary, "-d", "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield Proxy(port, log)
    finally:
        proc.terminate()
        proc.wait(5)


@dataclass
class Certs:
    ca_pem: Path
    server_context: ssl.SSLContext
    ca: Any

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_pem))


@pytest.fixture
def certs(tmp_path: Path) -> Certs:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(server_ctx)
    ca_pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    return Certs(ca_pem, server_ctx, ca)


@dataclass
class PutServer:
    """An HTTPS server accepting a presigned-style PUT: it checks the query's signature parameter."""

    port: int
    received: dict[str, bytes] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    #: Status codes to answer before accepting (a flaky link: 503, then 200).
    fail_first: list[int] = field(default_factory=list)
    #: Body of the 200 answer to a PUT: a vendor's backend may say where the view link is.
    answer: bytes = b""

    def url(self, path: str = "/upload/bundle.zip", query: str = "X-Signature=abc123") -> str:
        return f"https://127.0.0.1:{self.port}{path}?{query}"


@pytest.fixture
def put_server(certs: Certs) -> Iterator[PutServer]:
    state = PutServer(0)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: bytes = b"", ctype: str = "text/plain") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_PUT(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = b""
            while len(body) < length:
                chunk = self.rfile.read(min(1 << 16, length - len(body)))
                if not chunk:
                    break
                body += chunk
            if "X-Signature=abc123" not in self.path:
                self._reply(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>", "application/xml")
                return
            if state.fail_first:
                self._reply(state.fail_first.pop(0), b"try again")
                return
            path = self.path.partition("?")[0]
            state.received[path] = body
            state.headers[path] = dict(self.headers.items())
            self._reply(200, state.answer, "application/json" if state.answer else "text/plain")

        def do_GET(self) -> None:
            path = self.path.partition("?")[0]
            if path in state.received:
                self._reply(200, state.received[path], "application/octet-stream")
            else:
                self._reply(404, b"no such object")

        def do_DELETE(self) -> None:
            path = self.path.partition("?")[0]
            state.deleted.append(path)
            state.received.pop(path, None)
            self._reply(204)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = certs.server_context.wrap_socket(server.socket, server_side=True)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@dataclass
class S3:
    endpoint: str
    bucket: str
    client: Any


@pytest.fixture
def moto_s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3]:
    """moto's S3 server on 127.0.0.1, a bucket in it, and the environment pointing there."""
    pytest.importorskip("moto")
    boto3 = pytest.importorskip("boto3")
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_ENDPOINT_URL_S3",
                 "HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTSUPPORTUPLD")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret-key-for-moto-only")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # moto keeps its state per process: start each test from an empty store.
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10)
    client = boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-1")
    client.create_bucket(Bucket="support-drop", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    try:
        yield S3(endpoint, "support-drop", client)
    finally:
        server.stop()


@dataclass
class Tus:
    port: int
    files: Path

    def url(self, scheme: str = "tus+https") -> str:
        return f"{scheme}://127.0.0.1:{self.port}/files/"


@pytest.fixture
def tus_server(tmp_path: Path, certs: Certs, monkeypatch: pytest.MonkeyPatch) -> Iterator[Tus]:
    """tuspyserver (FastAPI) under uvicorn, over TLS with trustme certificates, on loopback."""
    pytest.importorskip("requests")
    tuspyserver = pytest.importorskip("tuspyserver")
    uvicorn = pytest.importorskip("uvicorn")
    from fastapi import FastAPI

    files = tmp_path / "tus-files"
    files.mkdir()
    app = FastAPI()
    app.include_router(tuspyserver.create_tus_router(prefix="files", files_dir=str(files)))
    cert = certs.ca.issue_cert("127.0.0.1", "localhost")
    cert_pem, key_pem = tmp_path / "tus-cert.pem", tmp_path / "tus-key.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_pem))
    cert.private_key_pem.write_to_path(str(key_pem))
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", ssl_certfile=str(cert_pem),
                            ssl_keyfile=str(key_pem))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    # requests (under tuspy) trusts the CA named here; no proxy for loopback.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certs.ca_pem))
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    try:
        wait_for_port(port)
        yield Tus(port, files)
    finally:
        server.should_exit = True
        thread.join(10)


@dataclass
class CuttingRelay:
    """A TCP relay that resets the connection carrying upstream byte ``cut_after`` (counted over all)."""

    port: int
    cut_after: int
    cuts: int = 0
    connections: int = 0
    upstream_bytes: int = 0


@pytest.fixture
def cutting_relay() -> Iterator[Any]:
    relays: list[tuple[socket.socket, threading.Event]] = []

    def start(target_port: int, cut_after: int) -> CuttingRelay:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.settimeout(0.2)
        relay = CuttingRelay(listener.getsockname()[1], cut_after)
        stop = threading.Event()
        relays.append((listener, stop))

        def pipe(src: socket.socket, dst: socket.socket, count: bool) -> None:
            try:
                while not stop.is_set():
                    data = src.recv(65536)
                    if not data:
                        break
                    if count and relay.cuts == 0 and relay.upstream_bytes + len(data) > relay.cut_after:
                        relay.cuts += 1
                        # shutdown() first: close() alone would wait for the other direction's
                        # blocked recv(), and neither end would see the cut.
                        for s in (src, dst):
                            with contextlib.suppress(OSError):
                                s.shutdown(socket.SHUT_RDWR)
                            s.close()
                        return
                    if count:
                        relay.upstream_bytes += len(data)
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    with contextlib.suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)

        def accept() -> None:
            while not stop.is_set():
                try:
                    client, _ = listener.accept()
                except OSError:
                    continue
                relay.connections += 1
                upstream = socket.create_connection(("127.0.0.1", target_port), timeout=10)
                client.settimeout(None)
                upstream.settimeout(None)
                threading.Thread(target=pipe, args=(client, upstream, True), daemon=True).start()
                threading.Thread(target=pipe, args=(upstream, client, False), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()
        return relay

    yield start
    for listener, stop in relays:
        stop.set()
        listener.close()


def make_bundle(folder: Path, *, random_bytes: int = 0, name: str = "bundle.zip") -> Path:
    """A real bundle written by diagbundle.collect(): a log, plus random (incompressible) bytes if asked."""
    import os

    from diagbundle import api
    from diagbundle.testing import make_manager

    inputs = folder / "inputs"
    inputs.mkdir(exist_ok=True)
    log = inputs / "app.log"
    log.write_text("".join(f"2026-12-01T10:00:{i % 60:02d}Z GET /api/items/{i} 200 {i % 89} ms\n"
                           for i in range(20000)))
    attach = [log]
    options: dict[str, Any] = {}
    if random_bytes:
        blob = inputs / "core.bin"
        blob.write_bytes(os.urandom(random_bytes))
        attach.append(blob)
        options["attach_binary"] = True
    result = api.collect(folder / name, only="attachments", attach=attach, manager=make_manager(),
                         keep_mapping=False, **options)
    return result.path
