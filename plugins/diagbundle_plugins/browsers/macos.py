"""Browsers on macOS: app bundles' Info.plist, Spotlight as a fallback, the LaunchServices default.

Nothing is launched: versions come from ``Contents/Info.plist``
(``CFBundleShortVersionString``). ``root`` and ``home`` are the seam that
lets tests feed captured bundles and preference files.
"""

from __future__ import annotations

import plistlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from diagbundle_plugins.browsers.catalog import MAC_APPS, MAC_BUNDLE_IDS
from diagbundle_plugins.browsers.model import DefaultBrowser, Detection, Install
from diagbundle_plugins.browsers.policy import macos_policies
from diagbundle_plugins.browsers.process import Runner
from diagbundle_plugins.environment.paths import tilde

#: Where app bundles live, relative to the root (and to the home folder for the last one).
APP_FOLDERS = ("Applications", "System/Cryptexes/App/System/Applications")
LAUNCH_SERVICES = "Library/Preferences/com.apple.LaunchServices/com.apple.launchservices.secure.plist"


def read_bundle(app: Path) -> dict[str, Any] | None:
    """An app bundle's Info.plist (XML or binary), or None if there is none."""
    try:
        with (app / "Contents" / "Info.plist").open("rb") as fh:
            data = plistlib.load(fh)
    except (OSError, ValueError, plistlib.InvalidFileException):
        return None
    return data if isinstance(data, dict) else None


def bundle_install(app: Path, source: str, expected: tuple[str, str] | None = None) -> Install | None:
    """An Install from an app bundle; None if it is not a browser we know."""
    info = read_bundle(app)
    if info is None:
        if expected is None:
            return None
        return Install(expected[0], expected[1], None, tilde(app), source, "error",
                       "Contents/Info.plist missing or unreadable")
    bundle_id = str(info.get("CFBundleIdentifier", ""))
    family, channel = MAC_BUNDLE_IDS.get(bundle_id.lower(), expected or (None, None))
    if family is None or channel is None:
        return None
    version = info.get("CFBundleShortVersionString")
    if family == "firefox" and channel == "release" and isinstance(version, str):
        channel = "esr" if version.endswith("esr") else ("beta" if "b" in version else channel)
    details = {"bundle_id": bundle_id, "bundle_version": info.get("CFBundleVersion")}
    if info.get("KSChannelID"):
        details["ks_channel"] = info["KSChannelID"]
    if not isinstance(version, str) or not version:
        return Install(family, channel, None, tilde(app), source, "error",
                       "Info.plist has no CFBundleShortVersionString", details)
    return Install(family, channel, version, tilde(app), source, details=details)


def bundles(root: Path, home: Path) -> tuple[list[Install], set[str]]:
    """Installs in the usual folders, and the bundle ids that were not found there."""
    found: list[Install] = []
    missing = set()
    seen: set[str] = set()
    folders = [root / f for f in APP_FOLDERS] + [home / "Applications"]
    for name, bundle_id, family, channel in MAC_APPS:
        hit = False
        for folder in folders:
            app = folder / name
            if not app.is_dir() or str(app.resolve()) in seen:
                hit = hit or app.is_dir()
                continue
            seen.add(str(app.resolve()))
            install = bundle_install(app, "app bundle", (family, channel))
            if install is not None:
                found.append(install)
                hit = True
        if not hit:
            missing.add(bundle_id)
    return found, missing


def spotlight(runner: Runner, bundle_ids: set[str]) -> tuple[list[Install], str | None]:
    """Ask Spotlight (``mdfind``) for bundles installed elsewhere; one query for all ids."""
    if not bundle_ids:
        return [], None
    query = " || ".join(f"kMDItemCFBundleIdentifier == '{b}'" for b in sorted(bundle_ids))
    outcome = runner.run_all(["/usr/bin/mdfind", query])
    if outcome.error:
        return [], f"Spotlight query failed: {outcome.error}"
    found = []
    for line in (outcome.output or "").splitlines():
        if line.endswith(".app"):
            install = bundle_install(Path(line), "spotlight")
            if install is not None:
                found.append(install)
    return found, None


def default_browser(home: Path) -> DefaultBrowser:
    """The http(s) handler from LaunchServices; Safari when none is recorded (the system default)."""
    path = home / LAUNCH_SERVICES
    try:
        with path.open("rb") as fh:
            data = plistlib.load(fh)
    except FileNotFoundError:
        return DefaultBrowser("found", "safari", "release", "com.apple.safari",
                              "system default (no LaunchServices choice)")
    except (OSError, ValueError, plistlib.InvalidFileException) as err:
        return DefaultBrowser("error", source=f"~/{LAUNCH_SERVICES}", error=str(err))
    handlers = data.get("LSHandlers", []) if isinstance(data, dict) else []
    for scheme in ("https", "http"):
        for handler in handlers:
            if isinstance(handler, dict) and handler.get("LSHandlerURLScheme") == scheme:
                bundle_id = str(handler.get("LSHandlerRoleAll", ""))
                family, channel = MAC_BUNDLE_IDS.get(bundle_id.lower(), (None, None))
                return DefaultBrowser("found", family, channel, bundle_id, "LaunchServices")
    return DefaultBrowser("found", "safari", "release", "com.apple.safari",
                          "system default (no LaunchServices choice)")


def detect(runner: Runner, cancelled: Callable[[], bool], root: Path = Path("/"),
           home: Path | None = None, use_spotlight: bool = True) -> Detection:
    """Everything the macOS side can find."""
    home = home or Path.home()
    detection = Detection()
    installs, missing = bundles(root, home)
    # Families with nothing in the usual places are worth a Spotlight query.
    present = {i.browser for i in installs}
    ask = {b for n, b, family, _ in MAC_APPS if b in missing and family not in present}
    if use_spotlight and ask and not cancelled():
        extra, error = spotlight(runner, ask)
        known = {i.path for i in installs}
        installs += [i for i in extra if i.path not in known]
        if error:
            detection.errors.append(error)
    detection.installs = installs
    detection.default = default_browser(home)
    detection.policies = macos_policies(root)
    return detection
