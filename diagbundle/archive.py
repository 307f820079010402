"""Putting a finished zip on disk (or on a stream) without ever losing a file.

The bytes go to a temporary file beside the target (mode 0600), which is
fsynced and then *claimed* under its final name: with a hard link, which
fails if the name exists, so two runs can never overwrite each other's
bundle and a file that appeared meanwhile is never silently replaced. Only
``replace=True`` (``--force``) renames over an existing file. On any error
or interruption the temporary file is removed: no partial zip is ever left.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from diagbundle.errors import BundleError

#: How many fresh names a default-named bundle tries before giving up.
_NAME_TRIES = 20


def write_bundle(
    chunks: Iterable[bytes],
    folder: Path,
    name: Callable[[], str] | str,
    *,
    replace: bool = False,
) -> tuple[Path, int]:
    """Write ``chunks`` into ``folder`` and claim the final name; returns (path, size).

    ``name`` is a fixed file name (``-o PATH``: an existing file is an error
    unless ``replace``) or a function that makes a fresh one (default names:
    a taken one is skipped for another).
    """
    tmp, size = _write_temp(folder, chunks, folder / name if isinstance(name, str) else folder)
    try:
        if isinstance(name, str):
            target = folder / name
            try:
                _claim(tmp, target, replace=replace)
            except FileExistsError:
                raise BundleError(f"{target}: a file of that name appeared while the bundle was "
                                  "written; it was not replaced (use --force to replace it)") from None
            return target, size
        for _ in range(_NAME_TRIES):
            target = folder / name()
            try:
                _claim(tmp, target, replace=False)
                return target, size
            except FileExistsError:
                continue
        raise BundleError(f"cannot find a free file name in {folder}")
    except OSError as err:
        raise BundleError(f"cannot write in {folder}: {err.strerror or err}") from err
    finally:
        tmp.unlink(missing_ok=True)


def _write_temp(folder: Path, chunks: Iterable[bytes], label: Path) -> tuple[Path, int]:
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=".diagbundle-", suffix=".partial", dir=folder)
    except OSError as err:
        raise BundleError(f"cannot write {label}: {err.strerror or err}") from err
    tmp = Path(tmp_name)
    size = 0
    try:
        with os.fdopen(fd, "wb") as fh:  # mkstemp made it 0600: readable by the owner only
            for chunk in chunks:
                fh.write(chunk)
                size += len(chunk)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise BundleError(f"cannot write {label}: {err.strerror or err}") from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, size


def _claim(tmp: Path, target: Path, *, replace: bool) -> None:
    """Give ``tmp`` the name ``target``: exclusively, unless ``replace``.

    Raises ``FileExistsError`` when the name is taken. Where hard links are
    not supported (FAT, some network shares), the name is claimed by
    creating it with ``O_EXCL`` and the temporary file renamed over it.
    """
    if replace:
        tmp.replace(target)
        return
    try:
        os.link(tmp, target)
        return
    except FileExistsError:
        raise
    except OSError as err:
        if err.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    tmp.replace(target)


def write_to(stream: IO[bytes], chunks: Iterable[bytes], written: list[int] | None = None) -> int:
    """Write ``chunks`` to an open binary stream (``-o -``); returns the size.

    ``written[0]`` follows the byte count as it goes, so an interrupted
    caller can tell whether anything reached the stream.
    """
    count = written if written is not None else [0]
    for chunk in chunks:
        stream.write(chunk)
        count[0] += len(chunk)
    stream.flush()
    return count[0]
