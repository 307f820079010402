"""The operating system: name, version, build, kernel, architecture, WSL.

Everything is read in-process: ``distro`` is told not to run ``lsb_release``
or ``uname``, macOS's version comes from ``SystemVersion.plist`` and
Windows' build from the registry.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import Any

from diagbundle_plugins.environment.paths import read_text
from diagbundle_plugins.environment.winreg_values import read_values

MACOS_VERSION_PLIST = "/System/Library/CoreServices/SystemVersion.plist"
WINDOWS_VERSION_KEY = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion"


def os_info() -> dict[str, Any]:
    """The ``os`` section of environment.json."""
    uname = platform.uname()
    info: dict[str, Any] = {
        "system": uname.system,
        "name": None,
        "version": None,
        "build": None,
        "codename": None,
        "id": None,
        "pretty_name": None,
        "kernel": uname.release,
        "kernel_version": uname.version,
        "architecture": uname.machine,
        "python_bits": 64 if sys.maxsize > 2**32 else 32,
        "wsl": None,
    }
    if sys.platform.startswith("linux"):
        info.update(_linux())
        info["wsl"] = wsl_info(uname.release)
    elif sys.platform == "darwin":
        info.update(_macos())
    elif sys.platform == "win32":
        info.update(_windows())
    return info


def _linux() -> dict[str, Any]:
    import distro

    dist = distro.LinuxDistribution(include_lsb=False, include_uname=False, include_oslevel=False)
    return {
        "name": dist.name() or None,
        "version": dist.version(best=True) or None,
        "build": dist.build_number() or None,
        "codename": dist.codename() or None,
        "id": dist.id() or None,
        "pretty_name": dist.name(pretty=True) or None,
    }


def wsl_info(kernel_release: str) -> dict[str, Any] | None:
    """WSL version and distribution name, or None outside WSL.

    WSL 1 kernels say ``Microsoft`` (``4.4.0-19041-Microsoft``), WSL 2
    kernels ``microsoft-standard-WSL2``.
    """
    release = read_text("/proc/sys/kernel/osrelease") or kernel_release
    if "microsoft" not in release.lower():
        return None
    import os

    return {
        "version": 2 if "microsoft-standard" in release.lower() or "wsl2" in release.lower() else 1,
        "distribution": os.environ.get("WSL_DISTRO_NAME"),
    }


def _macos() -> dict[str, Any]:
    import plistlib

    version = platform.mac_ver()[0] or None
    build = None
    try:
        with Path(MACOS_VERSION_PLIST).open("rb") as fh:
            plist = plistlib.load(fh)
        version = plist.get("ProductVersion") or version
        build = plist.get("ProductBuildVersion")
    except (OSError, ValueError):
        pass
    return {"name": "macOS", "version": version, "build": build, "id": "macos",
            "pretty_name": f"macOS {version}" if version else "macOS"}


def _windows() -> dict[str, Any]:
    values = read_values("HKLM", WINDOWS_VERSION_KEY) or {}
    build = values.get("CurrentBuildNumber") or str(sys.getwindowsversion().build)  # type: ignore[attr-defined,unused-ignore]
    ubr = values.get("UBR")
    product = values.get("ProductName") or "Windows"
    # Windows 11 still reports "Windows 10" in ProductName; the build tells them apart.
    if str(product).startswith("Windows 10") and str(build).isdigit() and int(build) >= 22000:
        product = "Windows 11" + str(product)[len("Windows 10"):]
    display = values.get("DisplayVersion") or values.get("ReleaseId")
    return {
        "name": str(product),
        "version": platform.version(),
        "build": f"{build}.{ubr}" if ubr is not None else str(build),
        "codename": display,
        "id": "windows",
        "pretty_name": f"{product} {display}" if display else str(product),
    }
