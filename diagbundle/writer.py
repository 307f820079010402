"""The write stage: the one place that turns staged entries into zip members.

For every entry alike, in order: its format step (HAR, images ...), the text
pass, then sha256, size and redaction counts, as the bytes go into the zip.
Format steps all run first (:meth:`WriteStage.prepare`), before the first
byte of the zip exists, so a file the user named that a step cannot parse
ends the run with nothing written, even when the zip streams to a client.
Then :meth:`WriteStage.zip` streams the members, ``summary.md`` (written now,
so its totals are the real ones) and ``manifest.json`` last.

The text pass runs in a read-ahead thread while this thread deflates (zlib
releases the GIL), so the two cores overlap. A format step's output goes
through the text pass right behind the step, as it is spooled: with worker
processes (``workers``) that pass then runs beside the step, as in
``diagbundle redact``.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import queue
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any

from zipstream import ZIP_DEFLATED, ZIP_STORED, ZipStream

from diagbundle.content import CHUNK, SPOOL_IN_MEMORY, binary_in_utf8, is_json, text_encoding
from diagbundle.context import Entry, Store
from diagbundle.errors import DiagbundleError, FormatError
from diagbundle.redaction.view import RedactionView
from diagbundle.types import FormatJob

#: ``progress(arcname, done, total)``: bytes of one file read so far (``total`` if known).
WriteProgress = Callable[[str, int, "int | None"], None]

#: Media types that are already compressed: deflate would only cost time.
_STORED_TYPES = (
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/zip",
    "application/gzip",
    "application/x-gzip",
    "application/x-xz",
    "application/x-bzip2",
    "application/zstd",
    "video/",
    "audio/",
)
#: A line longer than this is passed on before its end arrives (memory stays flat).
_MAX_HELD_LINE = 4 * CHUNK


def compress_type(media_type: str) -> int:
    """Deflate, except for content that is already compressed."""
    return int(ZIP_STORED if media_type.startswith(_STORED_TYPES) else ZIP_DEFLATED)


class WriteStage:
    """Writes the staged entries of one bundle; see the module docstring for the order."""

    def __init__(
        self, store: Store, options: Mapping[str, Any], progress: WriteProgress | None = None,
        *, workers: int = 0,
    ) -> None:
        self.store = store
        self.options = options
        self.progress = progress
        self.workers = workers
        #: Collectors whose files could not all be written: name -> reason.
        self.failures: dict[str, str] = {}
        self._redactor = RedactionView(lambda: store.redactor)

    # -- format steps ------------------------------------------------------------
    def prepare(self) -> None:
        """Run every entry's format step, in order, spooling its output.

        A ``then`` callback may stage more entries; they are prepared too. A
        step that fails on a ``required`` entry raises
        :class:`~diagbundle.errors.FormatError` (the run fails, nothing is
        written); on any other entry the file is left out, listed as dropped,
        and its collector is marked failed.
        """
        done: set[int] = set()
        while True:
            pending = [e for e in self.store.entries if id(e) not in done]
            if not pending:
                break
            for entry in pending:
                done.add(id(entry))
                if entry.format is not None:
                    self._format(entry)
                if entry.then is not None:
                    self._then(entry)
        for entry in list(self.store.entries):
            if entry.produce is not None:
                self._produce(entry)

    def _produce(self, entry: Entry) -> None:
        """Content that sums up other files, made now that every format step has run."""
        assert entry.produce is not None
        try:
            text = entry.produce()
        except DiagbundleError:
            raise
        except Exception as err:  # a plugin's bug costs its collector, not the bundle
            self.store.remove(entry.arcname, f"could not be made: {type(err).__name__}: {err}")
            self.failures.setdefault(entry.collector, f"{entry.arcname}: {type(err).__name__}: {err}")
            return
        entry.spool = io.BytesIO(text.encode("utf-8", "surrogateescape"))

    def _then(self, entry: Entry) -> None:
        assert entry.then is not None
        try:
            entry.then()
        except DiagbundleError:
            raise
        except Exception as err:  # a plugin's bug costs its collector, not the bundle
            self.failures.setdefault(entry.collector, f"after {entry.arcname}: {type(err).__name__}: {err}")

    def _format(self, entry: Entry) -> None:
        assert entry.format is not None
        job = FormatJob(self._redactor, entry.counts, self.options,
                        entry.report if entry.report is not None else {})
        # Closed on failure below, or by the store once the bundle is written.
        out: IO[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=SPOOL_IN_MEMORY, prefix="diagbundle-")
        where = str(entry.path) if entry.path is not None else entry.arcname
        try:
            with self._source(entry) as source:
                produced = entry.format.sanitize(source, job)
                if entry.text:
                    # The text pass right behind the step, as ``diagbundle redact`` runs it: with
                    # workers it runs beside the step (a big HAR's 5 s of it), not after it.
                    produced = self.store.redactor.stream(
                        produced, entry.counts, json=is_json(entry.media_type), keep=entry.keep,
                        workers=self.workers)
                for chunk in produced:
                    out.write(chunk)
        except Exception as err:  # a plugin's step may fail any way: it fails closed
            out.close()
            if isinstance(err, OSError) and err.strerror:
                message = err.strerror
            elif isinstance(err, (FormatError, OSError, UnicodeError, ValueError)):
                message = str(err)
            else:  # a bug in the step, not bad input: say so, never a traceback
                message = f"the {entry.format.name} step failed ({type(err).__name__}: {err})"
            if entry.required:
                raise FormatError(f"{where}: {message}") from None
            self.store.remove(entry.arcname, f"{entry.format.name} step failed: {message}")
            self.failures.setdefault(entry.collector, f"{entry.arcname} left out: {message}")
            return
        if entry.spool is not None:
            if entry.budgeted:  # the staged input is replaced by the step's output, paid for when written
                self.store.budget(entry.collector).spend(-(_size_of(entry.spool, start=0) or 0))
            entry.spool.close()
        out.seek(0)
        entry.spool, entry.path, entry.budgeted = out, None, False
        entry.redacted = entry.text

    def _source(self, entry: Entry) -> IO[bytes]:
        """The entry's input as a readable binary file that reports read progress."""
        raw: IO[bytes] = entry.spool if entry.spool is not None else entry.path.open("rb")  # type: ignore[union-attr]
        if self.progress is None:
            return raw
        total = _size_of(raw)
        return io.BufferedReader(_Counting(raw, lambda n: self._report(entry.arcname, n, total)), CHUNK)

    def _report(self, arcname: str, done: int, total: int | None) -> None:
        if self.progress is not None:
            self.progress(arcname, done, total)

    # -- the zip -----------------------------------------------------------------
    def zip(
        self,
        summary: Callable[[], list[tuple[str, frozenset[str]]]],
        manifest: Callable[[list[Entry]], bytes],
    ) -> Iterator[bytes]:
        """Yield the bytes of the whole zip: members, then ``summary.md``, then ``manifest.json``.

        ``summary`` is called once every member has been written, hashed and
        counted; it returns the parts of summary.md, each with the values it
        may keep readable, and each goes through the text pass. ``manifest``
        is called with every entry, ``summary.md`` last.
        """
        zs = ZipStream(compress_type=ZIP_DEFLATED)
        entries = list(self.store.entries)
        for entry in entries:
            zs.add(self._member(entry), entry.arcname, compress_type=compress_type(entry.media_type))
            yield from zs.all_files()
        counts: Counter[str] = Counter()
        text = "".join(self._redactor.redact(part, counts, keep=keep) for part, keep in summary())
        last = Entry("summary.md", "diagbundle", "text/markdown", spool=io.BytesIO(text.encode("utf-8")),
                     text=False, redacted=True, counts=counts)
        zs.add(self._member(last), last.arcname)
        yield from zs.all_files()
        zs.add(manifest([*entries, last]), "manifest.json")
        yield from zs.finalize()

    def _member(self, entry: Entry) -> Iterator[bytes]:
        """The bytes of one member, hashed and counted as they pass.

        A file added by path is read only now: if it has vanished or cannot
        be read any more, the member keeps what was read (possibly nothing)
        and records the error, rather than ending the whole bundle.
        """
        digest = hashlib.sha256()
        size = 0
        budget = self.store.budget(entry.collector) if entry.collector != "diagbundle" else None
        limit = budget.remaining() if budget is not None and not entry.budgeted else None
        taken = [0]
        try:
            with self._source(entry) as source:
                raw: Iterable[bytes] = iter(lambda: source.read(CHUNK), b"")
                if entry.text:
                    guarded = _text_only(_as_utf8(raw, entry), entry, limit, taken)
                    chunks: Iterable[bytes] = guarded if entry.redacted else _read_ahead(
                        self.store.redactor.stream(guarded, entry.counts, json=is_json(entry.media_type),
                                                   keep=entry.keep, workers=self.workers)
                    )
                else:
                    chunks = _capped(raw, entry, limit, taken)
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    yield chunk
        except OSError as err:
            entry.truncated = True
            entry.error = f"could not be read while the bundle was written: {err.strerror or err}"
        if budget is not None and not entry.budgeted:
            budget.spend(taken[0])
        entry.size, entry.sha256 = size, digest.hexdigest()


def _text_only(chunks: Iterable[bytes], entry: Entry, limit: int | None, taken: list[int]) -> Iterator[bytes]:
    """Pass text on whole lines; stop at binary content or at the budget.

    Binary detection covers the whole stream, not only its head: where
    binary content starts (a log that turns into a core dump), the member
    ends at the last line end before it and is marked truncated with the
    reason, so no byte the text pass cannot read is ever written. The
    budget cuts at a line end too: a value cut in half might no longer look
    like the secret it is.
    """
    held = b""  # an unfinished line; it starts at stream offset taken[0]
    for chunk in chunks:
        start = taken[0]
        bad = _binary_at(chunk)
        data = held + (chunk if bad < 0 else chunk[:bad])
        end = data.rfind(b"\n") + 1
        if bad < 0 and end == 0 and len(data) > _MAX_HELD_LINE:
            end = len(data)
        if limit is not None and taken[0] + end > limit:
            cut = data.rfind(b"\n", 0, limit - taken[0]) + 1
            if cut:
                taken[0] += cut
                yield data[:cut]
            entry.truncated = True
            entry.error = f"size budget reached after {taken[0]} bytes; the rest was left out"
            return
        if end:
            taken[0] += end
            yield data[:end]
        if bad >= 0:
            entry.truncated = True
            entry.error = (f"binary content at byte {start + len(held) + bad}; "
                           f"the member ends at the last line before it")
            return
        held = data[end:]
    if held:
        if limit is not None and taken[0] + len(held) > limit:
            entry.truncated = True
            entry.error = f"size budget reached after {taken[0]} bytes; the rest was left out"
            return
        taken[0] += len(held)
        yield held


def _as_utf8(chunks: Iterable[bytes], entry: Entry) -> Iterator[bytes]:
    """Text in UTF-16 or UTF-32 (by its head: a BOM or the pattern of zero bytes), as UTF-8.

    The member is stored as UTF-8 and says so in its media type; UTF-8 input
    passes unchanged.
    """
    it = iter(chunks)
    first = next(it, b"")
    encoding = text_encoding(first)
    if encoding == "utf-8":
        if first:
            yield first
        yield from it
        return
    entry.media_type = f"{entry.media_type.split(';')[0]}; charset=utf-8"
    entry.encoding = encoding
    decoder = codecs.getincrementaldecoder(encoding)("replace")
    text = decoder.decode(first).lstrip("\ufeff")
    if text:
        yield text.encode("utf-8", "surrogateescape")
    for chunk in it:
        text = decoder.decode(chunk)
        if text:
            yield text.encode("utf-8", "surrogateescape")
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail.encode("utf-8", "surrogateescape")


def _binary_at(chunk: bytes) -> int:
    """Where binary content starts in ``chunk`` (UTF-8 text), or -1 for text."""
    if not binary_in_utf8(chunk):
        return -1
    nul = chunk.find(b"\x00")
    if nul >= 0:
        return nul
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError as err:
        return err.start
    return 0


def _capped(chunks: Iterable[bytes], entry: Entry, limit: int | None, taken: list[int]) -> Iterator[bytes]:
    """Binary content, cut at the byte where the budget ends."""
    for chunk in chunks:
        if limit is not None and taken[0] + len(chunk) > limit:
            chunk = chunk[: limit - taken[0]]
            entry.truncated = True
            entry.error = f"size budget reached after {limit} bytes; the rest was left out"
        taken[0] += len(chunk)
        yield chunk
        if entry.truncated:
            return


def _size_of(fh: IO[bytes], start: int | None = None) -> int | None:
    """Bytes from ``start`` (default: the current position) to the end, or None if unseekable."""
    try:
        here = fh.tell()
        end = fh.seek(0, io.SEEK_END)
        fh.seek(here)
        return end - (here if start is None else start)
    except (OSError, ValueError):
        return None


class _Counting(io.RawIOBase):
    """A file wrapper that reports how many bytes were read (for progress)."""

    def __init__(self, raw: IO[bytes], report: Callable[[int], None]) -> None:
        self._raw = raw
        self._report = report
        self._done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self._done += n
        self._report(self._done)
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def _read_ahead(chunks: Iterable[bytes], depth: int = 4) -> Iterator[bytes]:
    """Produce ``chunks`` in a helper thread, a few chunks ahead of the consumer.

    Redaction (Python) then runs while the consumer deflates (C, GIL
    released). An exception in the producer is re-raised in the consumer.
    """
    q: queue.Queue[tuple[bytes | None, BaseException | None]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                if stop.is_set():
                    return
                q.put((chunk, None))
            q.put((None, None))
        except BaseException as err:
            q.put((None, err))

    thread = threading.Thread(target=produce, name="diagbundle-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            chunk, err = q.get()
            if err is not None:
                raise err
            if chunk is None:
                return
            yield chunk
    finally:
        stop.set()
        # Unblock a producer waiting on a full queue, but never wait long: one
        # stuck in a read (a FIFO, a stalled mount) must not hold up Ctrl-C.
        give_up = time.monotonic() + 1.0
        while thread.is_alive() and time.monotonic() < give_up:
            try:
                q.get_nowait()
            except queue.Empty:
                thread.join(0.01)


def totals(entries: Iterable[Entry]) -> tuple[Counter[str], dict[str, Counter[str]]]:
    """Redaction counts per rule, overall and per collector: what summary.md and the manifest state."""
    overall: Counter[str] = Counter()
    per_collector: dict[str, Counter[str]] = {}
    for entry in entries:
        overall.update(entry.counts)
        per_collector.setdefault(entry.collector, Counter()).update(entry.counts)
    return overall, per_collector
