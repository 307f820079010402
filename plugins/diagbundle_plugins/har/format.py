"""The ``har`` format step: how the core recognises and sanitizes a HAR file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from diagbundle import Format, FormatJob
from diagbundle_plugins.har import report
from diagbundle_plugins.har.scrubber import Scrubber
from diagbundle_plugins.har.stream import BOM, sanitize_har

_HAR_HEAD = re.compile(rb'\A\s*\{\s*"log"\s*:\s*\{')
_HAR_KEYS = (b'"entries"', b'"creator"', b'"version"', b'"pages"')


def detect(name: str, head: bytes) -> bool:
    """A ``.har`` name, or JSON that opens like ``{"log": {... "entries"``."""
    if name.lower().endswith(".har"):
        return True
    if head.startswith(BOM):
        head = head[len(BOM):]
    return _HAR_HEAD.match(head) is not None and any(k in head for k in _HAR_KEYS)


def sanitize(source: IO[bytes], job: FormatJob) -> Iterator[bytes]:
    """The :class:`~diagbundle.Format` entry point.

    ``--har-keep-bodies`` arrives in ``job.options``; the counts and the
    findings go back to the collector as a :class:`~report.HarReport` in
    ``job.report["har"]``.
    """
    keep = bool(job.options.get("har_keep_bodies"))
    scrub = Scrubber(job.redactor, job.counts, keep_bodies=keep)
    job.report["har"] = report.HarReport(job.counts, scrub)
    return sanitize_har(source, job.redactor, job.counts, scrubber=scrub)


HAR_FORMAT = Format(
    "har",
    "HTTP Archive: cookies, tokens, secret parameters and bodies scrubbed; still a valid HAR",
    detect,
    sanitize,
    media_type="application/json",
    text=True,
)
