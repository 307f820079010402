"""manifest.json and summary.md: what the bundle holds, for machines and people.

Neither ever holds a secret or the pseudonym mapping: the command line and
options are redacted like everything else, and redaction counts are counts.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from diagbundle import __version__
from diagbundle.clock import Timestamp
from diagbundle.context import Entry
from diagbundle.redaction import Redactor
from diagbundle.runner import CollectorResult

FORMAT_VERSION = 1


def redacted_command(redactor: Redactor, argv: Sequence[str], options: Mapping[str, Any]) -> dict[str, Any]:
    """The command line and options as they go into the manifest: redacted."""
    safe: dict[str, Any] = {}
    for key, value in sorted(options.items()):
        if isinstance(value, (list, tuple)):
            safe[key] = [redactor.redact(str(v)) for v in value]
        elif isinstance(value, str):
            safe[key] = redactor.redact(value)
        else:
            safe[key] = (
                value if isinstance(value, (bool, int, float, type(None))) else redactor.redact(str(value))
            )
    return {"argv": [redactor.redact(a) for a in argv], "options": safe}


def build_manifest(
    *,
    bundle_id: str,
    created: Timestamp,
    command: dict[str, Any],
    plugins: Iterable[Mapping[str, Any]],
    results: Sequence[CollectorResult],
    entries: Sequence[Entry],
) -> dict[str, Any]:
    """The manifest as a dict; every file listed with its size and sha256."""
    files = []
    totals: Counter[str] = Counter()
    for entry in entries:
        totals.update(entry.counts)
        files.append(
            {
                "path": entry.arcname,
                "size": entry.size,
                "sha256": entry.sha256,
                "media_type": entry.media_type,
                "collector": entry.collector,
                "scrubbed": entry.scrubbed,
                "format": entry.format,
                "truncated": entry.truncated,
                "error": entry.error,
                "redactions": dict(sorted(entry.counts.items())),
            }
        )
    return {
        "format_version": FORMAT_VERSION,
        "diagbundle_version": __version__,
        "bundle_id": bundle_id,
        "created": dict(created),
        "python": sys.version.split()[0],
        "command": command,
        "plugins": list(plugins),
        "collectors": [r.as_dict() for r in results],
        "files": files,
        "redactions": dict(sorted(totals.items())),
    }


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()


def render_summary(
    *,
    bundle_id: str,
    created: Timestamp,
    results: Sequence[CollectorResult],
    entries: Sequence[Entry],
    sections: Mapping[str, list[str]],
) -> bytes:
    """summary.md: what ran, what was skipped and why, what failed, redactions."""
    zone = f" ({created['zone']})" if created["zone"] else ""
    lines = [
        "# Diagnostic bundle",
        "",
        f"- Created: {created['local']}{zone}, {created['utc']}",
        f"- diagbundle {__version__}, bundle id `{bundle_id}`",
        "",
        "## Collectors",
        "",
        "| collector | status | time | note |",
        "|---|---|---|---|",
    ]
    for r in results:
        took = f"{r.duration:.2f} s" if r.status not in ("skipped",) else ""
        note = (r.reason or "").replace("|", "\\|")
        lines.append(f"| {r.name} | {r.status} | {took} | {note} |")
    totals: Counter[str] = Counter()
    for entry in entries:
        totals.update(entry.counts)
    lines += ["", "## Redactions", ""]
    if totals:
        lines += [f"- {rule}: {count}" for rule, count in sorted(totals.items())]
    else:
        lines.append("- nothing redacted in collected output")
    if any(e.source != "spool" for e in entries):
        lines.append(
            "- files attached by path, and the output of format steps such as HAR, get their "
            "last text pass while the bundle is written: the counts of that pass are in manifest.json"
        )
    unscrubbed = [e.arcname for e in entries if not e.scrubbed]
    if unscrubbed:
        lines += ["", "## Not scrubbed", ""]
        lines += [f"- `{name}`: binary, included as is" for name in unscrubbed]
    for r in results:
        body = sections.get(r.name)
        if body:
            lines += ["", f"## {r.name}", "", *body]
    return ("\n".join(lines) + "\n").encode()
