"""macOS: ``scutil --proxy`` and ``scutil --dns``, parsed from their text output.

``scutil`` prints the System Configuration store's merged, effective state
(what CFNetwork clients use); the preferences plist holds only each
service's own settings, so here the command is the source that gives the
answer. It runs on macOS only. User names (``HTTPUser``, ``SOCKSUser``) are
dropped: only the fact that one is set is kept.
"""

from __future__ import annotations

import re
import subprocess
from typing import Any

from diagbundle_plugins.network.proxy import Mode, ProxySource, clean, proxy_url

TIMEOUT = 3.0
_ITEM = re.compile(r"^\s*(?P<key>[^:]+?)\s*:\s*(?P<value>.*?)\s*$")


def parse_dictionary(text: str) -> dict[str, Any]:
    """scutil's ``<dictionary> { key : value ... }`` (nested dictionaries and arrays) as Python."""
    stack: list[Any] = []
    keys: list[str | None] = []
    root: dict[str, Any] = {}
    current: Any = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped == "}":
            if stack:
                current = stack.pop()
                keys.pop()
            continue
        match = _ITEM.match(stripped)
        if current is None:
            if stripped.startswith("<dictionary>"):
                current = root
            continue
        if match is None:
            continue
        key, value = match.group("key"), match.group("value")
        if value in ("<dictionary> {", "<array> {"):
            child: Any = {} if value.startswith("<dictionary>") else []
            _put(current, key, child)
            stack.append(current)
            keys.append(key)
            current = child
        else:
            _put(current, key, value)
    return root


def _put(container: Any, key: str, value: Any) -> None:
    if isinstance(container, list):
        container.append(value)
    else:
        container[key] = value


def proxy_source(data: dict[str, Any]) -> ProxySource:
    """``scutil --proxy`` as a :class:`ProxySource`."""
    proxies: dict[str, str] = {}
    credentials = False
    for scheme, prefix in (("http", "HTTP"), ("https", "HTTPS"), ("ftp", "FTP"), ("socks", "SOCKS")):
        if data.get(f"{prefix}Enable") == "1" and data.get(f"{prefix}Proxy"):
            host, had = clean(data[f"{prefix}Proxy"])
            port = data.get(f"{prefix}Port")
            proxies[scheme] = proxy_url(scheme, host, port)
            credentials |= had
        credentials |= bool(data.get(f"{prefix}User"))
    pac = None
    if data.get("ProxyAutoConfigEnable") == "1" and data.get("ProxyAutoConfigURLString"):
        pac, had = clean(data["ProxyAutoConfigURLString"])
        credentials |= had
    auto = data.get("ProxyAutoDiscoveryEnable") == "1"
    mode: Mode = "pac" if pac else "auto-detect" if auto else "manual" if proxies else "none"
    exceptions = data.get("ExceptionsList") or []
    no_proxy = [str(e) for e in exceptions] if isinstance(exceptions, list) else []
    if data.get("ExcludeSimpleHostnames") == "1":
        no_proxy.append("<local>")
    return ProxySource("macos", "scutil --proxy", mode, proxies, no_proxy, pac_url=pac,
                       auto_detect=auto, credentials=credentials,
                       # With a PAC URL, manual proxies still apply to clients without PAC support.
                       details={"manual_proxies": proxies} if pac and proxies else {})


def parse_dns(text: str) -> list[dict[str, Any]]:
    """``scutil --dns`` resolver blocks: ``[{section, number, nameservers, search, domain, ...}]``."""
    resolvers: list[dict[str, Any]] = []
    section = "DNS configuration"
    current: dict[str, Any] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("DNS configuration"):
            section = stripped
            current = None
        elif stripped.startswith("resolver #"):
            current = {"section": section, "number": int(stripped[10:] or 0), "nameservers": [],
                       "search": [], "domain": None, "interface": None, "flags": None}
            resolvers.append(current)
        elif current is not None and ":" in stripped:
            key, _, value = (p.strip() for p in stripped.partition(":"))
            if key.startswith("nameserver["):
                current["nameservers"].append(value)
            elif key.startswith("search domain["):
                current["search"].append(value)
            elif key == "domain":
                current["domain"] = value
            elif key == "if_index":
                current["interface"] = value.split("(")[-1].rstrip(")") if "(" in value else value
            elif key == "flags":
                current["flags"] = value
    return resolvers


def run(argv: list[str], timeout: float = TIMEOUT) -> str:
    """One scutil call's output (macOS only); raises OSError on failure."""
    try:
        done = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired as err:
        raise OSError(f"{' '.join(argv)} did not answer within {timeout:g} s") from err
    if done.returncode != 0:
        raise OSError(f"{' '.join(argv)} exited {done.returncode}")
    return done.stdout.decode("utf-8", "replace")


def read_proxy() -> ProxySource:
    try:
        return proxy_source(parse_dictionary(run(["scutil", "--proxy"])))
    except OSError as err:
        return ProxySource("macos", "scutil --proxy", "error", error=str(err))
