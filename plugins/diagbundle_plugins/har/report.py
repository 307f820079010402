"""What one sanitized HAR file yields for summary.md: counts and request IDs.

The format step stores a :class:`HarReport` in the job's ``report`` dict
under ``"har"``; the collector that passed that dict to ``ctx.add_file``
reads it back once the file is in. ``diagbundle redact`` ignores it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from diagbundle_plugins.har.scrubber import Scrubber

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
}


@dataclass
class HarReport:
    """Filled in by the format step while it sanitizes one file."""

    counts: Counter[str]
    request_ids: list[tuple[str, str]] = field(default_factory=list)
    scrubber: Scrubber | None = None

    @property
    def entries(self) -> int:
        return self.scrubber.entries if self.scrubber is not None else 0


def describe(counts: Counter[str]) -> str:
    """``12 cookie values, 3 query values, email 2`` (counts only, never values)."""
    parts = [f"{counts[k]} {label}" for k, label in LABELS.items() if counts.get(k)]
    parts += [f"{rule} {n}" for rule, n in sorted(counts.items()) if rule not in LABELS and n]
    return ", ".join(parts) if parts else "nothing to scrub"
