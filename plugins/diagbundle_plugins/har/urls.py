"""URLs, wherever they appear: query values, fragments, path tokens, passwords.

The URL is split by hand rather than with ``urllib.parse.urlunsplit`` so that
everything not scrubbed comes back byte for byte (no re-encoding, no
normalisation): support sees the same URL minus its secrets. Hosts are kept.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, unquote_plus

from diagbundle_plugins.har.entropy import is_plain_word, looks_like_token
from diagbundle_plugins.har.names import SENSITIVE_PATH_WORDS, is_secret_name

if TYPE_CHECKING:
    from diagbundle_plugins.har.scrubber import Scrubber

_SCHEME_AUTHORITY = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*:)?(//[^/?#]*)?")
_SAFE = "<>-_.~!$'()*,;:@/"


def sanitize_url(url: str, scrub: Scrubber) -> str:
    """Scrub one absolute or relative URL (``:path`` values included)."""
    base, hash_mark, fragment = url.partition("#")
    base, qmark, query = base.partition("?")
    m = _SCHEME_AUTHORITY.match(base)  # every part is optional: it always matches
    assert m is not None
    scheme, authority, path = m.group(1) or "", m.group(2) or "", base[m.end():]
    if "@" in authority:
        authority = _authority(authority, scrub)
    out = scheme + authority + sanitize_path(path, scrub)
    if qmark:
        out += "?" + sanitize_query(query, scrub, "har-query")
    if hash_mark:
        out += "#" + _fragment(fragment, scrub)
    return out


def _authority(authority: str, scrub: Scrubber) -> str:
    userinfo, _, host = authority[2:].rpartition("@")
    user, colon, password = userinfo.partition(":")
    user = _reencode(user, scrub.redact(unquote(user)))
    if colon and password:
        password = quote(scrub.secret(unquote(password), "har-url-password"), safe="<>-")
    return f"//{user}{colon}{password}@{host}"


def _fragment(fragment: str, scrub: Scrubber) -> str:
    """``#access_token=...`` is a query; ``#/route?x=1`` a route with one; else a path."""
    route, qmark, query = fragment.partition("?")
    if qmark:
        return sanitize_path(route, scrub) + "?" + sanitize_query(query, scrub, "har-url-fragment")
    if "=" in fragment:
        return sanitize_query(fragment, scrub, "har-url-fragment")
    return sanitize_path(fragment, scrub)


def sanitize_path(path: str, scrub: Scrubber) -> str:
    """Replace credential-looking segments: tokens, and what follows ``/reset/`` & co."""
    if not path:
        return path
    segments = path.split("/")
    previous = ""
    for i, segment in enumerate(segments):
        if not segment:
            continue
        name, semi, params = segment.partition(";")
        decoded = unquote(name)
        if (previous in SENSITIVE_PATH_WORDS and not is_plain_word(decoded)
                and decoded.lower() not in SENSITIVE_PATH_WORDS) or looks_like_token(decoded):
            new = quote(scrub.secret(decoded, "har-url-path"), safe="<>-")
        else:
            new = _reencode(name, scrub.redact(decoded))
        if semi:  # matrix parameters: /app;jsessionid=...
            new += ";" + sanitize_query(params, scrub, "har-url-path", sep=";")
        segments[i] = new
        previous = decoded.lower()
    return "/".join(segments)


def sanitize_query(query: str, scrub: Scrubber, kind: str, sep: str = "&") -> str:
    """Scrub ``a=1&b=2`` (a query, a form body or a fragment), keeping its encoding."""
    if not query:
        return query
    pairs = query.split(sep)
    for i, pair in enumerate(pairs):
        raw_name, eq, raw_value = pair.partition("=")
        name = unquote_plus(raw_name)
        if not eq:
            # A bare value (``?abc``) is judged by itself.
            value = unquote_plus(raw_name)
            new = scrub.value(value, kind)
            pairs[i] = raw_name if new == value else quote(new, safe=_SAFE)
            continue
        value = unquote_plus(raw_value)
        if is_secret_name(name) and value:
            new_value = quote(scrub.secret(value, kind), safe="<>-")
        else:
            cleaned = scrub.value(value, kind)
            new_value = raw_value if cleaned == value else quote(cleaned, safe=_SAFE)
        new_name = _reencode(raw_name, scrub.redact(name))
        pairs[i] = f"{new_name}={new_value}"
    return sep.join(pairs)


def _reencode(raw: str, cleaned_decoded: str) -> str:
    """Keep the original spelling unless redaction changed the decoded text."""
    if cleaned_decoded == unquote(raw) or cleaned_decoded == unquote_plus(raw):
        return raw
    return quote(cleaned_decoded, safe=_SAFE)
