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

MAX_IDS_IN_SUMMARY = 50


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
    for path in ctx.state.get("paths") or _given(ctx):
        done: dict[str, Any] = {}
        name = ctx.add_file(f"{path.stem}.har", path, report=done, required=True,
                            then=functools.partial(_summarise, ctx, path, done))
        ctx.state.setdefault("names", {})[path] = name


def _summarise(ctx: Context, path: Path, done: dict[str, Any]) -> None:
    """Summary lines for one HAR, from what its format step found."""
    found = done.get("har")
    if not isinstance(found, report.HarReport):
        raise UsageError(f"--har {path}: not handled as a HAR file")
    name = ctx.state["names"][path]
    ctx.summary(f"- `{name}` from `{path.name}`: {found.entries} entries; "
                f"scrubbed: {report.describe(found.counts)}")
    _summarise_ids(ctx, found.request_ids)
    # For the ticket: request IDs found in HAR files are listed next to the ones the user gave.
    ctx.shared.setdefault("request_ids", []).extend((path.name, value) for _, value in found.request_ids)


def _summarise_ids(ctx: Context, ids: list[tuple[str, str]]) -> None:
    if not ids:
        return
    shown = [f"{name} `{value.replace('`', chr(39))}`" for name, value in ids[:MAX_IDS_IN_SUMMARY]]
    more = f" (and {len(ids) - MAX_IDS_IN_SUMMARY} more in the HAR)" if len(ids) > MAX_IDS_IN_SUMMARY else ""
    ctx.summary(f"  - request IDs: {', '.join(shown)}{more}")
