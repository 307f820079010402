"""JSON Web Tokens: keep what helps support, drop what grants access.

A JWT's signature is what makes it usable, so it is always dropped. The
header keeps ``alg``/``typ``/``cty``; the payload keeps the harmless claims
(``exp``, ``iat``, ``nbf``, ``iss``, ``aud``) so support can still see that a
token had expired or was issued for the wrong audience. ``sub``, ``email``
and ``name`` become bundle-wide pseudonyms (the same user keeps the same tag);
every other claim is dropped. The result is an unsecured JWT (empty
signature) that no server will accept.

The same policy, read the other way, is :func:`is_defanged`: the plugin
registers it as a ``keep`` rule (:data:`DEFANGED_JWT`), so the bundle's text
pass leaves the tokens this plugin wrote alone and redacts every other JWT.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections.abc import Callable
from typing import Any

from diagbundle import Redactor, Rule

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


def defang(token: str, claim_text: Callable[[str], str], identity: Callable[[str, str], str]) -> str | None:
    """``token`` without its signature and with its claims sanitized; None if it does not decode.

    ``claim_text`` scrubs a kept ``iss``/``aud`` like any free text;
    ``identity(kind, value)`` gives a person's pseudonym. A five-part JWE
    (its payload is encrypted) does not decode either.
    """
    parts = token.split(".")
    header = _decode(parts[0]) if len(parts) == 3 else None
    payload = _decode(parts[1]) if header is not None else None
    if header is None or payload is None:
        return None
    new_header = {k: header[k] for k in KEEP_HEADER if isinstance(header.get(k), str)}
    new_payload: dict[str, Any] = {}
    for key, value in payload.items():
        if key in TIME_CLAIMS:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                new_payload[key] = value
        elif key in KEEP_CLAIMS:
            if isinstance(value, str):
                new_payload[key] = claim_text(value)
            elif isinstance(value, list):
                new_payload[key] = [claim_text(v) for v in value if isinstance(v, str)]
        elif key in PSEUDONYM_CLAIMS and isinstance(value, (str, int)):
            new_payload[key] = identity(PSEUDONYM_CLAIMS[key], str(value))
    return f"{_encode(new_header)}.{_encode(new_payload)}."


# -- the trust this plugin registers --------------------------------------------------

_UNSIGNED = re.compile(r"(eyJ[A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.")
_HEADER_VALUE = re.compile(r"[A-Za-z0-9+./-]{1,32}")
#: An issuer or audience: a URL without credentials, query or fragment, or a
#: plain identifier; no run of letters and digits long enough to be a key.
_PLAIN_CLAIM = re.compile(r"[A-Za-z0-9._~:/-]{1,256}")
_LONG_RUN = re.compile(r"[A-Za-z0-9]{40}")
#: A pseudonym as the redactor writes one (``<email-3>``).
_PSEUDONYM = re.compile(r"<[a-z0-9_]+(?:-[a-z0-9_]+)*-[0-9]+>")


@functools.cache
def _secret_checker() -> Redactor:
    """The built-in secret rules alone: what a kept claim must not contain."""
    return Redactor(pii=(), username=False, hostname=False, engine="python")


@functools.lru_cache(maxsize=4096)
def _plain_claim_text(value: str) -> bool:
    """A claim safe to keep: plain, and no built-in secret rule matches it.

    The claim sits base64-encoded inside the token, where no text rule sees
    it, so it is checked here (an AWS key ID or a Slack token as an audience
    would otherwise ride through). Cached, as every token of a site has the
    same issuer.
    """
    return (_PLAIN_CLAIM.fullmatch(value) is not None
            and _LONG_RUN.search(value) is None
            and _secret_checker().redact(value) == value)


def _plain_claim(value: object) -> bool:
    return isinstance(value, str) and _plain_claim_text(value)


@functools.lru_cache(maxsize=1024)
def is_defanged(value: str) -> bool:
    """A JWT exactly as :func:`defang` writes one: nothing left to hide.

    Its signature is empty, so no server that checks signatures takes it; its
    header holds only ``alg``/``typ``/``cty``; its payload only times, a
    plain ``iss``/``aud`` (no credentials, query, or long random run) and
    ``sub``/``email``/``name`` that are already pseudonyms. Every claim is
    checked, not trusted: a token with any other claim, a real identity or a
    signature is still redacted. Cached (a pure function of the token): a
    line is decided again when a replacement changed it.
    """
    m = _UNSIGNED.fullmatch(value)
    if m is None:
        return False
    header, payload = _decode(m.group(1)), _decode(m.group(2))
    if header is None or payload is None:
        return False
    if any(k not in KEEP_HEADER or not isinstance(v, str) or not _HEADER_VALUE.fullmatch(v)
           for k, v in header.items()):
        return False
    for key, claim in payload.items():
        if key in TIME_CLAIMS:
            ok = isinstance(claim, (int, float)) and not isinstance(claim, bool)
        elif key in PSEUDONYM_CLAIMS:
            ok = isinstance(claim, str) and _PSEUDONYM.fullmatch(claim) is not None
        elif key == "iss":
            ok = _plain_claim(claim)
        elif key == "aud":
            ok = _plain_claim(claim) or (isinstance(claim, list) and len(claim) <= 16
                                         and all(_plain_claim(a) for a in claim))
        else:
            ok = False
        if not ok:
            return False
    return True


#: Registered through ``diagbundle_register_redaction_rules``: the text pass
#: keeps a JWT this plugin defanged (and only such a JWT).
DEFANGED_JWT = Rule(
    "har-defanged-jwt", r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.(?![A-Za-z0-9_.-])",
    kind="keep", validate=is_defanged, trigger="eyj",
)
