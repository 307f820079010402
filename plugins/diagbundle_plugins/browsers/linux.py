"""Browsers on Linux: PATH commands, snaps, flatpaks, the XDG default.

Chromium-family binaries only tell their version when run, so each
``--version`` runs in its own thread (they overlap: about 0.15 s for all).
Firefox's ``--version`` runs too (only it prints ``esr``/``b5`` suffixes), with
``application.ini`` beside the binary as the in-process fallback. Snaps and
flatpaks are read from their metadata, never started.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from pathlib import Path
from typing import Any

from diagbundle_plugins.browsers.catalog import (
    DESKTOP_IDS,
    FIREFOX_CHANNELS,
    FLATPAKS,
    LINUX_COMMANDS,
    SNAPS,
)
from diagbundle_plugins.browsers.commands import path_candidates
from diagbundle_plugins.browsers.model import DefaultBrowser, Detection, Install
from diagbundle_plugins.browsers.policy import linux_policies
from diagbundle_plugins.browsers.process import Outcome, Runner, parse_version
from diagbundle_plugins.environment.paths import read_text, tilde

_CHANNEL_PREF = re.compile(r'pref\(\s*"app\.update\.channel"\s*,\s*"([^"]+)"')
_RELEASE = re.compile(r"<release\b[^>]*\bversion=\"([^\"]+)\"")
_SNAP_VERSION = re.compile(r"^version:\s*['\"]?([^'\"\s]+)", re.MULTILINE)


def read_ini(text: str) -> dict[str, dict[str, str]]:
    """A small INI/desktop-entry reader: sections of ``key=value``; keys keep their case."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1].strip(), {})
        elif current is not None and "=" in line:
            key, _, value = line.partition("=")
            current.setdefault(key.strip(), value.strip())
    return sections


def firefox_install_info(folder: Path) -> dict[str, str]:
    """Version, BuildID and update channel of a Firefox install folder, read in-process."""
    info: dict[str, str] = {}
    for candidate in (folder / "application.ini", folder / "browser" / "application.ini"):
        app = read_ini(read_text(candidate) or "").get("App", {})
        if app.get("Version"):
            info["version"] = app["Version"]
            if app.get("BuildID"):
                info["build_id"] = app["BuildID"]
            break
    prefs = read_text(folder / "defaults" / "pref" / "channel-prefs.js") or ""
    match = _CHANNEL_PREF.search(prefs)
    if match:
        info["update_channel"] = match.group(1)
    return info


def _firefox_channel(default: str, info: Mapping[str, str], version: str | None) -> str:
    channel = FIREFOX_CHANNELS.get(info.get("update_channel", ""))
    if channel:
        return channel
    if version and version.endswith("esr"):
        return "esr"
    if version and re.search(r"\da\d", version):
        return "nightly"
    if version and re.search(r"\db\d", version):
        return "beta"
    return default


def snaps(root: Path = Path("/")) -> list[Install]:
    """Snap installs, from ``/snap/<name>/current/meta/snap.yaml``."""
    found = []
    for name, family, channel in SNAPS:
        meta = read_text(root / "snap" / name / "current" / "meta" / "snap.yaml")
        if meta is None:
            continue
        match = _SNAP_VERSION.search(meta)
        if match is None:
            found.append(Install(family, channel, None, f"/snap/bin/{name}", "snap", "error",
                                 "snap.yaml has no version"))
            continue
        found.append(Install(family, channel, match.group(1), f"/snap/bin/{name}", "snap",
                             details={"version_source": "snap.yaml"}))
    return found


def flatpaks(root: Path = Path("/"), home: Path | None = None) -> list[Install]:
    """Flatpak installs (system and user), versions from their AppStream metainfo."""
    home = home or Path.home()
    found = []
    for base in (root / "var/lib/flatpak/app", home / ".local/share/flatpak/app"):
        for app_id, family, channel in FLATPAKS:
            active = base / app_id / "current" / "active"
            if not active.exists():
                continue
            version = None
            for name in (f"{app_id}.metainfo.xml", f"{app_id}.appdata.xml"):
                for folder in ("metainfo", "appdata"):
                    text = read_text(active / "files" / "share" / folder / name)
                    match = _RELEASE.search(text or "")
                    if match and version is None:
                        version = match.group(1)
            if family == "firefox":
                info = firefox_install_info(active / "files" / "lib" / "firefox")
                version = version or info.get("version")
            path = tilde(base / app_id) or ""
            if version is None:
                found.append(Install(family, channel, None, path, "flatpak", "error",
                                     "no version in the app's metainfo"))
            else:
                found.append(Install(family, channel, version, path, "flatpak",
                                     details={"app_id": app_id, "version_source": "metainfo"}))
    return found


def mimeapps_files(environ: Mapping[str, str]) -> list[Path]:
    """mimeapps.list files in the XDG spec's order of precedence."""
    home = Path(environ.get("HOME") or Path.home())
    config_home = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    data_home = Path(environ.get("XDG_DATA_HOME") or home / ".local/share")
    config_dirs = [Path(p) for p in (environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(":") if p]
    data_dirs = [Path(p) for p in
                 (environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share").split(":") if p]
    desktops = [d.lower() for d in environ.get("XDG_CURRENT_DESKTOP", "").split(":") if d]
    files = []
    for folder in [config_home, *config_dirs] + [d / "applications" for d in [data_home, *data_dirs]]:
        files += [folder / f"{d}-mimeapps.list" for d in desktops]
        files.append(folder / "mimeapps.list")
    return files


def default_from_mimeapps(environ: Mapping[str, str]) -> DefaultBrowser:
    """The desktop file registered for http(s) in the first mimeapps.list that says."""
    for path in mimeapps_files(environ):
        text = read_text(path)
        if text is None:
            continue
        defaults = read_ini(text).get("Default Applications", {})
        for scheme in ("x-scheme-handler/http", "x-scheme-handler/https"):
            entries = [e for e in defaults.get(scheme, "").split(";") if e]
            if entries:
                return _default(entries[0], f"mimeapps.list ({tilde(path)})")
    return DefaultBrowser("not found")


def _default(desktop_id: str, source: str) -> DefaultBrowser:
    family, channel = DESKTOP_IDS.get(desktop_id, (None, None))
    return DefaultBrowser("found", family, channel, desktop_id, source)


def default_from_xdg_settings(runner: Runner) -> DefaultBrowser:
    """Ask ``xdg-settings`` (used only when no mimeapps.list answers)."""
    command = shutil.which("xdg-settings")
    if command is None:
        return DefaultBrowser("not found")
    outcome = runner.run([command, "get", "default-web-browser"])
    if outcome.error or not outcome.output:
        return DefaultBrowser("error", source="xdg-settings",
                              error=outcome.error or "printed nothing")
    return _default(outcome.output.strip(), "xdg-settings")


def detect(runner: Runner, cancelled: Callable[[], bool],
           environ: Mapping[str, str] | None = None) -> Detection:
    """Everything the Linux side can find; ``--version`` commands run in parallel."""
    env = os.environ if environ is None else environ
    detection = Detection()
    candidates = path_candidates()
    default = default_from_mimeapps(env)
    want_xdg = default.status == "not found" and bool(env.get("XDG_CURRENT_DESKTOP"))
    firefox_dirs: list[str] = []
    workers = max(1, min(8, len(candidates) + int(want_xdg)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="browsers") as pool:
        futures: list[tuple[tuple[str, str, str, str], Future[Outcome]]] = [
            (c, pool.submit(runner.run, [c[2], "--version"])) for c in candidates
        ]
        xdg = pool.submit(default_from_xdg_settings, runner) if want_xdg else None
        # In-process work overlaps with the commands.
        detection.installs += snaps() + flatpaks()
        for family, _channel, _path, real in candidates:
            if family == "firefox":
                firefox_dirs.append(str(Path(real).parent))
        detection.policies = linux_policies(firefox_dirs)
        pending: set[Future[Any]] = {f for _, f in futures}
        if xdg is not None:
            pending.add(xdg)
        while pending and not cancelled():
            _done, pending = wait_futures(pending, timeout=0.05)
        if pending:
            runner.kill_all()
        found = [_install(*candidate, future) for candidate, future in futures]
        detection.installs += merge_aliases(found)
        if xdg is not None:
            default = xdg.result()
    if default.status == "not found":
        default = default_from_alternatives()
    detection.default = default
    return detection


def merge_aliases(installs: list[Install]) -> list[Install]:
    """One entry per install: wrapper scripts (Debian's ``firefox`` runs ``firefox-esr``)
    that report the same family, channel and version become ``aliases`` of the
    entry that knows most about it."""
    groups: dict[tuple[str, str, str | None], list[Install]] = {}
    for install in installs:
        key = (install.browser, install.channel, install.version)
        groups.setdefault(key if install.version else (*key[:2], install.path), []).append(install)
    merged = []
    for group in groups.values():
        best = max(group, key=lambda i: len(i.details))
        aliases = [i.path for i in group if i is not best and i.path]
        if aliases:
            best.details["aliases"] = aliases
        merged.append(best)
    return merged


def default_from_alternatives(root: Path = Path("/")) -> DefaultBrowser:
    """Debian's ``x-www-browser`` alternative, when no desktop default is set."""
    link = root / "etc/alternatives/x-www-browser"
    try:
        target = link.readlink()
    except OSError:
        return DefaultBrowser("not found")
    for command, family, channel in LINUX_COMMANDS:
        if target.name == command:
            return DefaultBrowser("found", family, channel, str(target),
                                  "x-www-browser alternative")
    return DefaultBrowser("found", None, None, str(target), "x-www-browser alternative")


def _install(family: str, channel: str, path: str, real: str, future: Future[Outcome]) -> Install:
    outcome = future.result()
    version = parse_version(outcome.output or "") if outcome.error is None else None
    details: dict[str, str] = {}
    if real != path:
        details["resolved_path"] = tilde(real) or ""
    error = outcome.error
    if error is None and version is None:
        error = "no version in its --version output"
    if family == "firefox":
        info = firefox_install_info(Path(real).parent)
        details.update({k: v for k, v in info.items() if k != "version"})
        channel = _firefox_channel(channel, info, version or info.get("version"))
        if version is None and info.get("version"):
            details["version_error"] = error or ""
            details["version_source"] = "application.ini"
            return Install(family, channel, info["version"], tilde(path), "PATH", details=details)
    if version is None:
        return Install(family, channel, None, tilde(path), "PATH", "error", error, details)
    details["version_source"] = "--version"
    return Install(family, channel, version, tilde(path), "PATH", details=details)
