"""Network failures in plain words: one classification shared by every plugin that talks to a network.

Uploaders and the connectivity probe both end up holding an exception from
somewhere in a stack of libraries (``socket``, ``ssl``, ``http.client``,
``urllib``, ``requests``/``urllib3``, ``botocore``). What the user needs is
what happened, said the same way everywhere: *the name did not resolve*,
*the proxy wants a password*, *something between you and the server replaced
its certificate*. This module turns any of those exceptions into a
:class:`NetFailure` without importing any of those libraries: it walks the
exception's cause chain and recognises stdlib types, then class names and
messages of the third-party ones.

The API is two functions and one dataclass::

    from diagbundle_plugins.neterrors import classify, classify_status

    try:
        urllib.request.urlopen(url, timeout=10)
    except OSError as err:
        failure = classify(err, host="support.example.com")
        print(failure.message)            # one sentence for the user
        print(failure.kind)               # "proxy-auth", "timeout", ... for machines

    failure = classify_status(403, response_headers)   # None when the status is the server's own

``message`` never quotes a URL's query string or credentials; ``detail`` is
the original exception text (callers put it through the redactor before it
goes anywhere).
"""

from __future__ import annotations

import errno
import re
import socket
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "dns",
    "refused",
    "timeout",
    "tls-verify",
    "tls-inspection",
    "proxy-auth",
    "blocked",
    "reset",
    "unreachable",
    "http",
    "other",
]

#: OpenSSL verify codes that mean "signed by an authority this machine does not
#: trust": what a TLS-inspecting proxy or antivirus produces when its own root
#: is not installed where Python looks (18 self-signed leaf, 19 self-signed
#: root in the chain, 20 unable to get local issuer, 21 unable to verify leaf).
_UNTRUSTED_ISSUER_CODES = frozenset({18, 19, 20, 21})

#: Issuer names of products that re-sign TLS traffic (matched case-insensitively
#: against the issuer a caller may pass in).
_INSPECTION_ISSUERS = re.compile(
    r"zscaler|netskope|fortinet|fortigate|palo ?alto|blue ?coat|symantec web|forcepoint|websense|"
    r"sophos|cisco umbrella|checkpoint|check point|mcafee web|skyhigh|kaspersky|eset ssl|avast|avg web|"
    r"bitdefender|barracuda|sonicwall|watchguard|untangle|lightspeed|securly|iboss|menlo|cloudflare gateway",
    re.IGNORECASE,
)

_PROXY_AUTH = re.compile(r"\b407\b|proxy authentication required", re.IGNORECASE)
_DNS = re.compile(
    r"name or service not known|nodename nor servname|getaddrinfo failed|temporary failure in name "
    r"resolution|no address associated|name resolution|failed to resolve|could not resolve",
    re.IGNORECASE,
)
_TIMEOUT = re.compile(r"timed? ?out|timeout", re.IGNORECASE)
_REFUSED = re.compile(r"connection refused|actively refused", re.IGNORECASE)
_RESET = re.compile(r"connection reset|connection aborted|remote end closed|broken pipe|eof occurred",
                    re.IGNORECASE)
_UNREACHABLE = re.compile(r"network is unreachable|no route to host|host is unreachable", re.IGNORECASE)
_TLS = re.compile(r"certificate verify failed|CERTIFICATE_VERIFY_FAILED|ssl", re.IGNORECASE)


@dataclass(frozen=True)
class NetFailure:
    """What went wrong, for a person (``message``) and for a program (``kind``).

    ``status`` is the HTTP status when there was one (407, 403 ...);
    ``detail`` is the original error text, unredacted: pass it through the
    redactor before it goes into a bundle or a log.
    """

    kind: Kind
    message: str
    detail: str = ""
    status: int | None = None


def classify(
    error: BaseException,
    *,
    host: str | None = None,
    via_proxy: bool = False,
    issuer: str | None = None,
) -> NetFailure:
    """Classify a network exception raised by any Python HTTP stack.

    ``host`` names the destination in the message. ``via_proxy`` says the
    connection went through a proxy (it makes "refused" and "reset" point at
    the proxy). ``issuer`` is the certificate issuer, when the caller could
    read it (the probe fetches the certificate without verification): a known
    TLS-inspection product there turns "not trusted" into "TLS inspection".
    """
    where = host or "the server"
    through = "the proxy" if via_proxy else where
    chain = list(_chain(error))
    detail = "; ".join(dict.fromkeys(_text(e) for e in chain if _text(e)))[:500]

    def failure(kind: Kind, message: str, status: int | None = None) -> NetFailure:
        return NetFailure(kind, message, detail, status)

    # The proxy's answer first: a 407 is often wrapped in a connection error.
    for e in chain:
        if getattr(e, "code", None) == 407 or getattr(e, "status", None) == 407 or (
            _PROXY_AUTH.search(_text(e)) and _is_proxyish(e)
        ):
            return failure(
                "proxy-auth",
                "the proxy asks for a user name and password (HTTP 407): set them in HTTPS_PROXY "
                "(http://user:password@proxy:port) or ask IT which proxy to use",
                407,
            )
    for e in chain:
        if isinstance(e, ssl.SSLCertVerificationError):
            return _tls(e.verify_code, e.verify_message or _text(e), where, issuer, detail)
    for e in chain:
        if isinstance(e, socket.gaierror) or _DNS.search(_text(e)):
            return failure("dns", f"the name {where} could not be resolved (DNS): check the spelling, "
                                  "the network connection, or whether a proxy is required")
    for e in chain:
        if isinstance(e, ConnectionRefusedError) or _REFUSED.search(_text(e)):
            return failure("refused", f"{through} refused the connection: nothing is listening there, "
                                      "or a firewall rejects it")
    for e in chain:
        if isinstance(e, (TimeoutError, socket.timeout)) or type(e).__name__ in (
            "ConnectTimeout", "ReadTimeout", "ConnectTimeoutError", "ReadTimeoutError", "Timeout",
        ) or _TIMEOUT.search(_text(e)):
            return failure("timeout", f"{through} did not answer in time: the network is slow, or a "
                                      "firewall silently drops the traffic")
    for e in chain:
        if isinstance(e, ssl.SSLError) or (
            type(e).__name__ in ("SSLError", "SSLZeroReturnError") and _TLS.search(_text(e))
        ):
            if _TLS.search(_text(e)) and "verify failed" in _text(e).lower():
                return _tls(_verify_code(_text(e)), _text(e), where, issuer, detail)
            return failure("blocked", f"the secure (TLS) connection to {where} was broken off: often a "
                                      "firewall or proxy that blocks or intercepts it")
    for e in chain:
        if isinstance(e, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)) or (
            type(e).__name__ in ("RemoteDisconnected", "ProtocolError", "IncompleteRead")
        ) or _RESET.search(_text(e)):
            return failure("reset", f"the connection to {through} was cut off: often a firewall or proxy "
                                    "that blocks the upload; try another network")
    for e in chain:
        if (isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH)) or (
            _UNREACHABLE.search(_text(e))
        ):
            return failure("unreachable", f"{where} cannot be reached from this network (no route)")
    for e in chain:
        status = getattr(e, "code", None) or getattr(e, "status", None)
        if isinstance(status, int) and 100 <= status <= 599:
            known = classify_status(status, _headers(e))
            if known is not None:
                return NetFailure(known.kind, known.message, detail, status)
            return failure("http", f"{where} answered HTTP {status}", status)
    return failure("other", f"the connection to {where} failed ({type(error).__name__})")


def classify_status(status: int, headers: Mapping[str, str] | None = None) -> NetFailure | None:
    """Say whether an HTTP status came from something in the way rather than the server.

    A 407 is always the proxy's. A 403 or 451 carrying a proxy's headers
    (``Via``, ``X-Squid-Error``, ``Proxy-Agent`` ...) is a block page. Returns
    ``None`` for statuses that are the server's own answer, which the
    caller explains in its own terms (an expired presigned URL, a full bucket).
    """
    lower = {k.lower(): v for k, v in (headers or {}).items()}
    if status == 407:
        return NetFailure("proxy-auth", "the proxy asks for a user name and password (HTTP 407): set them "
                          "in HTTPS_PROXY (http://user:password@proxy:port) or ask IT", "", 407)
    proxied = any(h in lower for h in ("via", "x-squid-error", "proxy-agent", "x-bluecoat-via",
                                       "x-zscaler-request-id", "x-cache"))
    if status in (403, 451) and proxied:
        return NetFailure("blocked", f"a proxy or firewall blocked the request (HTTP {status})", "", status)
    return None


def _tls(code: int | None, message: str, where: str, issuer: str | None, detail: str) -> NetFailure:
    if issuer and _INSPECTION_ISSUERS.search(issuer):
        return NetFailure(
            "tls-inspection",
            f"the certificate for {where} was issued by {issuer}, a TLS-inspection product: "
            "install its root certificate where Python finds it (SSL_CERT_FILE) or ask IT to exempt "
            "this host",
            detail,
        )
    if code in _UNTRUSTED_ISSUER_CODES:
        return NetFailure(
            "tls-inspection",
            f"the certificate for {where} is signed by an authority this machine does not trust "
            f"({message}): TLS inspection by a company proxy or antivirus is suspected; point "
            "SSL_CERT_FILE at its root certificate or ask IT",
            detail,
        )
    return NetFailure(
        "tls-verify",
        f"the certificate for {where} could not be verified ({message}): the connection was not used",
        detail,
    )


def _verify_code(text: str) -> int | None:
    if "self-signed certificate in certificate chain" in text or "self signed certificate in" in text:
        return 19
    if "unable to get local issuer" in text:
        return 20
    return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, its causes and contexts, and exceptions held in ``args`` or ``reason`` (urllib3)."""
    seen: set[int] = set()
    todo: list[BaseException] = [error]
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        nested = [e.__cause__, e.__context__, getattr(e, "reason", None), *getattr(e, "args", ())]
        todo.extend(n for n in nested if isinstance(n, BaseException))


def _text(e: BaseException) -> str:
    try:
        return str(e)
    except Exception:
        return type(e).__name__


def _is_proxyish(e: BaseException) -> bool:
    """A 407 in a message counts only where a proxy or tunnel speaks, not in any text."""
    text = _text(e).lower()
    return "proxy" in type(e).__name__.lower() or "tunnel" in text or "proxy" in text


def _headers(e: BaseException) -> Mapping[str, str]:
    headers = getattr(e, "headers", None) or getattr(e, "hdrs", None)
    try:
        return dict(headers.items()) if headers is not None else {}
    except Exception:
        return {}
