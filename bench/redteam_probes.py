"""Run the red-team probes through the real CLI and count leaks and over-redactions.

The probes are corpus files (``tests/redaction_corpus/redteam_*.toml``, one
per category, and ``benign-redteam.txt``), written the way an outside
evaluator would write them: secrets and personal data in the shapes real
logs, configs and shell history hold them, and benign evidence lines that
must come out unchanged. ``tests/test_redaction_corpus.py`` asserts the same
cases; this script measures them end to end and prints a table:

* a **leak** is a value of a case's ``secrets`` still in the output;
* an **over-redaction** is a ``keep`` value of a case, or a benign line, that changed.

Each case is written to its own file and run as ``diagbundle redact FILE``
(``.json`` for JSON cases, so the JSON format is detected), with the default
engine (Hyperscan) and with Hyperscan unimportable (the pure-Python
prefilter), and the two outputs are compared byte for byte. ``--collect``
also puts a few cases into a bundle with ``diagbundle collect --attach`` and
reads them back from the zip. ``--api`` runs the Redactor in-process instead
of the CLI (fast, for iterating; same rules).

    python bench/redteam_probes.py [--api] [--collect] [--verbose]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT / "tests" / "redaction_corpus"
CLI = [sys.executable, "-c", "import sys; from diagbundle.cli import main; sys.exit(main())"]
#: ``diagbundle redact`` with Hyperscan unimportable: the install where no wheel exists.
CLI_PY = [sys.executable, "-c", "import sys; sys.modules['hyperscan'] = None; "
          "from diagbundle.cli import main; sys.exit(main())"]


def load_cases() -> list[dict[str, Any]]:
    return [
        {**case, "category": path.stem.removeprefix("redteam_")}
        for path in sorted(CORPUS.glob("redteam_*.toml"))
        for case in tomllib.loads(path.read_text())["case"]
    ]


def run_cli(argv: list[str], text: str, is_json: bool, folder: Path, n: int) -> str:
    path = folder / f"case-{n}.{'json' if is_json else 'txt'}"
    path.write_bytes(text.encode())
    done = subprocess.run([*argv, "redact", str(path)], capture_output=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"diagbundle redact failed on case {n}: {done.stderr.decode()}")
    return done.stdout.decode("utf-8", "surrogateescape")


def run_api(engine: str, text: str, is_json: bool) -> str:
    from diagbundle.redaction import Redactor

    return Redactor(engine=engine, key=b"r" * 32, username="zoe", hostname="zoe-box").redact(
        text, json=is_json)


def run_collect(cases: list[dict[str, Any]], folder: Path) -> list[str]:
    """A few cases through a real bundle: attach, collect, read the member back."""
    problems = []
    for n, case in enumerate(cases):
        path = folder / f"attach-{n}.{'json' if case.get('json') else 'log'}"
        path.write_text(case["text"])
        out = folder / f"bundle-{n}.zip"
        done = subprocess.run([*CLI, "collect", "--only", "attachments", "--offline", "-y", "--no-encrypt",
                               "--attach", str(path), "-o", str(out)], capture_output=True, check=False)
        if done.returncode != 0:
            problems.append(f"collect failed: {done.stderr.decode().strip()}")
            continue
        with zipfile.ZipFile(out) as z:
            member = next((m for m in z.namelist() if m.endswith(path.name)), None)
            body = z.read(member).decode() if member else ""
        if member is None:
            problems.append(f"{path.name} not in {z.namelist()}")
        for secret in case["secrets"]:
            if secret in body:
                problems.append(f"collect leak in {case['context']}: {secret!r}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", action="store_true", help="run the Redactor in-process, not the CLI")
    parser.add_argument("--collect", action="store_true", help="also check a few cases through a bundle")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every leak and loss")
    args = parser.parse_args()
    cases = load_cases()
    benign = (CORPUS / "benign-redteam.txt").read_text()
    engines = ["hyperscan", "python"]
    secrets: dict[str, int] = defaultdict(int)
    leaks: dict[tuple[str, str], list[str]] = defaultdict(list)
    lost: dict[tuple[str, str], list[str]] = defaultdict(list)
    outputs: dict[str, list[str]] = {e: [] for e in engines}
    with tempfile.TemporaryDirectory(prefix="redteam-") as tmp:
        folder = Path(tmp)
        for engine in engines:
            argv = CLI if engine == "hyperscan" else CLI_PY
            benign_case = {"text": benign, "secrets": [], "keep": [], "category": "benign"}
            for n, case in enumerate([*cases, benign_case]):
                is_json = bool(case.get("json"))
                out = (run_api(engine, case["text"], is_json) if args.api
                       else run_cli(argv, case["text"], is_json, folder, n))
                outputs[engine].append(out)
                if case["category"] == "benign":
                    continue
                if engine == engines[0]:
                    secrets[case["category"]] += len(case["secrets"])
                for s in case["secrets"]:
                    if s in out:
                        leaks[(engine, case["category"])].append(f"{case['context']}: {s!r}")
                for k in case.get("keep", []):
                    if k not in out:
                        lost[(engine, case["category"])].append(f"{case['context']}: {k!r}")
        collect = run_collect([c for c in cases if c["category"] in ("config", "logs")][:6], folder) \
            if args.collect else []
    benign_lines = benign.splitlines(keepends=True)
    changed = {e: [(a, b) for a, b in zip(benign_lines, outputs[e][-1].splitlines(True), strict=False)
                   if a != b] for e in engines}
    print(f"{'category':<10} {'secrets':>7}  "
          + "  ".join(f"{e + ' leaks':>15} {e + ' lost':>14}" for e in engines))
    for cat in sorted(secrets):
        print(f"{cat:<10} {secrets[cat]:>7}  " + "  ".join(
            f"{len(leaks[(e, cat)]):>15} {len(lost[(e, cat)]):>14}" for e in engines))
    print(f"{'total':<10} {sum(secrets.values()):>7}  " + "  ".join(
        f"{sum(len(v) for (en, _), v in leaks.items() if en == e):>15} "
        f"{sum(len(v) for (en, _), v in lost.items() if en == e):>14}" for e in engines))
    for e in engines:
        print(f"benign ({e}): {len(changed[e])} of {len(benign_lines)} lines changed")
    same = outputs["hyperscan"] == outputs["python"]
    print(f"engines byte-identical: {same}")
    if args.collect:
        print(f"collect --attach: {len(collect)} problems")
    if args.verbose:
        for (e, cat), items in sorted(leaks.items()):
            if e == engines[0]:
                for item in items:
                    print(f"  LEAK [{cat}] {item}")
        for (e, cat), items in sorted(lost.items()):
            if e == engines[0]:
                for item in items:
                    print(f"  LOST [{cat}] {item}")
        for a, b in changed[engines[0]]:
            print(f"  BENIGN -{a.rstrip()}\n         +{b.rstrip()}")
        for p in collect:
            print(f"  {p}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
