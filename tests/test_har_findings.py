"""Findings for support: failed requests, their messages and IDs, slow requests, pages, browser."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from har_helpers import entry, har, sanitize_bytes

CLI = [sys.executable, "-m", "diagbundle"]
UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/120.0.6099.109 Safari/537.36")


def _json_body(obj: Any, mime: str = "application/json") -> dict[str, Any]:
    text = json.dumps(obj)
    return {"size": len(text), "mimeType": mime, "text": text}


def _failing(url: str, status: int, body: dict[str, Any] | None, *, ids: list[dict[str, str]] | None = None,
             **extra: Any) -> dict[str, Any]:
    item = entry(url, resp_headers=ids or [], content=body, req_headers=[{"name": "User-Agent", "value": UA}],
                 **extra)
    item["response"]["status"] = status
    return item


def _findings(data: bytes, **options: Any) -> dict[str, Any]:
    _, _, scrub = sanitize_bytes(data, **options)
    return scrub.findings.as_json()


def test_failed_requests_with_messages_codes_and_ids() -> None:
    data = har(
        entry("https://api.example.com/ok"),
        _failing("https://api.openai.example/v1/chat?api_key=sk-SECRETKEYVALUE123456789", 404,
                 _json_body({"error": {"message": "The model `gpt-9` does not exist",
                                       "type": "invalid_request_error", "code": "model_not_found"}}),
                 ids=[{"name": "openai-request-id", "value": "req_7f3a9b2c1d"}]),
        _failing("https://api.example.com/v2/items", 422,
                 _json_body({"detail": [{"loc": ["body", "name"], "msg": "field required"}]})),
        _failing("https://api.example.com/limits", 429, _json_body({"message": "Rate limit exceeded for mail "
                                                                             "alice@example.com",
                                                                  "code": "RATE_LIMIT_EXCEEDED"}),
                 ids=[{"name": "x-request-id", "value": "abc-123"},
                      {"name": "cf-ray", "value": "8a1b2c3d-AMS"}]),
        _failing("https://www.example.com/boom", 502,
                 {"size": 60, "mimeType": "text/html",
                  "text": "<html><head><title>502 Bad Gateway &amp; more</title></head>"
                          "<body>x</body></html>"}),
        _failing("https://api.example.com/gql", 400, _json_body({"errors": [{"message": "Cannot query field"},
                                                                          "second"]})),
    )
    found = _findings(data)
    failed = found["failed"]
    assert failed["total"] == 5 and failed["by_reason"] == {"http": 5}
    by_path = {f["path"]: f for f in failed["requests"]}
    chat = by_path["/v1/chat"]
    assert (chat["method"], chat["host"], chat["status"]) == ("GET", "api.openai.example", 404)
    assert chat["message"] == "The model `gpt-9` does not exist" and chat["code"] == "model_not_found"
    assert chat["ids"] == [{"name": "openai-request-id", "value": "req_7f3a9b2c1d"}]
    assert by_path["/v2/items"]["message"] == "body.name: field required"
    limits = by_path["/limits"]
    assert limits["code"] == "RATE_LIMIT_EXCEEDED"
    assert "alice@example.com" not in limits["message"] and "<email-" in limits["message"]
    # the HTML body is dropped without --har-keep-bodies; its title is still the message
    assert by_path["/boom"]["message"] == "502 Bad Gateway & more"
    assert by_path["/gql"]["message"] == "Cannot query field; second"
    assert "SECRETKEYVALUE" not in json.dumps(found)


def test_browser_failures_blocked_aborted_cors_mixed_content() -> None:
    page = {"id": "page_1", "title": "https://shop.example.com/",
            "startedDateTime": "2024-01-01T00:00:00.000Z",
            "pageTimings": {"onContentLoad": 120.5, "onLoad": 300}}
    blocked = _failing("https://ads.example.net/x.js", 0, None, pageref="page_1")
    blocked["response"]["_error"] = "net::ERR_BLOCKED_BY_CLIENT"
    aborted = _failing("https://shop.example.com/api/poll", -1, None, pageref="page_1")
    aborted["response"]["_failureText"] = "net::ERR_ABORTED"
    cors = _failing("https://api.other.example/data", 0, None, pageref="page_1")
    cors["response"]["_error"] = "CORS error: MissingAllowOriginHeader"
    mixed = _failing("http://cdn.example.com/img.png", 0, None, pageref="page_1")
    bare_cors = _failing("https://api.other.example/v2", -1, None, pageref="page_1")
    bare_cors["request"]["headers"].append({"name": "Origin", "value": "https://shop.example.com"})
    bare_cors["response"]["_failureText"] = "net::ERR_FAILED"
    same_origin = _failing("https://shop.example.com/x", -1, None, pageref="page_1")
    same_origin["request"]["headers"].append({"name": "Origin", "value": "https://shop.example.com"})
    same_origin["response"]["_failureText"] = "net::ERR_FAILED"
    ok = entry("https://shop.example.com/", pageref="page_1")
    ok["startedDateTime"] = "2024-01-01T00:00:00.050Z"
    found = _findings(har(ok, blocked, aborted, cors, mixed, bare_cors, same_origin, pages=[page]))
    reasons = [f["reason"] for f in found["failed"]["requests"]]
    assert reasons == ["blocked", "aborted", "cors", "mixed-content", "cors", "failed"]
    assert found["failed"]["requests"][0]["browser_error"] == "net::ERR_BLOCKED_BY_CLIENT"
    (timeline,) = found["pages"]
    assert timeline["page"] == "page_1" and timeline["requests"] == 7 and timeline["failed"] == 6
    events = [e["event"] for e in timeline["events"]]
    assert events[0] == "first request" and "DOMContentLoaded" in events and "load" in events
    assert any("ads.example.net/x.js failed (blocked)" in e for e in events)
    assert [e["at_ms"] for e in timeline["events"]] == sorted(e["at_ms"] for e in timeline["events"])


def test_ids_listed_once_with_exact_totals() -> None:
    """One ID on 50 requests and 9,950 others: each distinct ID once, totals exact."""
    entries = []
    for i in range(10_000):
        value = "req-same" if i < 50 else f"req-{i:05d}"
        item = entry(f"https://api.example.com/{i}", resp_headers=[{"name": "x-request-id", "value": value}])
        if i == 7000:
            item["response"]["status"] = 500
        entries.append(item)
    found = _findings(har(*entries))
    ids = found["ids"]
    assert ids["occurrences"] == 10_000 and ids["distinct"] == 9_951
    assert ids["on_failed_requests"] == 1
    values = [i["value"] for i in ids["items"]]
    assert values[0] == "req-07000"  # the failed request's ID comes first
    assert values[1] == "req-same" and ids["items"][1]["count"] == 50
    assert len(values) == len(set(values)) == ids["listed"]


def test_request_trace_headers_kept_and_listed() -> None:
    heads = [{"name": "sentry-trace", "value": "771a43a4192642f0b136d5159a501700-b1a0d5d5c1b2a3f4-1"},
             {"name": "traceparent", "value": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
             {"name": "x-client-trace-id", "value": "f4c3b2a1e0d9c8b7a6f5e4d3c2b1a0f9e8d7"}]
    out, _, scrub = sanitize_bytes(har(entry("https://api.example.com/", req_headers=heads)))
    text = out.decode()
    for head in heads:
        assert head["value"] in text
    assert {(i.name, i.where) for i in scrub.findings.ids} == {
        ("sentry-trace", "request"), ("traceparent", "request"), ("x-client-trace-id", "request")}


def test_slowest_requests_and_where_their_time_went() -> None:
    entries = []
    for i in range(30):
        item = entry(f"https://api.example.com/{i}")
        item["time"] = float(i)
        item["timings"] = {"blocked": 1, "dns": -1, "connect": 2, "ssl": 1, "send": 0, "wait": i - 3,
                           "receive": 0.5}
        entries.append(item)
    found = _findings(har(*entries))
    slowest = found["slowest"]
    assert [s["path"] for s in slowest] == [f"/{i}" for i in range(29, 19, -1)]
    assert slowest[0]["mostly"] == "wait" and slowest[0]["timings_ms"] == {
        "blocked": 1, "connect": 2, "ssl": 1, "wait": 26, "receive": 0.5}


def test_browser_from_creator_browser_and_user_agent() -> None:
    data = har(entry(req_headers=[{"name": "user-agent", "value": UA}]),
               creator={"name": "WebInspector", "version": "537.36"},
               browser={"name": "Chrome", "version": "120.0.6099.109"})
    found = _findings(data)
    assert found["browser"]["creator"] == {"name": "WebInspector", "version": "537.36"}
    assert found["browser"]["browser"] == {"name": "Chrome", "version": "120.0.6099.109"}
    assert found["browser"]["user_agents"] == [{"value": UA, "requests": 1,
                                                "browser": "Chrome 120.0.6099.109 on Linux"}]


def test_messages_of_base64_bodies_are_sanitized() -> None:
    body = json.dumps({"error": {"message": "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
                                            "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U expired"}})
    content = {"size": len(body), "mimeType": "application/json", "encoding": "base64",
               "text": base64.b64encode(body.encode()).decode()}
    found = _findings(har(_failing("https://api.example.com/", 401, content)))
    (item,) = found["failed"]["requests"]
    assert item["message"].startswith("token ") and "dozjgNryP4J3" not in item["message"]


def test_collect_writes_findings_json_and_summary(tmp_path: Path) -> None:
    ids = [{"name": "x-request-id", "value": "req-failed-1"}]
    first = har(_failing("https://api.example.com/v1/run?token=TOKENVALUEPLANTED0123456789", 503,
                         _json_body({"error": {"message": "upstream unavailable", "code": 503}}), ids=ids),
                entry("https://api.example.com/fine",
                      resp_headers=[{"name": "x-request-id", "value": "ok-1"}]))
    (tmp_path / "one.har").write_bytes(first)
    (tmp_path / "two.har").write_bytes(har(entry("https://example.org/")))
    env = {**os.environ, "DIAGBUNDLE_LOAD_PLUGINS": ""}
    done = subprocess.run([*CLI, "collect", "--only", "har", "--har", "one.har", "--har", "two.har",
                           "-o", "out.zip"], cwd=tmp_path, capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        findings = json.loads(zf.read("har/findings.json"))
        summary = zf.read("summary.md").decode()
        manifest = json.loads(zf.read("manifest.json"))
    assert "har/findings.json" in {f["path"] for f in manifest["files"]}
    assert [f["source"] for f in findings["files"]] == ["one.har", "two.har"]
    one = findings["files"][0]
    assert one["failed"]["total"] == 1
    (failed,) = one["failed"]["requests"]
    assert failed["message"] == "upstream unavailable" and failed["code"] == "503"
    assert failed["ids"] == [{"name": "x-request-id", "value": "req-failed-1"}]
    assert "`GET api.example.com/v1/run` 503" in summary and "`upstream unavailable`" in summary
    assert "request/trace IDs: 2 distinct in 2 headers; of failed requests: x-request-id `req-failed-1`" \
        in summary
    assert "failed requests: none of 1" in summary
    assert "TOKENVALUEPLANTED" not in summary + json.dumps(findings)
