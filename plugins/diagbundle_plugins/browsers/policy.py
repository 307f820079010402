"""Proxy settings imposed by browser policy, where they can be read.

Only the proxy members of a policy are kept; credentials in proxy URLs are
removed before anything else sees them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from diagbundle import strip_userinfo
from diagbundle_plugins.browsers.catalog import CHROMIUM_PROXY_POLICIES, FIREFOX_PROXY_KEYS
from diagbundle_plugins.browsers.model import PolicyProxy
from diagbundle_plugins.environment.paths import tilde

#: Linux folders of Chromium-family JSON policies: (browser, folder).
LINUX_CHROMIUM_DIRS: tuple[tuple[str, str], ...] = (
    ("chrome", "/etc/opt/chrome/policies"),
    ("chromium", "/etc/chromium/policies"),
    ("chromium", "/etc/chromium-browser/policies"),
    ("edge", "/etc/opt/edge/policies"),
    ("brave", "/etc/brave/policies"),
    ("vivaldi", "/etc/opt/vivaldi/policies"),
)
#: Firefox's system-wide policies.json locations on Linux (besides <install>/distribution/).
LINUX_FIREFOX_FILES = ("/etc/firefox/policies/policies.json",
                       "/etc/firefox-esr/policies/policies.json")
#: macOS managed preferences: (browser, plist).
MAC_MANAGED: tuple[tuple[str, str], ...] = (
    ("chrome", "Library/Managed Preferences/com.google.Chrome.plist"),
    ("chromium", "Library/Managed Preferences/org.chromium.Chromium.plist"),
    ("edge", "Library/Managed Preferences/com.microsoft.Edge.plist"),
    ("brave", "Library/Managed Preferences/com.brave.Browser.plist"),
    ("firefox", "Library/Managed Preferences/org.mozilla.firefox.plist"),
)
#: Windows policy keys: (browser, key below SOFTWARE\Policies).
WIN_POLICY_KEYS: tuple[tuple[str, str], ...] = (
    ("chrome", r"Google\Chrome"), ("chromium", "Chromium"), ("edge", r"Microsoft\Edge"),
    ("brave", r"BraveSoftware\Brave"), ("firefox", r"Mozilla\Firefox\Proxy"),
)


def _clean(value: Any) -> Any:
    """A policy value with credentials removed from every string in it."""
    if isinstance(value, str):
        return strip_userinfo(value)
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def chromium_proxy(policies: Mapping[str, Any]) -> dict[str, Any] | None:
    """The proxy policies of a Chromium-family policy set, or None if it sets none."""
    found = {k: _clean(policies[k]) for k in CHROMIUM_PROXY_POLICIES if k in policies}
    return found or None


def firefox_proxy(policies: Mapping[str, Any]) -> dict[str, Any] | None:
    """Firefox's ``Proxy`` policy (from policies.json's ``policies`` or a plist), or None."""
    proxy = policies.get("Proxy")
    if not isinstance(proxy, Mapping):
        return None
    found = {k: _clean(proxy[k]) for k in FIREFOX_PROXY_KEYS if k in proxy}
    return found or None


def _read_json(browser: str, path: Path) -> PolicyProxy | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        return PolicyProxy(browser, tilde(path) or "", None, f"unreadable: {err}".splitlines()[0])
    if not isinstance(data, dict):
        return PolicyProxy(browser, tilde(path) or "", None, "not a JSON object")
    if browser == "firefox":
        inner = data.get("policies")
        settings = firefox_proxy(inner) if isinstance(inner, dict) else None
    else:
        settings = chromium_proxy(data)
    return PolicyProxy(browser, tilde(path) or "", settings) if settings else None


def linux_policies(firefox_dirs: Iterable[str] = ()) -> list[PolicyProxy]:
    """Proxy policies from /etc JSON files and each Firefox install's distribution folder."""
    found: list[PolicyProxy] = []
    for browser, folder in LINUX_CHROMIUM_DIRS:
        for kind in ("managed", "recommended"):
            try:
                files = sorted(Path(folder, kind).glob("*.json"))
            except OSError:
                continue
            found += [p for p in (_read_json(browser, f) for f in files) if p is not None]
    paths = list(LINUX_FIREFOX_FILES) + [str(Path(d, "distribution", "policies.json"))
                                         for d in firefox_dirs]
    for path in dict.fromkeys(paths):
        policy = _read_json("firefox", Path(path))
        if policy is not None:
            found.append(policy)
    return found


def macos_policies(root: Path = Path("/")) -> list[PolicyProxy]:
    """Proxy policies from /Library/Managed Preferences (MDM profiles)."""
    import plistlib  # here, not at the top: it pulls in expat, ~15 ms Linux runs need not pay

    found: list[PolicyProxy] = []
    for browser, rel in MAC_MANAGED:
        path = root / rel
        try:
            with path.open("rb") as fh:
                data = plistlib.load(fh)
        except FileNotFoundError:
            continue
        except (OSError, ValueError, plistlib.InvalidFileException) as err:
            found.append(PolicyProxy(browser, "/" + rel, None, f"unreadable: {err}"))
            continue
        settings = firefox_proxy(data) if browser == "firefox" else chromium_proxy(data)
        if settings:
            found.append(PolicyProxy(browser, "/" + rel, settings))
    return found


def windows_policies(values: Any) -> list[PolicyProxy]:
    """Proxy policies from HKLM and HKCU ``SOFTWARE\\Policies``.

    ``values`` is the registry seam's ``values(path)`` function.
    """
    found: list[PolicyProxy] = []
    for hive in ("HKLM", "HKCU"):
        for browser, key in WIN_POLICY_KEYS:
            path = rf"{hive}\SOFTWARE\Policies\{key}"
            data = values(path)
            if not data:
                continue
            wrapped = {"Proxy": data}
            settings = firefox_proxy(wrapped) if browser == "firefox" else chromium_proxy(data)
            if settings:
                found.append(PolicyProxy(browser, path, settings))
    return found
