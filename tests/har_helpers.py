"""Shared helpers for the HAR tests: run the sanitizer, find leaks."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from diagbundle_plugins.har.graphql import GRAPHQL_SYNTAX
from diagbundle_plugins.har.jwt import DEFANGED_JWT
from diagbundle_plugins.har.ratelimit import RATE_LIMIT_PAIR
from diagbundle_plugins.har.scrubber import Scrubber
from diagbundle_plugins.har.stream import sanitize_har

from diagbundle import Redactor

CASES = Path(__file__).parent / "har_cases"
CANARY = CASES / "diagbundle-canary.har"
EXPECTED = json.loads((CASES / "diagbundle-canary.expected.json").read_text())


def har_redactor(**options: Any) -> Redactor:
    """A redactor as a bundle builds it: with the rule the HAR plugin registers."""
    redactor = Redactor(**options)
    redactor.add_rule(DEFANGED_JWT)
    for rule in (*GRAPHQL_SYNTAX, RATE_LIMIT_PAIR):
        redactor.add_rule(rule)
    return redactor


def sanitize_bytes(data: bytes, redactor: Redactor | None = None, *,
                   keep_bodies: bool = False) -> tuple[bytes, Counter[str], Scrubber]:
    import io

    counts: Counter[str] = Counter()
    scrub = Scrubber(redactor or har_redactor(), counts, keep_bodies=keep_bodies)
    out: list[bytes] = []
    for chunk in sanitize_har(io.BytesIO(data), scrub.redactor, counts, scrubber=scrub):
        out.append(chunk)
    return b"".join(out), counts, scrub


def har(*entries: dict[str, Any], **log: Any) -> bytes:
    body = {"version": "1.2", "creator": {"name": "test", "version": "1"}, "pages": [],
            "entries": list(entries), **log}
    return json.dumps({"log": body}).encode()


def entry(url: str = "https://example.com/", *, req_headers: list[dict[str, str]] | None = None,
          resp_headers: list[dict[str, str]] | None = None, content: dict[str, Any] | None = None,
          post: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"method": "POST" if post else "GET", "url": url, "httpVersion": "HTTP/1.1",
                               "headers": req_headers or [], "queryString": [], "cookies": [],
                               "headersSize": -1, "bodySize": 0}
    if post is not None:
        request["postData"] = post
    return {"startedDateTime": "2024-01-01T00:00:00.000Z", "time": 1.5, "request": request,
            "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                         "headers": resp_headers or [], "cookies": [],
                         "content": content or {"size": 0, "mimeType": "text/plain"},
                         "redirectURL": "", "headersSize": -1, "bodySize": 0},
            "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0.5}, **extra}


_B64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")


def decoded_views(text: str) -> list[str]:
    """The text itself plus every base64/base64url run in it, decoded (JWT payloads included)."""
    views = [text]
    for run in _B64.findall(text):
        for candidate in [run, *run.split(".")]:
            for decode in (base64.b64decode, base64.urlsafe_b64decode):
                try:
                    raw = decode(candidate + "=" * (-len(candidate) % 4))
                except (binascii.Error, ValueError):
                    continue
                views.append(raw.decode("utf-8", "replace"))
    # bodies hold JSON-in-JSON: decode string values once more
    return views


def leaks(output: str, canaries: list[str]) -> list[str]:
    views = decoded_views(output)
    return [c for c in canaries if any(c in v for v in views)]


def all_canaries() -> list[str]:
    return list(EXPECTED["plain_canaries"]) + list(EXPECTED["encoded_canaries"])
