"""Core benchmarks: start time, peak memory on 1 GB of attachments, speed against ``zip -6``.

Prints figures; asserts nothing (targets from issue 2 are shown beside them).

    python bench/bench_core.py                 # all three
    python bench/bench_core.py startup         # or: memory, zip
    python bench/bench_core.py memory --gb 0.25

Every figure comes from a real ``diagbundle`` child process except the
"core only" rows, which run ``diagbundle.collect()`` in a child with the
redactor's rules emptied (``Redactor(rules=[])``) to separate the core's own
cost (read, decode, re-encode, hash, deflate, write) from redaction.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path

from _launch import launch

PY = sys.executable
SCRIPT = shutil.which("diagbundle", path=str(Path(PY).parent)) or shutil.which("diagbundle")


def median_time(cmd: list[str], runs: int) -> float:
    launch(cmd)  # warm the page cache
    return statistics.median(launch(cmd)[0] for _ in range(runs))


# -- 1. start time -------------------------------------------------------------------------------


def bench_startup(runs: int = 20) -> None:
    print(f"== start time (median of {runs} runs; target <= 0.150 s)")
    bare = median_time([PY, "-c", "pass"], runs)
    rows = [("python -c pass (interpreter alone)", [PY, "-c", "pass"])]
    if SCRIPT:
        rows.append(("diagbundle --version (console script)", [SCRIPT, "--version"]))
    rows += [
        ("python -m diagbundle --version", [PY, "-m", "diagbundle", "--version"]),
        ("python -c 'import diagbundle'", [PY, "-c", "import diagbundle"]),
        ("python -c 'import diagbundle.api' (what collect loads)", [PY, "-c", "import diagbundle.api"]),
    ]
    for label, cmd in rows:
        t = bare if cmd == [PY, "-c", "pass"] else median_time(cmd, runs)
        extra = "" if cmd == [PY, "-c", "pass"] else f"  (+{t - bare:.3f} s over the interpreter)"
        print(f"  {label:<58} {t:.3f} s{extra}")


# -- test data ----------------------------------------------------------------------------------------


def log_block(size: int, seed: int) -> bytes:
    """About ``size`` bytes of varied, log-like text, with the odd e-mail, IP and key=value secret."""
    rng = random.Random(seed)
    words = ["request", "served", "cache", "miss", "user", "session", "retry", "upstream", "GET",
             "POST", "/api/v1/items", "/login", "/static/app.js", "timeout", "ok", "latency"]  # fmt: skip
    levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"]
    out: list[str] = []
    total = 0
    n = 0
    while total < size:
        n += 1
        msg = " ".join(rng.choice(words) for _ in range(rng.randint(4, 12)))
        extra = ""
        r = rng.random()
        if r < 0.02:
            extra = f" user=user{rng.randint(1, 500)}@example.com"
        elif r < 0.04:
            extra = f" client=10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        elif r < 0.045:
            extra = f" password=pw{rng.getrandbits(40):x}"
        line = (
            f"2026-11-21T04:{n // 60 % 60:02d}:{n % 60:02d}.{rng.randint(0, 999):03d}Z "
            f"{rng.choice(levels):<5} [{rng.choice(['web', 'db', 'auth', 'queue'])}-{rng.randint(1, 8)}] "
            f"{msg} id={rng.getrandbits(48):012x} took={rng.randint(1, 2000)}ms{extra}\n"
        )
        out.append(line)
        total += len(line)
    return "".join(out).encode()


def write_log(path: Path, size: int, seed: int = 0) -> None:
    """``size`` bytes of log: a 4 MiB block (farther apart than deflate's 32 KiB window) repeated."""
    block = log_block(4 << 20, seed)
    with path.open("wb") as fh:
        written = 0
        while written < size:
            piece = block[: size - written]
            fh.write(piece)
            written += len(piece)


#: The core without redaction: no rule at all (not even the user and host name ones).
#: Plain PluginManager, not diagbundle.testing, which needs pytest.
CORE_ONLY = """
import sys
import diagbundle.builder
from diagbundle.plugins import PluginManager
from diagbundle.redaction import Redactor
diagbundle.builder.build_redactor = lambda *args: Redactor(rules=[], username=False, hostname=False)
manager = PluginManager(autoload=False)
diagbundle.collect(sys.argv[1], manager=manager, only="attachments", attach=sys.argv[2:], force=True)
"""


def collect_cmd(out: Path, files: list[Path]) -> list[str]:
    attach = [a for f in files for a in ("--attach", str(f))]
    return [PY, "-m", "diagbundle", "collect", "--only", "attachments", *attach, "--force", "-o", str(out)]


def env_no_plugins() -> dict[str, str]:
    return {**os.environ, "DIAGBUNDLE_LOAD_PLUGINS": ""}


# -- 2. peak memory ------------------------------------------------------------------------------


def bench_memory(gb: float, tmp: Path) -> None:
    total = int(gb * (1 << 30))
    files = [tmp / f"big-{i}.log" for i in range(4)]
    print(f"== peak RSS bundling {total / (1 << 20):.0f} MiB of text attachments (4 files; target <= 100 MB)")
    for i, f in enumerate(files):
        write_log(f, total // 4, seed=i)
    out = tmp / "big.zip"
    mb = total / 1e6

    def row(label: str, cmd: list[str]) -> None:
        took, rss = launch(cmd, env=env_no_plugins())
        size = f"   zip {out.stat().st_size / 1e6:.0f} MB" if out.exists() else ""
        print(f"  {label:<36} {rss / 1024:7.1f} MB peak  {took:6.1f} s  {mb / took:6.1f} MB/s{size}")
        out.unlink(missing_ok=True)

    row("python -c pass (baseline)", [PY, "-c", "pass"])
    row("diagbundle collect --attach x4", collect_cmd(out, files))
    row("core only (Redactor(rules=[]))", [PY, "-c", CORE_ONLY, str(out), *map(str, files)])
    for f in files:
        f.unlink()


# -- 3. against zip -6 ------------------------------------------------------------------------------


def bench_zip(mb: int, tmp: Path, runs: int = 3) -> None:
    log = tmp / "app.log"
    write_log(log, mb << 20)
    data = log.read_bytes()
    print(f"== a {mb} MiB text log: diagbundle vs zip -6 (best of {runs}; target ratio <= 1.2)")
    zip_bin = shutil.which("zip")

    def best(cmd: list[str], out: Path, env: dict[str, str] | None = None) -> float:
        times = []
        for _ in range(runs):
            out.unlink(missing_ok=True)
            times.append(launch(cmd, env=env)[0])
        return min(times)

    started = time.perf_counter()
    zlib.compress(data, 6)
    floor = time.perf_counter() - started
    rows: list[tuple[str, float]] = [("zlib.compress(level 6), in-process floor", floor)]
    zipped, full, core = tmp / "z.zip", tmp / "d.zip", tmp / "c.zip"
    if zip_bin:
        rows.append(("zip -6", best([zip_bin, "-6", "-q", "-j", str(zipped), str(log)], zipped)))
    rows.append(("python -c pass", best([PY, "-c", "pass"], tmp / "none")))
    env = env_no_plugins()
    rows.append(("diagbundle collect (all rules)", best(collect_cmd(full, [log]), full, env=env)))
    core_cmd = [PY, "-c", CORE_ONLY, str(core), str(log)]
    rows.append(("core only (Redactor(rules=[]))", best(core_cmd, core, env=env)))
    base = dict(rows).get("zip -6")
    for label, t in rows:
        ratio = f"   ratio {t / base:5.2f}" if base else ""
        print(f"  {label:<44} {t:7.3f} s   {mb * 1.048576 / t:7.1f} MB/s{ratio}")
    if not zip_bin:
        print("  (zip not installed: apt-get install -y zip)")
    sizes = {n: (tmp / n).stat().st_size for n in ("z.zip", "d.zip", "c.zip") if (tmp / n).exists()}
    print("  output sizes: " + ", ".join(f"{n} {s / 1e6:.1f} MB" for n, s in sizes.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # default=None: argparse checks a list default against choices, and [] is not one of them.
    parser.add_argument("which", nargs="*", choices=["startup", "memory", "zip"], default=None)
    parser.add_argument("--gb", type=float, default=1.0, help="attachment total for the memory run")
    parser.add_argument("--mb", type=int, default=50, help="log size for the zip comparison")
    parser.add_argument("--runs", type=int, default=20, help="runs for the start-time medians")
    args = parser.parse_args()
    which = args.which or ["startup", "memory", "zip"]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="diagbundle-bench-") as folder:
        tmp = Path(folder)
        if "startup" in which:
            bench_startup(args.runs)
        if "zip" in which:
            bench_zip(args.mb, tmp)
        if "memory" in which:
            bench_memory(args.gb, tmp)


if __name__ == "__main__":
    main()
