"""JSON mode: where the strings of a JSON line are, and fitting a match to them.

``Redactor.redact(text, json=True)`` keeps JSON valid: no replacement may
take a string's quote or cut an escape in two. The lexer here finds the
strings of a line (or of a window of a long line, which may start inside
a string), and :func:`clip` fits each match to them.
"""

from __future__ import annotations

import re

from diagbundle.redaction.spans import Spans

#: How much of a long line JSON mode may leave unlexed until a match needs it.
JSON_PENDING = 8 << 20

#: The rest of a JSON string's body: up to its closing quote, escapes included.
_STRING_BODY = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)
#: A whole JSON string; group 1 is its closing quote (empty if cut off).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*("?)', re.DOTALL)
_STRUCTURE = " \t\r{}[],:"
_ESCAPE = re.compile(r"\\(?:u[0-9A-Fa-f]{4}|.)")
_LITERALS = frozenset({"true", "false", "null"})


def scan(content: str, state: int, stop: int) -> tuple[list[tuple[int, int]], int]:
    """The JSON strings in ``content[:stop]`` and the lexer state at ``stop``.

    ``state`` is the state at the start (0 outside a string, 1 inside, 2
    inside right after a backslash): a JSON line never starts inside a
    string, but a window of a long line may. Whole strings are found by one
    regex scan in C (a megabyte of JSON holds a hundred thousand of them);
    only a string still open at ``stop`` needs a closer look.
    """
    spans: list[tuple[int, int]] = []
    pos = 1 if state == 2 else 0
    if state != 0:  # finish the string the window starts in
        end = _STRING_BODY.match(content, min(pos, stop), stop).end()  # type: ignore[union-attr]
        if end >= stop or content[end] != '"':
            spans.append((0, stop))
            return spans, 2 if (end < stop or (state == 2 and stop == 0)) else 1
        spans.append((0, end + 1))
        pos = end + 1
    found = list(_STRING.finditer(content, pos, stop))
    spans += [m.span() for m in found]
    if not found or found[-1].group(1):  # the last string is closed: outside one at ``stop``
        return spans, 0
    opened, end = spans[-1]
    spans[-1] = (opened, stop)
    # The body stopped short of ``stop`` only at a backslash whose character lies beyond.
    return spans, 2 if end < stop else 1


def clip(content: str, start: int, end: int, strings: Spans) -> tuple[int, int] | None:
    """Fit a match to the JSON around it, or drop it.

    Inside a string it stops before the closing quote and never cuts an
    escape (``\\n``, ``\\u00e9``) in two. Outside strings it is cut to one
    token (a card number written as a number, an unquoted value in JSON-like
    text), which the caller quotes; a bare ``true``/``false``/``null`` or
    punctuation hides nothing and is left alone.
    """
    # Only the first string that ends after ``start`` can hold or cut the match.
    found = strings.first_ending_after(start)
    if found is not None:
        opened, closed = found
        if opened <= start:  # in this string (or on its opening quote)
            terminated = closed - opened >= 2 and content[closed - 1] == '"'
            start = max(start, opened + 1)
            end = min(end, closed - 1 if terminated else closed)
            for escape in _ESCAPE.finditer(content, opened + 1, end + 6):
                if escape.start() >= end:
                    break
                if escape.start() < start < escape.end():
                    start = escape.end()
                if escape.start() < end < escape.end():
                    end = escape.start()
            return (start, end) if start < end else None
        if opened < end:
            end = opened
    while start < end and content[start] in _STRUCTURE:
        start += 1
    stop = start
    while stop < end and content[stop] not in _STRUCTURE:
        stop += 1
    if stop <= start or content[start:stop] in _LITERALS:
        return None
    return start, stop


class Lexer:
    """The JSON lexer state along one long line, lexed only when a match needs it.

    Lexing a window of a long JSON line costs milliseconds (a body of
    escaped JSON has an escape every few characters), and most windows have
    no match: the lines of a sanitized HAR end before anything needs the
    state. Windows wait, up to :data:`JSON_PENDING` characters, then are
    lexed in order.
    """

    def __init__(self) -> None:
        self._state = 0
        self._pending: list[tuple[str, int]] = []
        self._pending_size = 0

    def state(self) -> int:
        """The state at the current position (0 outside a string, 1 inside, 2 after a backslash)."""
        for piece, stop in self._pending:
            self._state = scan(piece, self._state, stop)[1]
        self._pending.clear()
        self._pending_size = 0
        return self._state

    def advance(self, piece: str, stop: int) -> None:
        """The line went on by ``piece[:stop]``."""
        self._pending.append((piece, stop))
        self._pending_size += stop
        if self._pending_size > JSON_PENDING:
            self.state()

    def strings(self, content: str) -> Spans:
        """The JSON strings of ``content``, which starts at the current position."""
        return Spans(scan(content, self.state(), len(content))[0])

    def reset(self) -> None:
        """A new line starts outside any string."""
        self._state = 0
        self._pending.clear()
        self._pending_size = 0
