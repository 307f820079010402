"""The places the outsider scenarios found, one by one (no browser needed).

Each leak class the recorded scenarios of ``test_har_outsider.py`` found has a
case here with its look-alike that must stay: a name/value pair naming a
credential and one that does not, a relative URL with a code and one without,
and so on. The keep rules (GraphQL syntax, rate-limit values) are checked
through ``diagbundle redact``, which runs both the sanitizer and the core's
pass over its output, and with the look-alikes they must not vouch for.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from diagbundle_plugins.har import messages
from har_helpers import entry, har, sanitize_bytes

SECRET = "Zk4Qm8Wn2Rt6Yp0Lx3Hb"  # the planted value of every case


def _body_out(body: Any, *, keep_bodies: bool = False, mime: str = "application/json") -> str:
    """A request body (JSON unless ``mime`` says otherwise) after the sanitizer, as text."""
    text = body if isinstance(body, str) else json.dumps(body)
    out, _, _ = sanitize_bytes(har(entry(post={"mimeType": mime, "text": text}),
                                   entry(content={"size": 1, "mimeType": mime, "text": text})),
                               keep_bodies=keep_bodies)
    entries = json.loads(out)["log"]["entries"]
    response = entries[1]["response"]["content"].get("text", "")
    return entries[0]["request"]["postData"]["text"] + "\n" + response


@pytest.mark.parametrize("body", [
    {"headers": [{"name": "X-Api-Key", "value": SECRET}]},
    {"params": [{"key": "password", "value": SECRET}]},
    {"env": [{"Name": "DB_PASSWORD", "Value": SECRET}]},
    {"headers": [["X-Api-Key", SECRET], ["Accept", "*/*"]]},
    {"headers": {"Authorization": SECRET}},
    {"next": f"/oauth/cb?code={SECRET}&state=x"},
    {"links": {"reset": f"/reset/{SECRET}"}},
    {"body": f"grant_type=authorization_code&code={SECRET}&state=abc"},
    {"devices": {SECRET + "Qw9": {"os": "Linux"}}},
    {"persisted": base64.b64encode(json.dumps({"accessToken": SECRET}).encode()).decode()},
    {"Key": f"exports/{SECRET}8f14e45f/data.csv"},
    {"persisted": base64.urlsafe_b64encode(json.dumps({"accessToken": SECRET}).encode()).decode()
     .rstrip("=")},
], ids=["pair", "postman-pair", "ssm-pair", "tuple", "authorization-key", "relative-url-query",
        "relative-url-path", "form-string", "token-map-key", "base64-json", "s3-key-with-token",
        "base64url-json"])
def test_json_places_lose_their_credential(body: dict[str, Any]) -> None:
    out = _body_out(body)
    assert SECRET not in out
    for run in out.replace('"', " ").split():  # nor inside any base64 the output holds
        for candidate in (run, run.split(":")[-1]):
            try:
                decoded = base64.urlsafe_b64decode(candidate.replace("+", "-").replace("/", "_")
                                                   + "=" * (-len(candidate) % 4))
            except ValueError:
                continue
            assert SECRET.encode() not in decoded


@pytest.mark.parametrize("body", [
    {"headers": [{"name": "Accept", "value": "application/json"}]},
    {"settings": [{"key": "theme", "value": "dark"}]},
    {"headers": [["Accept", "*/*"]]},
    {"orders": "/api/v2/orders?page=2", "self": "/api/v2/orders/42"},
    {"body": "grant_type=authorization_code&redirect_uri=%2Fcb"},
    {"persisted": base64.b64encode(json.dumps({"theme": "dark"}).encode()).decode()},
    {"jobs": {"6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f": {"state": "RUNNING"}}},
    {"statusCode": "403", "exit_code": "137", "httpCode": "404", "resultCode": "0", "errorCode": 1001},
    {"Contents": [{"Key": "uploads/2024/05/8f14e45fceea167a5a36dedd4bea2543.png"}]},
], ids=["pair", "settings-pair", "tuple", "relative-urls", "form-string", "base64-json", "uuid-map-key",
        "codes-as-strings", "s3-key-by-digest"])
def test_json_look_alikes_are_kept(body: dict[str, Any]) -> None:
    assert json.loads(_body_out(body).split("\n")[0]) == body


def test_the_name_of_a_secret_pair_is_kept() -> None:
    body = {"params": [{"key": "password", "value": SECRET, "type": "text"}]}
    out = json.loads(_body_out(body).split("\n")[0])
    (pair,) = out["params"]
    assert pair["key"] == "password" and pair["type"] == "text" and pair["value"] != SECRET


@pytest.mark.parametrize("code", [
    f'localStorage.setItem("authToken", "{SECRET}");',
    f"xhr.setRequestHeader('X-Api-Key', '{SECRET}');",
    f"Cookies.set(`sid`, `{SECRET}`)",
    f'<a href="/oauth/cb?lang=en&amp;code={SECRET}">again</a>',
    f"fetch('/reset/{SECRET}')",
    f'<textarea name="api_key" rows="2">{SECRET}</textarea>',
    f'<meta http-equiv="refresh" content="0; url=/oauth/cb?lang=en&amp;code={SECRET}">',
    f"Redirecting: next=/oauth/cb?code={SECRET}",
    f'<a href="https://app.test/cb?lang=en&amp;state={SECRET}">in</a>',
])
def test_markup_and_code_places_lose_their_credential(code: str) -> None:
    out = _body_out(code, keep_bodies=True, mime="application/javascript")
    assert SECRET not in out
    assert out.split("\n")[0].count("<secret-") == 1


def test_markup_look_alikes_are_kept() -> None:
    code = ('localStorage.setItem("theme", "dark"); <textarea name="notes">see you</textarea>'
            '<meta http-equiv="refresh" content="5; url=/shop?lang=en&amp;page=2">'
            '<a href="/shop?lang=en&amp;page=2">next</a> <link href="/static/app.css?v=2.3.4">')
    assert _body_out(code, keep_bodies=True, mime="text/html").split("\n")[0] == code


def _redact(tmp_path: Path, *entries: dict[str, Any]) -> list[dict[str, Any]]:
    path = tmp_path / "in.har"
    path.write_bytes(har(*entries))
    done = subprocess.run([sys.executable, "-m", "diagbundle", "redact", str(path)], capture_output=True,
                          text=True, env={**os.environ, "DIAGBUNDLE_LOAD_PLUGINS": ""}, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout)["log"]["entries"])


def test_graphql_syntax_is_kept_and_literals_are_not(tmp_path: Path) -> None:
    kept = ("mutation Login($password: String!, $otp: String) "
            "{ login(password: $password, otp: $otp) { token expiresIn } }")
    printed = ("mutation Login($password: String!, $otp: String, $first: Int = 10) {\n"
               "  login(input: {password: $password, otp: $otp}) {\n    token\n  }\n}\n")
    judged = {f'{{ viewer(token: "{SECRET}") {{ id }} }}': SECRET,
              f"query ($password: {SECRET}) {{ me {{ id }} }}": SECRET,  # a token where a type goes
              "{ login(otp: $other) { id } }": "$other"}  # not the variable of its own name
    entries = [entry(post={"mimeType": "application/json", "text": json.dumps({"query": q})})
               for q in [kept, printed, *judged]]
    out = [json.loads(e["request"]["postData"]["text"])["query"] for e in _redact(tmp_path, *entries)]
    assert out[:2] == [kept, printed]
    out = out[1:]
    assert [value in q for q, value in zip(out[1:], judged.values(), strict=True)] == [False] * 3, out


def test_rate_limit_values_are_kept_and_tokens_are_not(tmp_path: Path) -> None:
    headers = [{"name": "x-ratelimit-remaining-tokens", "value": "39000"},
               {"name": "x-ratelimit-reset-tokens", "value": "6m0s"},
               {"name": "RateLimit-Policy", "value": "100;w=60"},
               {"name": "x-ratelimit-remaining-tokens", "value": SECRET},
               {"name": "x-api-token", "value": "39000"}]
    (out,) = _redact(tmp_path, entry(resp_headers=headers))
    values = [h["value"] for h in out["response"]["headers"]]
    assert values[:3] == ["39000", "6m0s", "100;w=60"]
    assert SECRET not in values[3] and values[4] != "39000"


@pytest.mark.parametrize(("text", "expected"), [
    ('<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
     ("Access Denied", "AccessDenied")),
    ("<soap:Envelope><soap:Body><soap:Fault><faultcode>soap:Client</faultcode>"
     "<faultstring>Bad &amp; wrong</faultstring></soap:Fault></soap:Body></soap:Envelope>",
     ("Bad & wrong", "soap:Client")),
    ('{"type": "https://shop.test/problems/internal", "title": "Internal Server Error", "status": 500, '
     '"detail": "timeout"}', ("Internal Server Error: timeout", None)),
    ("\nupstream connect error or disconnect/reset before headers. reset reason: connection failure\n",
     ("upstream connect error or disconnect/reset before headers. reset reason: connection failure", None)),
])
def test_error_messages_from_xml_and_problem_documents(text: str, expected: tuple[str, str | None]) -> None:
    assert messages.from_body(text) == expected


def test_ids_an_error_body_states() -> None:
    body = {"type": "error", "error": {"type": "not_found_error", "message": "m", "requestId": "r-1"},
            "request_id": "req_011CV", "traceId": "00-4bf-01", "status": 404}
    assert messages.body_ids(json.dumps(body)) == [("request_id", "req_011CV"), ("traceId", "00-4bf-01"),
                                                  ("requestId", "r-1")]
    assert messages.body_ids("<Error><RequestId>4442587FB7D0A2F9</RequestId></Error>") == [
        ("RequestId", "4442587FB7D0A2F9")]


@pytest.mark.parametrize(("protocols", "kept"), [
    ("graphql-transport-ws, Bearer, abc123xyz", ["graphql-transport-ws", "Bearer"]),
    ("access_token, shorttok9", ["access_token"]),
    ("chat.v2, graphql-ws", ["chat.v2", "graphql-ws"]),
])
def test_websocket_subprotocol_announced_credentials(protocols: str, kept: list[str]) -> None:
    header = {"name": "Sec-WebSocket-Protocol", "value": protocols}
    out, _, _ = sanitize_bytes(har(entry(req_headers=[header])))
    value = json.loads(out)["log"]["entries"][0]["request"]["headers"][0]["value"]
    items = value.split(", ")
    assert [i for i in items if not i.startswith("<secret-")] == kept
    assert len(items) == len(protocols.split(", "))


@pytest.mark.parametrize("disposition", ['form-data; name="password"', "form-data; name=password",
                                         "form-data; name=password; filename*=utf-8''x"])
def test_multipart_part_names_quoted_or_not(disposition: str) -> None:
    body = f"--b1\r\nContent-Disposition: {disposition}\r\n\r\nhunter two\r\n--b1--\r\n"
    out = _body_out(body, mime="multipart/form-data; boundary=b1")
    assert "hunter two" not in out


def test_multipart_extended_filename_is_a_file() -> None:
    body = ("--b1\r\nContent-Disposition: form-data; name=\"doc\"; filename*=utf-8''notes.txt\r\n"
            "Content-Type: text/plain\r\n\r\nmy diary\r\n--b1--\r\n")
    out = _body_out(body, mime="multipart/form-data; boundary=b1")
    assert "my diary" not in out and "[file content dropped by diagbundle]" in out
