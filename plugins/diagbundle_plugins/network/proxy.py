"""Proxy settings as clients read them, and which proxy a client would use for a URL.

Every place a proxy can be configured (environment variables, the desktop's
settings, the registry, browser policies) becomes one :class:`ProxySource`
with the same fields, so the effective-proxy logic and the network-type
guess need not know where a setting came from. Every URL in a source has
already lost its user-info (:func:`diagbundle.strip_userinfo`): nothing here
ever holds a password. The connectivity probe imports this module.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from diagbundle import strip_userinfo

Mode = Literal["none", "manual", "pac", "auto-detect", "error"]

#: The environment variables clients read, in the order curl and requests
#: prefer them (lower case first: curl ignores upper-case ``HTTP_PROXY``).
ENV_NAMES = ("http_proxy", "https_proxy", "ftp_proxy", "all_proxy", "socks_proxy", "no_proxy")

#: Targets whose effective proxy is always worked out, besides the probe's.
DEFAULT_TARGETS = ("https://example.com/", "http://example.com/")


@dataclass
class ProxySource:
    """One place that configures a proxy, as a client would read it.

    ``proxies`` maps a URL scheme (``http``, ``https``, ``ftp``, ``socks``,
    ``all``) to a proxy URL without credentials. ``credentials`` says
    whether any were configured (support needs to know that a 407 is
    expected to be answered), never what they are.
    """

    source: str
    where: str
    mode: Mode
    proxies: dict[str, str] = field(default_factory=dict)
    no_proxy: list[str] = field(default_factory=list)
    pac_url: str | None = None
    auto_detect: bool = False
    credentials: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def active(self) -> bool:
        """Whether this source sends traffic anywhere but direct."""
        return self.mode in ("manual", "pac", "auto-detect") and bool(
            self.proxies or self.pac_url or self.auto_detect)


def clean(value: str) -> tuple[str, bool]:
    """``value`` without user-info, and whether there was some."""
    cleaned = strip_userinfo(value.strip())
    return cleaned, cleaned != value.strip()


def proxy_url(scheme: str, host: str, port: object = None) -> str:
    """A proxy URL from a desktop setting's host and port: SOCKS proxies get ``socks://``."""
    return f"{'socks' if scheme == 'socks' else 'http'}://{host}" + (f":{port}" if port else "")


def split_list(value: str) -> list[str]:
    """A ``no_proxy``-style list (commas, semicolons or spaces) as its entries."""
    return [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]


def from_environment(environ: Mapping[str, str] | None = None) -> ProxySource | None:
    """The proxy variables, lower case winning over upper case as in curl."""
    env = os.environ if environ is None else environ
    proxies: dict[str, str] = {}
    names: dict[str, str] = {}
    no_proxy: list[str] = []
    credentials = False
    for name in ENV_NAMES:
        for spelled in (name, name.upper()):
            value = env.get(spelled)
            if not value:
                continue
            if name == "no_proxy":
                no_proxy = split_list(value)
            else:
                url, had = clean(value)
                credentials |= had
                proxies[name.removesuffix("_proxy")] = url
            names[name] = spelled
            break
    if not names:
        return None
    return ProxySource("env", "environment variables", "manual" if proxies else "none", proxies,
                       no_proxy, credentials=credentials, details={"variables": sorted(names.values())})


def from_urllib() -> ProxySource | None:
    """What Python's ``urllib.request.getproxies()`` answers on macOS and Windows.

    There it falls back to the OS settings (SystemConfiguration, the
    registry) when no variable is set. On Linux it reads only the
    environment, which :func:`from_environment` already shows, and
    importing ``urllib.request`` costs 50 ms: the collector does not ask it there.
    """
    import urllib.request

    found = urllib.request.getproxies()
    if not found:
        return None
    proxies: dict[str, str] = {}
    credentials = False
    no_proxy: list[str] = []
    for scheme, value in sorted(found.items()):
        if scheme == "no":
            no_proxy = split_list(value)
            continue
        proxies[scheme], had = clean(value)
        credentials |= had
    return ProxySource("urllib", "urllib.request.getproxies()", "manual" if proxies else "none",
                       proxies, no_proxy, credentials=credentials)


def from_browser_policies(policies: Iterable[Any]) -> list[ProxySource]:
    """Browser policy proxies, as the browsers collector reads them (its :class:`PolicyProxy`)."""
    found = []
    for policy in policies:
        settings = policy.settings or {}
        proxies: dict[str, str] = {}
        pac = settings.get("ProxyPacUrl") or settings.get("AutoConfigURL")
        server = settings.get("ProxyServer") or settings.get("HTTPProxy")
        if isinstance(server, str) and server:
            proxies.update(parse_proxy_server(server))
        if isinstance(settings.get("SSLProxy"), str) and settings["SSLProxy"]:
            proxies["https"] = settings["SSLProxy"]
        if isinstance(settings.get("SOCKSProxy"), str) and settings["SOCKSProxy"]:
            proxies["socks"] = settings["SOCKSProxy"]
        bypass = settings.get("ProxyBypassList") or settings.get("Passthrough") or ""
        mode_name = str(settings.get("ProxyMode") or settings.get("Mode") or "")
        mode: Mode = ("pac" if pac or mode_name in ("pac_script", "autoConfig") else
                      "auto-detect" if mode_name in ("auto_detect", "autoDetect") else
                      "none" if mode_name in ("direct", "none") else
                      "manual" if proxies else "none")
        found.append(ProxySource(
            f"policy:{policy.browser}", policy.source, mode, proxies,
            split_list(bypass) if isinstance(bypass, str) else [],
            pac_url=pac if isinstance(pac, str) else None,
            auto_detect=mode == "auto-detect",
            credentials="[REDACTED:userinfo]" in str(settings),
            error=policy.error))
    return found


def parse_proxy_server(value: str) -> dict[str, str]:
    """WinINET / Chromium ``ProxyServer``: ``host:port`` or ``http=a:1;https=b:2;socks=c:3``."""
    if "=" not in value:
        return {"all": value.strip()}
    found = {}
    for part in value.split(";"):
        scheme, sep, server = part.partition("=")
        if sep and server.strip():
            found[scheme.strip().lower()] = server.strip()
    return found


# -- which proxy a client would use ----------------------------------------------------------------
@dataclass
class Decision:
    """The proxy one source picks for one URL, and why."""

    source: str
    proxy: str | None
    reason: str
    pac_result: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def bypassed(host: str, port: int | None, no_proxy: Iterable[str]) -> str | None:
    """The ``no_proxy`` entry that sends ``host`` direct, or None.

    Accepts what curl, requests, GNOME, KDE and WinINET accept: ``*``,
    domain suffixes with or without a leading ``.`` or ``*.``, ``host:port``,
    IP addresses and CIDR blocks, and WinINET's ``<local>`` (plain names).
    """
    host = host.lower().strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for raw in no_proxy:
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return raw
        if entry == "<local>":
            if "." not in host and address is None:
                return raw
            continue
        name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if entry_port and port is not None and entry_port != str(port):
            continue
        if address is not None:
            try:
                if address in ipaddress.ip_network(name.strip("[]"), strict=False):
                    return raw
            except ValueError:
                pass
            continue
        suffix = name.removeprefix("*").removeprefix(".")
        if host == suffix or host.endswith("." + suffix):
            return raw
    return None


def decide(url: str, source: ProxySource, pac_results: Mapping[str, str] | None = None) -> Decision:
    """Which proxy ``source`` would give a client for ``url``, with the reason in words."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    scheme = parts.scheme or "http"
    try:
        port = parts.port
    except ValueError:
        port = None
    if source.mode == "none" or not source.active:
        return Decision(source.source, None, "direct: no proxy configured")
    if source.mode in ("pac", "auto-detect"):
        where = f"PAC {source.pac_url}" if source.pac_url else "WPAD auto-detection"
        result = (pac_results or {}).get(url)
        if result is None:
            return Decision(source.source, None, f"{where}: not evaluated (give --pac FILE)")
        first = result.split(";")[0].strip()
        proxy = None if first.upper().startswith("DIRECT") or not first else first
        return Decision(source.source, proxy, f"{where} returned {result!r}", pac_result=result)
    entry = bypassed(host, port, source.no_proxy)
    if entry is not None:
        return Decision(source.source, None, f"direct: no_proxy entry {entry!r}")
    only_for = source.details.get("proxy_only_for")
    if only_for and bypassed(host, port, only_for) is None:  # KDE's ReversedException
        return Decision(source.source, None, "direct: not in the list of hosts that use the proxy")
    for key in (scheme, "all", "socks"):
        proxy = source.proxies.get(key)
        if proxy:
            label = f"{key}_proxy" if source.source == "env" else key
            return Decision(source.source, proxy, f"{label} of {source.where}")
    return Decision(source.source, None, f"direct: no proxy for {scheme}")


def effective(targets: Iterable[str], sources: Iterable[ProxySource],
              pac_results: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Per target, each active source's decision (environment first, as command-line tools see it)."""
    active = [s for s in sources if s.active]
    return [{"target": strip_userinfo(url),
             "decisions": [decide(url, s, pac_results).as_dict() for s in active] or
                          [{"source": None, "proxy": None, "reason": "direct: no proxy configured anywhere",
                            "pac_result": None}]}
            for url in dict.fromkeys(targets)]


def host_port(proxy: str) -> str:
    """``proxy.corp:3128`` from ``http://[REDACTED:userinfo]@proxy.corp:3128/``: for summary lines."""
    text = proxy.split("://", 1)[-1]
    text = text.rsplit("@", 1)[-1]
    return text.split("/", 1)[0]
