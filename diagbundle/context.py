"""The context a collector receives: the only way bytes enter a bundle.

Text added here is redacted before it is stored. Content produced by the
collector (``add_text``, ``add_json``, ``add_stream``) is redacted at once in
the collector's thread and spooled (in memory up to a few MB, then to a
temporary file); files on disk (``add_file``) are read, redacted and
compressed lazily while the zip is written, so a 1 GB log is never held or
staged anywhere.
"""

from __future__ import annotations

import hashlib
import io
import json
import mimetypes
import os
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from diagbundle.errors import DiagbundleError, FormatError
from diagbundle.names import NameRegistry
from diagbundle.redaction import Redactor
from diagbundle.types import DEFAULT_MAX_BYTES, Format, FormatJob

SPOOL_IN_MEMORY = 4 << 20
HEAD_SIZE = 64 << 10


class CollectorStopped(DiagbundleError):
    """Raised inside a collector whose time is up or whose budget is spent."""


def looks_binary(head: bytes) -> bool:
    """Guess from the first bytes of a file whether it is binary.

    A NUL byte, or mostly bytes that are neither printable ASCII nor valid
    UTF-8, means binary: the same heuristic ``grep`` and ``git`` use.
    """
    if not head:
        return False
    if b"\x00" in head:
        return True
    try:
        head.decode("utf-8")
        return False
    except UnicodeDecodeError as err:
        if err.start >= len(head) - 3:  # a character cut by the sample's end
            return False
    text = head.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    return bad / max(len(text), 1) > 0.1


def is_json(media_type: str) -> bool:
    """JSON content is redacted in JSON mode, which keeps the document valid."""
    return media_type == "application/json" or media_type.endswith("+json")


def guess_media_type(name: str, default: str = "text/plain") -> str:
    """The media type for an archive name, from its extension."""
    if name.endswith((".har", ".json")):
        return "application/json"
    guessed, _ = mimetypes.guess_type(name)
    return guessed or default


@dataclass
class Entry:
    """One file of the bundle, before and after it is written.

    ``source`` says where the bytes come from: ``spool`` (already redacted),
    ``text`` (a path, or the spooled output of a text format step, redacted
    while the zip is written) or ``raw`` (a path copied as is: binary, not
    scrubbed).
    """

    arcname: str
    collector: str
    media_type: str
    source: Literal["spool", "text", "raw"]
    spool: IO[bytes] | None = None
    path: Path | None = None
    scrubbed: bool = True
    format: str | None = None
    counts: Counter[str] = field(default_factory=Counter)
    size: int = 0
    sha256: str = ""
    truncated: bool = False
    limit: int | None = None
    error: str | None = None


class Store:
    """Everything collected for one bundle, shared by all collector threads."""

    def __init__(self, redactor: Redactor | Future[Redactor], formats: Iterable[Format] = ()) -> None:
        self._redactor = redactor
        self.formats = tuple(formats)
        self.names = NameRegistry(reserved=("summary.md", "manifest.json"))
        self.entries: list[Entry] = []
        self.summaries: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    @property
    def redactor(self) -> Redactor:
        """The bundle's redactor.

        It may still be compiling in the background (its rules take a tenth
        of a second, which collectors waiting on subprocesses can overlap), so
        the first use may wait; a bad rule or config raises here.
        """
        r = self._redactor
        return r.result() if isinstance(r, Future) else r

    def append(self, entry: Entry) -> None:
        with self._lock:
            self.entries.append(entry)

    def entries_of(self, collector: str) -> list[Entry]:
        with self._lock:
            return [e for e in self.entries if e.collector == collector]

    def close(self) -> None:
        with self._lock:
            for entry in self.entries:
                if entry.spool is not None:
                    entry.spool.close()

    def find_format(self, name: str, head: bytes) -> Format | None:
        for fmt in self.formats:
            if fmt.detect(name, head):
                return fmt
        return None


class Context:
    """Handed to each collector; every ``add_*`` call redacts before storing.

    ``options`` holds the values of every CLI option (core and plugin ones)
    by ``dest``. ``redactor`` is there for format-aware steps that need
    pseudonyms; anything added through the ``add_*`` methods is redacted
    anyway.
    """

    def __init__(
        self,
        collector: str,
        store: Store,
        options: Mapping[str, Any],
        *,
        max_bytes: int | None = DEFAULT_MAX_BYTES,
    ) -> None:
        self.collector = collector
        self.options = options
        self._store = store
        self._max_bytes = max_bytes
        self._used = 0
        self._stopped: str | None = None
        self._lock = threading.Lock()

    @property
    def redactor(self) -> Redactor:
        """The bundle's redactor, for format-aware steps that need pseudonyms."""
        return self._store.redactor

    # -- state the runner controls ------------------------------------------------
    @property
    def cancelled(self) -> bool:
        """True once the collector's time is up: stop work, writes are dropped."""
        return self._stopped is not None

    def stop(self, reason: str) -> None:
        """Called by the runner: from now on every write raises :class:`CollectorStopped`."""
        with self._lock:
            self._stopped = reason

    def _commit(self, entry: Entry) -> None:
        """Add a finished entry to the bundle, unless the collector was stopped meanwhile."""
        with self._lock:
            if self._stopped is not None:
                if entry.spool is not None:
                    entry.spool.close()
                raise CollectorStopped(self._stopped)
            self._store.append(entry)

    def files(self) -> list[str]:
        """The archive names this collector has added so far."""
        return [e.arcname for e in self._store.entries_of(self.collector)]

    def _check(self) -> None:
        if self._stopped is not None:
            raise CollectorStopped(self._stopped)

    # -- adding content -------------------------------------------------------
    def add_text(self, name: str, text: str, *, media_type: str | None = None) -> str:
        """Add a text file; returns its name in the archive."""
        return self.add_stream(name, [text], media_type=media_type)

    def add_json(self, name: str, data: Any, *, indent: int = 2) -> str:
        """Add ``data`` serialised as JSON (non-JSON values become strings)."""
        text = json.dumps(data, indent=indent, ensure_ascii=False, default=str) + "\n"
        return self.add_stream(name, [text], media_type="application/json")

    def add_stream(self, name: str, chunks: Iterable[bytes | str], *, media_type: str | None = None) -> str:
        """Add text that arrives in pieces (bytes or str, any chunking)."""
        self._check()
        arcname = self._claim(name)
        entry = Entry(
            arcname,
            self.collector,
            media_type or guess_media_type(arcname),
            "spool",
            spool=_new_spool(),
        )
        self._spool(entry, self.redactor.stream(chunks, entry.counts, json=is_json(entry.media_type)))
        return arcname

    def add_file(
        self,
        name: str,
        path: str | os.PathLike[str],
        *,
        allow_binary: bool = False,
        report: dict[str, Any] | None = None,
    ) -> str:
        """Add a file from disk.

        A format-aware step (HAR, images) handles the file if one claims it;
        a text file is redacted as it is written into the zip; a binary file
        is refused (:class:`~diagbundle.errors.FormatError`) unless
        ``allow_binary``, and is then listed in the manifest as not scrubbed.
        ``report``, if given, is filled in by the format step that handled
        the file (see :class:`~diagbundle.types.FormatJob`).
        """
        self._check()
        path = Path(path)
        try:
            with path.open("rb") as fh:
                head = fh.read(HEAD_SIZE)
        except OSError as err:
            raise DiagbundleError(f"cannot read {path}: {err.strerror or err}") from err
        fmt = self._store.find_format(path.name, head)
        if fmt is not None:
            return self._add_formatted(name, path, fmt, {} if report is None else report)
        arcname = self._claim(name)
        if looks_binary(head):
            if not allow_binary:
                raise FormatError(f"{path} is a binary file; it cannot be redacted")
            source: Literal["text", "raw"] = "raw"
        else:
            source = "text"
        entry = Entry(
            arcname,
            self.collector,
            guess_media_type(arcname, "application/octet-stream" if source == "raw" else "text/plain"),
            source,
            path=path,
            scrubbed=source == "text",
            limit=self._remaining(),
        )
        self._commit(entry)
        with self._lock:  # files are written later; reserve their size in the budget now
            self._used += path.stat().st_size
        return arcname

    def add_image(
        self, name: str, data: bytes | str | os.PathLike[str], *, media_type: str | None = None
    ) -> str:
        """Add an image (bytes or a path).

        It goes through a format step (metadata stripping) where a plugin
        provides one; otherwise it is stored as is and marked not scrubbed.
        """
        self._check()
        payload = data if isinstance(data, bytes) else Path(data).read_bytes()
        fmt = self._store.find_format(name, payload[:HEAD_SIZE])
        arcname = self._claim(name)
        entry = Entry(
            arcname,
            self.collector,
            media_type or guess_media_type(arcname, "application/octet-stream"),
            "spool",
            spool=_new_spool(),
            scrubbed=fmt is not None,
            format=fmt.name if fmt else None,
        )
        if fmt is None:
            self._spool(entry, [payload])
        else:
            self._spool(entry, self._run_format(fmt, io.BytesIO(payload), entry, {}))
        return arcname

    def summary(self, line: str) -> None:
        """Add a Markdown line to this collector's section of summary.md."""
        self._check()
        text = self.redactor.redact(line.rstrip("\n"))
        with self._lock:
            self._store.summaries.setdefault(self.collector, []).append(text)

    # -- internals --------------------------------------------------------------
    def _claim(self, name: str) -> str:
        """The unique archive name for ``name``, redacted: a file name is text in the bundle too."""
        return self._store.names.claim(self.collector, self.redactor.redact(name))

    def _add_formatted(self, name: str, path: Path, fmt: Format, report: dict[str, Any]) -> str:
        arcname = self._claim(name)
        entry = Entry(arcname, self.collector, fmt.media_type, "spool", spool=_new_spool(), format=fmt.name)
        with path.open("rb") as source:
            self._spool(entry, self._run_format(fmt, source, entry, report))
        return arcname

    def _run_format(
        self, fmt: Format, source: IO[bytes], entry: Entry, report: dict[str, Any]
    ) -> Iterable[bytes]:
        job = FormatJob(self.redactor, entry.counts, self.options, report)
        if fmt.text:
            # The global text pass runs while the zip is written, in the read-ahead
            # thread, where it overlaps the deflate of the same bytes.
            entry.source = "text"
        return fmt.sanitize(source, job)

    def _remaining(self) -> int | None:
        return None if self._max_bytes is None else max(self._max_bytes - self._used, 0)

    def _spool(self, entry: Entry, data: Iterable[bytes]) -> None:
        """Write redacted chunks to the entry's spool, within budget and time.

        The entry joins the bundle only when complete, so a format step that
        fails closed leaves nothing behind.
        """
        assert entry.spool is not None
        digest = hashlib.sha256()
        try:
            for chunk in data:
                self._check()
                limit = self._remaining()
                if limit is not None and len(chunk) > limit:
                    chunk = chunk[:limit]
                    entry.truncated = True
                digest.update(chunk)
                entry.spool.write(chunk)
                entry.size += len(chunk)
                with self._lock:
                    self._used += len(chunk)
                if entry.truncated:
                    break
        except BaseException:
            entry.spool.close()
            raise
        entry.sha256 = digest.hexdigest()
        entry.spool.seek(0)
        self._commit(entry)
        if entry.truncated:
            raise CollectorStopped(
                f"size budget of {self._max_bytes} bytes exceeded; {entry.arcname} truncated"
            )


def _new_spool() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, prefix="diagbundle-")
