"""Measure redaction throughput (MB/s) and peak memory on realistic log text.

Generates log-like text (access logs, app logs with request ids and SHAs,
JSON log lines, stack traces, SQL, LLM usage lines with ``max_tokens``),
mostly benign with a sprinkling of secrets and PII, then streams it through
the redactor in 64 KiB chunks with each engine. Also runs one 100 MB single
line through the stream to show memory stays flat. Prints figures only.

    python bench/bench_redact.py [--mb 50] [--long-mb 100] [--engine python|hyperscan|both]

Each measurement runs in its own child process, so the peak RSS printed is
that measurement's own.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from diagbundle.redaction import Redactor
from diagbundle.redaction.prefilter import load_hyperscan

CHUNK = 64 << 10

SECRETS = [
    "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "export GITHUB_TOKEN=ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "db url postgres://app:Sup3rS3cret@db.internal:5432/orders",
    "OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD",
    "login ok for alice.smith@example.com from 203.0.113.42",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "password=hunter2 retry=3",
]


def log_text(n_bytes: int, seed: int = 7) -> Iterator[str]:
    """Yield log lines until about ``n_bytes`` have been produced."""
    r = random.Random(seed)
    ips = [f"10.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}" for _ in range(50)]
    mods = ["app.server", "db.pool", "worker.queue", "auth.session", "http.client",
            "scheduler", "cache.redis", "api.v2.orders", "llm.client"]
    paths = ["/api/v2/orders", "/healthz", "/static/app.js", "/api/v2/users/42", "/login",
             "/metrics"]
    size = 0
    i = 0
    while size < n_bytes:
        i += 1
        ts = (f"2024-03-{r.randrange(1, 29):02d}T{r.randrange(24):02d}:{r.randrange(60):02d}:"
              f"{r.randrange(60):02d}.{r.randrange(1000):03d}Z")
        k = r.random()
        if k < 0.002:
            line = f"{ts} ERROR [{r.choice(mods)}] {r.choice(SECRETS)}"
        elif k < 0.06:
            line = (f'{r.choice(ips)} - - [{ts}] "GET {r.choice(paths)} HTTP/1.1" '
                    f'{r.choice([200, 200, 200, 304, 404, 500])} {r.randrange(20000)} "-" '
                    '"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0.6099.109"')
        elif k < 0.45:
            line = (f"{ts} INFO  [{r.choice(mods)}] request_id={uuid.UUID(int=r.getrandbits(128))}"
                    f" took {r.random() * 300:.1f}ms status=200 retries=0")
        elif k < 0.5:
            line = (f"{ts} INFO  [llm.client] model=gpt-4o max_tokens=4096 prompt_tokens="
                    f"{r.randrange(5000)} completion_tokens={r.randrange(900)} token_type=Bearer")
        elif k < 0.65:
            line = (f"{ts} DEBUG [{r.choice(mods)}] cache hit key=user:{r.randrange(10**6)} "
                    f"sha={hashlib.sha1(str(i).encode()).hexdigest()} version=1.4.{r.randrange(30)}")
        elif k < 0.75:
            line = (f"{ts} WARN  [{r.choice(mods)}] slow query ({r.randrange(100, 5000)} ms): "
                    f"SELECT id, name FROM orders WHERE customer_id = {r.randrange(10**5)} LIMIT 50")
        elif k < 0.85:
            line = (f'  File "/usr/lib/python3.11/site-packages/app/'
                    f'{r.choice(["views", "models", "tasks"])}.py", line {r.randrange(1, 900)}, '
                    "in handle_request")
        elif k < 0.95:
            job = uuid.UUID(int=r.getrandbits(128))
            line = (f'{{"ts": "{ts}", "level": "info", "msg": "job finished", "job": "{job}", '
                    f'"duration_ms": {r.randrange(10**4)}, "queue": "default"}}')
        else:
            line = (f"{ts} ERROR [{r.choice(mods)}] connection reset by peer after "
                    f"{r.randrange(100)} bytes; retrying in {r.randrange(10)}s")
        size += len(line) + 1
        yield line + "\n"


def chunks_of(data: bytes) -> Iterator[bytes]:
    for i in range(0, len(data), CHUNK):
        yield data[i : i + CHUNK]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_logs(engine: str, mb: int) -> dict[str, float | str]:
    """Redact ``mb`` MB of log text in 64 KiB chunks; the output is hashed, not kept."""
    data = "".join(log_text(mb * 1_000_000)).encode()
    rss_input = peak_rss_mb()
    redactor = Redactor(engine=engine, key=b"b" * 32)
    counts: Counter[str] = Counter()
    digest = hashlib.sha256()  # to compare the engines' outputs without keeping them
    outputs = redactor.stream(chunks_of(data), counts)
    elapsed = 0.0
    while True:
        start = time.perf_counter()
        out = next(outputs, None)
        elapsed += time.perf_counter() - start  # the redaction only, not the hashing
        if out is None:
            break
        digest.update(out)
    return {
        "engine": redactor.engine,
        "mb_s": len(data) / 1e6 / elapsed,
        "mb": len(data) / 1e6,
        "lines": data.count(b"\n"),
        "replacements": sum(counts.values()),
        "sha256": digest.hexdigest(),
        "rss_input": rss_input,
        "rss_peak": peak_rss_mb(),
    }


def run_long_line(engine: str, mb: int) -> dict[str, float | str]:
    """Stream one ``mb`` MB line (no newline at all), a secret in every MB."""
    piece = (b"abcdefghij" * 6553 + b" ") * 16
    piece = piece[: 1 << 20]
    secret = b" password=hunter2 "
    block = piece[: len(piece) - len(secret)] + secret

    def blocks() -> Iterator[bytes]:
        for _ in range(mb):
            for i in range(0, len(block), CHUNK):
                yield block[i : i + CHUNK]

    redactor = Redactor(engine=engine, key=b"b" * 32)
    rss_before = peak_rss_mb()
    start = time.perf_counter()
    found = 0
    for out in redactor.stream(blocks()):
        found += out.count(b"[REDACTED:password]")
    elapsed = time.perf_counter() - start
    return {
        "engine": redactor.engine,
        "mb_s": mb * (1 << 20) / 1e6 / elapsed,
        "secrets_found": found,
        "rss_before": rss_before,
        "rss_peak": peak_rss_mb(),
    }


def child(kind: str, engine: str, mb: int) -> dict[str, float | str]:
    """Run one measurement in a fresh interpreter, so its peak RSS is its own."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--engine", engine, "--mb", str(mb)],
        capture_output=True, text=True, check=True,
    )
    result: dict[str, float | str] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50, help="size of the log text (MB)")
    parser.add_argument("--long-mb", type=int, default=100, help="size of the single line (MB)")
    parser.add_argument("--engine", choices=["python", "hyperscan", "both"], default="both")
    parser.add_argument("--child", choices=["logs", "long"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run = run_logs if args.child == "logs" else run_long_line
        print(json.dumps(run(args.engine, args.mb)))
        return

    engines = ["python", "hyperscan"] if args.engine == "both" else [args.engine]
    if "hyperscan" in engines and load_hyperscan() is None:
        print("hyperscan not installed: skipping the fast path")
        engines.remove("hyperscan")
    digests = set()
    for engine in engines:
        r = child("logs", engine, args.mb)
        digests.add(r["sha256"])
        print(f"{engine:>9}: log text {r['mb']:.0f} MB, {r['lines']} lines: {r['mb_s']:6.1f} MB/s, "
              f"{r['replacements']} replacements; peak RSS {r['rss_peak']:.0f} MB "
              f"(input held in memory: {r['rss_input']:.0f} MB)")
    if len(engines) == 2:
        print(f"outputs byte-identical: {len(digests) == 1}")
    for engine in engines:
        r = child("long", engine, args.long_mb)
        print(f"{engine:>9}: one {args.long_mb} MB line in 64 KiB chunks: {r['mb_s']:6.1f} MB/s, "
              f"{r['secrets_found']} of {args.long_mb} secrets redacted; peak RSS "
              f"{r['rss_peak']:.0f} MB (before: {r['rss_before']:.0f} MB)")


if __name__ == "__main__":
    main()
