"""The ``har`` collector: ``--har PATH`` files (and ``--har-discover``) into ``har/``.

Paths are checked before anything is written. The file itself goes through
``ctx.add_file``, so the core runs the ``har`` format step on it; a file that
is not a valid HAR stops the whole run with a one-line error (the user asked
for that file, and including it unsanitized or silently leaving it out would
both be wrong).
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path
from typing import Any

from diagbundle import Context, FormatError, UsageError
from diagbundle_plugins.har import report
from diagbundle_plugins.har.discover import discover
from diagbundle_plugins.har.format import detect
from diagbundle_plugins.paths import read_head

HEAD_SIZE = 64 << 10
MAX_IDS_IN_SUMMARY = 50

#: Files chosen in ``check`` (given and discovered) for the same context's ``collect``.
_chosen: weakref.WeakKeyDictionary[Context, list[Path]] = weakref.WeakKeyDictionary()


def _given(ctx: Context) -> list[Path]:
    return [Path(p) for p in ctx.options.get("har") or []]


def _validate(path: Path) -> None:
    head = read_head("--har", path, HEAD_SIZE)
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
    _chosen[ctx] = paths
    if not paths:
        return "no HAR file chosen with --har-discover" if ctx.options.get("har_discover") \
            else "no --har given"
    return None


def plan(ctx: Context) -> list[str]:
    return [os.fspath(p) for p in _given(ctx)]


def collect(ctx: Context) -> None:
    for path in _chosen.pop(ctx, None) or _given(ctx):
        done: dict[str, Any] = {}
        try:
            name = ctx.add_file(f"{path.stem}.har", path, report=done)
        except FormatError as err:
            raise UsageError(f"--har {path}: {err}") from None
        found = done.get("har")
        if not isinstance(found, report.HarReport):
            raise UsageError(f"--har {path}: not handled as a HAR file")
        ctx.summary(f"- `{name}` from `{path.name}`: {found.entries} entries; "
                    f"scrubbed: {report.describe(found.counts)}")
        _summarise_ids(ctx, found.request_ids)


def _summarise_ids(ctx: Context, ids: list[tuple[str, str]]) -> None:
    if not ids:
        return
    shown = [f"{name} `{value.replace('`', chr(39))}`" for name, value in ids[:MAX_IDS_IN_SUMMARY]]
    more = f" (and {len(ids) - MAX_IDS_IN_SUMMARY} more in the HAR)" if len(ids) > MAX_IDS_IN_SUMMARY else ""
    ctx.summary(f"  - request IDs: {', '.join(shown)}{more}")
