"""One HAR entry or page: requests, responses, headers, cookies, timings.

Every field HAR 1.2 defines has a rule here; anything else goes to the
generic walk. The output keeps the entry's shape (same keys, methods,
statuses, timings, sizes, hosts, paths and media types); missing or null
arrays that HAR requires (headers, cookies, queryString) come out as ``[]``
so the result is valid HAR whatever the input tolerated.
"""

from __future__ import annotations

import re
from typing import Any

from diagbundle import FormatError
from diagbundle_plugins.har import walk
from diagbundle_plugins.har.bodies import (
    sanitize_content,
    sanitize_post_data,
    sanitize_websocket,
)
from diagbundle_plugins.har.entropy import looks_like_token
from diagbundle_plugins.har.jwt import is_jwt
from diagbundle_plugins.har.names import (
    HIGH_ENTROPY_OK,
    TRACE_HEADERS,
    URL_HEADERS,
    is_secret_name,
    secret_param,
)
from diagbundle_plugins.har.ratelimit import is_rate_limit
from diagbundle_plugins.har.scrubber import Scrubber

#: Fields copied as they are: numbers, methods, versions, status codes, ids.
_PLAIN = frozenset({"startedDateTime", "time", "pageref", "method", "httpVersion", "headersSize",
                    "bodySize", "status", "id", "_transferSize", "_resourceType", "_priority",
                    "_fromCache", "_fromServiceWorker", "connection", "_connectionId",
                    "_workerStart", "_workerReady", "_workerFetchStart", "_workerRespondWithSettled"})
_COOKIE_ATTRIBUTES = frozenset({"path", "domain", "expires", "max-age", "samesite", "secure",
                                "httponly", "priority", "partitioned", "version"})


def sanitize_entry(entry: Any, scrub: Scrubber, index: int) -> dict[str, Any]:
    """Sanitize ``log.entries[index]``; a structure that is not an entry fails closed."""
    if not isinstance(entry, dict):
        raise FormatError(f"entry {index} is not an object")
    for part in ("request", "response"):
        if not isinstance(entry.get(part), dict):
            raise FormatError(f"entry {index} has no {part} object")
    out: dict[str, Any] = {}
    for key, value in entry.items():
        if key == "request":
            out[key] = _request(value, scrub)
        elif key == "response":
            out[key] = _response(value, scrub)
        elif key == "_webSocketMessages":
            out[key] = sanitize_websocket(value, scrub)
        else:
            _other_field(out, key, value, scrub)
    return out


def _other_field(out: dict[str, Any], key: str, value: Any, scrub: Scrubber) -> None:
    """A field with no rule of its own: a comment is dropped, a plain value kept, the rest walked."""
    if key == "comment":
        scrub.counts["har-comment"] += 1
    elif key in _PLAIN:
        out[key] = value
    else:
        out[key] = walk.sanitize_any(scrub, value)


def _request(request: dict[str, Any], scrub: Scrubber) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in request.items():
        if key == "url":
            out[key] = walk.sanitize_url(scrub, value) if isinstance(value, str) else ""
        elif key == "headers":
            out[key] = _headers(value, scrub)
        elif key == "cookies":
            out[key] = _cookies(value, scrub)
        elif key == "queryString":
            out[key] = _params(value, scrub)
        elif key == "postData":
            post = sanitize_post_data(value, scrub)
            if post is not None:
                out[key] = post
        else:
            _other_field(out, key, value, scrub)
    for key in ("headers", "cookies", "queryString"):
        out.setdefault(key, [])
    return out


def _response(response: dict[str, Any], scrub: Scrubber) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in response.items():
        if key == "redirectURL":
            out[key] = walk.sanitize_url(scrub, value) if isinstance(value, str) else ""
        elif key == "headers":
            out[key] = _headers(value, scrub)
        elif key == "cookies":
            out[key] = _cookies(value, scrub)
        elif key == "content":
            out[key] = sanitize_content(value, scrub, "response")
        else:
            _other_field(out, key, value, scrub)
    for key in ("headers", "cookies"):
        out.setdefault(key, [])
    return out


def _pairs(items: Any, what: str) -> list[Any]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise FormatError(f"{what} is not a list")
    return items


def _headers(items: Any, scrub: Scrubber) -> list[Any]:
    out: list[Any] = []
    for item in _pairs(items, "headers"):
        if not isinstance(item, dict):
            out.append(walk.sanitize_any(scrub, item))
            continue
        raw_name, raw_value = item.get("name"), item.get("value")
        name = raw_name if isinstance(raw_name, str) else ""
        value = "" if raw_value is None else str(raw_value)
        clean: dict[str, Any] = {}
        for key, field in item.items():
            if key == "name":
                clean[key] = field
            elif key == "value":
                clean[key] = scrub.memo((name.lower(), value), header_value, name, value, scrub)
            elif key == "comment":
                scrub.counts["har-comment"] += 1
            else:
                clean[key] = walk.sanitize_any(scrub, field)
        out.append(clean)
    return out


def header_value(name: str, value: str, scrub: Scrubber) -> str:
    """One header value, by header name (case-insensitive, HTTP/2 ``:path`` included)."""
    if not value:
        return value
    lower = name.lower()
    if lower == "cookie":
        return _cookie_header(value, scrub)
    if lower == "set-cookie":
        return "\n".join(", ".join(_set_cookie(cookie, scrub) for cookie in _JOINED_COOKIES.split(line))
                         for line in value.split("\n"))
    if lower == "sec-websocket-protocol":
        return _subprotocols(value, scrub)
    if lower in ("authorization", "proxy-authorization"):
        return _authorization(value, scrub)
    if lower == ":path":
        return walk.sanitize_url(scrub, value)
    if lower in TRACE_HEADERS:  # request and trace IDs are evidence: only the global rules apply
        return scrub.redact(value)
    if is_rate_limit(lower, value.strip()):
        return scrub.redact(value)  # counts and durations (``x-ratelimit-remaining-tokens: 39000``)
    if is_secret_name(lower):
        return walk.secret(scrub, value, "har-header")
    if lower == "refresh":  # ``5; url=/next?code=...``
        delay, sep, target = value.partition("=")
        return delay + sep + walk.sanitize_url(scrub, target) if sep else walk.free_text(scrub, value)
    if lower in URL_HEADERS:  # one URL rule wherever a URL is: any scheme, relative or absolute
        return walk.sanitize_url(scrub, value) if " " not in value.strip() else walk.free_text(scrub, value)
    if "://" in value:
        return walk.free_text(scrub, value)
    if lower not in HIGH_ENTROPY_OK and looks_like_token(value):
        return walk.secret(scrub, value, "har-header")
    return walk.free_text(scrub, value)


#: Where a ``Set-Cookie`` value joins two cookies with ``, `` (an ``Expires`` date's
#: comma is followed by a day number, never by ``name=``).
_JOINED_COOKIES = re.compile(r",\s*(?=[!#$%&'*+\-.^_`|~0-9A-Za-z]+=)")
#: A WebSocket subprotocol name (``chat.v2``, ``graphql-transport-ws``), not a token.
_SUBPROTOCOL = re.compile(r"[A-Za-z][A-Za-z0-9._-]{0,39}")


#: Subprotocol items that announce the credential in the next one (``Bearer, <token>``).
_AUTH_SCHEMES = frozenset({"bearer", "basic", "token", "auth", "authorization", "access_token", "jwt"})


def _subprotocols(value: str, scrub: Scrubber) -> str:
    """``chat.v2, <token>``: names stay; a token, or whatever follows ``Bearer``/``access_token``, goes."""
    items = [item.strip() for item in value.split(",")]
    out: list[str] = []
    for i, item in enumerate(items):
        announced = i > 0 and (items[i - 1].lower() in _AUTH_SCHEMES or is_secret_name(items[i - 1]))
        if announced and item:
            out.append(walk.secret(scrub, item, "har-header"))
        else:  # the scheme word itself (``Bearer``, ``access_token``) is a name
            out.append(item if item.lower() in _AUTH_SCHEMES else _subprotocol(item, scrub))
    return ", ".join(out)


def _subprotocol(item: str, scrub: Scrubber) -> str:
    """One ``Sec-WebSocket-Protocol`` item: a protocol name stays, a token smuggled in goes."""
    if _SUBPROTOCOL.fullmatch(item) and not looks_like_token(item) and not is_secret_name(item):
        return item
    return walk.secret(scrub, item, "har-header")


def _authorization(value: str, scrub: Scrubber) -> str:
    """``Bearer <token>``: the scheme stays, the credential goes (a JWT is defanged)."""
    scheme, space, credential = value.strip().partition(" ")
    if not space:
        return walk.secret(scrub, value, "har-auth")
    credential = credential.strip()
    scrub.counts["har-auth"] += 1
    if is_jwt(credential):
        return f"{scheme} {walk.sanitize_jwt(scrub, credential)}"
    if "=" in credential and "," in credential:  # Digest / AWS4: key=value, key=value
        return f"{scheme} {', '.join(_auth_param(part.strip(), scrub) for part in credential.split(','))}"
    return f"{scheme} {scrub.pseudonym(credential)}"


#: Digest and AWS Signature v4 parameters that describe the scheme rather than prove anything.
_AUTH_PARAMS_KEPT = frozenset({"realm", "algorithm", "qop", "nc", "stale", "userhash", "charset",
                               "signedheaders", "credential_scope"})


def _auth_param(part: str, scrub: Scrubber) -> str:
    """One ``key=value`` or ``key="value"`` of a Digest / AWS4 credential.

    Usernames, nonces, responses and signatures become pseudonyms (of the
    value without its quotes, so the same user links up elsewhere); the
    ``uri`` is a URL like any other; an AWS ``Credential`` keeps its scope
    (date, region, service) but not its key ID. Anything unknown is
    pseudonymized too.
    """
    key, eq, raw = part.partition("=")
    if not eq:
        return scrub.pseudonym(part)
    quote = '"' if len(raw) >= 2 and raw[0] == raw[-1] == '"' else ""
    value = raw[1:-1] if quote else raw
    name = key.strip().lower()
    if name in _AUTH_PARAMS_KEPT:
        clean = walk.free_text(scrub, value)
    elif name == "uri":
        clean = walk.sanitize_url(scrub, value)
    elif name == "credential" and "/" in value:
        key_id, _, scope = value.partition("/")
        clean = f"{scrub.pseudonym(key_id)}/{walk.free_text(scrub, scope)}"
    else:
        clean = scrub.pseudonym(value) if value else value
    return f"{key}={quote}{clean}{quote}"


def _cookie_header(value: str, scrub: Scrubber) -> str:
    """``a=1; b=2``: every value replaced, names kept."""
    parts = []
    for part in value.split(";"):
        name, eq, cookie = part.partition("=")
        if eq:
            parts.append(f"{name}={walk.secret(scrub, cookie.strip(), 'har-cookie')}")
        else:
            parts.append(walk.secret(scrub, part.strip(), "har-cookie") if part.strip() else part)
    return ";".join(parts)


def _set_cookie(line: str, scrub: Scrubber) -> str:
    """``name=value; Path=/; HttpOnly``: the value replaced, known attributes kept."""
    first, *attributes = line.split(";")
    name, eq, cookie = first.partition("=")
    parts = [f"{name}={walk.secret(scrub, cookie.strip(), 'har-cookie')}" if eq
             else walk.secret(scrub, first.strip(), "har-cookie")]
    for attribute in attributes:
        key = attribute.split("=", 1)[0].strip().lower()
        parts.append(attribute if key in _COOKIE_ATTRIBUTES else walk.free_text(scrub, attribute))
    return ";".join(parts)


def _cookies(items: Any, scrub: Scrubber) -> list[Any]:
    out: list[Any] = []
    for item in _pairs(items, "cookies"):
        if not isinstance(item, dict):
            out.append(walk.sanitize_any(scrub, item, is_secret=True))
            continue
        clean: dict[str, Any] = {}
        for key, value in item.items():
            if key == "value":
                clean[key] = walk.secret(scrub, value, "har-cookie") if isinstance(value, str) else ""
            elif key == "name" and isinstance(value, str):
                clean[key] = value
            elif key == "comment":
                scrub.counts["har-comment"] += 1
            elif key in ("path", "domain", "expires", "httpOnly", "secure", "sameSite", "priority",
                         "size", "session", "sameParty", "partitionKey"):
                clean[key] = value if not isinstance(value, str) else scrub.redact(value)
            else:
                clean[key] = walk.sanitize_any(scrub, value)
        out.append(clean)
    return out


def _params(items: Any, scrub: Scrubber) -> list[Any]:
    """``queryString``: the same rules as the query in ``request.url``."""
    out: list[Any] = []
    for item in _pairs(items, "queryString"):
        if not isinstance(item, dict):
            out.append(walk.sanitize_any(scrub, item))
            continue
        name = item.get("name")
        clean: dict[str, Any] = {}
        for key, value in item.items():
            if key == "value":
                value = "" if value is None else str(value)
                secret = isinstance(name, str) and bool(value) and secret_param(name)
                clean[key] = walk.secret(scrub, value, "har-query") if secret else walk.value(scrub, value,
                                                                                        "har-query")
            elif key == "name" and isinstance(value, str):
                clean[key] = scrub.redact(value)
            elif key == "comment":
                scrub.counts["har-comment"] += 1
            else:
                clean[key] = walk.sanitize_any(scrub, value)
        out.append(clean)
    return out


def sanitize_page(page: Any, scrub: Scrubber, index: int) -> dict[str, Any]:
    """``log.pages[index]``: the title may be a URL (Chrome writes one there)."""
    if not isinstance(page, dict):
        raise FormatError(f"page {index} is not an object")
    out: dict[str, Any] = {}
    for key, value in page.items():
        if key == "title" and isinstance(value, str):
            out[key] = walk.free_text(scrub, value) if "://" in value else sanitize_title(value, scrub)
        elif key == "comment":
            scrub.counts["har-comment"] += 1
        elif key in ("id", "startedDateTime"):
            out[key] = value
        else:
            out[key] = walk.sanitize_any(scrub, value)
    return out


def sanitize_title(title: str, scrub: Scrubber) -> str:
    """A page title that is a bare path (``/reset/<token>``) is scrubbed like one."""
    if title.startswith("/"):
        return walk.sanitize_url(scrub, title)
    return walk.free_text(scrub, title)
