"""neterrors.classify on real failures made on loopback: each kind from a real socket, TLS or proxy."""

from __future__ import annotations

import socket
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from diagbundle_plugins.neterrors import classify, classify_status
from sharing_servers import Certs, Proxy, auth_proxy, certs, free_port, put_server  # noqa: F401


def _error(fn: object) -> BaseException:
    try:
        fn()  # type: ignore[operator]
    except BaseException as err:
        return err
    raise AssertionError("expected a failure")


def test_dns_failure_from_getaddrinfo() -> None:
    # AI_NUMERICHOST: a real gaierror without sending any DNS query.
    err = _error(lambda: socket.getaddrinfo("bundles.example.invalid", 443, flags=socket.AI_NUMERICHOST))
    failure = classify(err, host="bundles.example.invalid")
    assert failure.kind == "dns"
    assert "bundles.example.invalid" in failure.message


def test_refused_through_urllib() -> None:
    port = free_port()  # bound then closed: nothing listens
    err = _error(lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5))
    assert isinstance(err, urllib.error.URLError)
    assert classify(err, host="127.0.0.1").kind == "refused"


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections and never answers."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    stop.set()
    t.join(2)
    for s in held:
        s.close()
    srv.close()


def test_timeout_through_urllib(silent_server: int) -> None:
    err = _error(lambda: urllib.request.urlopen(f"http://127.0.0.1:{silent_server}/", timeout=0.3))
    failure = classify(err, host="127.0.0.1")
    assert failure.kind == "timeout", failure


@pytest.fixture
def resetting_server() -> Iterator[int]:
    """Accepts, reads the request, then resets the connection (RST), like a blocking firewall."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)

    def serve() -> None:
        conn, _ = srv.accept()
        conn.recv(65536)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    t.join(2)
    srv.close()


def test_reset_through_urllib(resetting_server: int) -> None:
    err = _error(lambda: urllib.request.urlopen(f"http://127.0.0.1:{resetting_server}/", timeout=5))
    assert classify(err, host="127.0.0.1").kind == "reset"


def test_untrusted_issuer_suggests_tls_inspection(put_server, certs: Certs) -> None:  # noqa: F811
    # The default trust store does not know trustme's CA: what a TLS-inspecting proxy looks like.
    err = _error(lambda: urllib.request.urlopen(put_server.url(), timeout=5))
    failure = classify(err, host="127.0.0.1")
    assert failure.kind == "tls-inspection"
    assert "SSL_CERT_FILE" in failure.message
    named = classify(err, host="127.0.0.1", issuer="Zscaler Root CA")
    assert named.kind == "tls-inspection" and "Zscaler" in named.message


def test_hostname_mismatch_is_tls_verify(put_server, certs: Certs) -> None:  # noqa: F811
    ctx = certs.client_context()
    # The certificate is for 127.0.0.1 and localhost: connecting by another name fails verification.
    raw = socket.create_connection(("127.0.0.1", put_server.port), timeout=5)
    err = _error(lambda: ctx.wrap_socket(raw, server_hostname="bundles.example.com"))
    raw.close()
    assert isinstance(err, ssl.SSLCertVerificationError)
    failure = classify(err, host="bundles.example.com")
    assert failure.kind == "tls-verify"


def test_proxy_auth_plain_http(auth_proxy: Proxy) -> None:  # noqa: F811
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": auth_proxy.url}))
    err = _error(lambda: opener.open(f"http://127.0.0.1:{free_port()}/", timeout=5))
    failure = classify(err, host="127.0.0.1", via_proxy=True)
    assert failure.kind == "proxy-auth" and failure.status == 407


def test_proxy_auth_https_tunnel_with_requests(auth_proxy: Proxy) -> None:  # noqa: F811
    requests = pytest.importorskip("requests")
    proxies = {"https": auth_proxy.url}
    err = _error(lambda: requests.put("https://127.0.0.1:9/x", data=b"x", proxies=proxies, timeout=5))
    failure = classify(err, host="127.0.0.1", via_proxy=True)
    assert failure.kind == "proxy-auth", (type(err), err)
    assert "HTTPS_PROXY" in failure.message


def test_block_page_status() -> None:
    blocked = classify_status(403, {"Via": "1.1 proxy.corp", "X-Squid-Error": "ERR_ACCESS_DENIED 0"})
    assert blocked is not None and blocked.kind == "blocked"
    assert classify_status(403, {"Content-Type": "application/xml"}) is None
    auth = classify_status(407)
    assert auth is not None and auth.kind == "proxy-auth"
