"""KDE's proxy settings: ``[Proxy Settings]`` in ``~/.config/kioslaverc``.

KConfig files are INI-like but not what :mod:`configparser` accepts (keys
may come before any section and carry flags such as ``key[$e]``), so they
are read line by line, as KConfig does. ``ProxyType``: 0 none, 1 manual,
2 PAC URL, 3 WPAD, 4 names of environment variables. Proxy values are
``http://host port`` (KDE's own spelling) or ``host:port``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from diagbundle_plugins.network.proxy import Mode, ProxySource, clean, split_list

SECTION = "Proxy Settings"
_KEY_FLAGS = re.compile(r"\[\$[a-z]+\]$")
_MODES: dict[str, Mode] = {"1": "manual", "4": "manual", "2": "pac", "3": "auto-detect"}
_SCHEMES = (("http", "httpProxy"), ("https", "httpsProxy"), ("ftp", "ftpProxy"), ("socks", "socksProxy"))


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~"), ".config"))
    return Path(base).expanduser() / "kioslaverc"


def parse(text: str) -> dict[str, str]:
    """The keys of ``[Proxy Settings]``; keys outside it are ignored."""
    found: dict[str, str] = {}
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, sep, value = line.partition("=")
        if sep and section == SECTION:
            found[_KEY_FLAGS.sub("", key.strip())] = value.strip()
    return found


def _proxy_url(value: str, scheme: str) -> str:
    """``http://host 8080`` -> ``http://host:8080``; ``host`` alone gets the scheme."""
    value = re.sub(r"\s+(\d+)$", r":\1", value.strip())
    return value if "://" in value else f"{'socks' if scheme == 'socks' else 'http'}://{value}"


def to_source(keys: Mapping[str, str], where: str, environ: Mapping[str, str] | None = None) -> ProxySource:
    """The ``[Proxy Settings]`` keys as a :class:`ProxySource`."""
    env = os.environ if environ is None else environ
    kind = keys.get("ProxyType", "0").strip()
    proxies: dict[str, str] = {}
    credentials = False
    for scheme, key in _SCHEMES:
        value = keys.get(key, "")
        if kind == "4" and value:  # the value names an environment variable
            value = env.get(value, "")
        if value:
            url, had = clean(_proxy_url(value, scheme))
            credentials |= had
            proxies[scheme] = url
    pac, had = clean(keys.get("Proxy Config Script", ""))
    credentials |= had
    mode = _MODES.get(kind, "none")
    reversed_ = keys.get("ReversedException", "false").lower() == "true"
    return ProxySource(
        "kde", where, mode, proxies if mode == "manual" else {},
        [] if reversed_ else split_list(keys.get("NoProxyFor", "")),
        pac_url=(pac or None) if mode == "pac" else None, auto_detect=mode == "auto-detect",
        credentials=credentials,
        details={"proxy_type": kind, "reversed_exception": reversed_,
                 # With ReversedException the list names the only hosts that use the proxy.
                 "proxy_only_for": split_list(keys.get("NoProxyFor", "")) if reversed_ else []})


def read(environ: Mapping[str, str] | None = None) -> ProxySource | None:
    """KDE's settings, or None when there is no kioslaverc (or no ``[Proxy Settings]`` in it)."""
    path = config_path(environ)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError as err:
        return ProxySource("kde", "~/.config/kioslaverc", "error", error=f"unreadable: {err}")
    keys = parse(text)
    return to_source(keys, "~/.config/kioslaverc", environ) if keys else None
