"""Servers for the connectivity tests, run inside a test network namespace.

    python connectivity_servers.py CERTDIR

Binds (addresses the test put on the namespace's loopback):
- 10.77.0.2:443  HTTPS for service.test / inspected.test (certificate from the "public" CA), GET 200, POST 201
- 10.77.0.2:80   plain HTTP, 200 (no captive portal); /proxy.pac is a PAC file
- 10.77.0.4:3128 an intercepting proxy: answers CONNECT, re-signs with the "Corp Inspection CA"
                 (trustme + the standard library, as a TLS-inspecting middlebox does), relays upstream
- 10.77.0.5:80   a captive portal: every request is redirected to http://portal.test/login
- 10.77.0.6:443  accepts connections and never answers
- 10.77.0.8:443  HTTPS for cutoff.test: GET 200, but a POST is reset after 256 KiB
Writes public-ca.pem and corp-ca.pem into CERTDIR, then prints "ready".
"""

from __future__ import annotations

import contextlib
import http.server
import select
import socket
import socketserver
import ssl
import struct
import sys
import threading
from pathlib import Path

import trustme

#: Served at http://service.test/proxy.pac: it resolves a name, which the probe allows.
PAC = """function FindProxyForURL(url, host) {
  if (isInNet(dnsResolve(host), "10.77.0.0", "255.255.255.0")) return "PROXY proxy.test:3128; DIRECT";
  return "DIRECT";
}
"""


class Origin(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = b"hello from the service\n"
        if self.path == "/proxy.pac":
            body = PAC.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Request-Id", "req-7f3a")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        left = int(self.headers.get("Content-Length") or 0)
        while left:
            chunk = self.rfile.read(min(left, 1 << 16))
            if not chunk:
                break
            left -= len(chunk)
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class Portal(Origin):
    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", "http://portal.test/login?from=probe")
        self.send_header("Content-Length", "0")
        self.end_headers()


class CutOff(Origin):
    """Like a middlebox that refuses uploads: reads 256 KiB of a POST body, then resets the connection."""

    def do_POST(self) -> None:
        self.rfile.read(256 << 10)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(server: socketserver.BaseServer) -> None:
    threading.Thread(target=server.serve_forever, daemon=True).start()




def inspector_contexts(corp: trustme.CA, hosts: tuple[str, ...]) -> dict[str, ssl.SSLContext]:
    """Server contexts with a corp-signed certificate per host, made before "ready" is printed.

    Issuing one makes a key: made on the first CONNECT instead, it slowed that handshake.
    """
    contexts = {}
    for host in hosts:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        corp.issue_cert(host).configure_cert(context)
        contexts[host] = context
    return contexts


def relay(a: ssl.SSLSocket, b: ssl.SSLSocket) -> None:
    """Copy both ways in one thread: an SSL socket must not be read and written from two
    threads at once (OpenSSL's objects are not thread-safe; two pipe threads lost answers)."""
    other = {a: b, b: a}
    try:
        while True:
            ready, _, _ = select.select(list(other), [], [], 30)
            if not ready:
                return
            for sock in ready:
                data = sock.recv(65536)
                if not data:
                    return
                while sock.pending():
                    data += sock.recv(sock.pending())
                other[sock].sendall(data)
    except OSError:
        pass
    finally:
        for sock in (a, b):
            with contextlib.suppress(OSError):
                sock.close()


def intercepting_proxy(listen: socket.socket, corp: trustme.CA, contexts: dict[str, ssl.SSLContext]) -> None:
    """CONNECT host:port -> 200, then TLS with a certificate for host signed by the corp CA."""
    upstream_context = ssl.create_default_context()
    upstream_context.check_hostname = False
    upstream_context.verify_mode = ssl.CERT_NONE

    def handle(client: socket.socket) -> None:
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = client.recv(4096)
                if not chunk:
                    return
                request += chunk
            target = request.split(b" ")[1].decode()
            host, _, port = target.rpartition(":")
            client.sendall(b"HTTP/1.1 200 Connection established\r\nProxy-Agent: corp-inspector\r\n\r\n")
            context = contexts.get(host) or inspector_contexts(corp, (host,))[host]
            inner = context.wrap_socket(client, server_side=True)
            upstream = upstream_context.wrap_socket(socket.create_connection((host, int(port)), timeout=5),
                                                    server_hostname=host)
            relay(inner, upstream)
        except (OSError, IndexError, ValueError):
            client.close()

    while True:
        conn, _ = listen.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def silent(listen: socket.socket) -> None:
    held = []
    while True:
        conn, _ = listen.accept()
        held.append(conn)  # accepted, never answered


def main() -> None:
    certdir = Path(sys.argv[1])
    public = trustme.CA(organization_name="Public Test Trust", organization_unit_name="Public Test Root CA")
    corp = trustme.CA(organization_name="Corp Networks", organization_unit_name="Corp Inspection CA")
    public.cert_pem.write_to_path(str(certdir / "public-ca.pem"))
    corp.cert_pem.write_to_path(str(certdir / "corp-ca.pem"))
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    public.issue_cert("service.test", "inspected.test", "cutoff.test").configure_cert(tls)
    tls.set_alpn_protocols(["http/1.1"])  # no h2: the probe offers both and reports the choice
    https = Server(("10.77.0.2", 443), Origin)
    https.socket = tls.wrap_socket(https.socket, server_side=True)
    serve(https)
    serve(Server(("10.77.0.2", 80), Origin))
    cutoff = Server(("10.77.0.8", 443), CutOff)
    cutoff.socket = tls.wrap_socket(cutoff.socket, server_side=True)
    serve(cutoff)
    serve(Server(("10.77.0.5", 80), Portal))
    proxy = socket.create_server(("10.77.0.4", 3128))
    contexts = inspector_contexts(corp, ("inspected.test", "service.test", "cutoff.test"))
    threading.Thread(target=intercepting_proxy, args=(proxy, corp, contexts), daemon=True).start()
    hang = socket.create_server(("10.77.0.6", 443))
    threading.Thread(target=silent, args=(hang,), daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
