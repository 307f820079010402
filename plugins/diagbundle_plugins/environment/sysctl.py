"""macOS ``sysctlbyname`` through libc, so no ``sysctl`` subprocess is needed."""

from __future__ import annotations

import ctypes
import struct
import sys
from functools import cache


@cache
def _libc() -> ctypes.CDLL | None:
    if sys.platform != "darwin":
        return None
    try:
        return ctypes.CDLL("/usr/lib/libSystem.B.dylib", use_errno=True)
    except OSError:
        return None


def sysctl_raw(name: str) -> bytes | None:
    """The raw bytes of a sysctl value, or None if unknown here."""
    libc = _libc()
    if libc is None:
        return None
    size = ctypes.c_size_t(0)
    key = name.encode()
    if libc.sysctlbyname(key, None, ctypes.byref(size), None, ctypes.c_size_t(0)) != 0:
        return None
    buf = ctypes.create_string_buffer(size.value)
    if libc.sysctlbyname(key, buf, ctypes.byref(size), None, ctypes.c_size_t(0)) != 0:
        return None
    return buf.raw[: size.value]


def sysctl_str(name: str) -> str | None:
    raw = sysctl_raw(name)
    return raw.rstrip(b"\x00").decode("utf-8", "replace").strip() or None if raw else None


def sysctl_int(name: str) -> int | None:
    raw = sysctl_raw(name)
    if raw is None or len(raw) not in (4, 8):
        return None
    return int(struct.unpack("<i" if len(raw) == 4 else "<q", raw)[0])


def boot_time() -> float | None:
    """Seconds since the epoch at boot, from ``kern.boottime`` (a struct timeval)."""
    raw = sysctl_raw("kern.boottime")
    if raw is None or len(raw) < 16:
        return None
    seconds, micro = struct.unpack("<qi", raw[:12])
    return float(seconds) + float(micro) / 1e6
