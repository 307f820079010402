"""Request and completion IDs in the user's logs: what support looks up first.

HAR files report theirs through the HAR plugin (``ctx.shared["request_ids"]``);
this finds the ones logs print: OpenAI-style ``req_...`` and ``chatcmpl-...``,
and lines such as ``request id: ...`` or ``"x-request-id": "..."``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

#: How much of each log is searched (IDs near the failure are at its end, but logs can be huge).
SCAN_BYTES = 16 << 20
_PATTERNS = (
    re.compile(r"\b(?:req|chatcmpl|run|msg|resp)[_-][A-Za-z0-9]{12,64}\b"),
    re.compile(r"(?i)\b(?:x-)?(?:amzn-)?request[ _-]?id\b[\"']?\s*[:=]\s*[\"']?"
               r"([A-Za-z0-9][A-Za-z0-9._:-]{5,80})"),
    re.compile(r"(?i)\bcf-ray\b[\"']?\s*[:=]\s*[\"']?([0-9a-f]{16}-[A-Z]{3})\b"),
)


def find_in_text(text: str) -> list[str]:
    """Every distinct ID in ``text``, in order of first appearance."""
    found: dict[str, None] = {}
    for line in text.splitlines():
        for pattern in _PATTERNS:
            for m in pattern.finditer(line):
                found.setdefault(m.group(m.lastindex or 0), None)
    return list(found)


def find_in_files(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """(file name, ID) for each distinct ID in the tail of each readable text file."""
    out: dict[str, str] = {}
    for path in paths:
        try:
            with path.open("rb") as fh:
                size = fh.seek(0, 2)
                fh.seek(max(0, size - SCAN_BYTES))
                data = fh.read(SCAN_BYTES)
        except OSError:
            continue
        if b"\x00" in data[:8192]:
            continue
        for found in find_in_text(data.decode("utf-8", "replace")):
            out.setdefault(found, path.name)
    return [(source, value) for value, source in out.items()]
