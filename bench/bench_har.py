"""Benchmark the HAR sanitizer on a generated ~95 MB HAR: wall time and peak RSS.

The HAR is written to a temporary folder (never kept), shaped like a real
Chrome export: many small API calls with headers, cookies, JWTs and query
strings, a few large JSON bodies, base64 images and fonts, HTML/JS/CSS.
The sanitizer runs in a child process so its peak RSS can be read from
``resource.getrusage(RUSAGE_CHILDREN)`` without the generator's memory.

Usage: python bench/bench_har.py [--size-mb 95] [--keep PATH]
Targets on the 2-core dev machine: <= 3 s wall and <= 250 MB peak RSS.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHILD = r"""
import sys, time
from collections import Counter
from diagbundle import Redactor
from diagbundle_plugins.har.stream import sanitize_har
start = time.perf_counter()
counts = Counter()
size = 0
with open(sys.argv[1], "rb") as src, open(sys.argv[2], "wb") as out:
    redactor = Redactor() if sys.argv[3] == "default" else Redactor(rules=[])
    for chunk in sanitize_har(src, redactor, counts, keep_bodies=False):
        out.write(chunk)
        size += len(chunk)
print(f"{time.perf_counter() - start:.3f} {size} {sum(counts.values())}")
"""


def _jwt(rng: random.Random) -> str:
    def part(obj: dict[str, Any]) -> str:
        raw = json.dumps(obj, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    claims = {"sub": f"user-{rng.randrange(10**6)}", "email": f"u{rng.randrange(999)}@example.com",
              "iat": 1700000000, "exp": 1700003600, "iss": "https://auth.example.com",
              "scope": "read write"}
    sig = base64.urlsafe_b64encode(rng.randbytes(32)).rstrip(b"=").decode()
    return f"{part({'alg': 'RS256', 'typ': 'JWT', 'kid': 'k1'})}.{part(claims)}.{sig}"


def _headers(rng: random.Random, n: int, extra: list[dict[str, str]]) -> list[dict[str, str]]:
    common = ["accept", "accept-encoding", "accept-language", "cache-control", "user-agent",
              "sec-ch-ua", "sec-fetch-mode", "sec-fetch-site", "priority", "dnt", "pragma"]
    heads = [{"name": rng.choice(common), "value": "x" * rng.randrange(8, 90)} for _ in range(n)]
    return heads + extra


def _body(rng: random.Random, kind: str) -> dict[str, Any]:
    if kind == "json-large":
        rows = [{"id": i, "name": f"item {i}", "email": f"p{i}@example.org", "token": f"tok{i:08d}",
                 "tags": ["a", "b"], "score": rng.random()} for i in range(rng.randrange(5000, 15000))]
        return {"mimeType": "application/json; charset=utf-8", "text": json.dumps({"data": rows})}
    if kind == "image":
        raw = rng.randbytes(rng.randrange(50_000, 400_000))
        return {"mimeType": "image/png", "encoding": "base64", "text": base64.b64encode(raw).decode()}
    if kind == "json-b64":
        text = json.dumps({"access_token": _jwt(rng), "items": list(range(200))})
        return {"mimeType": "application/json", "encoding": "base64",
                "text": base64.b64encode(text.encode()).decode()}
    if kind == "js":
        return {"mimeType": "application/javascript",
                "text": "function f(){return 1}\n" * rng.randrange(500, 5000)}
    if kind == "html":
        return {"mimeType": "text/html; charset=utf-8",
                "text": "<div><input type=hidden name=csrf value=abc></div>\n" * 300}
    return {"mimeType": "application/json",
            "text": json.dumps({"ok": True, "user": {"id": rng.randrange(1000), "session": "s" * 24},
                                "list": [rng.randrange(100) for _ in range(rng.randrange(5, 80))]})}


def _entry(rng: random.Random, i: int) -> dict[str, Any]:
    kind = rng.choices(["json", "json-large", "image", "json-b64", "js", "html"],
                       [80, 1, 6, 5, 5, 3])[0]
    token = _jwt(rng)
    sess = f"{rng.getrandbits(128):032x}"
    url = (f"https://api{i % 7}.example.com/v1/items/{i}/detail?page={i % 10}"
           f"&access_token={rng.getrandbits(64):016x}&q=search+term")
    req_heads = _headers(rng, rng.randrange(8, 16), [
        {"name": "authorization", "value": f"Bearer {token}"},
        {"name": "cookie", "value": f"sessionid={sess}; theme=dark; csrftoken={rng.getrandbits(64):x}"},
        {"name": "referer", "value": "https://app.example.com/dashboard?tab=1"},
    ])
    resp_heads = _headers(rng, rng.randrange(6, 14), [
        {"name": "set-cookie", "value": f"sessionid={sess}; Path=/; HttpOnly; Secure"},
        {"name": "x-request-id", "value": f"req-{i:08d}"},
        {"name": "content-type", "value": "application/json"},
    ])
    content = _body(rng, kind)
    content["size"] = len(content["text"])
    return {
        "startedDateTime": "2024-05-01T10:00:00.000Z", "time": rng.random() * 300,
        "request": {
            "method": rng.choice(["GET", "GET", "POST"]), "url": url, "httpVersion": "HTTP/2",
            "headers": req_heads,
            "queryString": [{"name": "page", "value": str(i % 10)},
                            {"name": "access_token", "value": "x"}, {"name": "q", "value": "search term"}],
            "cookies": [{"name": "sessionid", "value": sess}, {"name": "theme", "value": "dark"}],
            "headersSize": -1, "bodySize": 0,
            "postData": {"mimeType": "application/json",
                         "text": json.dumps({"username": "alice", "password": "hunter2", "n": i})},
        },
        "response": {
            "status": 200, "statusText": "OK", "httpVersion": "HTTP/2", "headers": resp_heads,
            "cookies": [{"name": "sessionid", "value": sess, "path": "/", "httpOnly": True}],
            "content": content, "redirectURL": "", "headersSize": -1, "bodySize": content["size"],
        },
        "cache": {}, "timings": {"blocked": 1, "dns": -1, "connect": -1, "send": 0.1, "wait": 20,
                                 "receive": 3, "ssl": -1},
        "serverIPAddress": "93.184.216.34", "_initiator": {"type": "script",
                                                          "url": "https://app.example.com/app.js"},
        "pageref": "page_1",
    }


def generate(path: Path, size_mb: float, seed: int = 1) -> int:
    """Write a HAR of about ``size_mb`` MB; returns the number of entries."""
    rng = random.Random(seed)
    target = int(size_mb * 1_000_000)
    with path.open("w", encoding="utf-8") as out:
        out.write('{"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},'
                  ' "pages": [{"startedDateTime": "2024-05-01T10:00:00.000Z", "id": "page_1",'
                  ' "title": "https://app.example.com/dashboard", "pageTimings": {}}],\n'
                  ' "entries": [\n')
        n = 0
        while out.tell() < target:
            if n:
                out.write(",\n")
            out.write(json.dumps(_entry(rng, n), indent=1))
            n += 1
        out.write("\n]}}\n")
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=95)
    parser.add_argument("--keep", type=Path, help="also keep the generated HAR at this path")
    parser.add_argument("--redactor", choices=["default", "none"], default="default",
                        help="'none' runs the HAR rules alone (a Redactor with no text rules)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-har-") as tmp:
        src = Path(args.keep) if args.keep else Path(tmp) / "big.har"
        n = generate(src, args.size_mb)
        size = src.stat().st_size
        dst = Path(tmp) / "out.har"
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CHILD, str(src), str(dst), args.redactor],
                              capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        if done.returncode:
            sys.exit(f"sanitizer failed: {done.stderr.strip().splitlines()[-1:]}")
        inner, out_size, redactions = done.stdout.split()
        rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"input:  {size / 1e6:.1f} MB, {n} entries; redactor: {args.redactor}")
        print(f"output: {int(out_size) / 1e6:.1f} MB, {redactions} redactions")
        print(f"wall:   {wall:.2f} s (sanitize {float(inner):.2f} s, rest is interpreter start-up)")
        print(f"peak RSS: {rss_kb / 1024:.0f} MB")
        print(f"targets: <= 3 s, <= 250 MB; cpus={os.cpu_count()}")


if __name__ == "__main__":
    main()
