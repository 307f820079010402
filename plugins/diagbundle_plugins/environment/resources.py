"""Memory (with the container's cgroup limit) and free disk space."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from diagbundle_plugins.environment.paths import home, read_text, tilde

ROOT = Path("/")
#: cgroup v1 reports "no limit" as a huge page-aligned number.
NO_LIMIT = 1 << 60


def memory() -> dict[str, Any]:
    """The ``memory`` section: bytes, or None where this platform cannot say in-process."""
    info: dict[str, Any] = {"total_bytes": None, "available_bytes": None,
                            "cgroup_limit_bytes": None, "cgroup_version": None}
    if sys.platform.startswith("linux"):
        text = read_text("/proc/meminfo")
        if text:
            info.update(parse_meminfo(text))
        info.update(cgroup_memory_limit())
    elif sys.platform == "darwin":
        from diagbundle_plugins.environment.sysctl import sysctl_int

        info["total_bytes"] = sysctl_int("hw.memsize")
    elif sys.platform == "win32":
        info.update(_windows_memory())
    return info


def parse_meminfo(text: str) -> dict[str, int | None]:
    """MemTotal and MemAvailable (``kB`` in the file) in bytes."""
    found: dict[str, int] = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if key in ("MemTotal", "MemAvailable") and parts and parts[0].isdigit():
            found[key] = int(parts[0]) * (1024 if parts[1:] == ["kB"] else 1)
    return {"total_bytes": found.get("MemTotal"), "available_bytes": found.get("MemAvailable")}


def cgroup_memory_limit(root: Path = ROOT) -> dict[str, Any]:
    """This process's cgroup memory limit (v2 ``memory.max``, v1 ``memory.limit_in_bytes``).

    ``root`` lets tests point at a copied tree; None means no limit is set.
    """
    cgroup = read_text(root / "proc/self/cgroup") or ""
    base = root / "sys/fs/cgroup"
    v2 = (base / "cgroup.controllers").exists()
    candidates: list[Path] = []
    for line in cgroup.splitlines():
        hier, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        path = path.lstrip("/")
        if hier == "0" and controllers == "" and v2:
            candidates += [base / path / "memory.max", base / "memory.max"]
        elif "memory" in controllers.split(","):
            mem = base / "memory"
            candidates += [mem / path / "memory.limit_in_bytes", mem / "memory.limit_in_bytes"]
    version = 2 if v2 else (1 if cgroup else None)
    for candidate in candidates:
        value = (read_text(candidate) or "").strip()
        if value == "max":
            return {"cgroup_limit_bytes": None, "cgroup_version": version}
        if value.isdigit():
            limit = int(value)
            return {"cgroup_limit_bytes": limit if limit < NO_LIMIT else None,
                    "cgroup_version": version}
    return {"cgroup_limit_bytes": None, "cgroup_version": version}


def _windows_memory() -> dict[str, int | None]:
    if sys.platform != "win32":
        return {}
    import ctypes
    from ctypes import wintypes

    class MemoryStatusEx(ctypes.Structure):
        _fields_ = [("dwLength", wintypes.DWORD), ("dwMemoryLoad", wintypes.DWORD)] + [
            (name, ctypes.c_ulonglong)
            for name in ("ullTotalPhys", "ullAvailPhys", "ullTotalPageFile", "ullAvailPageFile",
                         "ullTotalVirtual", "ullAvailVirtual", "ullAvailExtendedVirtual")
        ]

    status = MemoryStatusEx()
    status.dwLength = ctypes.sizeof(MemoryStatusEx)
    if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
        return {}
    return {"total_bytes": int(status.ullTotalPhys), "available_bytes": int(status.ullAvailPhys)}


def disks() -> dict[str, Any]:
    """Total and free bytes of the file systems holding the home and temp folders."""
    result: dict[str, Any] = {}
    for label, path in (("home", home()), ("temp", tempfile.gettempdir())):
        entry: dict[str, Any] = {"path": tilde(path), "total_bytes": None, "free_bytes": None,
                                 "error": None}
        try:
            usage = shutil.disk_usage(path)
            entry.update(total_bytes=usage.total, free_bytes=usage.free)
        except OSError as err:
            entry["error"] = err.strerror or str(err)
        result[label] = entry
    return result
