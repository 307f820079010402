"""Benchmark the HAR sanitizer on a generated ~95 MB HAR: wall time and peak RSS.

The HAR is written to a temporary folder (never kept), shaped like a real
Chrome export: many small API calls with headers, cookies, JWTs and query
strings, a few large JSON bodies (user listings with e-mail addresses), base64
images and fonts, HTML/JS/CSS. ``--dense`` also gives every row of the large
listings a ``token`` field (about 200,000 more secrets): a stress case, not a
realistic capture.

Each figure from its own child processes (peak RSS and PSS summed
over the command and its worker processes, sampled from /proc by a small
launcher, so the generator's memory never counts), each the median of
``--runs`` runs:

* the sanitizer alone: a process that builds the default redactor and runs
  ``sanitize_har`` from the input file to an output file (its wall time; it
  also prints its own time from building the redactor to the last byte),
* two floors beside it: the sanitizer with no text rules (the HAR rules,
  pseudonyms, reading and writing entries), and the C JSON codec alone
  loading and dumping the whole file,
* ``diagbundle redact big.har > out.har``: the sanitizer as a user runs it
  (start-up, the core's JSON-mode text pass over its output, in a worker
  process beside the sanitizer), and again with ``--workers 0``, and
* ``diagbundle collect --only har --har big.har -o out.zip``: the whole
  bundle (that pass, deflate, manifest, pseudonym mapping).

Children may write bytecode caches (``PYTHONDONTWRITEBYTECODE`` is dropped
from their environment and a warm-up run writes them), as on a user's
machine, so start-up is not charged for compiling every module each time.

``--secrets`` makes every entry dense with cookies, tokens and e-mail
addresses (a dozen cookies per request, bearer JWTs, API keys, tokens in
URLs, JSON records each with an address, a session and a key): the 95 MB
file issue 12 measures against other sanitizers.

Usage: python bench/bench_har.py [--size-mb 95] [--runs 3] [--keep PATH] [--dense] [--secrets]
       [--redactor none]
Targets on the 2-core dev machine: <= 3 s wall and <= 250 MB peak RSS.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from _launch import launch_tree

CHILD = r"""
import sys, time
from collections import Counter
from diagbundle import Redactor
from diagbundle_plugins.har.jwt import DEFANGED_JWT
from diagbundle_plugins.har.stream import sanitize_har
start = time.perf_counter()
counts = Counter()
size = 0
with open(sys.argv[1], "rb") as src, open(sys.argv[2], "wb") as out:
    redactor = Redactor() if sys.argv[3] == "default" else Redactor(rules=[])
    redactor.add_rule(DEFANGED_JWT)  # registered by the HAR plugin in a real bundle
    for chunk in sanitize_har(src, redactor, counts, keep_bodies=False):
        out.write(chunk)
        size += len(chunk)
print(f"{time.perf_counter() - start:.3f} {size} {sum(counts.values())}")
"""


#: The C JSON codec alone on the whole file: what any Python rewrite of it costs at least.
CODEC = r"""
import json, sys
with open(sys.argv[1], "rb") as src:
    json.dumps(json.loads(src.read()), ensure_ascii=False, separators=(",", ":"))
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


def _row(rng: random.Random, i: int, dense: bool) -> dict[str, Any]:
    """One row of a large listing; ``dense`` puts a secret in it (the original stress shape)."""
    extra = {"token": f"tok{i:08d}"} if dense else {"status": ("active", "invited", "disabled")[i % 3]}
    return {"id": i, "name": f"item {i}", "email": f"p{i}@example.org", **extra,
            "tags": ["a", "b"], "score": rng.random()}


def _body(rng: random.Random, kind: str, dense: bool) -> dict[str, Any]:
    if kind == "json-large":
        rows = [_row(rng, i, dense) for i in range(rng.randrange(5000, 15000))]
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


def _entry(rng: random.Random, i: int, dense: bool) -> dict[str, Any]:
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
    content = _body(rng, kind, dense)
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


def _dense_entry(rng: random.Random, i: int) -> dict[str, Any]:
    """An entry as a busy single-page app records it: secrets in every place they go.

    A dozen cookies in each ``Cookie`` header and three ``Set-Cookie`` lines,
    a bearer JWT, a CSRF header, tokens in the query string, and a JSON body
    of records each with an e-mail address, a session and an API key.
    """
    entry = _entry(rng, i, dense=True)
    cookies = "; ".join(f"c{k}={rng.getrandbits(96):024x}" for k in range(12))
    entry["request"]["headers"] += [
        {"name": "cookie", "value": cookies},
        {"name": "x-csrf-token", "value": f"{rng.getrandbits(128):032x}"},
        {"name": "x-api-key", "value": f"key_{rng.getrandbits(160):040x}"},
    ]
    entry["request"]["cookies"] += [{"name": f"c{k}", "value": f"{rng.getrandbits(96):024x}"}
                                    for k in range(12)]
    entry["request"]["url"] += f"&sig={rng.getrandbits(128):032x}&email=u{i}%40example.com"
    entry["response"]["headers"] += [
        {"name": "set-cookie", "value": f"s{k}={rng.getrandbits(96):024x}; Path=/; Secure; HttpOnly"}
        for k in range(3)]
    if entry["response"]["content"].get("mimeType", "").startswith("application/json") \
            and "encoding" not in entry["response"]["content"]:
        people = [{"id": k, "email": f"person{i}.{k}@example.com", "session": f"{rng.getrandbits(96):024x}",
                   "apiKey": f"ak_{rng.getrandbits(128):032x}", "note": f"owner p{k}@example.org"}
                  for k in range(rng.randrange(5, 25))]
        text = json.dumps({"people": people, "next": f"https://api.example.com/v1/p?cursor="
                                                     f"{rng.getrandbits(64):x}&token={rng.getrandbits(96):x}"})
        entry["response"]["content"] = {"mimeType": "application/json", "text": text, "size": len(text)}
    return entry


def generate(path: Path, size_mb: float, seed: int = 1, *, dense: bool = False,
             secrets: bool = False) -> int:
    """Write a HAR of about ``size_mb`` MB; returns the number of entries.

    ``secrets``: every entry is :func:`_dense_entry` (the figure issue 12 compares
    with other sanitizers); ``dense``: the stress shape of the large listings.
    """
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
            out.write(json.dumps(_dense_entry(rng, n) if secrets else _entry(rng, n, dense), indent=1))
            n += 1
        out.write("\n]}}\n")
    return n


def _measured(command: list[str], home: str, stdout: Path | None = None) -> tuple[float, str, int, int]:
    """Run a child process; its wall time, stdout, and peak RSS and PSS in KiB.

    Both are summed over the child and any worker processes it starts (see
    _launch.py): forked workers share pages with their parent, which RSS
    counts in each and PSS once.

    ``home`` becomes its XDG data folder, so the pseudonym mapping the bundle
    writer saves lands in the temporary folder rather than the user's.
    ``stdout``, if given, receives the child's output (and "" is returned).
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["XDG_DATA_HOME"] = home
    if stdout is not None:
        with stdout.open("wb") as out:
            wall, rss, pss = launch_tree(command, stdout=out, env=env)
        return wall, "", rss, pss
    with tempfile.TemporaryFile() as capture:
        wall, rss, pss = launch_tree(command, stdout=capture, env=env)
        capture.seek(0)
        return wall, capture.read().decode(), rss, pss


def _median_run(runs: int, command: list[str], home: str,
                stdout: Path | None = None) -> tuple[float, float, str, str]:
    """The median and the fastest wall time of ``runs`` runs, the last stdout, the largest peaks."""
    walls, rss, pss, text = [], 0, 0, ""
    for _ in range(runs):
        wall, text, peak, peak_pss = _measured(command, home, stdout)
        walls.append(wall)
        rss, pss = max(rss, peak), max(pss, peak_pss)
    return statistics.median(walls), min(walls), text, f"{rss / 1024:.0f} MB (PSS {pss / 1024:.0f} MB)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=95)
    parser.add_argument("--keep", type=Path, help="also keep the generated HAR at this path")
    parser.add_argument("--dense", action="store_true",
                        help="a token in every row of the large listings (stress case)")
    parser.add_argument("--secrets", action="store_true",
                        help="cookies, tokens and e-mail addresses in every entry (issue 12's dense HAR)")
    parser.add_argument("--redactor", choices=["default", "none"], default="default",
                        help="'none' runs the HAR rules alone (a Redactor with no text rules)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measure (median shown)")
    args = parser.parse_args()
    runs = max(1, args.runs)
    with tempfile.TemporaryDirectory(prefix="bench-har-") as tmp:
        src = Path(args.keep) if args.keep else Path(tmp) / "big.har"
        n = generate(src, args.size_mb, dense=args.dense, secrets=args.secrets)
        size = src.stat().st_size
        dst = Path(tmp) / "out.har"
        _measured([sys.executable, "-m", "diagbundle", "--version"], tmp)  # writes bytecode caches
        print(f"input:  {size / 1e6:.1f} MB, {n} entries; redactor: {args.redactor}"
              f"{'; dense listings' if args.dense else ''}"
              f"{'; secrets in every entry' if args.secrets else ''}; median of {runs} runs")
        wall, fastest, stdout, peaks = _median_run(
            runs, [sys.executable, "-c", CHILD, str(src), str(dst), args.redactor], tmp)
        inner, out_size, redactions = stdout.split()
        print(f"sanitizer alone:   {wall:.2f} s wall (fastest {fastest:.2f}; in the process "
              f"{float(inner):.2f} s), peak RSS {peaks}; output "
              f"{int(out_size) / 1e6:.1f} MB, {redactions} redactions")
        if args.redactor == "default":
            # Floors no text-rule work can go under: the HAR rules, pseudonyms and the
            # entries' reading and writing alone, then the C JSON codec on the whole file.
            wall, fastest, stdout, peaks = _median_run(
                runs, [sys.executable, "-c", CHILD, str(src), str(dst), "none"], tmp)
            print(f"  no text rules:   {wall:.2f} s wall (fastest {fastest:.2f}), peak RSS {peaks}; "
                  f"{stdout.split()[2]} redactions")
            wall, fastest, _, peaks = _median_run(runs, [sys.executable, "-c", CODEC, str(src)], tmp)
            print(f"  json codec only: {wall:.2f} s wall (fastest {fastest:.2f}), peak RSS {peaks}: "
                  f"json.loads and compact json.dumps of the file, nothing sanitized")
            redact = [sys.executable, "-m", "diagbundle", "redact", str(src)]
            for label, command in (("diagbundle redact:", redact),
                                   ("  --workers 0:", [*redact, "--workers", "0"])):
                wall, fastest, _, peaks = _median_run(runs, command, tmp, stdout=dst)
                print(f"{label:<18} {wall:.2f} s wall (fastest {fastest:.2f}), "
                      f"peak RSS {peaks}; output {dst.stat().st_size / 1e6:.1f} MB")
            bundle = Path(tmp) / "out.zip"
            wall, fastest, _, peaks = _median_run(
                runs, [sys.executable, "-m", "diagbundle", "collect", "--only", "har", "--har", str(src),
                       "-o", str(bundle), "--yes", "--force"], tmp)  # --force: each run replaces the last
            print(f"full collect:      {wall:.2f} s wall (fastest {fastest:.2f}), "
                  f"peak RSS {peaks}; bundle {bundle.stat().st_size / 1e6:.1f} MB")
        print(f"targets: <= 3 s, <= 250 MB; cpus={os.cpu_count()}")


if __name__ == "__main__":
    main()
