"""Measure redaction throughput (MB/s) and peak memory on realistic log text.

Generates log-like text (access logs, app logs with request ids and SHAs,
JSON log lines, stack traces, SQL, LLM usage lines with ``max_tokens``),
mostly benign with a sprinkling of secrets and PII, then streams it through
the redactor in 64 KiB chunks with each engine. Also runs one 100 MB single
line through the stream to show memory stays flat. Prints figures only.

Then, on the same text written to a file, side by side: ``gzip -6`` on it,
``diagbundle redact FILE`` end to end as installed (Hyperscan when it
loads, one worker process per core) and with Hyperscan hidden (the
pure-Python fallback), each also with ``--workers 0`` (one process), the
pure-Python prefilter with and without its fast passes, and building a
redactor cold (empty database cache) and warm. Last, the ceiling of the
design: each prefilter alone, what deciding its candidate lines costs, and
what every core could give at best if each ran as fast as one process
alone. Targets are printed, not asserted: default install >= 150 MB/s, pure Python >= 60 MB/s, warm build
<= 50 ms. The machine is shared: CPU seconds (all processes) are printed beside wall time.

    python bench/bench_redact.py [--mb 50] [--long-mb 100] [--engine python|hyperscan|both]

Each measurement runs in its own child process, so the peak RSS printed is
that measurement's own.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from diagbundle.redaction import Redactor, views
from diagbundle.redaction.lines import slices
from diagbundle.redaction.parallel import default_workers
from diagbundle.redaction.prefilter import PythonPrefilter, load_hyperscan, project

CHUNK = 64 << 10
#: Throughput targets (MB/s): the default install (Hyperscan) and the pure-Python fallback.
TARGETS = {"hyperscan": 150, "python": 60}
TRIGGER = views.TRIGGER

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


class ReSearchOnly(PythonPrefilter):
    """The pure-Python prefilter without its fast passes: every scan by ``re.search``.

    (Line starts and digit-led parts too; no ``bytes.find`` seek and no
    narrowing of a shared scan's hit to the rules whose part matched.)
    """

    def __init__(self, triggers: list[tuple[str, ...]]) -> None:
        super().__init__(triggers)
        self._scans = [*((pattern, mask, None) for pattern, mask, _ in self._scans),
                       *((pattern, mask, None) for _, pattern, mask in self._line_starts),
                       *((pattern, mask, None) for _, pattern, mask in self._digit_runs)]
        self._precise = [None] * len(self._scans)
        self._line_starts, self._digit_runs = [], []


def make_redactor(engine: str) -> Redactor:
    """A redactor for ``engine``; ``python-old`` is the pure-Python path without its fast passes."""
    redactor = Redactor(engine="python" if engine == "python-old" else engine, key=b"b" * 32)
    if engine == "python-old":
        compiled = redactor._snapshot()
        triggers = [r.triggers for r in compiled.rules] + [(TRIGGER,)]
        redactor._compiled = dataclasses.replace(compiled, prefilter=ReSearchOnly(triggers))
    return redactor


def run_logs(engine: str, mb: int) -> dict[str, float | str]:
    """Redact ``mb`` MB of log text in 64 KiB chunks; the output is hashed, not kept."""
    data = "".join(log_text(mb * 1_000_000)).encode()
    rss_input = peak_rss_mb()
    redactor = make_redactor(engine)
    counts: Counter[str] = Counter()
    digest = hashlib.sha256()  # to compare the engines' outputs without keeping them
    outputs = redactor.stream(chunks_of(data), counts)
    elapsed = cpu = 0.0
    while True:
        start, start_cpu = time.perf_counter(), time.process_time()
        out = next(outputs, None)
        elapsed += time.perf_counter() - start  # the redaction only, not the hashing
        cpu += time.process_time() - start_cpu
        if out is None:
            break
        digest.update(out)
    return {
        "engine": engine,
        "mb_s": len(data) / 1e6 / elapsed,
        "cpu_mb_s": len(data) / 1e6 / cpu,
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


def run_prefilter(engine: str, mb: int) -> dict[str, float | str]:
    """The prefilter alone, then the whole redaction, on the same text in one process.

    The prefilter gets pieces of whole lines the size of the run's chunks.
    What the whole redaction takes beyond it is deciding the candidate lines
    in Python: the two costs bound what more processes can give (see
    :func:`print_ceiling`). CPU seconds, so another process on the machine
    does not count.
    """
    text = "".join(log_text(mb * 1_000_000))
    data = text.encode()
    redactor = make_redactor(engine)
    prefilter = redactor._snapshot().prefilter
    pieces = slices(text, CHUNK)
    prefilter.candidates(project(pieces[0]))  # an automaton or scratch built on first use
    lines = 0
    start = time.process_time()
    for piece in pieces:
        lines += len(prefilter.candidates(project(piece)))
    scan = time.process_time() - start
    start = time.process_time()
    for _ in redactor.stream(chunks_of(data)):
        pass
    whole = time.process_time() - start
    size = len(data) / 1e6
    return {"engine": engine, "scan_s_mb": scan / size, "whole_s_mb": whole / size,
            "lines_per_mb": lines / size}


def print_ceiling(r: dict[str, float | str], cores: int, target: float) -> None:
    """What ``cores`` processes could reach at best, from one process's two costs.

    The bound assumes each process runs as fast as one alone and the main
    process (reading, placeholders, writing) costs nothing: neither holds.
    Also what deciding a line would have to cost for ``target`` MB/s.
    """
    scan, whole, lines = float(r["scan_s_mb"]), float(r["whole_s_mb"]), float(r["lines_per_mb"])
    need = (f"{(cores / target - scan) / lines * 1e6:.1f} us a line" if cores / target > scan
            else "a faster prefilter")
    print(f"{r['engine']:>9}: prefilter alone {1 / scan:6.1f} MB/s CPU, {lines:.0f} candidate lines a MB, "
          f"deciding them {(whole - scan) / lines * 1e6:.1f} us a line in Python; at best on {cores} cores: "
          f"{cores / whole:.0f} MB/s ({cores / scan:.0f} MB/s if deciding cost nothing); "
          f"{target:.0f} MB/s would need {need}")


def run_build(engine: str, mb: int) -> dict[str, float | str]:
    """Build a redactor (rules, then every Hyperscan database, the threaded one too)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    redactor = Redactor(engine=engine, key=b"b" * 32)
    compiled = redactor._snapshot()
    single = getattr(compiled.prefilter, "_single", None)
    if single is not None:
        single.result()
    return {"engine": redactor.engine, "ms": (time.perf_counter() - start) * 1000,
            "cpu_ms": (time.process_time() - start_cpu) * 1000}


def child(kind: str, engine: str, mb: int, env: dict[str, str] | None = None) -> dict[str, float | str]:
    """Run one measurement in a fresh interpreter, so its peak RSS is its own."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--engine", engine, "--mb", str(mb)],
        capture_output=True, text=True, check=True, env=env,
    )
    result: dict[str, float | str] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50, help="size of the log text (MB)")
    parser.add_argument("--long-mb", type=int, default=100, help="size of the single line (MB)")
    parser.add_argument("--engine", choices=["python", "python-old", "hyperscan", "both"], default="both")
    parser.add_argument("--child", choices=["logs", "long", "build", "prefilter"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kinds = {"logs": run_logs, "long": run_long_line, "build": run_build, "prefilter": run_prefilter}
        run = kinds[args.child]
        print(json.dumps(run(args.engine, args.mb)))
        return

    engines = ["python", "hyperscan"] if args.engine == "both" else [args.engine]
    side_by_side(args.mb, "hyperscan" in engines and load_hyperscan() is not None)
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
    sample, cores = min(args.mb, 10), os.cpu_count() or 1
    print(f"the ceiling of this design: one process's prefilter and decisions ({sample} MB), scaled to "
          f"every core ({cores} here) with nothing else to do:")
    for engine in engines:
        print_ceiling(child("prefilter", engine, sample), cores, TARGETS.get(engine, TARGETS["python"]))
    for engine in engines:
        r = child("long", engine, args.long_mb)
        print(f"{engine:>9}: one {args.long_mb} MB line in 64 KiB chunks: {r['mb_s']:6.1f} MB/s, "
              f"{r['secrets_found']} of {args.long_mb} secrets redacted; peak RSS "
              f"{r['rss_peak']:.0f} MB (before: {r['rss_before']:.0f} MB)")


#: Runs ``diagbundle redact`` with Hyperscan unimportable: the install where no wheel exists.
NO_HYPERSCAN = ("import sys; sys.modules['hyperscan'] = None; "
                "from diagbundle.cli import main; sys.exit(main())")


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds (children included) of one command, its output discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def side_by_side(mb: int, hyperscan: bool) -> None:
    """gzip, the CLI end to end (both paths), the Python prefilter old/new, build cold/warm."""
    with tempfile.TemporaryDirectory(prefix="bench-redact-") as folder:
        path = Path(folder) / "app.log"
        with path.open("w") as out:
            out.writelines(log_text(mb * 1_000_000))
        size = path.stat().st_size / 1e6
        env = {**os.environ, "DIAGBUNDLE_CACHE_DIR": str(Path(folder) / "cache")}

        def line(label: str, wall: float, cpu: float, target: str = "") -> None:
            print(f"{label:<52} {size / wall:6.1f} MB/s wall, {size / cpu:6.1f} MB/s CPU{target}")

        print(f"side by side on {size:.0f} MB of log text in one file:")
        line("gzip -6", *timed(["gzip", "-6", "-c", str(path)]))
        cli = [sys.executable, "-m", "diagbundle", "redact", str(path)]
        workers = default_workers(busy=False)
        if hyperscan:
            timed(cli, env)  # fills the database cache, as any earlier run would
            line(f"diagbundle redact (default: Hyperscan, {workers} workers)", *timed(cli, env),
                 f"   target >= {TARGETS['hyperscan']}")
            line("diagbundle redact --workers 0 (Hyperscan, one process)",
                 *timed([*cli, "--workers", "0"], env))
        no_hyperscan = [sys.executable, "-c", NO_HYPERSCAN, "redact", str(path)]
        line(f"diagbundle redact (pure Python, {workers} workers)", *timed(no_hyperscan, env),
             f"   target >= {TARGETS['python']}")
        line("diagbundle redact --workers 0 (pure Python, one process)",
             *timed([*no_hyperscan, "--workers", "0"], env))
        for engine, label in (("python-old", "python prefilter, plain re.search per scan"),
                              ("python", "python prefilter (seek, narrowing, fast passes)")):
            r = child("logs", engine, mb)
            print(f"{label:<52} {r['mb_s']:6.1f} MB/s wall, {r['cpu_mb_s']:6.1f} MB/s CPU "
                  f"(redaction only, 64 KiB chunks)")
        if hyperscan:
            cache = Path(folder) / "build-cache"
            build_env = {**os.environ, "DIAGBUNDLE_CACHE_DIR": str(cache)}
            cold = child("build", "hyperscan", mb, build_env)
            warm = [child("build", "hyperscan", mb, build_env) for _ in range(3)]
            best = min(warm, key=lambda r: float(r["ms"]))
            print(f"{'redactor build, Hyperscan':<52} cold {cold['ms']:6.0f} ms, warm {best['ms']:6.0f} ms "
                  f"(CPU {cold['cpu_ms']:.0f} / {best['cpu_ms']:.0f} ms)   target warm <= 50")
        python = child("build", "python", mb)
        print(f"{'redactor build, pure Python':<52} {python['ms']:6.0f} ms (CPU {python['cpu_ms']:.0f} ms)")
        print()


if __name__ == "__main__":
    main()
