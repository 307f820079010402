"""The per-file scrubbing state: the redactor, counts, options and caches.

One :class:`Scrubber` serves one HAR file. It holds state only; how a value
is judged (free text, JSON, URLs, JWTs) is :mod:`~diagbundle_plugins.har.walk`.
Its caches exist because a HAR repeats itself: the same headers on
thousands of requests, the same session cookie in every entry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from diagbundle import RedactionView as Redactor

#: The pseudonym kind of every secret value, so a session ID gets one tag
#: whether it is seen in a cookie, a query string or a JSON body.
SECRET_KIND = "secret"  # noqa: S105 - a pseudonym kind, not a password
_CACHE_MAX_ITEMS = 50_000
_CACHE_MAX_LEN = 512


class Scrubber:
    """Scrubbing state bound to one redactor, one counts Counter and options."""

    def __init__(self, redactor: Redactor, counts: Counter[str], *, keep_bodies: bool = False) -> None:
        self.redactor = redactor
        self.counts = counts
        self.keep_bodies = keep_bodies
        self.request_ids: list[tuple[str, str]] = []
        self.entries = 0
        self._redacted: dict[tuple[str, bool], tuple[str, Counter[str]]] = {}
        self._tags: dict[str, str] = {}
        self._memo: dict[tuple[str, str], tuple[str, Counter[str]]] = {}

    def redact(self, text: str, *, json: bool = False, counts: Counter[str] | None = None) -> str:
        """Run the bundle's global redactor over a string that is kept (``json``: a JSON document).

        What it replaces is counted in ``counts``, by default the file's counts.
        """
        if counts is None:
            counts = self.counts
        if not text:
            return text
        if len(text) > _CACHE_MAX_LEN:
            return self.redactor.redact(text, counts, json=json)
        return _remembered(self._redacted, (text, json), True, counts, self._redact_into, text, json)

    def _redact_into(self, found: Counter[str], text: str, json: bool) -> str:
        return self.redactor.redact(text, found, json=json)

    def memo(self, key: tuple[str, str], compute: Callable[..., str], *args: Any) -> str:
        """``compute(*args)``, remembered for ``key``; a hit counts again what the first call counted.

        For fields that repeat across thousands of entries (the same
        headers on every request), whose result depends on ``key`` alone:
        pseudonyms are the same for the same value anyway.
        """
        return _remembered(self._memo, key, len(key[1]) <= _CACHE_MAX_LEN, self.counts,
                           self._counted_into, compute, *args)

    def _counted_into(self, found: Counter[str], compute: Callable[..., str], *args: Any) -> str:
        """``compute(*args)`` with everything it counts going to ``found``."""
        outer, self.counts = self.counts, found
        try:
            return compute(*args)
        finally:
            self.counts = outer

    def pseudonym(self, value: str) -> str:
        """The bundle-wide tag of a secret (cached: the keyed hash is the costly part)."""
        tag = self._tags.get(value)
        if tag is None:
            tag = self.redactor.pseudonym(SECRET_KIND, value)
            if len(self._tags) < _CACHE_MAX_ITEMS:
                self._tags[value] = tag
        return tag

    def identity(self, kind: str, value: str) -> str:
        """The bundle-wide pseudonym of a person's identifier (``email``, ``jwt-sub``): personal data."""
        return self.redactor.pseudonym(kind, value, personal=True)


def _remembered(
    table: dict[Any, tuple[str, Counter[str]]], key: Any, cacheable: bool, counts: Counter[str],
    compute: Callable[..., str], *args: Any,
) -> str:
    """``compute(found, *args)`` once per ``key`` (while ``table`` has room); what it counted
    in ``found`` is added to ``counts`` on every call, so a hit counts like the first."""
    hit = table.get(key)
    if hit is None:
        found: Counter[str] = Counter()
        hit = (compute(found, *args), found)
        if cacheable and len(table) < _CACHE_MAX_ITEMS:
            table[key] = hit
    if hit[1]:
        counts.update(hit[1])
    return hit[0]
