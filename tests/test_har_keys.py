"""The HAR decides "a key that names a credential" as the text and JSON layers do.

One definition (the structure layer's key classes, ``diagbundle.credential_key``)
for headers, query and form parameters and JSON keys in a HAR; on top of it only
the HAR's decisions by place: ``state`` and ``code`` in URLs are credentials, a
``code`` in a JSON error object is evidence.
"""

from __future__ import annotations

import json

import pytest
from diagbundle_plugins.har.names import is_secret_name
from har_helpers import entry, har, sanitize_bytes

from diagbundle import credential_key

NAMES = ["password", "X-Api-Key", "Ocp-Apim-Subscription-Key", "clientSecret", "csrfmiddlewaretoken",
         "connect.sid", "session", "authKey", "X-Auth-Token", "primaryKey", "monkey", "keyboard",
         "max_tokens", "token_type", "author", "www-authenticate", "content-security-policy", "countryCode",
         "sessions", "password_policy", "Accept", "x-request-id"]


@pytest.mark.parametrize("name", NAMES)
def test_har_names_are_the_key_classes(name: str) -> None:
    assert is_secret_name(name) == (credential_key(name) is not None)


def test_a_later_strong_word_wins_over_auth() -> None:
    assert credential_key("X-Auth-Token") == "strong"
    assert credential_key("x-auth") == "weak"


def _clean(**kw: object) -> dict:
    out, _, _ = sanitize_bytes(har(entry(**kw)))  # type: ignore[arg-type]
    return json.loads(out)["log"]["entries"][0]


def test_header_named_by_the_key_classes_is_replaced() -> None:
    clean = _clean(req_headers=[{"name": "Ocp-Apim-Subscription-Key", "value": "plainwordvalue"},
                                {"name": "X-Monkey", "value": "banana"}])
    values = {h["name"]: h["value"] for h in clean["request"]["headers"]}
    assert values["Ocp-Apim-Subscription-Key"].startswith("<secret-")
    assert values["X-Monkey"] == "banana"


def test_places_decide_code_and_state() -> None:
    error = {"error": {"message": "No such model", "code": "model_not_found"}, "state": "RUNNING"}
    clean = _clean(url="https://app.example.com/cb?code=Q1w2E3r4&state=plainword",
                   content={"size": 1, "mimeType": "application/json", "text": json.dumps(error)})
    assert "Q1w2E3r4" not in clean["request"]["url"] and "plainword" not in clean["request"]["url"]
    body = json.loads(clean["response"]["content"]["text"])
    assert body == error  # an error code and a job state are evidence in JSON
