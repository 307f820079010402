"""Browsers on Windows: the registry and each executable's file version.

Sources, most trusted first: the updaters' client keys (Google Update,
EdgeUpdate, Brave Update: ``pv``), Mozilla's keys, Uninstall entries,
StartMenuInternet commands and BLBeacon. The executable's own file version
(read from its PE resources) wins when the file is there. No browser is
ever run: ``chrome.exe --version`` opens a window instead of printing.

:class:`Registry` is the seam: :class:`WinRegistry` reads the live registry,
tests feed ``.reg`` exports.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import PureWindowsPath
from typing import Any, Protocol

from diagbundle_plugins.browsers.catalog import (
    WIN_BEACONS,
    WIN_EXES,
    WIN_PROGIDS,
    WIN_UNINSTALL,
    WIN_UPDATE_CLIENTS,
)
from diagbundle_plugins.browsers.model import DefaultBrowser, Detection, Install
from diagbundle_plugins.browsers.pe import file_version
from diagbundle_plugins.browsers.policy import windows_policies
from diagbundle_plugins.environment.paths import tilde

SOFTWARE_ROOTS = (r"HKLM\SOFTWARE", r"HKLM\SOFTWARE\WOW6432Node", r"HKCU\SOFTWARE")
UNINSTALL = r"Microsoft\Windows\CurrentVersion\Uninstall"
MOZILLA_PRODUCTS = (("Mozilla Firefox", "release"), ("Mozilla Firefox ESR", "esr"),
                    ("Firefox Developer Edition", "developer"), ("Firefox Nightly", "nightly"),
                    ("Nightly", "nightly"))


class Registry(Protocol):
    """Read-only registry access; paths look like ``HKLM\\SOFTWARE\\Google``."""

    def values(self, path: str) -> dict[str, Any] | None:
        """The key's values by name (the default value is ``""``), or None if the key is absent."""

    def subkeys(self, path: str) -> list[str]:
        """The names of the key's subkeys (empty if absent)."""


class WinRegistry:
    """The live registry through ``winreg`` (Windows only)."""

    def _open(self, path: str) -> Any:
        if sys.platform != "win32":
            return None
        import winreg

        hive, _, rest = path.partition("\\")
        root = winreg.HKEY_LOCAL_MACHINE if hive == "HKLM" else winreg.HKEY_CURRENT_USER
        try:
            return winreg.OpenKey(root, rest)
        except OSError:
            return None

    def values(self, path: str) -> dict[str, Any] | None:
        if sys.platform != "win32":
            return None
        import winreg

        handle = self._open(path)
        if handle is None:
            return None
        found: dict[str, Any] = {}
        with handle:
            for index in range(4096):
                try:
                    name, data, _kind = winreg.EnumValue(handle, index)
                except OSError:
                    break
                found[name] = data
        return found

    def subkeys(self, path: str) -> list[str]:
        if sys.platform != "win32":
            return []
        import winreg

        handle = self._open(path)
        if handle is None:
            return []
        names = []
        with handle:
            for index in range(65536):
                try:
                    names.append(winreg.EnumKey(handle, index))
                except OSError:
                    break
        return names


def _text(value: Any) -> str | None:
    return value.strip().strip('"') or None if isinstance(value, str) else None


def _exe_from_command(command: str) -> str:
    """``"C:\\...\\chrome.exe" --single-argument %1`` -> ``C:\\...\\chrome.exe``."""
    command = command.strip()
    if command.startswith('"'):
        return command[1:].split('"', 1)[0]
    lower = command.lower()
    end = lower.find(".exe")
    return command[: end + 4] if end >= 0 else command.split(" ", 1)[0]


class _Collector:
    """Gathers installs from all sources, merged by executable path."""

    def __init__(self, registry: Registry, version_of: Callable[[str], str | None]) -> None:
        self.registry = registry
        self.version_of = version_of
        self.installs: dict[tuple[str, str], Install] = {}

    def add(self, family: str, channel: str, version: str | None, exe: str | None,
            source: str, **details: Any) -> None:
        key = (family, channel)
        current = self.installs.get(key)
        if current is None:
            current = Install(family, channel, version, exe, source, details={"sources": []})
            self.installs[key] = current
        current.details["sources"].append(source)
        if current.version is None and version:
            current.version = version
        if current.path is None and exe:
            current.path = exe
        current.details.update({k: v for k, v in details.items() if v is not None})

    def finish(self) -> list[Install]:
        result = []
        for install in self.installs.values():
            if install.path:
                exe_version = self.version_of(install.path)
                if exe_version:
                    install.details["registry_version"] = install.version
                    install.details["file_version"] = exe_version
                    install.version = install.version if _same(install.version, exe_version) \
                        else exe_version
                install.path = tilde(install.path)
            if install.version is None:
                install.status, install.error = "error", "no version in the registry or the file"
            result.append(install)
        return result


def _same(a: str | None, b: str) -> bool:
    """Registry versions omit trailing ``.0`` parts the file version carries (121.0 vs 121.0.0.8762)."""
    return a is not None and b.startswith(a.split(" ")[0])


def updater_clients(c: _Collector) -> None:
    for updater, guid, family, channel in WIN_UPDATE_CLIENTS:
        for root in SOFTWARE_ROOTS:
            path = rf"{root}\{updater}\Clients\{guid}"
            values = c.registry.values(path)
            if values and _text(values.get("pv")):
                location = _text(values.get("location"))
                exe = None
                if location:
                    exe = str(PureWindowsPath(location) / ("msedge.exe" if family == "edge"
                                                            else f"{family}.exe"))
                c.add(family, channel, _text(values["pv"]), exe, "updater", updater_key=path)


def mozilla(c: _Collector) -> None:
    for root in SOFTWARE_ROOTS[:2]:
        for product, channel in MOZILLA_PRODUCTS:
            base = rf"{root}\Mozilla\{product}"
            values = c.registry.values(base)
            current = _text((values or {}).get("CurrentVersion"))
            if not current:
                continue
            main = c.registry.values(rf"{base}\{current}\Main") or {}
            version = current.split(" ")[0]
            real_channel = "esr" if "ESR" in current.split("(")[0] else channel
            c.add("firefox", real_channel, version, _text(main.get("PathToExe")), "mozilla",
                  registry_current_version=current)


def uninstall_entries(c: _Collector) -> None:
    for root in SOFTWARE_ROOTS:
        base = rf"{root}\{UNINSTALL}"
        for sub in c.registry.subkeys(base):
            values = c.registry.values(rf"{base}\{sub}") or {}
            name = _text(values.get("DisplayName")) or ""
            for prefix, family, channel, exe_name in WIN_UNINSTALL:
                if name.lower().startswith(prefix.lower()):
                    if family == "firefox" and "ESR" in name:
                        channel = "esr"
                    location = _text(values.get("InstallLocation"))
                    exe = str(PureWindowsPath(location) / exe_name) if location else None
                    c.add(family, channel, _text(values.get("DisplayVersion")), exe, "uninstall",
                          display_name=name)
                    break


def start_menu(c: _Collector) -> None:
    for hive in ("HKLM", "HKCU"):
        base = rf"{hive}\SOFTWARE\Clients\StartMenuInternet"
        for sub in c.registry.subkeys(base):
            command = _text((c.registry.values(rf"{base}\{sub}\shell\open\command") or {}).get(""))
            if not command:
                continue
            exe = _exe_from_command(command)
            family = WIN_EXES.get(PureWindowsPath(exe).name.lower())
            if family == "chrome" and "chromium" in exe.lower():
                family = "chromium"
            if family is None:
                continue
            existing = [k for k in c.installs if k[0] == family]
            channel = existing[0][1] if len(existing) == 1 else _channel_from_path(family, exe)
            c.add(family, channel, None, exe, "start menu", start_menu_name=sub)


def _channel_from_path(family: str, exe: str) -> str:
    lower = exe.lower()
    for word, channel in ((" beta", "beta"), (" dev", "dev"), ("sxs", "canary"),
                          ("canary", "canary"), ("nightly", "nightly"),
                          ("developer edition", "developer")):
        if word in lower:
            return channel
    return "release" if family in ("firefox", "brave") else "stable"


def beacons(c: _Collector) -> None:
    for key, family, channel in WIN_BEACONS:
        values = c.registry.values(rf"HKCU\SOFTWARE\{key}")
        if values and _text(values.get("version")):
            if (family, channel) in c.installs:
                c.installs[(family, channel)].details["last_run_version"] = values["version"]
            else:
                c.add(family, channel, _text(values["version"]), None, "BLBeacon")


def default_browser(registry: Registry) -> DefaultBrowser:
    """The ProgId the user chose for https (then http) links."""
    base = r"HKCU\SOFTWARE\Microsoft\Windows\Shell\Associations\UrlAssociations"
    for scheme in ("https", "http"):
        for leaf in ("UserChoiceLatest", "UserChoice"):
            path = rf"{base}\{scheme}\{leaf}"
            prog_id = _text((registry.values(path) or {}).get("ProgId"))
            if prog_id:
                for prefix, family, channel in WIN_PROGIDS:
                    if prog_id.startswith(prefix):
                        return DefaultBrowser("found", family, channel, prog_id, leaf)
                return DefaultBrowser("found", None, None, prog_id, leaf)
    return DefaultBrowser("not found")


def detect(registry: Registry, version_of: Callable[[str], str | None] = file_version,
           cancelled: Callable[[], bool] = lambda: False) -> Detection:
    """Everything the Windows side can find, from ``registry`` and the executables."""
    c = _Collector(registry, version_of)
    detection = Detection()
    for step in (updater_clients, mozilla, uninstall_entries, start_menu, beacons):
        if cancelled():
            break
        try:
            step(c)
        except Exception as err:  # a strange value in one place must not cost the rest
            detection.errors.append(f"{step.__name__}: {type(err).__name__}: {err}")
    detection.installs = c.finish()
    detection.default = default_browser(registry)
    detection.policies = windows_policies(registry.values)
    return detection
