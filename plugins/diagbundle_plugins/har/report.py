"""What one sanitized HAR file yields for summary.md: counts and findings.

The format step stores a :class:`HarReport` in the job's ``report`` dict
under ``"har"``; the collector that passed that dict to ``ctx.add_file``
reads it back once the file is in. ``diagbundle redact`` ignores it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from diagbundle_plugins.har.findings import Findings
    from diagbundle_plugins.har.scrubber import Scrubber

#: Failed requests, IDs and slow requests shown in summary.md (findings.json has more).
SHOWN_FAILED = 10
SHOWN_IDS = 10
SHOWN_SLOWEST = 3

#: How each count kind reads in summary.md.
LABELS = {
    "har-cookie": "cookie values",
    "har-auth": "Authorization credentials",
    "har-header": "secret header values",
    "har-query": "query values",
    "har-url-path": "URL path tokens",
    "har-url-password": "URL passwords",
    "har-url-fragment": "URL fragment values",
    "har-body": "body fields",
    "har-text": "key=value secrets in text",
    "har-field": "other secret fields",
    "har-jwt": "JWTs defanged",
    "har-body-dropped": "bodies dropped",
    "har-comment": "comments dropped",
    "har-field-dropped": "non-HAR fields dropped",
    "netlog-bytes-dropped": "raw socket byte dumps dropped",
}


@dataclass
class HarReport:
    """Filled in by the format step while it sanitizes one file."""

    counts: Counter[str]
    scrubber: Scrubber

    @property
    def entries(self) -> int:
        return self.scrubber.entries

    @property
    def findings(self) -> Findings:
        return self.scrubber.findings


def describe(counts: Counter[str]) -> str:
    """``12 cookie values, 3 query values, email 2`` (counts only, never values)."""
    parts = [f"{counts[k]} {label}" for k, label in LABELS.items() if counts.get(k)]
    parts += [f"{rule} {n}" for rule, n in sorted(counts.items()) if rule not in LABELS and n]
    return ", ".join(parts) if parts else "nothing to scrub"


def _code(text: Any) -> str:
    """A value in Markdown code span (a backtick in it cannot end the span)."""
    return "`" + str(text).replace("`", "'") + "`"


def _ms(value: Any) -> str:
    return f"{value:,.0f} ms" if isinstance(value, (int, float)) else "? ms"


def _request(item: dict[str, Any]) -> str:
    return _code(f"{item.get('method') or '?'} {item.get('host') or ''}{item.get('path') or ''}")


def findings_lines(found: Findings, findings_name: str) -> list[str]:
    """The summary.md lines of one HAR's findings (nested under its file line)."""
    lines: list[str] = []
    browser = found.browser_line()
    if browser:
        lines.append(f"  - browser: {browser}")
    lines += _failed_lines(found)
    lines += _id_lines(found)
    slowest = found.slowest[:SHOWN_SLOWEST]
    if slowest:
        shown = []
        for item in slowest:
            mostly = item.get("mostly")
            where = f" ({mostly} {_ms(item['timings_ms'][mostly])})" if mostly else ""
            shown.append(f"{_request(item)} {_ms(item.get('time_ms'))}{where}")
        lines.append(f"  - slowest: {'; '.join(shown)}")
    lines.append(f"  - details (failures, IDs, slowest requests, page timelines): `{findings_name}`")
    return lines


def _failed_lines(found: Findings) -> list[str]:
    if not found.failed_total:
        return [f"  - failed requests: none of {found.entries}"]
    reasons = ", ".join(f"{n} {reason}" for reason, n in found.reasons.most_common())
    lines = [f"  - failed requests: {found.failed_total} of {found.entries} ({reasons})"]
    for item in found.failed[:SHOWN_FAILED]:
        status = item.get("status")
        line = f"    - {_request(item)} {status if status not in (None, 0, -1) else item['reason']}"
        line += f" after {_ms(item.get('time_ms'))}"
        if item.get("code"):
            line += f" {_code(item['code'])}"
        if item.get("message"):
            line += f": {_code(item['message'])}"
        elif item.get("browser_error"):
            line += f": {_code(item['browser_error'])}"
        ids = (item.get("ids") or []) + (item.get("body_ids") or [])
        if ids:
            line += " (" + ", ".join(f"{i['name']} {_code(i['value'])}" for i in ids[:3]) + ")"
        lines.append(line)
    if found.failed_total > SHOWN_FAILED:
        lines.append(f"    - and {found.failed_total - SHOWN_FAILED} more failed requests")
    return lines


def _id_lines(found: Findings) -> list[str]:
    ids = found.ids
    distinct = found.distinct_ids
    if not distinct:
        return []
    on_failed = [i for i in ids if i.failed]
    shown = (on_failed or ids)[:SHOWN_IDS]
    label = "of failed requests" if on_failed else "first seen"
    listed = ", ".join(f"{i.name} {_code(i.value)}" + (f" x{i.count}" if i.count > 1 else "") for i in shown)
    rest = distinct - len(shown)
    more = f", and {rest:,} more distinct" if rest > 0 else ""
    return [f"  - request/trace IDs: {distinct:,} distinct in {found.id_occurrences:,} headers; "
            f"{label}: {listed}{more}"]
