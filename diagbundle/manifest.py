"""manifest.json and summary.md: what the bundle holds, for machines and people.

Both are written after every other member, so the redaction totals they
state are the real ones, and they state the same ones (``inspect`` checks
that they agree). Neither ever holds a secret or the pseudonym mapping: the
command line and options are redacted like everything else, redaction
counts are counts, and summary.md goes through the text pass itself.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from diagbundle import __version__
from diagbundle.clock import Timestamp
from diagbundle.context import Dropped, Entry, SummaryLine
from diagbundle.redaction.view import RedactionView
from diagbundle.runner import CollectorResult
from diagbundle.writer import totals

FORMAT_VERSION = 2
SUMMARY = "summary.md"
REDACTIONS_HEADING = "## Redactions"


def redacted_command(
    redactor: RedactionView, argv: Sequence[str], options: Mapping[str, Any]
) -> dict[str, Any]:
    """The command line and options as they go into the manifest: redacted.

    ``--redact-pattern`` values name what the user wants hidden, so they are
    recorded only as a count, never as the pattern itself.
    """
    safe: dict[str, Any] = {}
    for key, value in sorted(options.items()):
        if key == "redact_patterns":
            safe[key] = len(value)
        elif isinstance(value, (list, tuple)):
            safe[key] = [redactor.redact(str(v)) for v in value]
        elif isinstance(value, str):
            safe[key] = redactor.redact(value)
        else:
            safe[key] = (
                value if isinstance(value, (bool, int, float, type(None))) else redactor.redact(str(value))
            )
    args: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            args.append("[pattern]")
            hide_next = False
        elif arg == "--redact-pattern":
            args.append(arg)
            hide_next = True
        elif arg.startswith("--redact-pattern="):
            args.append("--redact-pattern=[pattern]")
        else:
            args.append(redactor.redact(arg))
    return {"argv": args, "options": safe}


def build_manifest(
    *,
    bundle_id: str,
    created: Timestamp,
    command: dict[str, Any],
    plugins: Iterable[Mapping[str, Any]],
    results: Sequence[CollectorResult],
    entries: Sequence[Entry],
    dropped: Sequence[Dropped] = (),
    complete: bool = True,
) -> dict[str, Any]:
    """The manifest as a dict; every file listed with its size, sha256 and counts."""
    files = [
        {
            "path": entry.arcname,
            "size": entry.size,
            "sha256": entry.sha256,
            "media_type": entry.media_type,
            "collector": entry.collector,
            "scrubbed": entry.scrubbed,
            "format": entry.format.name if entry.format is not None else None,
            "truncated": entry.truncated,
            "error": entry.error,
            "source_encoding": entry.encoding,
            "redactions": dict(sorted(entry.counts.items())),
        }
        for entry in entries
    ]
    overall, per_collector = totals(e for e in entries if e.arcname != SUMMARY)
    return {
        "format_version": FORMAT_VERSION,
        "diagbundle_version": __version__,
        "bundle_id": bundle_id,
        "created": dict(created),
        "python": sys.version.split()[0],
        "command": command,
        "complete": complete,
        "plugins": list(plugins),
        "collectors": [r.as_dict() for r in results],
        "files": files,
        "dropped": [{"path": d.arcname, "collector": d.collector, "reason": d.reason} for d in dropped],
        "redactions": dict(sorted(overall.items())),
        "redactions_by_collector": {
            name: sum(counts.values()) for name, counts in sorted(per_collector.items())
        },
    }


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()


def render_summary(
    *,
    bundle_id: str,
    created: Timestamp,
    results: Sequence[CollectorResult],
    entries: Sequence[Entry],
    sections: Mapping[str, list[SummaryLine]],
    dropped: Sequence[Dropped] = (),
    first: Sequence[str] = (),
) -> list[tuple[str, frozenset[str]]]:
    """summary.md: what ran, what was skipped and why, what failed, the real redaction totals.

    Returned as parts, each with the values it may keep readable (a ticket
    line shows the e-mail the user typed; the rest of the file does not).
    ``first`` names collectors whose section goes at the top.
    """
    zone = f" ({created['zone']})" if created["zone"] else ""
    parts: list[tuple[str, frozenset[str]]] = [("# Diagnostic bundle\n", frozenset())]
    for name in first:
        parts += _section(name, sections.get(name, []), level="##")
    lines = ["", "## This bundle", ""] if parts[1:] else [""]
    lines += [
        f"- Created: {created['local']}{zone}, {created['utc']}",
        f"- diagbundle {__version__}, bundle id `{bundle_id}`",
    ]
    bad = [r for r in results if r.status in ("failed", "timed out")]
    if bad:
        lines.append("- **Incomplete**: " + "; ".join(f"{r.name} {r.status}" for r in bad))
    elif results and all(r.status == "skipped" for r in results):
        lines.append("- **Incomplete**: every collector was skipped")
    lines += ["", "## Collectors", "", "| collector | status | time | note |", "|---|---|---|---|"]
    for r in results:
        took = f"{r.duration:.2f} s" if r.status != "skipped" else ""
        lines.append(f"| {r.name} | {r.status} | {took} | {_cell(r.reason or '')} |")
    overall, per_collector = totals(entries)
    lines += ["", REDACTIONS_HEADING, ""]
    total = sum(overall.values())
    if total:
        lines += [f"{total} value{'s' if total != 1 else ''} redacted in the files of this bundle.", "",
                  "| collector | redactions |", "|---|---|"]
        lines += [f"| {name} | {sum(c.values())} |" for name, c in sorted(per_collector.items())
                  if sum(c.values())]
        lines += ["", "| rule | redactions |", "|---|---|"]
        lines += [f"| {rule} | {count} |" for rule, count in sorted(overall.items())]
    else:
        lines.append("Nothing was redacted in the files of this bundle.")
    unscrubbed = [e.arcname for e in entries if not e.scrubbed]
    cut = [e for e in entries if e.truncated or e.error]
    if unscrubbed or cut or dropped:
        lines += ["", "## Not scrubbed, cut short or left out", ""]
        lines += [f"- `{name}`: binary, included as is (not scrubbed)" for name in unscrubbed]
        lines += [f"- `{e.arcname}`: {e.error or 'truncated'}" for e in cut]
        lines += [f"- `{d.arcname}`: left out ({d.reason})" for d in dropped]
    parts.append(("\n".join(lines) + "\n", frozenset()))
    for r in results:
        if r.name not in first:
            parts += _section(r.name, sections.get(r.name, []), level="##")
    return parts


def _section(name: str, lines: Sequence[SummaryLine], *, level: str) -> list[tuple[str, frozenset[str]]]:
    if not lines:
        return []
    return [(f"\n{level} {name}\n\n", frozenset()), *((line.text + "\n", line.keep) for line in lines)]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_ROW = re.compile(r"^\| (?P<name>[^|]+?) \| (?P<count>\d+) \|$")


def summary_totals(summary: str) -> tuple[Counter[str], Counter[str]]:
    """The per-collector and per-rule totals that a summary.md states (for ``inspect``)."""
    by_collector: Counter[str] = Counter()
    by_rule: Counter[str] = Counter()
    section = summary.partition(f"\n{REDACTIONS_HEADING}\n")[2].split("\n## ", 1)[0]
    table: Counter[str] | None = None
    for line in section.splitlines():
        if line.startswith("| collector |"):
            table = by_collector
        elif line.startswith("| rule |"):
            table = by_rule
        elif table is not None and (m := _ROW.match(line)):
            table[m["name"]] += int(m["count"])
    return by_collector, by_rule
