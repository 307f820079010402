"""Robust input: BOM, HAR 1.1, nulls, charsets, huge bodies; bad input fails closed."""

from __future__ import annotations

import base64
import json
from collections import Counter

import pytest
from diagbundle_plugins.har.format import detect
from har_helpers import CASES, entry, har, leaks, sanitize_bytes

from diagbundle import FormatError, Redactor, Rule


def test_bom_and_har_1_1() -> None:
    out, _, _ = sanitize_bytes((CASES / "bom-har11.har").read_bytes())
    log = json.loads(out)["log"]
    assert log["version"] == "1.1"
    assert "BOMSECRET1" not in out.decode()
    assert log["entries"][0]["request"]["url"].startswith("https://example.com/a?session=<secret-")


def test_empty_log() -> None:
    out, counts, _ = sanitize_bytes((CASES / "empty-log.har").read_bytes())
    assert json.loads(out) == {"log": {"version": "1.2", "creator": {"name": "x", "version": "1"},
                                       "entries": []}}
    assert not counts


def test_null_values_become_valid_har() -> None:
    out, _, _ = sanitize_bytes((CASES / "null-values.har").read_bytes())
    log = json.loads(out)["log"]
    request, response = log["entries"][0]["request"], log["entries"][0]["response"]
    assert request["headers"] == [] and request["queryString"] == [] and request["cookies"] == []
    assert response["headers"] == []
    assert response["cookies"] == [{"name": "sid", "value": ""}]
    assert "NULLSECRET1" not in out.decode()
    assert "postData" not in request


def test_charset_mime_type_still_parsed_as_json() -> None:
    out, counts, _ = sanitize_bytes((CASES / "charset-mime.har").read_bytes(), Redactor(rules=[]))
    content = json.loads(out)["log"]["entries"][0]["response"]["content"]
    assert content["mimeType"] == "Application/JSON; charset=UTF-8"
    body = json.loads(content["text"])
    assert body["id"] == 7 and body["refresh_token"].startswith("<secret-")
    assert counts["har-body"] == 1


def test_websocket_only_page() -> None:
    out, _, _ = sanitize_bytes((CASES / "websocket-only.har").read_bytes())
    text = out.decode()
    assert leaks(text, ["WSTOKEN1", "WSTOKEN2", "WSPASSWORD1"]) == []
    messages = json.loads(text)["log"]["entries"][0]["_webSocketMessages"]
    assert [m["type"] for m in messages] == ["send", "receive", "receive"]
    assert json.loads(messages[0]["data"])["type"] == "auth"
    assert messages[2]["data"] == ""  # binary frame dropped
    assert json.loads(text)["log"]["entries"][0]["response"]["status"] == 101


@pytest.mark.parametrize(
    ("name", "message"),
    [("malformed-entry.har", "entry 1 is not an object"), ("missing-log.har", 'no "log" object')],
)
def test_structure_that_is_not_har_fails_closed(name: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        sanitize_bytes((CASES / name).read_bytes())


@pytest.mark.parametrize("cut", [1, 100, 2000, -3])
def test_truncated_json_fails_with_one_line(cut: int) -> None:
    data = (CASES / "diagbundle-canary.har").read_bytes()[:cut]
    with pytest.raises(FormatError) as err:
        sanitize_bytes(data)
    assert "\n" not in str(err.value) and str(err.value).startswith("not a")


@pytest.mark.parametrize("data", [b"", b"[]", b'{"log": []}', b'{"log": {}} trailing', b"\xff\xfe{",
                                  b'{"log": {"entries": {}}}', b"not json at all"])
def test_invalid_input_fails_closed(data: bytes) -> None:
    with pytest.raises(FormatError):
        sanitize_bytes(data)


def test_huge_body_is_sanitized_and_streamed() -> None:
    rows = [{"id": i, "password": f"HUGEPW{i % 97}", "note": "x" * 50} for i in range(60_000)]
    body = json.dumps(rows)
    assert len(body) > 5_000_000
    data = har(entry(content={"size": len(body), "mimeType": "application/json", "text": body}))
    out, counts, _ = sanitize_bytes(data, Redactor(rules=[]))
    assert b"HUGEPW" not in out
    assert counts["har-body"] == 60_000
    assert len(json.loads(json.loads(out)["log"]["entries"][0]["response"]["content"]["text"])) == 60_000


def test_base64_text_body_decoded_sanitized_reencoded() -> None:
    text = base64.b64encode(b'{"session": "B64SESSION", "ok": true}').decode()
    data = har(entry(content={"size": 10, "mimeType": "application/json", "encoding": "base64",
                              "text": text}))
    out, _, _ = sanitize_bytes(data)
    content = json.loads(out)["log"]["entries"][0]["response"]["content"]
    assert content["encoding"] == "base64"
    decoded = json.loads(base64.b64decode(content["text"]))
    assert decoded["ok"] is True and decoded["session"].startswith("<secret-")


def test_binary_and_markup_bodies_dropped_unless_kept() -> None:
    data = har(entry(content={"size": 4, "mimeType": "image/png", "encoding": "base64", "text": "iVBORw=="}),
               entry(content={"size": 4, "mimeType": "text/html", "text": "<p>hi</p>"}))
    out, counts, _ = sanitize_bytes(data)
    entries = json.loads(out)["log"]["entries"]
    assert all("text" not in e["response"]["content"] for e in entries)
    assert all("dropped" in e["response"]["content"]["comment"] for e in entries)
    assert counts["har-body-dropped"] == 2
    kept, _, _ = sanitize_bytes(data, keep_bodies=True)
    entries = json.loads(kept)["log"]["entries"]
    assert "text" not in entries[0]["response"]["content"]
    assert entries[1]["response"]["content"]["text"] == "<p>hi</p>"


def test_kept_html_loses_hidden_inputs_and_csrf_meta() -> None:
    html = ('<meta name="csrf-token" content="METACSRF1"><input type="hidden" name="x" value="HIDDEN1">'
            '<input name="q" value="visible">')
    out, _, _ = sanitize_bytes(har(entry(content={"size": 1, "mimeType": "text/html", "text": html})),
                               keep_bodies=True)
    text = json.loads(out)["log"]["entries"][0]["response"]["content"]["text"]
    assert "METACSRF1" not in text and "HIDDEN1" not in text and 'value="visible"' in text


def test_output_survives_the_global_text_pass_as_valid_json() -> None:
    """The core redacts the HAR output again as text; it must stay parseable."""
    body = 'var apiKey = "K1"; var password = "P\\"2"; token: "abc\\\\"'
    data = har(entry(content={"size": 1, "mimeType": "application/javascript", "text": body}))
    out, _, scrub = sanitize_bytes(data, keep_bodies=True)
    again = scrub.redactor.redact(out.decode())
    assert json.loads(again)["log"]["entries"][0]["response"]["content"]["text"]


def test_detect() -> None:
    assert detect("capture.HAR", b"")
    assert detect("x.json", b'\xef\xbb\xbf{\n  "log": {\n    "version": "1.2", "entries": [')
    assert not detect("x.json", b'{"logs": {"entries": []}}')
    assert not detect("notes.txt", b"hello")


def _body_out(body: str, redactor: Redactor | None = None) -> tuple[str, Counter[str]]:
    data = har(entry(content={"size": len(body), "mimeType": "application/json", "text": body}))
    out, counts, _ = sanitize_bytes(data, redactor)
    return json.loads(out)["log"]["entries"][0]["response"]["content"]["text"], counts


def test_secret_key_far_into_a_large_body_is_still_walked() -> None:
    """Only the start of a body is sampled for secret keys; the rest is checked after the pass."""
    rows = [{"id": i, "note": "n" * 40} for i in range(3000)] + [{"id": -1, "resetCode": "LATECODE9"}]
    body = json.dumps(rows)
    assert body.index("resetCode") > 65536
    text, counts = _body_out(body)
    assert "LATECODE9" not in text
    assert json.loads(text)[-1]["resetCode"].startswith("<secret-")
    assert counts["har-body"] == 1


def test_whole_text_pass_that_crosses_quotes_is_not_kept() -> None:
    """A match that swallows a quote may leave valid JSON with a member gone; the walk is used then."""
    rule = Rule("span", r"LEFT[^}]*RIGHT", trigger="left")
    text, _ = _body_out('{"a": "LEFT", "b": "RIGHT", "c": 1}', Redactor(rules=[rule]))
    parsed = json.loads(text)
    assert set(parsed) == {"a", "b", "c"} and parsed["a"] == "[REDACTED:span]"


def test_body_redactions_are_counted_once() -> None:
    """A body first tried as plain text and then walked counts its replacements once."""
    rows = [{"id": i, "mail": f"user{i}@example.com", "pad": "p" * 40} for i in range(1500)]
    body = json.dumps([*rows, {"apiKey": "KEYVALUE77"}])
    assert body.index("apiKey") > 65536
    text, counts = _body_out(body)
    assert "@example.com" not in text and "KEYVALUE77" not in text
    assert counts["email"] == 1500 and counts["har-body"] == 1


def test_repeated_headers_count_every_time_and_keep_one_tag() -> None:
    """Header values are worked out once per name and value, but counted on every entry."""
    headers = [{"name": "X-Api-Key", "value": "REPEATEDKEY1"}, {"name": "Cookie", "value": "sid=SIDVAL9"},
               {"name": "Accept", "value": "text/html"}]
    out, counts, _ = sanitize_bytes(har(*[entry(req_headers=headers) for _ in range(3)]))
    entries = json.loads(out)["log"]["entries"]
    seen = [{h["name"]: h["value"] for h in e["request"]["headers"]} for e in entries]
    assert seen[0] == seen[1] == seen[2]
    assert seen[0]["X-Api-Key"].startswith("<secret-") and seen[0]["Accept"] == "text/html"
    assert counts["har-header"] == 3 and counts["har-cookie"] == 3
