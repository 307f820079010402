"""Reading a HAR of any size and writing its sanitized twin, entry by entry.

:class:`~diagbundle_plugins.har.jsonreader.JsonReader` walks the outer
structure and parses one entry at a time in C, so one entry is in memory at
a time, and the sanitized HAR is yielded as it is made. A truncated or
invalid file raises :class:`~diagbundle.FormatError`, possibly after some
output: like every format step, this one is only kept once it finished. The
core's store and ``diagbundle redact`` each spool what they are given and
keep it only then (a spool here as well cost a second copy of the output,
0.15 s on the 95 MB bench file).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

from diagbundle import FormatError
from diagbundle_plugins.har import walk
from diagbundle_plugins.har.entry import sanitize_entry, sanitize_page
from diagbundle_plugins.har.jsonreader import JsonError, JsonReader
from diagbundle_plugins.har.scrubber import Scrubber

if TYPE_CHECKING:
    from diagbundle import RedactionView as Redactor

BOM = b"\xef\xbb\xbf"
OUT_CHUNK = 1 << 20


class _Prefixed:
    """A file object that returns ``head`` before the rest of ``source``."""

    def __init__(self, head: bytes, source: IO[bytes]) -> None:
        self._head = head
        self._source = source

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size < 0 or size >= len(self._head):
                head, self._head = self._head, b""
                rest = self._source.read(size - len(head) if size >= 0 else -1)
                return head + rest
            head, self._head = self._head[:size], self._head[size:]
            return head
        return self._source.read(size)


def sanitize_har(
    source: IO[bytes],
    redactor: Redactor,
    counts: Counter[str],
    *,
    keep_bodies: bool = False,
    scrubber: Scrubber | None = None,
) -> Iterator[bytes]:
    """Yield the sanitized HAR as it is made; raise :class:`FormatError` on bad input.

    The error may come after some output: the caller keeps the output only
    once the generator is exhausted (the core's store and ``diagbundle
    redact`` both do), which is what makes the format fail closed.
    """
    scrub = scrubber or Scrubber(redactor, counts, keep_bodies=keep_bodies)
    yield from chunks(_sanitize(JsonReader(open_source(source)), scrub), "HAR")


def chunks(pieces: Iterator[bytes], kind: str) -> Iterator[bytes]:
    """``pieces`` joined into chunks of about :data:`OUT_CHUNK`; bad input becomes a one-line
    :class:`FormatError` naming ``kind`` (HAR, NetLog). Shared by the HAR and NetLog sanitizers."""
    pending: list[bytes] = []
    size = 0
    try:
        for piece in pieces:
            pending.append(piece)
            size += len(piece)
            if size >= OUT_CHUNK:
                yield b"".join(pending)
                pending, size = [], 0
    except JsonError as err:
        raise FormatError(f"not a valid {kind} file: {json_error(err)}") from None
    except UnicodeDecodeError:
        raise FormatError(f"not a valid {kind} file: not UTF-8 text") from None
    except RecursionError:
        raise FormatError(f"not a valid {kind} file: nested too deeply") from None
    yield b"".join(pending)


def json_error(err: JsonError) -> str:
    if err.truncated:
        return "truncated JSON (the file ends too early)"
    return f"invalid JSON ({str(err)[:120]})"


def open_source(source: IO[bytes]) -> _Prefixed:
    head = source.read(4)
    if head.startswith(BOM):
        head = head[len(BOM):]
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FormatError("not a valid HAR file: UTF-16 text (save it as UTF-8)")
    return _Prefixed(head, source)


def _sanitize(reader: JsonReader, scrub: Scrubber) -> Iterator[bytes]:
    first = reader.peek()
    if first == "":
        raise FormatError("not a valid HAR file: it is empty")
    if first != "{":
        raise FormatError("not a HAR file: the top level is not a JSON object")
    reader.expect("{", "an object")
    yield b"{"
    seen_log = False
    for key in reader.members():
        if key != "log":
            # Top-level keys besides "log" are not HAR; they are not carried over.
            reader.value()
            scrub.counts["har-field-dropped"] += 1
            continue
        if reader.peek() != "{":
            raise FormatError('not a HAR file: "log" is not an object')
        if seen_log:
            raise FormatError('not a HAR file: two "log" objects')
        reader.expect("{", "an object")
        yield b'"log":{'
        yield from _log(reader, scrub)
        yield b"}"
        seen_log = True
    reader.end()
    if not seen_log:
        raise FormatError('not a HAR file: no "log" object')
    yield b"}\n"


def _log(reader: JsonReader, scrub: Scrubber) -> Iterator[bytes]:
    written: list[str] = []
    for key in reader.members():
        if key == "entries":
            yield _key(key, written)
            yield from _entries(reader, scrub)
            continue
        built = reader.value()
        if key == "comment":
            scrub.counts["har-comment"] += 1
            continue
        if key == "pages":
            if built is None:
                built = []
            if not isinstance(built, list):
                raise FormatError('not a HAR file: "pages" is not a list')
            clean: Any = [sanitize_page(page, scrub, i) for i, page in enumerate(built)]
        elif key == "version":
            clean = built if isinstance(built, str) else "1.2"
        else:
            clean = walk.sanitize_any(scrub, built)
        scrub.findings.log_field(key, clean)
        yield _key(key, written) + dumps(clean)
    if "version" not in written:
        yield _key("version", written) + b'"1.2"'
    if "creator" not in written:
        yield _key("creator", written) + b'{"name":"unknown","version":""}'
    if "entries" not in written:
        yield _key("entries", written) + b"[]"


def _key(key: str, written: list[str]) -> bytes:
    """A member's name (after a comma unless it is the first), noted in ``written``."""
    first = not written
    written.append(key)
    return (b"" if first else b",") + dumps(key) + b":"


def _entries(reader: JsonReader, scrub: Scrubber) -> Iterator[bytes]:
    """The entries array, one entry parsed, sanitized and written at a time."""
    char = reader.peek()
    if char == "n" and reader.value() is None:
        yield b"[]"
        return
    if char != "[":
        raise FormatError('not a HAR file: "entries" is not a list')
    reader.expect("[", "a list")
    yield b"["
    for index, _ in enumerate(reader.items()):
        raw = reader.value()
        clean = sanitize_entry(raw, scrub, index)
        scrub.findings.entry(index, raw, clean)
        yield (b"\n" if index == 0 else b",\n") + dumps(clean)
        scrub.entries += 1
    yield b"\n]"


#: Containers this deep (an entry, its request and response, their header
#: lists) are written one member per line; anything deeper goes on one line.
LINE_DEPTH = 3


def _encoder(ensure_ascii: bool) -> Callable[[Any], str]:
    """Compact JSON for one value, with strings and integers taken straight to C.

    ``JSONEncoder.encode`` builds a new C encoder for every call that is not
    a string, and a HAR has a hundred thousand header objects: one C encoder
    (``json.encoder.c_make_encoder``, what ``encode`` builds) serves them all
    here, if this Python has it and it writes exactly what ``encode`` does.
    """
    encoder = json.JSONEncoder(ensure_ascii=ensure_ascii, separators=(",", ":"))
    encode = encoder.encode
    quote = json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring
    integer = int.__repr__
    whole = _c_encoder(encoder, quote) or encode

    def encode_value(value: Any) -> str:
        kind = type(value)
        if kind is str:
            return quote(value)
        if kind is int:
            return integer(value)
        return whole(value)

    return encode_value


def _c_encoder(encoder: json.JSONEncoder, quote: Callable[[str], str]) -> Callable[[Any], str] | None:
    """One reusable C encoder equivalent to ``encoder.encode``, or None where there is none."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    try:
        iterencode = make(None, encoder.default, quote, None, encoder.key_separator,
                          encoder.item_separator, False, False, True)
        probe = {"a": [1, -2.5, 1e16, None, True, False, "é\u2028\"\\"], "b": {"c": {}}, "d": []}
        if "".join(iterencode(probe, 0)) != encoder.encode(probe):
            return None
    except Exception:  # another Python's private signature: the public path then
        return None
    return lambda value: "".join(iterencode(value, 0))


_ENCODE = _encoder(ensure_ascii=False)
_ENCODE_ASCII = _encoder(ensure_ascii=True)


def dumps(value: Any) -> bytes:
    """Compact JSON, one member per line down to :data:`LINE_DEPTH`.

    The bundle's global text redactor runs over this output again, line by
    line, in JSON mode (the format's media type is JSON), which never lets a
    match cut an escape or reach a string's closing quote. Short lines keep
    that pass cheap: its rules run only on the lines their prefilter flags,
    not across a whole entry of a megabyte (the line breaks are JSON
    whitespace, so the HAR reads the same). Lines break only between
    members, never inside a string, so each line starts outside one.

    The encoder escapes only quotes, backslashes and control characters
    (and, for lone surrogates, non-ASCII): a letter or digit is always
    written as itself, so a key such as ``AKIA...`` is there for that pass
    to see whatever escapes the input used.
    """
    try:
        return _lines(value, _ENCODE, 0).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from \\ud800-style escapes
        return _lines(value, _ENCODE_ASCII, 0).encode("ascii")


def _lines(value: Any, encode: Callable[[Any], str], depth: int) -> str:
    kind = type(value)
    if depth < LINE_DEPTH and (kind is dict or kind is list) and value:
        if depth + 1 == LINE_DEPTH:  # the members are written whole: no call per member
            if kind is list:
                return "[" + ",\n".join(map(encode, value)) + "]"
            return "{" + ",\n".join([encode(key) + ":" + encode(item) for key, item in value.items()]) + "}"
        if kind is dict:
            return "{" + ",\n".join([encode(key) + ":" + _lines(item, encode, depth + 1)
                                      for key, item in value.items()]) + "}"
        return "[" + ",\n".join([_lines(item, encode, depth + 1) for item in value]) + "]"
    return encode(value)
