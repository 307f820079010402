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


#: Byte order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def text_encoding(head: bytes) -> str:
    """The encoding of text that starts with ``head``: ``"utf-8"`` unless it is UTF-16 or UTF-32.

    A byte order mark decides; without one, the pattern of zero bytes does
    (ASCII-range text in UTF-16 LE has a zero in every odd position), and
    the guess must then decode cleanly. Windows tools (PowerShell's ``>``,
    ``reg export``, Event Viewer) write UTF-16 logs that would otherwise be
    refused as binary, or worse, pass the text pass unread.
    """
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    sample = head[: 4096 - 4096 % 4]
    if len(sample) < 8 or sample.count(0) < len(sample) // 4:
        return "utf-8"
    lanes = [sample[i::4].count(0) / (len(sample) // 4) for i in range(4)]
    guesses = []
    if lanes[1] > 0.9 and lanes[2] > 0.9 and lanes[3] > 0.9:
        guesses.append("utf-32-le")
    if lanes[0] > 0.9 and lanes[1] > 0.9 and lanes[2] > 0.9:
        guesses.append("utf-32-be")
    if lanes[1] > 0.4 and lanes[3] > 0.4 and lanes[0] < 0.05 and lanes[2] < 0.05:
        guesses.append("utf-16-le")
    if lanes[0] > 0.4 and lanes[2] > 0.4 and lanes[1] < 0.05 and lanes[3] < 0.05:
        guesses.append("utf-16-be")
    for name in guesses:
        try:
            text = sample.decode(name)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return name
    return "utf-8"


def looks_binary(data: bytes) -> bool:
    """Guess whether ``data`` (a head, or any chunk of a stream) is binary.

    UTF-16 and UTF-32 text (see :func:`text_encoding`) is text. Otherwise a
    NUL byte, or more than 10% of bytes that are not valid UTF-8, means
    binary: the heuristic ``grep`` and ``git`` use. A character cut by the
    end of the sample does not count.
    """
    if not data:
        return False
    if text_encoding(data) != "utf-8":
        return False
    return binary_in_utf8(data)


def binary_in_utf8(data: bytes) -> bool:
    """:func:`looks_binary` for data meant as UTF-8: a stream already decoded, or past its head.

    A chunk in the middle of a UTF-8 log that happens to look like UTF-16 is
    binary here: only the head of a file decides its encoding.
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
