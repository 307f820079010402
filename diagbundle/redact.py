"""Redacting one file or stream outside a bundle: what ``diagbundle redact`` does, as an API.

The format is detected: a format registered by a plugin (HAR) if one claims
the input, else JSON (text redaction that keeps the document valid), else
text. :func:`redact_stream` yields redacted bytes as they are made (it may
still raise at the end: a caller that must fail closed spools them);
:func:`redact_file` fails closed itself: it spools and writes nothing until
everything went through, so a format error or binary content writes nothing.
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from diagbundle.content import CHUNK, HEAD_SIZE, looks_binary
from diagbundle.errors import FormatError, UsageError
from diagbundle.plugins import PluginManager
from diagbundle.redaction.config import build_redactor
from diagbundle.redaction.engine import Redactor
from diagbundle.redaction.mapping import save_mapping
from diagbundle.redaction.parallel import choose_workers
from diagbundle.redaction.view import RedactionView
from diagbundle.types import Format, FormatJob

__all__ = ["RedactReport", "RedactedStream", "redact_file", "redact_stream"]

#: Output larger than this is not re-parsed to check it is still valid JSON.
JSON_CHECK_LIMIT = 64 << 20


@dataclass
class RedactReport:
    """What was redacted: counts per rule, never values."""

    input: str
    format: str
    engine: str
    bytes_in: int = 0
    bytes_out: int = 0
    lines_out: int = 0
    redactions: Counter[str] = field(default_factory=Counter)
    mapping_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "format": self.format,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "lines_out": self.lines_out,
            "redactions": dict(sorted(self.redactions.items())),
            "engine": self.engine,
            "mapping_id": self.mapping_id,
        }


class RedactedStream:
    """The redacted bytes of one input, as an iterable; ``report`` is complete once consumed."""

    def __init__(self, chunks: Iterator[bytes], report: RedactReport, redactor: Redactor) -> None:
        self.report = report
        self._chunks = chunks
        self._redactor = redactor

    @property
    def format(self) -> str:
        return self.report.format

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.report.bytes_out += len(chunk)
            self.report.lines_out += chunk.count(b"\n")
            yield chunk

    def save_mapping(self) -> str:
        """Keep the pseudonym mapping on this machine; returns its id (``diagbundle mapping ID``)."""
        self.report.mapping_id = f"redact-{uuid.uuid4()}"
        save_mapping(self.report.mapping_id, self._redactor)
        return self.report.mapping_id


def redact_stream(
    source: IO[bytes],
    *,
    name: str = "<stream>",
    format: str = "auto",
    redact_patterns: Iterable[str] = (),
    allow: Iterable[str] = (),
    manager: PluginManager | None = None,
    workers: int | None = 0,
) -> RedactedStream:
    """Redact ``source`` (a binary file object) in the detected or given ``format``.

    ``format`` is ``"auto"``, ``"text"``, ``"json"`` or a plugin format's
    name. Raises :class:`~diagbundle.errors.UsageError` for an unknown
    format and :class:`~diagbundle.errors.FormatError` for binary input, at
    once or while iterating. ``workers``: a long input's text is redacted
    in that many processes forked from this one, on Linux, with the same
    output (:meth:`~diagbundle.redaction.engine.Redactor.stream`); None
    picks about one per core (:func:`~diagbundle.redaction.parallel.default_workers`).
    """
    if manager is None:
        manager = PluginManager()
    manager.gather()
    redactor = build_redactor(manager.rules, redact_patterns, allow)
    head = source.read(HEAD_SIZE)
    fmt_name, fmt = _choose(format, name, head, manager.formats)
    if fmt is None and looks_binary(head):
        raise FormatError(f"{name}: binary file; only text, JSON and formats such as HAR can be redacted")
    replay = _Replay(head, source)
    reader = io.BufferedReader(replay, CHUNK)
    report = RedactReport(name, fmt_name, redactor.engine)
    report.redactions = Counter()
    if fmt is not None:
        produced = fmt.sanitize(reader, FormatJob(RedactionView(lambda: redactor), report.redactions))
        if fmt.text:  # this process sanitizes: the text pass behind it can have the other cores
            produced = redactor.stream(produced, report.redactions, json=fmt.media_type.endswith("json"),
                                       workers=choose_workers(workers, busy=True))
    else:
        produced = redactor.stream(_text_chunks(reader, name), report.redactions, json=fmt_name == "json",
                                   workers=choose_workers(workers, busy=False))

    def counted() -> Iterator[bytes]:
        yield from produced
        report.bytes_in = replay.consumed

    return RedactedStream(counted(), report, redactor)


def redact_file(
    path: str | os.PathLike[str],
    output: IO[bytes],
    *,
    format: str = "auto",
    redact_patterns: Iterable[str] = (),
    allow: Iterable[str] = (),
    manager: PluginManager | None = None,
    keep_mapping: bool = False,
    workers: int | None = 0,
) -> RedactReport:
    """Redact the file at ``path`` (``"-"``: stdin) into ``output``, failing closed.

    Nothing reaches ``output`` until the whole input went through: on a
    format error, binary content, or JSON that redaction would break, it
    raises and ``output`` is untouched. ``workers`` is as for :func:`redact_stream`.
    """
    name = "<stdin>" if os.fspath(path) == "-" else os.fspath(path)
    with _open(os.fspath(path)) as source, _spool() as out:
        redacted = redact_stream(source, name=name, format=format, redact_patterns=redact_patterns,
                                 allow=allow, manager=manager, workers=workers)
        for chunk in redacted:
            out.write(chunk)
        if redacted.format == "json":
            _check_json(out, redacted.report.bytes_out, os.fspath(path), name)
        out.seek(0)
        for chunk in iter(lambda: out.read(CHUNK), b""):
            output.write(chunk)
        output.flush()
    if keep_mapping:
        redacted.save_mapping()
    return redacted.report


def _open(path: str) -> IO[bytes]:
    if path == "-":
        return io.BufferedReader(_Unclosable(sys.stdin.buffer), CHUNK)
    try:
        if Path(path).is_dir():
            raise UsageError(f"{path}: is a folder, not a file")
        return Path(path).open("rb")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as err:
        raise UsageError(f"{path}: {err.strerror or err}") from None


def _spool() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=8 << 20, prefix="diagbundle-redact-")


def _choose(forced: str, name: str, head: bytes, formats: list[Format]) -> tuple[str, Format | None]:
    """The format's name and its plugin step (None for text and JSON)."""
    if forced != "auto":
        if forced in ("text", "json"):
            return forced, None
        for fmt in formats:
            if fmt.name == forced:
                return fmt.name, fmt
        known = ", ".join(["text", "json", *(f.name for f in formats)])
        raise UsageError(f"--format {forced}: unknown format (known: {known})")
    for fmt in formats:
        if fmt.detect(name, head):
            return fmt.name, fmt
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if name.lower().endswith(".json") or start in (b"{", b"["):
        return "json", None
    return "text", None


def _text_chunks(source: IO[bytes], name: str) -> Iterator[bytes]:
    """The input in chunks; a NUL byte anywhere means binary: fail closed."""
    offset = 0
    while True:
        chunk = source.read(CHUNK)
        if not chunk:
            return
        nul = chunk.find(b"\x00")
        if nul >= 0:
            raise FormatError(f"{name}: binary content (a NUL byte at offset {offset + nul}); "
                              "nothing was printed")
        offset += len(chunk)
        yield chunk


def _check_json(out: IO[bytes], size: int, path: str, name: str) -> None:
    """Fail closed if redaction would turn valid JSON into invalid JSON."""
    if size > JSON_CHECK_LIMIT:
        return
    out.seek(0)
    try:
        json.loads(out.read())
        return
    except ValueError:
        pass
    if path == "-":
        return  # stdin is gone; the input may never have been a JSON document
    try:
        json.loads(Path(path).read_bytes())
    except (ValueError, OSError):
        return  # it was not a JSON document to begin with (JSON lines, a fragment)
    raise FormatError(f"{name}: redaction would break the JSON document; nothing was printed")


class _Replay(io.RawIOBase):
    """The input again from its first byte: the head already read, then the rest."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
        else:
            data = self._rest.read(len(view))
            n = len(data)
            view[:n] = data
        self.consumed += n
        return n


class _Unclosable(io.RawIOBase):
    """stdin for a ``with`` block that must not close it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        """Leave the real stdin open."""
