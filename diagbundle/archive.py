"""The zip itself: entries streamed through zipstream-ng, written atomically.

Order inside the archive: ``summary.md`` first, the collectors' files, then
``manifest.json`` last, once every hash is known. Files added by path are
read, redacted and compressed here, chunk by chunk, so memory stays flat.
A background thread reads and redacts while this thread deflates (zlib
releases the GIL), so the two cores overlap.
"""

from __future__ import annotations

import hashlib
import os
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

from zipstream import ZIP_DEFLATED, ZIP_STORED, ZipStream

from diagbundle.context import Entry, Store, is_json
from diagbundle.errors import BundleError

CHUNK = 1 << 20

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


def _compress_type(media_type: str) -> int:
    stored = media_type.startswith(_STORED_TYPES)
    return int(ZIP_STORED if stored else ZIP_DEFLATED)


def zip_chunks(
    store: Store,
    summary: bytes,
    manifest: Callable[[list[Entry]], bytes],
) -> Iterator[bytes]:
    """Yield the bytes of the whole zip.

    ``manifest`` is called with every entry (``summary.md`` first) once all
    of them have been streamed, hashed and counted.
    """
    zs = ZipStream(compress_type=ZIP_DEFLATED)
    first = Entry(
        "summary.md",
        "diagbundle",
        "text/markdown",
        "spool",
        size=len(summary),
        sha256=hashlib.sha256(summary).hexdigest(),
    )
    zs.add(summary, first.arcname)
    for entry in store.entries:
        zs.add(_entry_bytes(entry, store), entry.arcname, compress_type=_compress_type(entry.media_type))
    yield from zs.all_files()
    zs.add(manifest([first, *store.entries]), "manifest.json")
    yield from zs.finalize()


def _entry_bytes(entry: Entry, store: Store) -> Iterator[bytes]:
    """The bytes of one entry, hashed and counted as they pass.

    A file added by path is read only now: if it has vanished or cannot be
    read any more, the entry keeps what was read (possibly nothing) and
    records the error, rather than ending the whole bundle.
    """
    digest = hashlib.sha256()
    size = 0
    try:
        for chunk in _read(entry, store):
            if entry.limit is not None and size + len(chunk) > entry.limit:
                chunk = chunk[: entry.limit - size]
                entry.truncated = True
            digest.update(chunk)
            size += len(chunk)
            yield chunk
            if entry.truncated:
                break
    except OSError as err:
        entry.truncated = True
        entry.error = f"could not be read while the bundle was written: {err.strerror or err}"
    entry.size, entry.sha256 = size, digest.hexdigest()


def _read(entry: Entry, store: Store) -> Iterator[bytes]:
    if entry.spool is not None:
        source: IO[bytes] = entry.spool
    else:
        assert entry.path is not None
        source = entry.path.open("rb")
    with source:
        raw: Iterable[bytes] = iter(lambda: source.read(CHUNK), b"")
        if entry.source == "text":
            raw = store.redactor.stream(raw, entry.counts, json=is_json(entry.media_type))
        elif entry.spool is not None:  # already redacted, and in memory or a temporary file
            yield from raw
            return
        yield from _read_ahead(raw)


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


def write_atomically(target: Path, chunks: Iterable[bytes]) -> int:
    """Write ``chunks`` to a temporary file beside ``target``, then rename it.

    The file is created readable by the owner only (mode 0600). On any
    error or interruption the temporary file is removed, so no partial zip
    is ever left at ``target``. Returns the size written.
    """
    folder = target.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=folder)
    except OSError as err:
        raise BundleError(f"cannot write in {folder}: {err.strerror or err}") from err
    tmp = Path(tmp_name)
    size = 0
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
                size += len(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.chmod(0o600)
        tmp.replace(target)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise BundleError(f"cannot write {target}: {err.strerror or err}") from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return size


def write_to(stream: IO[bytes], chunks: Iterable[bytes]) -> int:
    """Write ``chunks`` to an open binary stream (``-o -``); returns the size."""
    size = 0
    for chunk in chunks:
        stream.write(chunk)
        size += len(chunk)
    stream.flush()
    return size
