"""Locale and encodings; time zone, current times and uptime."""

from __future__ import annotations

import locale
import os
import sys
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from diagbundle_plugins.environment.paths import read_text
from diagbundle_plugins.environment.winreg_values import read_values

ROOT = Path("/")


def locale_info() -> dict[str, Any]:
    """The ``locale`` section: what Python decodes and encodes text with."""
    try:
        language, encoding = locale.getlocale()
    except ValueError:
        language, encoding = None, None
    return {
        "locale": language,
        "locale_encoding": encoding,
        "preferred_encoding": locale.getpreferredencoding(False),
        "filesystem_encoding": sys.getfilesystemencoding(),
        "stdout_encoding": getattr(sys.stdout, "encoding", None),
    }


def time_info() -> dict[str, Any]:
    """The ``time`` section: UTC and local now, the zone's IANA name and offset, uptime."""
    now = datetime.now(timezone.utc)
    local = now.astimezone()
    offset = local.utcoffset()
    zone, source = iana_zone()
    info: dict[str, Any] = {
        "utc": now.isoformat(timespec="seconds"),
        "local": local.isoformat(timespec="seconds"),
        "utc_offset": _format_offset(offset.total_seconds() if offset is not None else 0.0),
        "abbreviation": local.tzname(),
        "timezone": zone,
        "timezone_source": source,
        "windows_timezone": None,
        "uptime_seconds": uptime(),
    }
    if sys.platform == "win32":
        values = read_values("HKLM", r"SYSTEM\CurrentControlSet\Control\TimeZoneInformation") or {}
        info["windows_timezone"] = values.get("TimeZoneKeyName")
    return info


def _format_offset(seconds: float) -> str:
    sign = "+" if seconds >= 0 else "-"
    minutes = int(abs(seconds)) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def iana_zone(
    environ: Mapping[str, str] | None = None, root: Path = ROOT
) -> tuple[str | None, str | None]:
    """The IANA zone name and where it came from: TZ, /etc/timezone or the /etc/localtime link.

    ``root`` and ``environ`` let tests feed a copied tree.
    """
    env = os.environ if environ is None else environ
    tz = env.get("TZ", "").lstrip(":")
    if tz and "/" in tz and not tz.startswith("/"):
        return tz, "TZ"
    if tz.startswith("/") and "zoneinfo/" in tz:
        return tz.split("zoneinfo/", 1)[1], "TZ"
    if tz in ("UTC", "GMT", "Etc/UTC"):
        return tz, "TZ"
    text = (read_text(root / "etc/timezone") or "").strip()
    if (text and "/" in text) or text in ("UTC", "Etc/UTC"):
        return text, "/etc/timezone"
    try:
        target = str((root / "etc/localtime").readlink())
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        return target.split("zoneinfo/", 1)[1], "/etc/localtime"
    return None, None


def uptime() -> float | None:
    """Seconds since boot, read in-process."""
    if sys.platform.startswith("linux"):
        text = read_text("/proc/uptime")
        try:
            return round(float(text.split()[0]), 1) if text else None
        except (ValueError, IndexError):
            return None
    if sys.platform == "darwin":
        from diagbundle_plugins.environment.sysctl import boot_time

        booted = boot_time()
        return round(time.time() - booted, 1) if booted else None
    if sys.platform == "win32":
        import ctypes

        ticks = ctypes.windll.kernel32.GetTickCount64
        ticks.restype = ctypes.c_ulonglong
        return round(int(ticks()) / 1000, 1)
    return None
