"""What one sanitized HAR file yields for summary.md: counts and request IDs.

The core runs the HAR :class:`~diagbundle.Format` itself when the collector
calls ``ctx.add_file``, synchronously in the collector's thread. The
collector opens a :func:`capture` around that call; the format step finds it
in a thread-local and records into it, and takes its options from it
(``--har-keep-bodies``). ``diagbundle redact`` has no capture and gets the
defaults.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
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

    keep_bodies: bool = False
    counts: Counter[str] | None = None
    request_ids: list[tuple[str, str]] = field(default_factory=list)
    scrubber: Scrubber | None = None

    @property
    def entries(self) -> int:
        return self.scrubber.entries if self.scrubber is not None else 0


class _Active(threading.local):
    report: HarReport | None = None


_active = _Active()


@contextmanager
def capture(keep_bodies: bool = False) -> Iterator[HarReport]:
    """Collect the report of the HAR files sanitized in this thread meanwhile."""
    report = HarReport(keep_bodies=keep_bodies)
    previous, _active.report = _active.report, report
    try:
        yield report
    finally:
        _active.report = previous


def current() -> HarReport | None:
    return _active.report


def describe(counts: Counter[str]) -> str:
    """``12 cookie values, 3 query values, email 2`` (counts only, never values)."""
    parts = [f"{counts[k]} {label}" for k, label in LABELS.items() if counts.get(k)]
    parts += [f"{rule} {n}" for rule, n in sorted(counts.items()) if rule not in LABELS and n]
    return ", ".join(parts) if parts else "nothing to scrub"
