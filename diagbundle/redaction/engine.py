"""Streaming, boundary-safe redaction with consistent pseudonyms.

Text is redacted one line at a time: no rule may match across a line break
(multi-line formats such as PEM blocks are the exception and are handled by
state kept between lines), so the output depends only on the content, never
on how the input was chunked.
"""

from __future__ import annotations

import codecs
import hashlib
import hmac
import re
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

#: Lines longer than this are cut at the last separator before the limit so a
#: single 100 MB line cannot hold the whole input in memory.
MAX_LINE = 1 << 20


@dataclass(frozen=True)
class Rule:
    """One redaction rule: a regular expression and what to put in its place.

    ``kind="secret"`` replaces the match (or ``group``) with
    ``[REDACTED:<name>]``; ``kind="pii"`` replaces it with a pseudonym such as
    ``<email-1>``, the same for the same value everywhere in one bundle.
    """

    name: str
    pattern: str
    kind: Literal["secret", "pii"] = "secret"
    group: int | str = 0
    flags: int = 0
    validate: Callable[[str], bool] | None = None
    compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", re.compile(self.pattern, self.flags))


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("private-key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    Rule("bearer", r"(?i)\b(?:bearer|basic|token)\s+([A-Za-z0-9._~+/=-]{8,})", group=1),
    Rule(
        "password",
        r"(?i)\b[\w-]*(?:password|passwd|pwd|secret|token|api_?key)[\w-]*\b[\"']?\s*[:=]\s*[\"']?([^\s\"',;&]+)",
        group=1,
    ),
    Rule("email", r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b", kind="pii"),
)


class Redactor:
    """Redacts text and byte streams; one instance per bundle.

    The instance holds the per-bundle HMAC key that makes pseudonyms
    consistent; the key and :meth:`mapping` never go into the bundle.
    """

    def __init__(self, rules: Iterable[Rule] | None = None, *, key: bytes | None = None) -> None:
        self._rules: list[Rule] = list(DEFAULT_RULES if rules is None else rules)
        self._key = key or secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._numbers: dict[tuple[str, bytes], str] = {}
        self._mapping: dict[str, str] = {}

    def add_rule(self, rule: Rule) -> None:
        """Add a rule, for plugins and configuration."""
        self._rules.append(rule)

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(self._rules)

    def pseudonym(self, kind: str, value: str) -> str:
        """Return the bundle-wide pseudonym for ``value``, e.g. ``<email-1>``."""
        digest = hmac.new(self._key, value.encode("utf-8", "surrogateescape"), hashlib.sha256)
        slot = (kind, digest.digest())
        with self._lock:
            tag = self._numbers.get(slot)
            if tag is None:
                count = sum(1 for k, _ in self._numbers if k == kind) + 1
                tag = f"<{kind}-{count}>"
                self._numbers[slot] = tag
                self._mapping[tag] = value
            return tag

    def mapping(self) -> dict[str, str]:
        """Pseudonym to original value; kept on the user's machine only."""
        with self._lock:
            return dict(self._mapping)

    def redact(self, text: str, counts: Counter[str] | None = None) -> str:
        """Redact a whole string (any number of lines)."""
        return "".join(self._redact_line(line, counts) for line in text.splitlines(keepends=True))

    def stream(
        self, chunks: Iterable[bytes | str], counts: Counter[str] | None = None
    ) -> Iterator[bytes]:
        """Redact a stream of chunks; yields UTF-8 bytes.

        Invalid UTF-8 is carried through unchanged (surrogateescape).
        """
        decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        pending = ""
        for chunk in chunks:
            text = decoder.decode(chunk) if isinstance(chunk, bytes) else chunk
            pending += text
            lines = pending.splitlines(keepends=True)
            pending = lines.pop() if lines and not lines[-1].endswith(("\n", "\r")) else ""
            out = "".join(self._redact_line(line, counts) for line in lines)
            if out:
                yield out.encode("utf-8", "surrogateescape")
        pending += decoder.decode(b"", final=True)
        if pending:
            yield self._redact_line(pending, counts).encode("utf-8", "surrogateescape")

    def _redact_line(self, line: str, counts: Counter[str] | None) -> str:
        for rule in self._rules:
            line = rule.compiled.sub(lambda m, r=rule: self._replace(r, m, counts), line)
        return line

    def _replace(self, rule: Rule, match: re.Match[str], counts: Counter[str] | None) -> str:
        value = match.group(rule.group)
        if value is None or (rule.validate is not None and not rule.validate(value)):
            return match.group(0)
        if counts is not None:
            counts[rule.name] += 1
        new = self.pseudonym(rule.name, value) if rule.kind == "pii" else f"[REDACTED:{rule.name}]"
        start, end = match.span(rule.group)
        base = match.start(0)
        whole = match.group(0)
        return whole[: start - base] + new + whole[end - base :]
