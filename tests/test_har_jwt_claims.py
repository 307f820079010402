"""Defanged JWTs keep their harmless claims through the whole bundle, real ones never survive.

The HAR sanitizer drops a JWT's signature and keeps ``alg``/``typ`` and the
``exp``/``iat``/``nbf``/``iss``/``aud`` claims; the core's global pass then
runs over its output. That pass must recognise such a token as already
defanged (and leave it) while still replacing every token that could be a
real one: signed, carrying a real identity, or any other claim.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from diagbundle_plugins.har.jwt import DEFANGED_JWT
from diagbundle_plugins.har.jwt import is_defanged as defanged_jwt
from har_helpers import entry, har, har_redactor

from diagbundle import PluginManager, Redactor
from diagbundle.redaction.config import build_redactor
from diagbundle.testing import build_bundle

SIGNATURE = "c2lnbmF0dXJlLXBhcnQtMTIzNDU2Nzg5MA"


def _part(obj: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).rstrip(b"=").decode()


def _claims(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (json.loads(base64.urlsafe_b64decode(pad(header))),
            json.loads(base64.urlsafe_b64decode(pad(payload))), signature)


HEADER = {"alg": "RS256", "typ": "JWT"}
HARMLESS = {"exp": 1700003600, "iat": 1700000000, "iss": "https://auth.example.com",
            "aud": ["api", "https://api.example.com"], "sub": "<jwt-sub-1>", "email": "<email-2>"}


def test_a_defanged_token_is_recognised() -> None:
    assert defanged_jwt(f"{_part(HEADER)}.{_part(HARMLESS)}.")


@pytest.mark.parametrize("header, payload, signature", [
    (HEADER, HARMLESS, SIGNATURE),  # signed: a real token
    (HEADER, {**HARMLESS, "sub": "user-42"}, ""),  # a real subject
    (HEADER, {**HARMLESS, "email": "bob@example.com"}, ""),
    (HEADER, {**HARMLESS, "scope": "admin"}, ""),  # any other claim
    (HEADER, {**HARMLESS, "aud": "https://u:pw@api.example.com"}, ""),
    (HEADER, {**HARMLESS, "iss": "https://auth.example.com/?key=abc"}, ""),
    (HEADER, {**HARMLESS, "aud": "ghp_" + "A1b2C3d4" * 5}, ""),  # a long random run
    (HEADER, {**HARMLESS, "exp": "1700003600"}, ""),
    ({**HEADER, "kid": "key-1"}, HARMLESS, ""),  # a header field beyond alg/typ/cty
    ({"alg": "RS256 x"}, HARMLESS, ""),
])
def test_anything_else_is_still_redacted(header: dict[str, Any], payload: dict[str, Any],
                                         signature: str) -> None:
    token = f"{_part(header)}.{_part(payload)}.{signature}"
    assert not defanged_jwt(token)
    redactor = har_redactor(key=b"j" * 32, username=False, hostname=False)
    for text, mode in ((f"token {token} seen", False), (f"Authorization: Bearer {token}", False),
                       (f"Bearer {token}", False), (json.dumps({"id_token": token}), True)):
        assert token.split(".")[1] not in redactor.redact(text, json=mode)


def test_claims_survive_the_full_bundle_and_secrets_do_not(tmp_path: Path) -> None:
    token = ".".join([_part({"alg": "RS256", "typ": "JWT", "kid": "KIDSECRET"}),
                      _part({"sub": "user-42", "email": "bob@example.com", "exp": 1700003600,
                             "iat": 1700000000, "iss": "https://auth.example.com", "aud": "api",
                             "scope": "admin", "nonce": "NONCE1"}), SIGNATURE])
    heads = [{"name": "Authorization", "value": f"Bearer {token}"}]
    source = tmp_path / "in.har"
    source.write_bytes(har(entry(req_headers=heads)))
    bundle = build_bundle(tmp_path, only=["har"], har=[str(source)])
    text = bundle.text("har/in.har")
    value = json.loads(text)["log"]["entries"][0]["request"]["headers"][0]["value"]
    scheme, defanged = value.split(" ")
    header, claims, signature = _claims(defanged)
    assert scheme == "Bearer" and signature == "" and header == {"alg": "RS256", "typ": "JWT"}
    assert claims["exp"] == 1700003600 and claims["iss"] == "https://auth.example.com"
    assert claims["aud"] == "api" and claims["sub"].startswith("<jwt-sub-")
    assert claims["email"].startswith("<email-")
    for secret in ("KIDSECRET", "user-42", "bob@example.com", "NONCE1", "admin", SIGNATURE):
        assert secret not in text and secret not in base64.urlsafe_b64decode(
            defanged.split(".")[1] + "==").decode()


@pytest.mark.parametrize("secret", [
    "AKIAIOSFODNN7EXAMPLE",
    "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "glpat-abcdefghij1234567890",
    "sk-proj-abcdefghijklmnopqrstuvwxyz0123",
])
@pytest.mark.parametrize("claim", ["iss", "aud"])
def test_a_secret_hidden_in_iss_or_aud_is_not_taken_for_defanged(secret: str, claim: str) -> None:
    # Inside the token the claim is base64: no text rule sees it, so the check must.
    token = f"{_part(HEADER)}.{_part({'exp': 1700003600, claim: secret})}."
    assert not defanged_jwt(token)
    out = har_redactor().redact(f"token {token} end")
    assert token not in out and "[REDACTED:jwt]" in out


def test_the_core_alone_trusts_no_jwt_and_the_plugin_registers_its_trust() -> None:
    token = f"{_part(HEADER)}.{_part(HARMLESS)}."
    texts = [(f"token {token} seen", False), (f"Authorization: Bearer {token}", False),
             (json.dumps({"id_token": token}), True), (f"GET /cb?x=1&id_token={token}&y=2", False)]
    core = Redactor(key=b"j" * 32, username=False, hostname=False)
    for text, mode in texts:
        assert token not in core.redact(text, json=mode)
    manager = PluginManager(autoload=False)
    manager.gather()
    assert DEFANGED_JWT in manager.rules
    trusted = build_redactor(manager.rules, [])
    for text, mode in texts:
        assert token in trusted.redact(text, json=mode)
    # Trust covers the token only: a secret that merely contains it is still redacted.
    assert token not in trusted.redact(f"token={token}SIGNATURE")
