"""Secrets behind JSON escapes, and the shape of the output the core's pass reads.

The global redactor matches text as it is written. JSON can spell any
character as ``\\uXXXX`` (``\\u0041KIA...`` is ``AKIA...``), and an escaped
quote or control character before a token hides the token's start from
rules that need a boundary there. The sanitizer must never hand such a
spelling on: bodies with escapes are written again by ``json.dumps``, which
spells every printable ASCII character as itself, and strings that still
need escapes are redacted decoded.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from har_helpers import entry, har, sanitize_bytes

from diagbundle.testing import build_bundle

AWS = "AKIAZ7FAKEKEY2EXAMPL"
GH = "ghp_" + "a1B2c3D4e5F6g7H8i9J0" + "k1L2m3N4o5P6q7R8"
EMAIL = "carol.secret@example.org"

#: A \\uXXXX escape of a letter or digit (what would hide a key from a pattern).
_ALNUM_ESCAPE = re.compile(r"\\u00(?:3[0-9]|4[1-9a-fA-F]|5[0-9aA]|6[1-9a-fA-F]|7[0-9aA])")


def _escaped_first(value: str) -> str:
    return f"\\u{ord(value[0]):04x}{value[1:]}"


BODIES = {
    "escaped first letter": f'{{"note": "{_escaped_first(AWS)}", "x": 1}}',
    "escaped key": f'{{"{_escaped_first(AWS)}": 1}}',
    "after an escaped quote": f'{{"note": "said \\"{GH}\\" twice"}}',
    "after a control escape": f'{{"note": "a\\u0001{GH}"}}',
    "escaped email": '{{"who": "{}"}}'.format(_escaped_first(EMAIL).replace("@", "\\u0040")),
    "escaped slashes": f'{{"u": "https:\\/\\/svc.example.com\\/x?token={AWS}"}}',
    "nested and escaped": f'{{"payload": "{{\\"k\\": \\"{_escaped_first(AWS)}\\"}}"}}',
}


def _bundle_text(tmp_path: Path, har_bytes: bytes) -> str:
    source = tmp_path / "in.har"
    source.write_bytes(har_bytes)
    bundle = build_bundle(tmp_path, only=["har"], har=[str(source)])
    return bundle.text("har/in.har")


def _decoded_everywhere(text: str) -> str:
    """The output, its strings decoded, and every string that is JSON decoded again."""
    views = [text]

    def walk(value: Any) -> None:
        if isinstance(value, str):
            views.append(value)
            if value[:1] in "[{":
                with contextlib.suppress(ValueError):
                    walk(json.loads(value))
        elif isinstance(value, dict):
            for key, item in value.items():
                views.append(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads(text))
    return "\n".join(views)


@pytest.mark.parametrize("name", sorted(BODIES))
def test_secrets_behind_escapes_never_reach_the_bundle(tmp_path: Path, name: str) -> None:
    body = BODIES[name]
    assert json.loads(body)  # the case is valid JSON
    content = {"size": len(body), "mimeType": "application/json", "text": body}
    post = {"mimeType": "application/json", "text": body}
    text = _bundle_text(tmp_path, har(entry(content=content, post=post)))
    decoded = _decoded_everywhere(text)
    for secret in (AWS, GH, EMAIL):
        assert secret not in decoded
    assert _ALNUM_ESCAPE.search(text) is None


def test_base64_bodies_with_escapes_are_scrubbed_too(tmp_path: Path) -> None:
    body = BODIES["escaped first letter"]
    content = {"size": len(body), "mimeType": "application/json", "encoding": "base64",
               "text": base64.b64encode(body.encode()).decode()}
    text = _bundle_text(tmp_path, har(entry(content=content)))
    encoded = json.loads(text)["log"]["entries"][0]["response"]["content"]["text"]
    assert AWS not in base64.b64decode(encoded).decode()


def test_the_output_never_escapes_a_letter_or_digit() -> None:
    """Escapes in the input (headers, URLs, bodies) come out spelled as themselves."""
    heads = [{"name": "X-Note", "value": "abc"}]
    raw = har(entry("https://example.com/a?q=1", req_headers=heads,
                    content={"size": 1, "mimeType": "application/json", "text": '{"a": "b\\"c"}'}))
    escaped = raw.replace(b'"abc"', b'"\\u0061\\u0062c"').replace(b"/a?q", b"/\\u0061?q")
    assert escaped != raw and json.loads(escaped) == json.loads(raw)
    out, _, _ = sanitize_bytes(escaped)
    text = out.decode()
    assert _ALNUM_ESCAPE.search(text) is None
    parsed = json.loads(text)["log"]["entries"][0]
    assert parsed["request"]["headers"][0]["value"] == "abc"
    assert parsed["request"]["url"] == "https://example.com/a?q=1"


def test_jwt_claims_in_json_bodies_survive_the_default_redactor(tmp_path: Path) -> None:
    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    token = ".".join([part({"alg": "RS256", "typ": "JWT"}),
                      part({"sub": "user-42", "exp": 1700003600, "aud": "api", "jti": "JTISECRET"}),
                      "SIGNATUREPART123456"])
    body = json.dumps({"id_token": token, "access_token": token})
    text = _bundle_text(tmp_path, har(entry(content={"size": 1, "mimeType": "application/json",
                                                     "text": body})))
    inner = json.loads(json.loads(text)["log"]["entries"][0]["response"]["content"]["text"])
    for key in ("id_token", "access_token"):
        _header, payload, signature = inner[key].split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        assert signature == "" and claims["exp"] == 1700003600 and claims["aud"] == "api"
        assert claims["sub"].startswith("<jwt-sub-") and "jti" not in claims
    assert "SIGNATUREPART123456" not in text and "user-42" not in _decoded_everywhere(text)
