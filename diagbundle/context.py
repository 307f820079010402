"""The context a collector receives: the only way bytes enter a bundle.

A context only *stages* entries: what goes in, from where, and which format
step handles it. Nothing is redacted, hashed or counted here; the write stage
(:mod:`diagbundle.writer`) does all of that, for every entry alike. Text a
collector produces is spooled as it came (in memory up to a few MB, then in a
temporary file that only this user can read, removed when the bundle is
done); files on disk are read only when the zip is written, so a 1 GB log is
never held or copied anywhere.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from diagbundle.content import HEAD_SIZE, SPOOL_IN_MEMORY, guess_media_type, looks_binary
from diagbundle.errors import DiagbundleError, FormatError
from diagbundle.names import NameRegistry
from diagbundle.redaction import Redactor
from diagbundle.redaction.view import RedactionView
from diagbundle.types import DEFAULT_MAX_BYTES, Format, TicketField

__all__ = ["CollectorStopped", "Context", "Entry", "Store", "looks_binary"]


class CollectorStopped(DiagbundleError):
    """Raised inside a collector whose time is up or whose budget is spent."""


@dataclass
class Entry:
    """One file of the bundle: staged by a context, then written by the write stage.

    Exactly one of ``spool`` (bytes the collector produced) and ``path`` (a
    file read when the zip is written) is set. ``format`` is the format step
    that runs first, ``text`` whether the text pass runs after it (false for
    binary content, which is then stored as is and marked not scrubbed unless
    a format step handled it). ``required`` marks input the user named: if it
    cannot go in, the run fails rather than leave it out. Everything from
    ``size`` on is filled in by the write stage.
    """

    arcname: str
    collector: str
    media_type: str
    spool: IO[bytes] | None = None
    path: Path | None = None
    format: Format | None = None
    text: bool = True
    required: bool = False
    report: dict[str, Any] | None = None
    then: Callable[[], None] | None = None
    #: True when the collector's budget already paid for ``spool`` (spent as it was staged).
    budgeted: bool = False
    #: The text encoding the input was read in, when it was not UTF-8 (the member is UTF-8).
    encoding: str | None = None
    #: Values the text pass leaves readable in this entry only (what the user typed on purpose).
    keep: frozenset[str] = frozenset()
    #: Makes the text once every format step has run (content that sums up other files).
    produce: Callable[[], str] | None = None
    #: Already through the text pass before it is written: summary.md (made by the write
    #: stage itself), and a format step's output (the pass runs right behind the step).
    redacted: bool = False
    size: int = 0
    sha256: str = ""
    counts: Counter[str] = field(default_factory=Counter)
    truncated: bool = False
    error: str | None = None

    @property
    def scrubbed(self) -> bool:
        """True when every byte went through a format step or the text pass."""
        return self.text or self.redacted or self.format is not None


@dataclass(frozen=True)
class SummaryLine:
    """A line of summary.md and the values it may show as they are (see ``Context.summary``)."""

    text: str
    keep: frozenset[str] = frozenset()


@dataclass
class Dropped:
    """A file left out of the bundle on purpose, with the reason (a manifest line)."""

    arcname: str
    collector: str
    reason: str


class Budget:
    """How many bytes one collector may still put into the bundle (thread-safe)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.used = 0
        self._lock = threading.Lock()

    def remaining(self) -> int | None:
        with self._lock:
            return None if self.limit is None else max(self.limit - self.used, 0)

    def spend(self, n: int) -> None:
        with self._lock:
            self.used += n


class Store:
    """Everything staged for one bundle, shared by all collector threads."""

    def __init__(
        self,
        redactor: Redactor | Future[Redactor],
        formats: Iterable[Format] = (),
        ticket_fields: Iterable[TicketField] = (),
    ) -> None:
        self._redactor = redactor
        self.formats = tuple(formats)
        self.ticket_fields = tuple(ticket_fields)
        self.names = NameRegistry(reserved=("summary.md", "manifest.json"))
        self.entries: list[Entry] = []
        self.dropped: list[Dropped] = []
        self.summaries: dict[str, list[SummaryLine]] = {}
        #: Collectors whose summary section goes first (the ticket: what the user told support).
        self.first: list[str] = []
        #: Facts collectors publish for each other (``network.type`` for the ticket's question).
        self.shared: dict[str, Any] = {}
        self.budgets: dict[str, Budget] = {}
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

    def budget(self, collector: str, limit: int | None = DEFAULT_MAX_BYTES) -> Budget:
        with self._lock:
            return self.budgets.setdefault(collector, Budget(limit))

    def append(self, entry: Entry) -> None:
        with self._lock:
            self.entries.append(entry)

    def remove(self, arcname: str, reason: str) -> Entry | None:
        """Take a staged entry out of the bundle and record why."""
        with self._lock:
            for i, entry in enumerate(self.entries):
                if entry.arcname == arcname:
                    del self.entries[i]
                    self.dropped.append(Dropped(arcname, entry.collector, reason))
                    if entry.spool is not None:
                        entry.spool.close()
                    return entry
        return None

    def entries_of(self, collector: str) -> list[Entry]:
        with self._lock:
            return [e for e in self.entries if e.collector == collector]

    def add_summary(self, collector: str, line: SummaryLine, *, first: bool = False) -> None:
        with self._lock:
            self.summaries.setdefault(collector, []).append(line)
            if first and collector not in self.first:
                self.first.append(collector)

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
    """Handed to each collector: stages what it adds, within its time and size budget.

    ``options`` holds the values of every CLI option (core and plugin ones)
    by ``dest``. ``state`` is this collector's own dict, shared by its
    ``check``, ``collect`` and ``review`` (``check`` can hand ``collect`` the
    files it chose); ``shared`` is one dict for the whole run, where a
    collector publishes a fact for others (the network type it guessed).
    ``redactor`` redacts a string or gives a pseudonym, for
    collectors that need a redacted value in hand; everything added through
    the ``add_*`` methods is redacted by the write stage anyway.
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
        self.state: dict[str, Any] = {}
        self.shared = store.shared
        #: Every ticket field registered (built-in and vendors'), for the collector that asks for them.
        self.ticket_fields = store.ticket_fields
        self.redactor = RedactionView(lambda: store.redactor)
        self._store = store
        self._budget = store.budget(collector, max_bytes)
        self._stopped: str | None = None
        self._lock = threading.Lock()

    # -- state the runner controls ------------------------------------------------
    @property
    def cancelled(self) -> bool:
        """True once the collector's time is up: stop work, writes are dropped."""
        return self._stopped is not None

    def stop(self, reason: str) -> None:
        """Called by the runner: from now on every write raises :class:`CollectorStopped`."""
        with self._lock:
            self._stopped = reason

    def _check(self) -> None:
        if self._stopped is not None:
            raise CollectorStopped(self._stopped)

    def _commit(self, entry: Entry) -> str:
        """Add a staged entry to the bundle, unless the collector was stopped meanwhile."""
        with self._lock:
            if self._stopped is not None:
                if entry.spool is not None:
                    entry.spool.close()
                raise CollectorStopped(self._stopped)
            self._store.append(entry)
        return entry.arcname

    def files(self) -> list[str]:
        """The archive names this collector has added so far."""
        return [e.arcname for e in self._store.entries_of(self.collector)]

    def drop(self, arcname: str, reason: str) -> bool:
        """Leave a staged file out (a review step's "no"); it is listed as dropped in the manifest."""
        if arcname not in self.files():
            return False
        return self._store.remove(arcname, reason) is not None

    # -- adding content -------------------------------------------------------
    def add_text(
        self, name: str, text: str, *, media_type: str | None = None, keep: Iterable[str] = ()
    ) -> str:
        """Add a text file; returns its name in the archive.

        ``keep`` lists values the user typed on purpose to identify
        themselves (their e-mail, a case id): they stay readable in this file
        only, and are still replaced in every other file.
        """
        return self.add_stream(name, [text], media_type=media_type, keep=keep)

    def add_json(self, name: str, data: Any, *, indent: int = 2, keep: Iterable[str] = ()) -> str:
        """Add ``data`` serialised as JSON (non-JSON values become strings); ``keep`` as for add_text."""
        text = json.dumps(data, indent=indent, ensure_ascii=False, default=str) + "\n"
        return self.add_text(name, text, media_type="application/json", keep=keep)

    def add_late(
        self,
        name: str,
        produce: Callable[[], str],
        *,
        media_type: str | None = None,
        keep: Iterable[str] | Callable[[], Iterable[str]] = (),
    ) -> str:
        """Add a text file whose content ``produce()`` makes once every format step has run.

        For a file that sums up others (request IDs found in HAR files): it
        keeps its place in the bundle and goes through the text pass like
        any other; ``keep`` as for :meth:`add_text`, or a function called
        after ``produce`` (for values the user typed at the review step).
        """
        self._check()
        arcname = self._claim(name)

        def make() -> str:
            text = produce()
            entry.keep = frozenset(keep() if callable(keep) else keep)
            return text

        entry = Entry(arcname, self.collector, media_type or guess_media_type(arcname), produce=make)
        return self._commit(entry)

    def add_stream(
        self,
        name: str,
        chunks: Iterable[bytes | str],
        *,
        media_type: str | None = None,
        binary: bool = False,
        keep: Iterable[str] = (),
    ) -> str:
        """Add content that arrives in pieces (bytes or str, any chunking).

        The pieces count against the collector's size budget as they come: a
        collector that floods is cut at the last whole line within its
        budget, the file is marked truncated and the collector stops.
        ``binary`` content (the user asked for it, as with ``--attach-binary``)
        is stored as is and listed as not scrubbed. ``keep`` as for :meth:`add_text`.
        """
        self._check()
        arcname = self._claim(name)
        default = "application/octet-stream" if binary else "text/plain"
        entry = Entry(arcname, self.collector, media_type or guess_media_type(arcname, default),
                      spool=_new_spool(), text=not binary, keep=frozenset(keep))
        encoded = (c.encode("utf-8", "surrogateescape") if isinstance(c, str) else c for c in chunks)
        self._spool(entry, encoded, lines=not binary)
        return arcname

    def add_file(
        self,
        name: str,
        path: str | os.PathLike[str],
        *,
        allow_binary: bool = False,
        report: dict[str, Any] | None = None,
        required: bool = False,
        then: Callable[[], None] | None = None,
    ) -> str:
        """Add a file from disk; it is read only when the bundle is written.

        A format-aware step (HAR, images) handles the file if one claims it;
        a text file goes through the text pass; a binary file is refused
        (:class:`~diagbundle.errors.FormatError`) unless ``allow_binary``, and
        is then stored as is and listed in the manifest as not scrubbed.
        ``required`` says the user named this file: if its format step fails
        the whole run fails (exit 3) rather than leave it out. ``report`` is
        filled in by the format step (see :class:`~diagbundle.types.FormatJob`)
        and ``then`` is called once that step has finished, still before the
        summary is written, so it may add summary lines or more files.
        """
        self._check()
        path = Path(path)
        try:
            with path.open("rb") as fh:
                head = fh.read(HEAD_SIZE)
        except OSError as err:
            raise DiagbundleError(f"cannot read {path}: {err.strerror or err}") from err
        fmt = self._store.find_format(path.name, head)
        binary = fmt is None and looks_binary(head)
        if binary and not allow_binary:
            raise FormatError(f"{path} is a binary file; it cannot be redacted")
        arcname = self._claim(name)
        default = "application/octet-stream" if binary else "text/plain"
        entry = Entry(
            arcname,
            self.collector,
            fmt.media_type if fmt is not None else guess_media_type(arcname, default),
            path=path,
            format=fmt,
            text=fmt.text if fmt is not None else not binary,
            required=required,
            report=report,
            then=then,
        )
        return self._commit(entry)

    def add_image(
        self,
        name: str,
        data: bytes | str | os.PathLike[str],
        *,
        media_type: str | None = None,
        required: bool = False,
    ) -> str:
        """Add an image (bytes or a path).

        It goes through a format step (metadata stripping) where a plugin
        provides one; otherwise it is stored as is and marked not scrubbed.
        """
        self._check()
        if isinstance(data, bytes):
            head, path = data[:HEAD_SIZE], None
        else:
            path = Path(data)
            head = path.read_bytes()[:HEAD_SIZE]
        fmt = self._store.find_format(path.name if path else name, head)
        arcname = self._claim(name)
        entry = Entry(
            arcname,
            self.collector,
            media_type or guess_media_type(arcname, "application/octet-stream"),
            path=path,
            format=fmt,
            text=False,
            required=required,
        )
        if isinstance(data, bytes):
            entry.spool = _new_spool()
            self._spool(entry, [data], lines=False)
            return arcname
        return self._commit(entry)

    def summary(self, line: str, *, first: bool = False, keep: Iterable[str] = ()) -> None:
        """Add a Markdown line to this collector's section of summary.md (redacted when written).

        ``first`` puts this collector's section at the top (the ticket);
        ``keep`` as for :meth:`add_text`, for this line only.
        """
        self._check()
        self._store.add_summary(self.collector, SummaryLine(line.rstrip("\n"), frozenset(keep)), first=first)

    # -- internals --------------------------------------------------------------
    def _claim(self, name: str) -> str:
        """The unique archive name for ``name``, redacted: a file name is text in the bundle too.

        Tags take a file-system-safe form there (``email-1``, ``REDACTED-password``): ``<``, ``>``
        and ``:`` cannot be in a file name on Windows, and would be replaced anyway.
        """
        redacted = self._store.redactor.redact(name)
        safe = _SECRET_TAG.sub(r"REDACTED-\1", _PSEUDONYM.sub(r"\1", redacted))
        return self._store.names.claim(self.collector, safe)

    def _spool(self, entry: Entry, data: Iterable[bytes], *, lines: bool = True) -> None:
        """Spool ``data`` for ``entry`` within the collector's budget and time.

        Over budget, text is cut at the last line end that fits (a value cut
        in half might no longer look like the secret it is), binary data at
        the byte; the entry is kept, marked truncated, and the collector stops.
        """
        assert entry.spool is not None
        over = False
        written = line_end = 0  # line_end: just after the last line end written
        try:
            for chunk in data:
                self._check()
                limit = self._budget.remaining()
                if limit is not None and len(chunk) > limit:
                    chunk, over = chunk[:limit], True
                entry.spool.write(chunk)
                newline = chunk.rfind(b"\n")
                if newline >= 0:
                    line_end = written + newline + 1
                written += len(chunk)
                self._budget.spend(len(chunk))
                if over:
                    break
            if over and lines and line_end < written:
                entry.spool.truncate(line_end)
                self._budget.spend(line_end - written)
        except BaseException:
            entry.spool.close()
            raise
        entry.spool.seek(0)
        entry.truncated, entry.budgeted = over, True
        self._commit(entry)
        if over:
            raise CollectorStopped(
                f"size budget of {self._budget.limit} bytes exceeded; {entry.arcname} truncated"
            )


_PSEUDONYM = re.compile(r"<([a-z0-9_]+(?:-[a-z0-9_]+)*-[0-9]+)>")
_SECRET_TAG = re.compile(r"\[REDACTED:([A-Za-z0-9_.-]+)\]")


def _new_spool() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, prefix="diagbundle-")
