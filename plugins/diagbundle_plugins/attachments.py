"""Files the user attaches with ``--attach PATH``: logs, configs, folders, archives.

A text file is redacted (UTF-16 and UTF-32 are read and stored as UTF-8).
A folder (``--attach DIR``, recursive, ``--exclude GLOB`` to leave some out)
and an archive (``.zip``, ``.tar``, ``.tar.gz``/``.tgz``, ``.gz``) go in member
by member under ``attachments/NAME/MEMBER-PATH``: text members are redacted,
binary members are left out with a manifest line unless ``--attach-binary``.
Archives are expanded within limits (member count, total size, compression
ratio) so that a zip bomb costs nothing. A binary file given by itself is
refused unless ``--attach-binary``, and is then listed as not scrubbed.
Every path is checked before anything is written, so a typo ends the run
with a one-line error and no bundle.
"""

from __future__ import annotations

import fnmatch
import functools
import gzip
import os
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from diagbundle import HEAD_SIZE, CliOption, Collector, Context, UsageError, hookimpl, looks_binary
from diagbundle_plugins.paths import read_head

#: Members one archive or folder may add; past this the rest is left out (and said so).
MAX_MEMBERS = 10_000
#: Uncompressed bytes one archive may expand to.
MAX_EXPANDED = 1 << 30
#: A member that expands more than this many times its compressed size is a bomb.
MAX_RATIO = 200
#: Below this size a high ratio is normal (a log of repeated lines).
RATIO_FLOOR = 1 << 20
_READ = 1 << 20


def _paths(ctx: Context) -> list[Path]:
    return [Path(p) for p in ctx.options.get("attach") or []]


def archive_kind(path: Path, head: bytes) -> str | None:
    """``"zip"``, ``"tar"``, ``"gzip"`` (a tar inside or a single file), or None, by content."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return None


def check(ctx: Context) -> str | None:
    paths = _paths(ctx)
    if not paths:
        return "no --attach given"
    for path in paths:
        if path.is_dir():
            if not os.access(path, os.R_OK | os.X_OK):
                raise UsageError(f"--attach {path}: folder cannot be read")
            continue
        head = read_head("--attach", path)
        kind = archive_kind(path, head)
        if kind is not None:
            _check_archive(path, kind)
        elif looks_binary(head) and not ctx.options.get("attach_binary"):
            raise UsageError(
                f"--attach {path}: binary file, cannot be redacted "
                "(add --attach-binary to include it unscrubbed)"
            )
    return None


def _check_archive(path: Path, kind: str) -> None:
    try:
        if kind == "zip":
            with zipfile.ZipFile(path) as zf:
                zf.infolist()
        elif kind == "tar":
            with tarfile.open(path) as tf:
                tf.next()
        else:
            with gzip.open(path) as fh:
                fh.read(1)
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError) as err:
        raise UsageError(f"--attach {path}: unreadable {kind} archive ({err})") from None


def plan(ctx: Context) -> list[str]:
    return [os.fspath(p) for p in _paths(ctx)]


def collect(ctx: Context) -> None:
    binary_ok = bool(ctx.options.get("attach_binary"))
    excludes = list(ctx.options.get("attach_exclude") or [])
    for path in _paths(ctx):
        if path.is_dir():
            added = _Members(ctx, path.name, binary_ok, excludes)
            for rel, full in _walk(path, excludes):
                added.add(rel, functools.partial(full.open, "rb"))
            ctx.summary(f"- `attachments/{path.name}/` from folder `{path.name}`: {added.describe()}")
            continue
        kind = archive_kind(path, read_head("--attach", path))
        if kind is None:
            name = ctx.add_file(path.name, path, allow_binary=binary_ok, required=True)
            ctx.summary(f"- `{name}` from `{path.name}`")
            continue
        added = _Members(ctx, path.name, binary_ok, excludes)
        try:
            _expand(path, kind, added)
        except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError) as err:
            # The user named this archive: it goes in whole or the run fails.
            raise UsageError(f"--attach {path}: unreadable {kind} archive ({err})") from None
        ctx.summary(f"- `attachments/{path.name}/` from {kind} archive `{path.name}`: {added.describe()}")


def _walk(root: Path, excludes: list[str]) -> Iterator[tuple[str, Path]]:
    """Regular files under ``root`` in a stable order; symlinks are not followed (no loops, no escape)."""
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        here = Path(folder)
        for name in sorted(files):
            full = here / name
            rel = full.relative_to(root).as_posix()
            if any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(name, g) for g in excludes):
                continue
            if full.is_symlink() or not full.is_file():
                continue
            yield rel, full
        dirs[:] = [d for d in dirs
                   if not any(fnmatch.fnmatch((here / d).relative_to(root).as_posix(), g) for g in excludes)]


class _Members:
    """Adds the members of one folder or archive, one by one, within the limits."""

    def __init__(self, ctx: Context, top: str, binary_ok: bool, excludes: list[str]) -> None:
        self.ctx = ctx
        self.top = top
        self.binary_ok = binary_ok
        self.excludes = excludes
        self.text = self.binary = self.left_out = 0
        self.expanded = 0
        self.stopped: str | None = None

    def add(self, rel: str, opener: Callable[[], Any], limit: int | None = None) -> None:
        """Add one member: text redacted, binary only with --attach-binary (else a manifest line)."""
        if any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(rel.rpartition("/")[2], g) for g in self.excludes):
            return
        if self.stopped:
            self.left_out += 1
            return
        if self.text + self.binary >= MAX_MEMBERS:
            self.stopped = f"more than {MAX_MEMBERS} members; the rest was left out"
            self.left_out += 1
            return
        name = f"{self.top}/{rel}"
        with opener() as fh:
            head = fh.read(HEAD_SIZE)
            binary = looks_binary(head)
            if binary and not self.binary_ok:
                self.left_out += 1
                self.ctx.summary(f"  - `{rel}`: binary, left out (add --attach-binary to include it)")
                return
            budget = MAX_EXPANDED - self.expanded
            if limit is not None:
                budget = min(limit, budget)
            self.ctx.add_stream(name, self._chunks(head, fh, budget), binary=binary)
        if binary:
            self.binary += 1
        else:
            self.text += 1

    def _chunks(self, head: bytes, fh: IO[bytes], budget: int) -> Iterator[bytes]:
        data = head
        while data:
            if len(data) > budget:
                self.stopped = (f"expanded past {MAX_EXPANDED >> 20} MiB or its compression ratio limit; "
                                "the rest was left out")
                yield data[:budget]
                self.expanded += budget
                return
            budget -= len(data)
            self.expanded += len(data)
            yield data
            data = fh.read(_READ)

    def describe(self) -> str:
        parts = [f"{self.text} text file(s) redacted"]
        if self.binary:
            parts.append(f"{self.binary} binary file(s) included unscrubbed")
        if self.left_out:
            parts.append(f"{self.left_out} left out")
        if self.stopped:
            parts.append(self.stopped)
        return ", ".join(parts)


def _expand(path: Path, kind: str, added: _Members) -> None:
    """Add an archive's members; nested archives are members like any other (binary)."""
    if kind == "zip":
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                    added.left_out += 1
                    ratio = info.file_size // max(info.compress_size, 1)
                    added.ctx.summary(f"  - `{info.filename}`: expands {ratio}x "
                                      "(a decompression bomb?), left out")
                    continue
                added.add(info.filename, functools.partial(zf.open, info), limit=info.file_size)
        return
    compressed = path.stat().st_size
    ratio_limit = max(RATIO_FLOOR, MAX_RATIO * compressed)
    if kind == "gzip" and not _gzip_holds_tar(path):
        stem = path.name[:-3] if path.name.endswith(".gz") else f"{path.name}.out"
        added.add(stem, functools.partial(gzip.open, path), limit=ratio_limit)
        return
    with tarfile.open(path, mode="r:*") as tf:
        for member in tf:
            if not member.isfile():
                continue
            handle = tf.extractfile(member)
            if handle is None:
                continue
            added.add(member.name, functools.partial(_same, handle), limit=min(member.size, ratio_limit))


def _same(handle: IO[bytes]) -> IO[bytes]:
    """An opener for a member that is already open (tar members are read in order)."""
    return handle


def _gzip_holds_tar(path: Path) -> bool:
    try:
        with gzip.open(path) as fh:
            head = fh.read(512)
    except (OSError, EOFError):
        return False
    return len(head) >= 262 and head[257:262] == b"ustar"


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(
        Collector(
            "attachments",
            "Files, folders and archives given with --attach, redacted",
            collect,
            check=check,
            plan=plan,
            max_bytes=None,
        )
    )


@hookimpl
def diagbundle_register_options(register: Callable[[CliOption], None]) -> None:
    register(CliOption(("--attach",), "attach",
                       "include a file, a folder (recursive) or an archive (zip, tar, tar.gz, gz), "
                       "redacted; repeatable", action="append", metavar="PATH", collector="attachments"))
    register(CliOption(("--attach-binary",), "attach_binary",
                       "allow binary --attach files (included unscrubbed, marked in the manifest)",
                       action="store_true"))
    register(CliOption(("--exclude",), "attach_exclude",
                       "leave out folder or archive members matching GLOB (e.g. '*.tmp'); repeatable",
                       action="append", metavar="GLOB", collector="attachments"))
