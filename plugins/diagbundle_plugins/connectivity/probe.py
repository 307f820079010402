"""One target, step by step: DNS, TCP, proxy CONNECT, TLS, HTTP, captive portal, upload.

Each step records its time or the reason it failed, classified in plain words
by :mod:`diagbundle_plugins.neterrors` (shared with the uploaders), and the
first failure ends the path: "where the traffic breaks". Every network call
has a timeout bounded by the target's share of the total budget. Sockets
and the standard ``ssl`` module are used directly, rather than an HTTP
library, because the probe must see each layer separately (the CONNECT
answer, the certificate chain before verification, the first byte).
"""

from __future__ import annotations

import base64
import concurrent.futures
import http.client
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from diagbundle import strip_userinfo
from diagbundle_plugins.connectivity import certs
from diagbundle_plugins.neterrors import NetFailure, classify, classify_status
from diagbundle_plugins.network.proxy import host_port

#: Per-step limits in seconds; each is cut to what is left of the target's budget.
DNS_TIMEOUT, CONNECT_TIMEOUT, TLS_TIMEOUT, HTTP_TIMEOUT = 3.0, 3.0, 4.0, 4.0
USER_AGENT = "diagbundle-probe"
UPLOAD_CHUNK = 64 << 10


class BudgetSpent(TimeoutError):
    """The target's share of the total budget is used up."""


class Budget:
    """A deadline that every step's timeout is cut to."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def limit(self, step: float) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0.05:
            raise BudgetSpent("the probe's time budget is used up")
        return min(step, left)


@dataclass
class Proxy:
    """The proxy a probe goes through: where, how it was chosen, and credentials (never reported)."""

    url: str | None
    source: str | None
    reason: str
    user: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    @property
    def address(self) -> tuple[str, int] | None:
        if not self.url:
            return None
        # Not urlsplit: the stripped URL's "[REDACTED:userinfo]@" would read as an IPv6 literal.
        authority = host_port(self.url)
        host, sep, port = authority.rpartition(":") if not authority.endswith("]") else (authority, "", "")
        if not sep or not port.isdigit():
            host, port = authority, ""
        return host.strip("[]"), int(port) if port else (443 if self.scheme == "https" else 8080)

    @property
    def scheme(self) -> str:
        return (self.url or "").split("://", 1)[0].lower() if "://" in (self.url or "") else "http"

    def report(self) -> dict[str, Any]:
        return {"proxy": strip_userinfo(self.url) if self.url else None, "source": self.source,
                "reason": self.reason, "credentials": self.user is not None}


def credentials_from(raw: str) -> tuple[str | None, str | None]:
    """The user and password in a raw proxy URL, found where :func:`strip_userinfo` cuts it."""
    stripped = strip_userinfo(raw)
    if stripped == raw:
        return None, None
    marker = stripped.index("[REDACTED:userinfo]")
    prefix, suffix = stripped[:marker], stripped[marker + len("[REDACTED:userinfo]"):]
    userinfo = raw[len(prefix):len(raw) - len(suffix)]
    user, _, password = userinfo.partition(":")
    return unquote(user), unquote(password)


@dataclass
class Step:
    name: str
    ok: bool
    seconds: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    failure: NetFailure | None = None

    def as_dict(self, redact: Callable[[str], str]) -> dict[str, Any]:
        failure = None
        if self.failure is not None:
            failure = {"kind": self.failure.kind, "message": self.failure.message,
                       "detail": redact(self.failure.detail), "status": self.failure.status}
        return {"step": self.name, "ok": self.ok, "seconds": self.seconds, **self.details,
                "failure": failure}


class StepFailed(Exception):
    def __init__(self, step: Step) -> None:
        super().__init__(step.name)
        self.step = step


@dataclass
class Trust:
    """Where certificates are checked: this machine's store (``None``: OpenSSL's defaults,
    which honour ``SSL_CERT_FILE``) and a public CA bundle (certifi's, unless given)."""

    system_cafile: str | None = None
    public_cafile: str | None = None

    def public(self) -> str | None:
        if self.public_cafile:
            return self.public_cafile
        try:
            import certifi
        except ImportError:
            return None
        return str(certifi.where())


class Prober:
    """Probes one URL. ``redact`` cleans error texts before they are kept."""

    def __init__(self, url: str, proxy: Proxy, trust: Trust, budget: Budget) -> None:
        self.url = url
        parts = urlsplit(url)
        self.host = parts.hostname or ""
        self.tls = parts.scheme == "https"
        self.port = parts.port or (443 if self.tls else 80)
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.proxy = proxy
        self.trust = trust
        self.budget = budget
        self.steps: list[Step] = []
        self.first_open = True
        self.tls_seconds: float | None = None
        self._sent = 0

    # -- low-level steps ---------------------------------------------------------------------
    def _fail(self, name: str, error: BaseException, started: float, **details: Any) -> StepFailed:
        if isinstance(error, BudgetSpent):
            failure = NetFailure("timeout", "the probe's time budget ran out before this step finished",
                                 str(error))
        else:
            if name in ("upload", "http") and isinstance(error, ssl.SSLEOFError):
                # TLS was up: an EOF now is the connection being cut (neterrors would call an
                # EOF "TLS broken off", which is right during a handshake, not here).
                error = ConnectionResetError(f"connection cut after the TLS handshake: {error}")
            failure = classify(error, host=self.host, via_proxy=self.proxy.url is not None and
                               name in ("tcp", "dns", "proxy"))
        step = Step(name, False, round(time.monotonic() - started, 4), details, failure)
        return StepFailed(step)

    def _record(self, step: Step) -> None:
        if self.first_open:
            self.steps.append(step)

    def resolve(self, host: str, port: int) -> list[tuple[Any, ...]]:
        started = time.monotonic()
        pool = concurrent.futures.ThreadPoolExecutor(1)  # getaddrinfo has no timeout of its own
        try:
            future = pool.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
            infos = future.result(timeout=self.budget.limit(DNS_TIMEOUT))
        except concurrent.futures.TimeoutError as err:
            raise self._fail("dns", TimeoutError(f"resolving {host} timed out"), started,
                             lookup=host) from err
        except (OSError, BudgetSpent) as err:
            raise self._fail("dns", err, started, lookup=host) from err
        finally:
            pool.shutdown(wait=False)
        addresses = list(dict.fromkeys(str(i[4][0]) for i in infos))
        self._record(Step("dns", True, round(time.monotonic() - started, 4),
                          {"lookup": host, "addresses": addresses}))
        return infos

    def connect(self) -> socket.socket:
        """DNS + TCP (+ CONNECT through a proxy for https): a socket to talk to the target over."""
        host, port = self.proxy.address or (self.host, self.port)
        infos = self.resolve(host, port)
        started = time.monotonic()
        last: BaseException | None = None
        for family, kind, proto, _name, address in infos:
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(self.budget.limit(CONNECT_TIMEOUT))
                sock.connect(address)
            except (OSError, BudgetSpent) as err:
                sock.close()
                last = err
                continue
            self._record(Step("tcp", True, round(time.monotonic() - started, 4),
                              {"address": str(address[0]), "port": port,
                               "to": "proxy" if self.proxy.url else "target"}))
            if self.proxy.url and self.tls:
                self._tunnel(sock)
            return sock
        assert last is not None
        raise self._fail("tcp", last, started, port=port, to="proxy" if self.proxy.url else "target")

    def _auth_header(self) -> str:
        if self.proxy.user is None:
            return ""
        token = base64.b64encode(f"{self.proxy.user}:{self.proxy.password or ''}".encode()).decode()
        return f"Proxy-Authorization: Basic {token}\r\n"

    def _tunnel(self, sock: socket.socket) -> None:
        started = time.monotonic()
        try:
            sock.settimeout(self.budget.limit(HTTP_TIMEOUT))
            sock.sendall((f"CONNECT {self.host}:{self.port} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                          f"User-Agent: {USER_AGENT}\r\n{self._auth_header()}\r\n").encode())
            response = http.client.HTTPResponse(sock, method="CONNECT")
            response.begin()
        except (OSError, http.client.HTTPException, BudgetSpent) as err:
            sock.close()
            raise self._fail("proxy", err, started) from err
        seconds = round(time.monotonic() - started, 4)
        headers = dict(response.getheaders())
        details = {"status": response.status, "reason": response.reason,
                   "proxy_agent": headers.get("Proxy-Agent") or headers.get("Server")}
        if response.status != 200:
            sock.close()
            failure = classify_status(response.status, headers) or NetFailure(
                "blocked", f"the proxy refused to open a tunnel to {self.host}:{self.port} "
                           f"(HTTP {response.status})", "", response.status)
            raise StepFailed(Step("proxy", False, seconds, details, failure))
        self._record(Step("proxy", True, seconds, details))

    def handshake(self, context: ssl.SSLContext) -> ssl.SSLSocket:
        sock = self.connect()
        self.first_open = False
        started = time.monotonic()
        try:
            sock.settimeout(self.budget.limit(TLS_TIMEOUT))
            return context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        finally:
            self.tls_seconds = round(time.monotonic() - started, 4)

    # -- the probe -------------------------------------------------------------------------------
    def run(self, upload: int | None = None) -> dict[str, Any]:
        verdicts: list[str] = []
        sock: socket.socket
        try:
            if self.tls:
                sock = self._tls(verdicts)
            else:
                sock = self.connect()
                self.first_open = False
            self._http(sock, upload)
        except StepFailed as failed:
            self.steps.append(failed.step)
        return {"steps": self.steps, "verdicts": verdicts}

    def _tls(self, verdicts: list[str]) -> ssl.SSLSocket:
        """Three handshakes: unverified (chain, version, ALPN), public CAs, this machine's store."""
        started = time.monotonic()
        look = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        look.check_hostname = False
        look.verify_mode = ssl.CERT_NONE
        look.set_alpn_protocols(["h2", "http/1.1"])
        try:
            with self.handshake(look) as seen:
                details: dict[str, Any] = {
                    "version": seen.version(), "cipher": (seen.cipher() or (None,))[0],
                    "alpn": seen.selected_alpn_protocol(), "chain": certs.chain(seen),
                }
        except (OSError, BudgetSpent) as err:
            raise self._fail("tls", err, started) from err
        handshake_seconds = self.tls_seconds
        issuer = certs.issuer_name(details["chain"])
        public = self._verify(self.trust.public(), issuer) if self.trust.public() else None
        system = self._verify(self.trust.system_cafile, issuer, system=True)
        details["verifies_with_public_cas"] = public is None if self.trust.public() else None
        details["verifies_with_system_store"] = system is None
        details["public_error"] = public.message if public else None
        details["system_error"] = system.message if system else None
        inspection = (public is not None and public.kind == "tls-inspection"
                      and (system is None or system.kind == "tls-inspection"))
        if inspection and issuer:
            details["tls_inspection_suspected"] = True
            verdicts.append(f"TLS inspection suspected: issuer {issuer}")
        if system is not None:
            raise StepFailed(Step("tls", False, handshake_seconds, details, system))
        self.steps.append(Step("tls", True, handshake_seconds, details))
        context = self._context(self.trust.system_cafile, system=True)
        context.set_alpn_protocols(["http/1.1"])
        return self.handshake(context)

    def _context(self, cafile: str | None, *, system: bool = False) -> ssl.SSLContext:
        if system and cafile is None:
            return ssl.create_default_context()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(cafile=cafile)
        return context

    def _verify(self, cafile: str | None, issuer: str | None, *, system: bool = False) -> NetFailure | None:
        """None when the chain verifies against ``cafile``; the classified failure otherwise."""
        try:
            with self.handshake(self._context(cafile, system=system)):
                return None
        except ssl.SSLCertVerificationError as err:
            return classify(err, host=self.host, issuer=issuer)
        except StepFailed as failed:
            return failed.step.failure
        except (OSError, BudgetSpent) as err:
            return classify(err, host=self.host)

    def _http(self, sock: socket.socket, upload: int | None) -> None:
        started = time.monotonic()
        target = self.path if (self.tls or not self.proxy.url) else self.url
        method = "POST" if upload is not None else "GET"
        try:
            with sock:
                sock.settimeout(self.budget.limit(HTTP_TIMEOUT))
                head = (f"{method} {target} HTTP/1.1\r\nHost: {self.host}\r\nUser-Agent: {USER_AGENT}\r\n"
                        f"Accept: */*\r\nConnection: close\r\n")
                if not self.tls and self.proxy.url:
                    head += self._auth_header()
                if upload is not None:
                    head += f"Content-Type: application/octet-stream\r\nContent-Length: {upload}\r\n"
                sock.sendall((head + "\r\n").encode())
                sent, send_seconds = self._send_body(sock, upload) if upload is not None else (0, 0.0)
                response = http.client.HTTPResponse(sock, method=method)
                response.begin()
                first_byte = round(time.monotonic() - started, 4)
                headers = dict(response.getheaders())
                response.close()
        except (OSError, http.client.HTTPException, BudgetSpent) as err:
            details: dict[str, Any] = {"method": method}
            if upload is not None:
                details["upload_bytes"] = upload
                details["sent_bytes"] = getattr(self, "_sent", 0)
            raise self._fail("upload" if upload is not None else "http", err, started, **details) from err
        details = {"method": method, "status": response.status, "reason": response.reason,
                   "first_byte_seconds": first_byte, "server": headers.get("Server"),
                   "via": headers.get("Via"), "location": headers.get("Location")}
        if upload is not None:
            details.update(upload_bytes=upload, sent_bytes=sent,
                           throughput_bytes_per_second=round(sent / send_seconds) if send_seconds else None)
        blocked = classify_status(response.status, headers)
        self.steps.append(Step("upload" if upload is not None else "http", blocked is None,
                               round(time.monotonic() - started, 4), details, blocked))

    def _send_body(self, sock: socket.socket, size: int) -> tuple[int, float]:
        started = time.monotonic()
        self._sent = 0
        chunk = b"\0" * UPLOAD_CHUNK
        while self._sent < size:
            piece = chunk[: min(UPLOAD_CHUNK, size - self._sent)]
            sock.settimeout(self.budget.limit(HTTP_TIMEOUT))
            sock.sendall(piece)
            self._sent += len(piece)
        return self._sent, time.monotonic() - started


def captive_portal(url: str, proxy: Proxy, budget: Budget) -> dict[str, Any]:
    """A plain ``http://`` request to the target's host: a redirect elsewhere means a captive portal."""
    parts = urlsplit(url)
    plain = url if parts.scheme == "http" else f"http://{parts.hostname}/"
    prober = Prober(plain, proxy if proxy.scheme == "http" else Proxy(None, None, "direct"),
                    Trust(), budget)
    try:
        sock = prober.connect()
        prober.first_open = False
        prober._http(sock, None)
    except StepFailed as failed:
        return {"url": plain, "status": None, "location": None, "suspected": False,
                "error": failed.step.failure.message if failed.step.failure else None}
    http_step = prober.steps[-1]
    location = http_step.details.get("location")
    moved_to = urlsplit(location).hostname if location else None
    suspected = bool(http_step.details.get("status") in (301, 302, 303, 307, 308) and moved_to
                     and moved_to != parts.hostname)
    return {"url": plain, "status": http_step.details.get("status"), "location": location,
            "suspected": suspected, "error": None}
