"""The narrow door plugins get to the bundle's redactor.

A collector or a format step needs to redact a string and to get a
pseudonym. It never needs the mapping behind the pseudonyms (the real value
of every ``<email-1>``) nor a way to change the rule set of a bundle in
progress, so :class:`RedactionView` offers exactly the first two and keeps the
redactor itself out of reach (``__slots__``, no attribute to it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from diagbundle.redaction.engine import Redactor


class RedactionView:
    """Redact text and hand out pseudonyms with the bundle's rules and key."""

    __slots__ = ("_get",)

    def __init__(self, get: Callable[[], Redactor]) -> None:
        # A getter rather than the redactor: the bundle's redactor may still be
        # compiling in the background when a collector starts.
        self._get = get

    def redact(
        self, text: str, counts: Counter[str] | None = None, *, json: bool = False, keep: Iterable[str] = ()
    ) -> str:
        """Redact ``text``; ``counts`` (if given) counts replacements per rule.

        ``keep`` values stay readable in this call only (see :meth:`Redactor.redact`).
        """
        return self._get().redact(text, counts, json=json, keep=keep)

    def stream(
        self, chunks: Iterable[bytes | str], counts: Counter[str] | None = None, *, json: bool = False,
        keep: Iterable[str] = (),
    ) -> Iterator[bytes]:
        """Redact a stream of chunks of any size; yields UTF-8 bytes."""
        return self._get().stream(chunks, counts, json=json, keep=keep)

    def pseudonym(self, kind: str, value: str, *, personal: bool = False) -> str:
        """The bundle-wide pseudonym of ``value`` (``<email-1>``).

        Say ``personal=True`` for personal data (a name in a JWT) so the
        user's local mapping can tell them who ``<name-1>`` is; by default a
        value is treated as a secret, and its pseudonym maps to nothing.
        """
        return self._get().pseudonym(kind, value, personal=personal)

    @property
    def engine(self) -> str:
        """Which prefilter runs (``"hyperscan"`` or ``"python"``), for reports."""
        return self._get().engine
