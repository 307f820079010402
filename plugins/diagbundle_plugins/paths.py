"""Checking a file the user named on the command line, for the built-in collectors.

Not a plugin: ``--attach`` and ``--har`` both take paths and check them
before anything is written, so a typo ends the run with a one-line error.
"""

from __future__ import annotations

from pathlib import Path

from diagbundle import HEAD_SIZE, UsageError


def read_head(option: str, path: Path) -> bytes:
    """The head of the file given with ``option`` (what format detection sees), or a one-line UsageError.

    The same :data:`diagbundle.HEAD_SIZE` as the core's own checks: a file
    that passes here cannot then be refused when it is staged.
    """
    if not path.exists():
        raise UsageError(f"{option} {path}: no such file")
    if not path.is_file():
        raise UsageError(f"{option} {path}: not a regular file")
    try:
        with path.open("rb") as fh:
            return fh.read(HEAD_SIZE)
    except OSError as err:
        raise UsageError(f"{option} {path}: {err.strerror or err}") from err
