"""Facts about content that more than one stage needs: head size, chunk size, binary or text.

One constant for one fact: format detection, ``--attach`` checks and the
write stage all read the same head and decide "binary" the same way, so a
file cannot pass one check and then fail another.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

#: What format detection and binary checks see of a file before it is staged.
HEAD_SIZE = 64 << 10
#: Read size of the write stage (and of ``diagbundle redact``).
CHUNK = 1 << 20
#: Collector output is kept in memory up to this size, then in a temporary file.
SPOOL_IN_MEMORY = 4 << 20


def looks_binary(data: bytes) -> bool:
    """Guess whether ``data`` (a head, or any chunk of a stream) is binary.

    A NUL byte, or more than 10% of bytes that are not valid UTF-8, means
    binary: the heuristic ``grep`` and ``git`` use. A character cut by the end
    of the sample does not count.
    """
    if not data:
        return False
    if b"\x00" in data:
        return True
    try:
        data.decode("utf-8")
        return False
    except UnicodeDecodeError as err:
        if err.start >= len(data) - 3:
            return False
    text = data.decode("utf-8", "replace")
    return text.count("\ufffd") / max(len(text), 1) > 0.1


def read_head(path: str | os.PathLike[str]) -> bytes:
    """The first :data:`HEAD_SIZE` bytes of ``path`` (``OSError`` if unreadable)."""
    with Path(path).open("rb") as fh:
        return fh.read(HEAD_SIZE)


def is_json(media_type: str) -> bool:
    """JSON content is redacted in JSON mode, which keeps the document valid."""
    return media_type == "application/json" or media_type.endswith("+json")


def guess_media_type(name: str, default: str = "text/plain") -> str:
    """The media type for an archive name, from its extension."""
    if name.endswith((".har", ".json")):
        return "application/json"
    guessed, _ = mimetypes.guess_type(name)
    return guessed or default
