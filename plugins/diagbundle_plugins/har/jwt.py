"""JSON Web Tokens: keep what helps support, drop what grants access.

A JWT's signature is what makes it usable, so it is always dropped. The
header keeps ``alg``/``typ``/``cty``; the payload keeps the harmless claims
(``exp``, ``iat``, ``nbf``, ``iss``, ``aud``) so support can still see that a
token had expired or was issued for the wrong audience. ``sub``, ``email``
and ``name`` become bundle-wide pseudonyms (the same user keeps the same tag);
every other claim is dropped. The result is an unsecured JWT (empty
signature) that no server will accept.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from diagbundle_plugins.har.scrubber import Scrubber

#: A JWS in compact form: three base64url parts, the first two JSON objects.
JWT_PATTERN = re.compile(
    r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){0,2}"
)
_WHOLE = re.compile(JWT_PATTERN.pattern[2:])

KEEP_HEADER = ("alg", "typ", "cty")
KEEP_CLAIMS = ("iss", "aud", "exp", "iat", "nbf")
TIME_CLAIMS = frozenset({"exp", "iat", "nbf"})
PSEUDONYM_CLAIMS = {"sub": "jwt-sub", "email": "email", "name": "name"}


def is_jwt(value: str) -> bool:
    """True when the whole value is a compact JWT."""
    return value.startswith("eyJ") and _WHOLE.fullmatch(value) is not None


def _decode(part: str) -> dict[str, Any] | None:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _encode(obj: dict[str, Any]) -> str:
    raw = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def sanitize_jwt(token: str, scrub: Scrubber) -> str:
    """Return ``token`` without its signature and with its claims sanitized.

    A token whose parts do not decode (or a five-part JWE, whose payload is
    encrypted) becomes a plain pseudonym instead.
    """
    parts = token.split(".")
    header = _decode(parts[0]) if len(parts) == 3 else None
    payload = _decode(parts[1]) if header is not None else None
    if header is None or payload is None:
        return scrub.pseudonym(token)
    scrub.counts["har-jwt"] += 1
    new_header = {k: header[k] for k in KEEP_HEADER if isinstance(header.get(k), str)}
    new_payload: dict[str, Any] = {}
    for key, value in payload.items():
        if key in TIME_CLAIMS:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                new_payload[key] = value
        elif key in KEEP_CLAIMS:
            if isinstance(value, str):
                new_payload[key] = scrub.text(value)
            elif isinstance(value, list):
                new_payload[key] = [scrub.text(v) for v in value if isinstance(v, str)]
        elif key in PSEUDONYM_CLAIMS and isinstance(value, (str, int)):
            new_payload[key] = scrub.redactor.pseudonym(PSEUDONYM_CLAIMS[key], str(value))
    return f"{_encode(new_header)}.{_encode(new_payload)}."
