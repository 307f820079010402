"""Reading small system files, and showing paths with the home folder as ``~``.

The redactor pseudonymises user names in home paths anyway; writing ``~``
ourselves keeps the output readable and means a path never depends on the
redactor recognising it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def home() -> str:
    """The current user's home folder, without a trailing separator."""
    return os.path.normpath(Path("~").expanduser())


def tilde(path: str | os.PathLike[str] | None) -> str | None:
    """``path`` with a leading home folder written as ``~`` (case-insensitive on Windows)."""
    if path is None:
        return None
    text = os.fspath(path)
    base = home()
    if base in ("", os.sep, "~"):
        return text
    if _fold(text) == _fold(base):
        return "~"
    for sep in {os.sep, "/"}:
        if _fold(text).startswith(_fold(base) + sep):
            return "~" + sep + text[len(base) + 1 :]
    return text


def _fold(text: str) -> str:
    """Paths compare case-insensitively on Windows."""
    return text.casefold() if sys.platform == "win32" else text


def tilde_list(value: str) -> str:
    """A PATH-like value (``os.pathsep`` separated) with each entry passed through :func:`tilde`."""
    return os.pathsep.join(tilde(part) or "" for part in value.split(os.pathsep))


def read_text(path: str | Path, limit: int = 1 << 20) -> str | None:
    """A small system file's text, or None when it is missing or unreadable."""
    try:
        with Path(path).open(encoding="utf-8", errors="replace") as fh:
            return fh.read(limit)
    except OSError:
        return None
