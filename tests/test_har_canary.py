"""The canary HAR: 27 planted secrets plus base64 and JWT ones; none may survive."""

from __future__ import annotations

import json
from typing import Any

from har_helpers import CANARY, all_canaries, decoded_views, leaks, sanitize_bytes

from diagbundle import Redactor


def _walk_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _walk_strings(v)] + list(value)
    if isinstance(value, list):
        return [s for v in value for s in _walk_strings(v)]
    return []


def test_the_canaries_are_really_in_the_input() -> None:
    raw = CANARY.read_text()
    assert leaks(raw, all_canaries()) == all_canaries()


def test_no_canary_survives_in_text_base64_or_jwt_payloads() -> None:
    out, _, _ = sanitize_bytes(CANARY.read_bytes())
    text = out.decode()
    assert leaks(text, all_canaries()) == []
    # every string value decoded once more (bodies are JSON inside JSON strings)
    strings = _walk_strings(json.loads(text))
    assert leaks("\n".join(strings), all_canaries()) == []


def test_no_canary_survives_even_with_bodies_kept() -> None:
    out, counts, _ = sanitize_bytes(CANARY.read_bytes(), keep_bodies=True)
    assert leaks(out.decode(), all_canaries()) == []
    assert "har-body-dropped" not in counts


def test_output_is_the_same_har() -> None:
    before = json.loads(CANARY.read_text())["log"]
    out, _, _ = sanitize_bytes(CANARY.read_bytes())
    after = json.loads(out)["log"]
    assert after["version"] == "1.2" and after["creator"] == before["creator"]
    assert [p["id"] for p in after["pages"]] == [p["id"] for p in before["pages"]]
    assert len(after["entries"]) == len(before["entries"])
    for old, new in zip(before["entries"], after["entries"], strict=True):
        for key in ("startedDateTime", "time", "timings", "pageref"):
            assert new[key] == old[key]
        assert new["request"]["method"] == old["request"]["method"]
        assert new["response"]["status"] == old["response"]["status"]
        assert new["response"]["content"]["mimeType"] == old["response"]["content"]["mimeType"]
        assert new["response"]["content"]["size"] == old["response"]["content"]["size"]
        for side in ("request", "response"):
            assert [h["name"] for h in new[side]["headers"]] == [h["name"] for h in old[side]["headers"]]
            assert [c["name"] for c in new[side]["cookies"]] == [c["name"] for c in old[side]["cookies"]]
        old_url, new_url = old["request"]["url"], new["request"]["url"]
        host = old_url.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
        assert host in new_url
        assert new_url.split("?")[0].split("/")[0] == old_url.split("?")[0].split("/")[0]


def test_structure_and_values_kept_where_harmless() -> None:
    out, _, _ = sanitize_bytes(CANARY.read_bytes())
    entries = json.loads(out)["log"]["entries"]
    url = entries[0]["request"]["url"]
    assert url.startswith("https://app.example.com/api/v1/reset/<secret-")
    assert url.split("?")[0].endswith("/confirm")
    assert entries[0]["request"]["cookies"][0]["name"] == "sessionid"
    assert entries[1]["request"]["postData"]["params"][0] == {"name": "username", "value": "alice"}
    assert entries[4]["request"]["url"].endswith("@intranet.example.com/")
    assert entries[4]["response"]["content"]["text"] == "ok"


def test_jwt_signature_dropped_and_claims_pseudonymized() -> None:
    out, counts, _ = sanitize_bytes(CANARY.read_bytes())
    auth = json.loads(out)["log"]["entries"][1]["request"]["headers"][0]["value"]
    scheme, token = auth.split(" ")
    _, payload, signature = token.split(".")
    assert scheme == "Bearer" and signature == ""
    claims = json.loads(decoded_views(payload)[1])
    assert claims["sub"].startswith("<jwt-sub-") and claims["email"].startswith("<email-")
    assert counts["har-jwt"] == 1


def test_same_secret_same_pseudonym_across_fields() -> None:
    out, _, _ = sanitize_bytes(CANARY.read_bytes(), Redactor(rules=[]))
    first = json.loads(out)["log"]["entries"][0]["request"]
    tag = first["cookies"][0]["value"]
    assert tag.startswith("<secret-")
    assert f"sessionid={tag}" in first["headers"][1]["value"]
    code = next(q["value"] for q in first["queryString"] if q["name"] == "code")
    assert f"code={code}" in first["url"]
