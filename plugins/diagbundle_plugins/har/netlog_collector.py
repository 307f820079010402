"""The ``netlog`` format step and collector: ``--netlog FILE`` into ``netlog/``.

Chrome's net-export (chrome://net-export) writes what a HAR does not show:
proxy resolution, PAC scripts, DNS, sockets, TLS handshakes. Like ``--har``,
a file that is not a NetLog stops the run with a one-line error; the
findings (proxy and error events) go to ``netlog/findings.json`` and
summary.md once the format step has run.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from diagbundle import Context, Format, FormatJob, UsageError
from diagbundle_plugins.har.netlog import NetlogFindings, sanitize_netlog
from diagbundle_plugins.har.report import describe
from diagbundle_plugins.har.scrubber import Scrubber
from diagbundle_plugins.har.stream import BOM
from diagbundle_plugins.paths import read_head

_HEAD = re.compile(rb'\A\s*\{\s*"constants"\s*:\s*\{')
_KEYS = (b'"logEventTypes"', b'"logFormatVersion"', b'"clientInfo"', b'"logEventPhase"')
FINDINGS = "findings.json"


def detect(name: str, head: bytes) -> bool:
    """JSON that opens with net-export's ``{"constants": {`` and names its tables."""
    if head.startswith(BOM):
        head = head[len(BOM):]
    return _HEAD.match(head) is not None and any(k in head for k in _KEYS)


def sanitize(source: IO[bytes], job: FormatJob) -> Iterator[bytes]:
    scrub = Scrubber(job.redactor, job.counts)
    found = NetlogFindings()
    job.report["netlog"] = found
    return sanitize_netlog(source, scrub, found)


NETLOG_FORMAT = Format(
    "netlog",
    "Chrome NetLog export: headers, cookies, URLs and raw bytes scrubbed; still valid JSON",
    detect,
    sanitize,
    media_type="application/json",
    text=True,
)


def _given(ctx: Context) -> list[Path]:
    return [Path(p) for p in ctx.options.get("netlog") or []]


def check(ctx: Context) -> str | None:
    paths = _given(ctx)
    for path in paths:
        if not detect(path.name, read_head("--netlog", path)):
            raise UsageError(f'--netlog {path}: not a Chrome NetLog file (expected JSON with "constants")')
    return None if paths else "no --netlog given"


def plan(ctx: Context) -> list[str]:
    return [str(p) for p in _given(ctx)]


def collect(ctx: Context) -> None:
    paths = _given(ctx)
    ctx.state["findings"] = []
    for path in paths:
        done: dict[str, Any] = {}
        name = ctx.add_file(f"{path.stem}.json", path, report=done, required=True,
                            then=functools.partial(_summarise, ctx, path, done, len(paths)))
        ctx.state.setdefault("names", {})[path] = name


def _summarise(ctx: Context, path: Path, done: dict[str, Any], expected: int) -> None:
    found = done.get("netlog")
    counts = done.get("counts")
    if not isinstance(found, NetlogFindings):
        raise UsageError(f"--netlog {path}: not handled as a NetLog file")
    name = ctx.state["names"][path]
    line = f"- `{name}` from `{path.name}`"
    ctx.summary(line + (f"; scrubbed: {describe(counts)}" if counts else ""))
    for item in found.summary_lines():
        ctx.summary(item)
    ctx.state["findings"].append({"file": name, "source": path.name, **found.as_json()})
    if len(ctx.state["findings"]) == expected:
        ctx.add_json(FINDINGS, {"files": ctx.state["findings"]})
