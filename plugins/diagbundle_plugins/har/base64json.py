"""JSON written as base64 inside a JSON string: redux-persist blobs, state cookies, ``data`` fields.

``"eyJhY2Nlc3NUb2tlbiI6..."`` is ``{"accessToken": ...`` in base64 (every
JSON object starting with ``{"`` encodes to ``eyJ``), and no text rule sees
through it. Such a string is decoded, walked as JSON, and encoded again in
the same alphabet (standard or URL-safe, with or without padding) when the
walk changed it; anything that does not decode to a JSON object or array
stays as it was, for the other rules to judge.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

_B64 = re.compile(r"eyJ[A-Za-z0-9+/_-]{13,}={0,2}")


def decode(text: str) -> str | None:
    """The JSON document ``text`` encodes, or None (not base64, not UTF-8, not an object/array)."""
    if _B64.fullmatch(text) is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4))
        decoded = raw.decode("utf-8")
        json.loads(decoded)
    except (binascii.Error, ValueError):
        return None
    return decoded


def encode_like(original: str, document: str) -> str:
    """``document`` in base64, written in ``original``'s alphabet and padding."""
    raw = document.encode("utf-8")
    url_safe = "-" in original or "_" in original
    out = (base64.urlsafe_b64encode(raw) if url_safe else base64.b64encode(raw)).decode("ascii")
    return out if original.endswith("=") else out.rstrip("=")
