"""Real servers on 127.0.0.1 for the sharing tests: a proxy, HTTPS, S3 (moto) and tus.

Each one is started by a fixture, bound to a free loopback port and stopped
after the test; nothing here talks to any other address.
"""

from __future__ import annotations

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
