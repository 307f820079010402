"""The ``har`` collector: ``--har PATH`` files (and ``--har-discover``) into ``har/``.

Paths are checked before anything is written. The file itself goes through
``ctx.add_file``, so the core runs the ``har`` format step on it; a file that
is not a valid HAR stops the whole run with a one-line error (the user asked
for that file, and including it unsanitized or silently leaving it out would
both be wrong). The summary lines come from the format step's report, once
the write stage has run it.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from diagbundle import Context, UsageError
from diagbundle_plugins.har import report
from diagbundle_plugins.har.discover import discover
from diagbundle_plugins.har.format import detect
from diagbundle_plugins.paths import read_head

FINDINGS = "findings.json"


def _given(ctx: Context) -> list[Path]:
    return [Path(p) for p in ctx.options.get("har") or []]


def _validate(path: Path) -> None:
    head = read_head("--har", path)
    if not detect(path.name, head):
        raise UsageError(f'--har {path}: not a HAR file (expected JSON with a "log" object)')


def check(ctx: Context) -> str | None:
    paths = _given(ctx)
    for path in paths:
        _validate(path)
    notes: list[str] = []
    if ctx.options.get("har_discover"):
        found, notes = discover(yes=bool(ctx.options.get("yes")))
        for path in found:
            _validate(path)
        paths += [p for p in found if p.resolve() not in {q.resolve() for q in paths}]
    for note in notes:
        ctx.summary(note)
    ctx.state["paths"] = paths  # given and discovered, for collect
    if not paths:
        return "no HAR file chosen with --har-discover" if ctx.options.get("har_discover") \
            else "no --har given"
    return None


def plan(ctx: Context) -> list[str]:
    return [os.fspath(p) for p in _given(ctx)]


def collect(ctx: Context) -> None:
    paths = ctx.state.get("paths") or _given(ctx)
    ctx.state["findings"] = []
    ctx.state["expected"] = len(paths)
    for path in paths:
        done: dict[str, Any] = {}
        name = ctx.add_file(f"{path.stem}.har", path, report=done, required=True,
                            then=functools.partial(_summarise, ctx, path, done))
        ctx.state.setdefault("names", {})[path] = name


def _summarise(ctx: Context, path: Path, done: dict[str, Any]) -> None:
    """Summary lines for one HAR, from what its format step found; the last one writes findings.json."""
    found = done.get("har")
    if not isinstance(found, report.HarReport):
        raise UsageError(f"--har {path}: not handled as a HAR file")
    name = ctx.state["names"][path]
    ctx.summary(f"- `{name}` from `{path.name}`: {found.entries} entries; "
                f"scrubbed: {report.describe(found.counts)}")
    for line in report.findings_lines(found.findings, f"har/{FINDINGS}"):
        ctx.summary(line)
    # For the ticket: request IDs found in HAR files are listed next to the ones the user gave.
    ctx.shared.setdefault("request_ids", []).extend((path.name, i.value) for i in found.findings.ids)
    ctx.state["findings"].append({"file": name, "source": path.name, **found.findings.as_json()})
    if len(ctx.state["findings"]) == ctx.state["expected"]:
        ctx.add_json(FINDINGS, {"files": ctx.state["findings"]})
