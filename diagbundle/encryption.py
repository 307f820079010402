"""age encryption of bundles: to a recipient on the user's side, back with an identity on support's.

A bundle for a vendor can be encrypted to the vendor's public key (an age
``age1...`` key or an SSH public key), so only support can open it, however
it travels. Encryption is a transform of the zip's byte stream: the zip is
never on disk in plain form, only ``BUNDLE.zip.age``, written atomically by
the core's writer like any bundle.

pyrage (the Rust ``age`` crate) does the cryptography. Its streaming calls
are push-style (``encrypt_io(reader, writer)``), so each one runs in a helper
thread and its output comes back here through a small bounded queue: callers
see plain iterators of bytes (:func:`encrypt_chunks`,
:func:`decrypt_chunks`) and memory stays flat.

Verifying an encrypted bundle (:func:`inspect_encrypted`) never writes the
plain zip either. A zip is read from its end (the central directory), which
a stream cannot give, and spilling to a temporary file would put plain bytes
on disk. So the file is decrypted twice: a first pass keeps only the last
:data:`TAIL_BYTES` of plain text (central directory and manifest) and checks
the whole file's authentication; then :class:`_DecryptedFile` presents the
plain zip as a seekable file to the ordinary ``inspect`` checks, serving the
tail from memory and everything else from a second forward decryption.
Seeking backwards outside the tail restarts the decryption; ``inspect``
reads members in file order, so that happens a bounded number of times.
"""

from __future__ import annotations

import io
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diagbundle.errors import DiagbundleError, UsageError

if TYPE_CHECKING:
    from diagbundle.builder import BundleBuilder, BundleResult
    from diagbundle.inspect import Report

__all__ = [
    "AGE_SUFFIX",
    "DecryptError",
    "decrypt_chunks",
    "decrypt_file",
    "encrypt_chunks",
    "inspect_encrypted",
    "is_age_file",
    "load_identities",
    "parse_recipients",
    "write_encrypted",
    "write_encrypted_bundle",
]

AGE_SUFFIX = ".age"
_MAGIC = b"age-encryption.org/v1\n"
_ARMOR = b"-----BEGIN AGE ENCRYPTED FILE-----"
#: Plain bytes kept in memory from the end of an encrypted zip while verifying
#: it: enough for the central directory and manifest of a bundle of ~50,000 files.
TAIL_BYTES = 32 << 20
#: Decryption passes allowed while verifying before giving up (a zip whose
#: members point backwards would otherwise cost one pass per member).
_MAX_PASSES = 6
_QUEUE_DEPTH = 8
_READ = 1 << 16


class DecryptError(DiagbundleError):
    """An encrypted file could not be opened: not an age file, or no matching identity."""

    exit_code = 3


def _pyrage() -> Any:
    try:
        import pyrage
    except ImportError as err:
        raise UsageError(
            "encryption needs the pyrage package: pip install 'diagbundle[encrypt]'"
        ) from err
    return pyrage


# -- keys ------------------------------------------------------------------------
def parse_recipients(values: Iterable[str]) -> list[Any]:
    """pyrage recipients for ``--encrypt-to`` values.

    Each value is an age public key (``age1...``), an SSH public key line
    (``ssh-ed25519 AAAA... comment``, ``ssh-rsa ...``), or the path of a file
    holding such keys one per line (``#`` comments allowed), as ``age -R``
    takes. Raises :class:`UsageError` naming the value that is not a key.
    """
    pyrage = _pyrage()
    recipients: list[Any] = []
    for value in values:
        text = value.strip()
        if text.startswith(("age1", "ssh-")):
            lines = [text]
        elif text and Path(text).is_file():
            lines = [ln.strip() for ln in Path(text).read_text().splitlines()]
            lines = [ln for ln in lines if ln and not ln.startswith("#")]
            if not lines:
                raise UsageError(f"--encrypt-to {value}: the file holds no public key")
        else:
            raise UsageError(
                f"--encrypt-to {value!r} is not an age public key (age1...), an SSH public key "
                "or a file of keys"
            )
        for line in lines:
            kind = pyrage.ssh if line.startswith("ssh-") else pyrage.x25519
            try:
                recipients.append(kind.Recipient.from_str(line))
            except pyrage.RecipientError as err:
                shown = line if len(line) < 40 else line[:37] + "..."
                raise UsageError(f"--encrypt-to {shown!r}: not a valid public key ({err})") from err
    if not recipients:
        raise UsageError("--encrypt-to needs at least one recipient")
    return recipients


def load_identities(path: str | os.PathLike[str]) -> list[Any]:
    """The private keys in an identity file: age keys (``age-keygen``) or an unencrypted SSH key.

    Raises :class:`UsageError` for a file that cannot be read or holds no
    usable key (a passphrase-protected SSH key included: decrypt a copy of it
    with ``ssh-keygen -p`` first).
    """
    pyrage = _pyrage()
    name = os.fspath(path)
    try:
        data = Path(name).read_bytes()
    except OSError as err:
        raise UsageError(f"-i {name}: {err.strerror or err}") from err
    try:
        if b"-----BEGIN" in data and b"PRIVATE KEY-----" in data:
            return [pyrage.ssh.Identity.from_buffer(data)]
        keys = [ln.strip() for ln in data.decode("ascii", "replace").splitlines()]
        identities = [pyrage.x25519.Identity.from_str(k) for k in keys if k.startswith("AGE-SECRET-KEY-")]
    except pyrage.IdentityError as err:
        raise UsageError(f"-i {name}: not a usable identity ({err})") from err
    if not identities:
        raise UsageError(f"-i {name}: no age identity (AGE-SECRET-KEY-...) or SSH private key in it")
    return identities


def is_age_file(path: str | os.PathLike[str]) -> bool:
    """Whether the file starts like an age file (binary or ASCII-armored)."""
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(len(_ARMOR))
    except OSError:
        return False
    return head.startswith(_MAGIC) or head.startswith(_ARMOR)


# -- streams -----------------------------------------------------------------------
def encrypt_chunks(chunks: Iterable[bytes], recipients: Sequence[Any]) -> Iterator[bytes]:
    """The age encryption of ``chunks`` to ``recipients`` (from :func:`parse_recipients`), as it is made.

    An exception raised by ``chunks`` (a bundle that cannot be finished, an
    interrupt) comes out of this iterator unchanged, so the atomic writer
    removes its temporary file as for a plain bundle.
    """
    pyrage = _pyrage()
    if not recipients:
        raise UsageError("--encrypt-to needs at least one recipient")
    reader = _ChunkReader(chunks)

    def work(writer: _QueueWriter) -> None:
        try:
            pyrage.encrypt_io(reader, writer, list(recipients))
        except pyrage.EncryptError:
            if reader.error is not None:
                raise reader.error from None
            raise
        finally:
            reader.close()

    return _pump(work)


def write_encrypted(
    target: str | os.PathLike[str], chunks: Iterable[bytes], recipients: Sequence[Any]
) -> int:
    """Encrypt a bundle's zip stream (``diagbundle.stream()``) into ``target`` (``BUNDLE.zip.age``).

    Written like every bundle: to a temporary file beside ``target``,
    readable by the owner only, claimed under its name when complete (an
    existing file is never replaced), removed on any error. Only ciphertext
    ever reaches the disk. Returns its size.
    """
    from diagbundle.archive import write_bundle

    path = Path(target)
    return write_bundle(encrypt_chunks(chunks, recipients), path.parent, path.name)[1]


def decrypt_chunks(source: str | os.PathLike[str], identities: Sequence[Any]) -> Iterator[bytes]:
    """The plain bytes of the age file at ``source``.

    Raises :class:`DecryptError` (exit 3) for a file that is not age, is cut
    short or altered, or is for none of ``identities``. The last chunk is
    authenticated only at the end: consumers that write must write atomically
    (as :func:`decrypt_file` does), never trust a partial output.
    """
    pyrage = _pyrage()
    name = os.fspath(source)
    if not Path(name).is_file():
        raise DecryptError(f"{name}: no such file")
    if not is_age_file(name):
        raise DecryptError(f"{name}: not an age-encrypted file")

    def work(writer: _QueueWriter) -> None:
        with Path(name).open("rb") as fh:
            try:
                pyrage.decrypt_io(fh, writer, list(identities))
            except (pyrage.DecryptError, OSError) as err:
                # A chunk that fails authentication (cut short, altered) comes out as an OSError.
                if writer.stopped:
                    return
                raise DecryptError(_decrypt_message(name, str(err))) from None

    return _pump(work)


def _decrypt_message(name: str, detail: str) -> str:
    if "no matching keys" in detail.lower():
        return f"{name}: encrypted for someone else: the identity given matches none of its recipients"
    return f"{name}: cannot be decrypted (cut short or altered: {detail})"


def decrypt_file(
    source: str | os.PathLike[str],
    identity: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    *,
    force: bool = False,
) -> Path:
    """Decrypt ``source`` with the identity file ``identity`` into ``output``; return its path.

    ``output`` defaults to ``source`` without ``.age`` (``bundle.zip.age`` ->
    ``bundle.zip``). The plain file is written beside its target, readable
    by the owner only, and renamed into place only once the whole input has
    been authenticated; an existing file is replaced only with ``force``.
    """
    from diagbundle.archive import write_bundle

    src = Path(source)
    if output is None:
        if src.suffix != AGE_SUFFIX:
            raise UsageError(f"{src} does not end in .age: say where to write with -o PATH")
        target = src.with_suffix("")
    else:
        target = Path(output)
    if target.is_dir():
        target = target / (src.name[: -len(AGE_SUFFIX)] if src.suffix == AGE_SUFFIX else src.name + ".zip")
    if target.exists() and not force:
        raise UsageError(f"{target} exists; pass --force to replace it")
    identities = load_identities(identity)
    return write_bundle(decrypt_chunks(src, identities), target.parent, target.name, replace=force)[0]


def inspect_encrypted(
    source: str | os.PathLike[str], identities: Sequence[Any], *, tail_bytes: int = TAIL_BYTES
) -> Report:
    """Verify an encrypted bundle like ``inspect`` does, without writing its plain zip anywhere.

    Raises :class:`DecryptError` when it cannot be decrypted and
    :class:`~diagbundle.errors.InspectError` when the plain bytes are not a
    bundle; hash mismatches are in the report, as for a plain bundle.
    """
    from diagbundle.inspect import inspect_bundle

    name = os.fspath(source)
    size, tail = _first_pass(name, identities, tail_bytes)
    # BufferedReader turns the short reads of _DecryptedFile into the whole reads zipfile expects.
    with io.BufferedReader(_DecryptedFile(name, identities, size, tail), _READ) as plain:
        return inspect_bundle(plain, name=name)


def _first_pass(name: str, identities: Sequence[Any], keep: int) -> tuple[int, bytes]:
    """Decrypt all of ``name`` (authenticating it), keeping its size and the last ``keep`` bytes."""
    tail: deque[bytes] = deque()
    kept = size = 0
    for chunk in decrypt_chunks(name, identities):
        size += len(chunk)
        tail.append(chunk)
        kept += len(chunk)
        while tail and kept - len(tail[0]) >= keep:
            kept -= len(tail.popleft())
    excess = kept - keep
    if tail and excess > 0:
        tail[0] = tail[0][excess:]
    return size, b"".join(tail) if keep else b""


class _DecryptedFile(io.RawIOBase):
    """The plain bytes of an age file as a read-only seekable file, never stored whole.

    Reads inside the remembered tail come from memory; others from a
    forward decryption, restarted when a read goes backwards.
    """

    def __init__(self, name: str, identities: Sequence[Any], size: int, tail: bytes) -> None:
        super().__init__()
        self._name, self._identities = name, identities
        self._size, self._tail, self._tail_start = size, tail, size - len(tail)
        self._pos = 0
        self._stream: Iterator[bytes] | None = None
        self._stream_pos = 0
        self._buffer = b""  # bytes of the stream from _stream_pos on
        self.passes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        want = min(len(view), self._size - self._pos)
        if want <= 0:
            return 0
        if self._pos >= self._tail_start:
            start = self._pos - self._tail_start
            data = self._tail[start : start + want]
        else:
            want = min(want, self._tail_start - self._pos)
            data = self._from_stream(self._pos, want)
        view[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def _from_stream(self, pos: int, want: int) -> bytes:
        if self._stream is None or pos < self._stream_pos:
            self._restart()
        assert self._stream is not None
        while True:
            end = self._stream_pos + len(self._buffer)
            if pos < end:
                start = pos - self._stream_pos
                data = self._buffer[start : start + want]
                # Forget what lies before this read: the next one goes on from here.
                self._buffer = self._buffer[start:]
                self._stream_pos = pos
                return data
            self._stream_pos, self._buffer = end, next(self._stream, b"")
            if not self._buffer:
                raise DecryptError(f"{self._name}: changed while it was being verified")

    def _restart(self) -> None:
        if self._stream is not None:
            self._stream.close()  # type: ignore[attr-defined]
        self.passes += 1
        if self.passes > _MAX_PASSES:
            raise DecryptError(
                f"{self._name}: its zip members are out of order; decrypt it with "
                "'diagbundle decrypt' and inspect the plain zip"
            )
        self._stream = decrypt_chunks(self._name, self._identities)
        self._stream_pos, self._buffer = 0, b""

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()  # type: ignore[attr-defined]
            self._stream = None
        super().close()


# -- the thread pump -----------------------------------------------------------
class _ChunkReader:
    """A ``read(n)`` file over an iterable of chunks, for pyrage to pull from.

    An exception from the iterable is kept (pyrage would turn it into its own
    error type) so the caller can re-raise the original one.
    """

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        # pyrage reads 8 KiB at a time: a view and an offset into the current
        # chunk: slicing off the rest each time copied it (bench_encryption, 210 MB:
        # encrypt 85 -> 190 MB/s).
        self._pending = memoryview(b"")
        self._at = 0
        self.error: BaseException | None = None

    def read(self, n: int = -1) -> bytes:
        try:
            while self._at >= len(self._pending):
                self._pending, self._at = memoryview(next(self._chunks)), 0
        except StopIteration:
            return b""
        except BaseException as err:
            self.error = err
            raise
        end = len(self._pending) if n < 0 else min(len(self._pending), self._at + n)
        data = self._pending[self._at : end].tobytes()
        self._at = end
        return data

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


class _Stopped(Exception):
    """Raised into pyrage's write when the consumer has gone away."""


class _QueueWriter:
    """pyrage's ``write`` target: hands each chunk to the consuming thread through a bounded queue."""

    def __init__(self, q: queue.Queue[object], stop: threading.Event) -> None:
        self._q, self._stop = q, stop

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def write(self, data: bytes) -> int:
        chunk = bytes(data)
        while True:
            if self._stop.is_set():
                raise _Stopped
            try:
                self._q.put(chunk, timeout=0.1)
                return len(chunk)
            except queue.Full:
                continue

    def flush(self) -> None:
        return None


_DONE = object()


def _pump(work: Callable[[_QueueWriter], None]) -> Iterator[bytes]:
    """Run ``work(writer)`` in a thread and yield what it writes, a few chunks ahead.

    Leaving the iterator early (an error downstream, Ctrl-C) stops the
    worker at its next write.
    """
    q: queue.Queue[object] = queue.Queue(maxsize=_QUEUE_DEPTH)
    stop = threading.Event()
    writer = _QueueWriter(q, stop)

    def run() -> None:
        try:
            work(writer)
            item: object = _DONE
        except BaseException as err:
            item = _DONE if stop.is_set() else err
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def consume() -> Iterator[bytes]:
        thread = threading.Thread(target=run, name="diagbundle-age", daemon=True)
        thread.start()
        try:
            while True:
                item = q.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                assert isinstance(item, bytes)
                yield item
        finally:
            stop.set()
            thread.join(5)

    return consume()


def write_encrypted_bundle(
    builder: BundleBuilder,
    output: str | os.PathLike[str] | None,
    recipients: Sequence[str],
    *,
    force: bool = False,
) -> BundleResult:
    """Collect with ``builder``, write ``BUNDLE.zip.age`` encrypted to ``recipients``: no plain zip on disk.

    ``output`` is a file or a folder, as for :meth:`BundleBuilder.write`; a
    file name gets ``.age`` added if it lacks it, a folder gets a fresh
    ``diagbundle-...zip.age``. The recipients are checked before anything is
    collected. The zip stream goes through :func:`encrypt_chunks` into the
    core's writer, so only ciphertext is written.
    """
    from diagbundle.archive import write_bundle
    from diagbundle.builder import BundleResult
    from diagbundle.sizecheck import check_size

    keys = parse_recipients(recipients)
    target = None if output is None else Path(output)
    if target is not None and not target.is_dir() and target.suffix != AGE_SUFFIX:
        target = target.with_name(target.name + AGE_SUFFIX)
    folder, name = builder.target(target, force=force)
    stream = builder.stream()
    path, size = write_bundle(encrypt_chunks(stream, keys), folder,
                              name or (lambda: builder.filename(encrypted=True)), replace=force)
    return BundleResult(path, size, builder.bundle_id, stream.manifest, builder.results, stream.mapping_path,
                        check_size(size, stream.manifest.get("files", []), builder.limits))
