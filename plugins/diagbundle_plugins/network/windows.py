"""Windows: WinINET and WinHTTP proxy settings from the registry, adapters from ``ipconfig /all``.

WinINET (Edge, Chrome, .NET, most applications) reads ``Internet
Settings`` per user, or per machine when the policy value
``ProxySettingsPerUser`` is 0; Group Policy can impose the same values under
``SOFTWARE\\Policies``. What the Settings app shows lives in the binary
``Connections\\DefaultConnectionSettings`` blob, which wins over the plain
values when both exist. WinHTTP (services, Windows Update) has its own blob,
``WinHttpSettings``, set by ``netsh winhttp set proxy``. The registry is read
through a seam (``values(path)``, the browsers collector's ``WinRegistry``),
so the parsing runs on any OS against exports.
"""

from __future__ import annotations

import re
import struct
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from diagbundle_plugins.network.proxy import Mode, ProxySource, clean, parse_proxy_server, split_list

Values = Callable[[str], "dict[str, Any] | None"]

INTERNET_SETTINGS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings"
POLICY_SETTINGS = r"SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings"
#: Flags of the connection-settings blob (WinINET's INTERNET_PER_CONN_FLAGS).
FLAG_DIRECT, FLAG_PROXY, FLAG_AUTO_PROXY_URL, FLAG_AUTO_DETECT = 0x1, 0x2, 0x4, 0x8
TIMEOUT = 5.0


@dataclass
class ConnectionSettings:
    """A decoded ``DefaultConnectionSettings`` / ``WinHttpSettings`` blob."""

    version: int
    counter: int
    flags: int
    proxy_server: str
    bypass: str
    pac_url: str


def _string(blob: bytes, offset: int) -> tuple[str, int]:
    (length,) = struct.unpack_from("<I", blob, offset)
    offset += 4
    if length > len(blob) - offset:
        raise ValueError(f"string of {length} bytes at offset {offset} runs past the blob")
    return blob[offset:offset + length].decode("latin-1"), offset + length


def parse_connection_settings(blob: bytes) -> ConnectionSettings:
    """Decode the blob: version, change counter, flags, then length-prefixed proxy, bypass, PAC URL.

    WinHTTP's blob stops after the bypass list; a short blob is not an
    error, a length that runs past its end is.
    """
    if len(blob) < 12:
        raise ValueError(f"blob of {len(blob)} bytes is too short")
    version, counter, flags = struct.unpack_from("<III", blob, 0)
    strings = []
    offset = 12
    for _ in range(3):
        if offset + 4 > len(blob):
            strings.append("")
            continue
        value, offset = _string(blob, offset)
        strings.append(value)
    return ConnectionSettings(version, counter, flags, *strings)


def _from_plain(values: dict[str, Any], where: str, source: str) -> ProxySource:
    """The plain ``ProxyEnable`` / ``ProxyServer`` / ``AutoConfigURL`` values."""
    enabled = bool(values.get("ProxyEnable"))
    server = str(values.get("ProxyServer") or "")
    proxies, credentials = _proxies(server) if enabled else ({}, False)
    pac, had = clean(str(values.get("AutoConfigURL") or ""))
    auto = bool(values.get("AutoDetect"))
    mode: Mode = "pac" if pac else "manual" if proxies else "auto-detect" if auto else "none"
    return ProxySource(source, where, mode, proxies, split_list(str(values.get("ProxyOverride") or "")),
                       pac_url=pac or None, auto_detect=auto, credentials=credentials or had,
                       details={"proxy_enable": enabled})


def _proxies(server: str) -> tuple[dict[str, str], bool]:
    proxies: dict[str, str] = {}
    credentials = False
    for scheme, value in parse_proxy_server(server).items():
        proxies[scheme], had = clean(value)
        credentials |= had
    return proxies, credentials


def _from_blob(blob: bytes, where: str, source: str) -> ProxySource:
    try:
        conn = parse_connection_settings(blob)
    except (ValueError, struct.error) as err:
        return ProxySource(source, where, "error", error=f"undecodable blob: {err}")
    proxies, credentials = _proxies(conn.proxy_server) if conn.flags & FLAG_PROXY else ({}, False)
    pac, had = clean(conn.pac_url) if conn.flags & FLAG_AUTO_PROXY_URL else ("", False)
    auto = bool(conn.flags & FLAG_AUTO_DETECT)
    mode: Mode = "pac" if pac else "manual" if proxies else "auto-detect" if auto else "none"
    return ProxySource(source, where, mode, proxies, split_list(conn.bypass), pac_url=pac or None,
                       auto_detect=auto, credentials=credentials or had,
                       details={"flags": conn.flags, "version": conn.version, "counter": conn.counter})


def read(values: Values) -> list[ProxySource]:
    """Every WinINET and WinHTTP source that says something, per-user or per-machine as Windows applies it."""
    found: list[ProxySource] = []
    machine_policy = values(rf"HKLM\{POLICY_SETTINGS}") or {}
    per_user = machine_policy.get("ProxySettingsPerUser", 1) != 0
    for hive in ("HKLM", "HKCU"):
        policy = values(rf"{hive}\{POLICY_SETTINGS}") or {}
        if any(k in policy for k in ("ProxyEnable", "ProxyServer", "AutoConfigURL")):
            found.append(_from_plain(policy, rf"{hive}\{POLICY_SETTINGS}", f"wininet-policy-{hive.lower()}"))
    scope = "HKCU" if per_user else "HKLM"
    plain_path = rf"{scope}\{INTERNET_SETTINGS}"
    blob_path = rf"{plain_path}\Connections"
    connections = values(blob_path) or {}
    blob = connections.get("DefaultConnectionSettings")
    if isinstance(blob, bytes | bytearray):
        found.append(_from_blob(bytes(blob), rf"{blob_path}\DefaultConnectionSettings", "wininet"))
    else:
        plain = values(plain_path)
        if plain:
            found.append(_from_plain(plain, plain_path, "wininet"))
    if found and found[-1].source == "wininet":
        found[-1].details["per_user"] = per_user
    winhttp = (values(rf"HKLM\{INTERNET_SETTINGS}\Connections") or {}).get("WinHttpSettings")
    if isinstance(winhttp, bytes | bytearray):
        found.append(_from_blob(bytes(winhttp), rf"HKLM\{INTERNET_SETTINGS}\Connections\WinHttpSettings",
                                "winhttp"))
    return found


# -- ipconfig /all ------------------------------------------------------------------------------
_ADAPTER = re.compile(r"^(?P<kind>\S.*?) adapter (?P<name>.+):\s*$")
#: ``   Key . . . . : value``: a space or dot right before the colon, so that a
#: continuation line holding an IPv6 address (``fec0:0:0:ffff::2%1``) is not a key.
_FIELD = re.compile(r"^\s+(?P<key>\S[^:]*?)[ .]*[ .]:\s?(?P<value>.*)$")
_KEEP = {
    "Description": "description", "Media State": "media_state", "DHCP Enabled": "dhcp",
    "Connection-specific DNS Suffix": "dns_suffix", "Default Gateway": "gateways",
    "DNS Servers": "dns_servers", "IPv4 Address": "ipv4", "IPv6 Address": "ipv6",
    "Physical Address": "mac", "Connection-specific DNS Suffix Search List": "dns_search",
}
_LISTS = {"gateways", "dns_servers", "ipv4", "ipv6", "dns_search"}
#: Global keys kept (never "Host Name").
_GLOBAL = {"Primary Dns Suffix": "primary_dns_suffix", "DNS Suffix Search List": "dns_search"}


def parse_ipconfig(text: str) -> dict[str, Any]:
    """``ipconfig /all``: ``{primary_dns_suffix, dns_search, adapters: [...]}`` (host name dropped)."""
    result: dict[str, Any] = {"primary_dns_suffix": None, "dns_search": [], "adapters": []}
    target: dict[str, Any] = result
    keys = _GLOBAL
    last: str | None = None
    for line in text.splitlines():
        adapter = _ADAPTER.match(line)
        if adapter:
            target = {"name": adapter.group("name"), "kind": adapter.group("kind"),
                      **{k: ([] if k in _LISTS else None) for k in _KEEP.values()}}
            result["adapters"].append(target)
            keys, last = _KEEP, None
            continue
        field = _FIELD.match(line)
        if field:
            key = keys.get(field.group("key").strip())
            last = key
            if key is None:
                continue
            value = re.sub(r"\((Preferred|Deprecated|Tentative)\)$", "", field.group("value").strip())
            if key in _LISTS:
                if value:
                    target[key].append(value)
            else:
                target[key] = value or None
        elif line.strip() and line.startswith(" ") and last in _LISTS:
            target[last].append(line.strip())
        elif not line.strip():
            continue
        else:
            last = None
    return result


def run_ipconfig() -> dict[str, Any]:
    done = subprocess.run(["ipconfig", "/all"], capture_output=True, stdin=subprocess.DEVNULL,
                          timeout=TIMEOUT, check=False,
                          creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
    # ipconfig writes in the console's OEM code page.
    return parse_ipconfig(done.stdout.decode("oem" if sys.platform == "win32" else "utf-8", "replace"))
