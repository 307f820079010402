"""The ``har`` format step: how the core recognises and sanitizes a HAR file."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from diagbundle import Format
from diagbundle_plugins.har import report
from diagbundle_plugins.har.scrubber import Scrubber
from diagbundle_plugins.har.stream import BOM, sanitize_har

if TYPE_CHECKING:
    from diagbundle import Redactor

_HAR_HEAD = re.compile(rb'\A\s*\{\s*"log"\s*:\s*\{')
_HAR_KEYS = (b'"entries"', b'"creator"', b'"version"', b'"pages"')


def detect(name: str, head: bytes) -> bool:
    """A ``.har`` name, or JSON that opens like ``{"log": {... "entries"``."""
    if name.lower().endswith(".har"):
        return True
    if head.startswith(BOM):
        head = head[len(BOM):]
    return _HAR_HEAD.match(head) is not None and any(k in head for k in _HAR_KEYS)


def sanitize(source: IO[bytes], redactor: Redactor, counts: Counter[str]) -> Iterator[bytes]:
    """The :class:`~diagbundle.Format` entry point; options come from a collector's capture."""
    active = report.current()
    scrub = Scrubber(redactor, counts, keep_bodies=bool(active and active.keep_bodies))
    if active is not None:
        active.counts = counts
        active.request_ids = scrub.request_ids
        active.scrubber = scrub
    return sanitize_har(source, redactor, counts, scrubber=scrub)


HAR_FORMAT = Format(
    "har",
    "HTTP Archive: cookies, tokens, secret parameters and bodies scrubbed; still a valid HAR",
    detect,
    sanitize,
    media_type="application/json",
    text=True,
)
