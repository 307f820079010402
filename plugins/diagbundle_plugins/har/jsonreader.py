"""An incremental JSON reader: the skeleton of a document walked by hand, its values parsed in C.

A HAR is one object whose ``log.entries`` array can hold gigabytes, so it
cannot be parsed whole. This reader walks the outer structure (object
members, array items) itself and hands each value it is asked for to the
standard library's C scanner (``JSONDecoder.raw_decode``) over a window of
the decoded text, so one HAR entry is parsed at C speed and only one is in
memory at a time. An event-based parser (ijson) hands every token of every
entry through Python instead, which cost about a second on a 95 MB HAR.

A value the window cuts off is detected by where the scanner gave up (at the
window's end, or in a string still open there): the window then grows to at
least twice its size and the value is parsed again, so a value of any size
is read in amortised linear time. Memory holds the largest single value.

Anything that is not strict JSON (``NaN``, ``Infinity``, trailing data,
invalid UTF-8) is an error, as it is for the HAR's consumers.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import Any, Protocol

READ_SIZE = 1 << 20
#: How close to the window's end a scanner error may be and still mean "cut off".
_CUT_MARGIN = 16
_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER_TAIL = re.compile(r"[0-9.eE+-]*")


class Readable(Protocol):
    """What the reader needs of its source: a binary ``read``."""

    def read(self, size: int = -1, /) -> bytes: ...


class JsonError(ValueError):
    """Invalid JSON; ``truncated`` when the text ended before the document did."""

    def __init__(self, message: str, *, truncated: bool = False) -> None:
        super().__init__(message)
        self.truncated = truncated


def _no_constants(name: str) -> Any:
    raise JsonError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_no_constants)


def _runs_off_the_end(text: str, err: json.JSONDecodeError) -> bool:
    """Did the scanner fail because the whole input ended inside a value (truncation)?"""
    if err.msg.startswith("Unterminated string"):
        return True
    rest = text[err.pos :].rstrip()
    if err.msg.startswith("Invalid \\uXXXX"):
        return len(rest) < 6 and '"' not in rest
    return not rest or any(word.startswith(rest) for word in ("true", "false", "null")) or bool(
        _NUMBER_TAIL.fullmatch(rest))


class JsonReader:
    """Reads one JSON document from a UTF-8 byte stream, a value or a member at a time."""

    def __init__(self, source: Readable, read_size: int = READ_SIZE) -> None:
        self._source = source
        self._read_size = read_size
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._text = ""
        self._pos = 0
        self._dropped = 0  # characters of the document before ``_text``
        self._eof = False

    # -- the window ----------------------------------------------------------------
    def _more(self, at_least: int = 0) -> bool:
        """Read more text (at least ``at_least`` bytes' worth); False at the end of the input.

        What was already consumed is dropped from the window, so positions
        in it change: anything computed from the old window is stale.
        """
        if self._eof:
            return False
        data = self._source.read(max(self._read_size, at_least))
        text = self._decoder.decode(data, final=not data)
        self._eof = not data
        self._dropped += self._pos
        self._text = self._text[self._pos :] + text
        self._pos = 0
        return not self._eof

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end of the input)."""
        while True:
            self._pos = _SPACE.match(self._text, self._pos).end()  # type: ignore[union-attr]
            if self._pos < len(self._text):
                return self._text[self._pos]
            if not self._more():
                return ""

    def expect(self, char: str, what: str) -> None:
        """Consume ``char`` (the next non-space character) or fail."""
        found = self.peek()
        if found != char:
            self._fail(f"expected {what}", truncated=found == "")
        self._pos += 1

    def value(self) -> Any:
        """Parse and return the next value."""
        if self.peek() == "":
            self._fail("expected a value", truncated=True)
        while True:
            text = self._text
            try:
                value, end = _DECODER.raw_decode(text, self._pos)
            except json.JSONDecodeError as err:
                if self._eof:
                    self._fail(err.msg, truncated=_runs_off_the_end(text, err), at=err.pos)
                if err.pos < len(text) - _CUT_MARGIN and not err.msg.startswith("Unterminated"):
                    self._fail(err.msg, at=err.pos)
                self._more(len(text) - self._pos)  # cut off by the window, perhaps
                continue
            # A number followed by nothing but what a number may go on with
            # (``12`` or ``1.5e`` at the window's end) may go on in the next read.
            if not self._eof and isinstance(value, (int, float)) and _NUMBER_TAIL.fullmatch(text, end):
                self._more()
                continue
            self._pos = end
            return value

    def members(self) -> Iterator[str]:
        """The keys of the object whose ``{`` was just consumed; read each value before the next."""
        for _ in self._sequence("}"):
            char = self.peek()
            if char != '"':
                self._fail("expected a member name in double quotes", truncated=char == "")
            key = self.value()
            self.expect(":", "':'")
            yield key

    def items(self) -> Iterator[None]:
        """Once per item of the array whose ``[`` was just consumed; read each before the next."""
        return self._sequence("]")

    def _sequence(self, close: str) -> Iterator[None]:
        """Once per element of a container, up to ``close``, with a comma between elements."""
        first = True
        while True:
            if self.peek() == close:
                self._pos += 1
                return
            if not first:
                self.expect(",", f"',' or '{close}'")
            yield None
            first = False

    def end(self) -> None:
        """Fail unless only whitespace is left."""
        if self.peek() != "":
            self._fail("extra data after the document")

    def _fail(self, message: str, *, truncated: bool = False, at: int | None = None) -> None:
        position = self._dropped + (self._pos if at is None else at)
        raise JsonError(f"{message} at character {position}", truncated=truncated)
