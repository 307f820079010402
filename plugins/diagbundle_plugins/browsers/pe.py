"""The file version of a Windows executable, read from its PE resources in pure Python.

Works on any OS and never runs the program (``chrome.exe --version`` would
open a window instead of printing). Reads only the headers and the
``.rsrc`` section.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

_KEY = "VS_VERSION_INFO".encode("utf-16-le")
_SIGNATURE = 0xFEEF04BD
#: Resource sections larger than this are not read (chrome.exe's is a few hundred KB).
MAX_RSRC = 16 << 20


def file_version(path: str | Path) -> str | None:
    """``VS_FIXEDFILEINFO``'s file version as ``a.b.c.d``, or None if there is none."""
    try:
        with Path(path).open("rb") as fh:
            rsrc = _resource_section(fh.read(4096), fh)
    except (OSError, struct.error):
        return None
    if rsrc is None:
        return None
    at = rsrc.find(_KEY)
    while at >= 0:
        # VS_FIXEDFILEINFO follows the key, padded to a 32-bit boundary.
        start = at + len(_KEY) + 2
        start += (4 - start % 4) % 4
        fixed = rsrc[start : start + 52]
        if len(fixed) == 52 and struct.unpack_from("<I", fixed)[0] == _SIGNATURE:
            ms, ls = struct.unpack_from("<II", fixed, 8)
            return f"{ms >> 16}.{ms & 0xFFFF}.{ls >> 16}.{ls & 0xFFFF}"
        at = rsrc.find(_KEY, at + 2)
    return None


def _resource_section(head: bytes, fh: BinaryIO) -> bytes | None:
    """The raw bytes of the ``.rsrc`` section, found through the section table."""
    if head[:2] != b"MZ":
        return None
    pe = struct.unpack_from("<I", head, 0x3C)[0]
    if head[pe : pe + 4] != b"PE\0\0":
        return None
    sections, optional_size = struct.unpack_from("<H12xH", head, pe + 6)
    table = pe + 24 + optional_size
    for index in range(sections):
        entry = table + 40 * index
        name = head[entry : entry + 8].rstrip(b"\0")
        if name == b".rsrc":
            raw_size, raw_offset = struct.unpack_from("<II", head, entry + 16)
            if raw_size > MAX_RSRC:
                return None
            fh.seek(raw_offset)
            return fh.read(raw_size)
    return None
