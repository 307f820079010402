"""The network-type guess: home, corporate, VPN or unknown, with the evidence for it.

Support's first question in "works at home, not at the office" cases. The
guess only weighs what the collector saw (proxies, PAC/WPAD, DNS search
domains, VPN evidence) and always shows its evidence, so a wrong guess is
easy to overrule.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from diagbundle_plugins.network.proxy import ProxySource, host_port

#: Search domains home routers and ISPs hand out: not a sign of a corporate network.
HOME_DOMAINS = frozenset({
    "lan", "home", "local", "localdomain", "home.arpa", "fritz.box", "station", "router", "domain",
    "hub", "box", "gateway", "attlocal.net", "hsd1.ca.comcast.net", "ts.net", "tailscale.net",
})
_LABELS = {"env": "env", "urllib": "urllib", "gnome": "GNOME", "kde": "KDE", "macos": "macOS",
           "wininet": "Windows", "winhttp": "WinHTTP", "wininet-policy-hklm": "Windows policy",
           "wininet-policy-hkcu": "Windows policy", "pac-file": "--pac file"}


def label(source: str) -> str:
    """``gnome`` -> ``GNOME``, ``policy:chrome`` -> ``chrome policy``: for summary lines."""
    if source.startswith("policy:"):
        return f"{source[7:]} policy"
    return _LABELS.get(source, source)


def _joined(names: Iterable[str]) -> str:
    items = list(dict.fromkeys(names))
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def corporate_domains(domains: Iterable[str]) -> list[str]:
    """Search domains that are not what a home router or a mesh VPN hands out."""
    found = []
    for domain in domains:
        d = domain.lower().rstrip(".")
        if d and d not in HOME_DOMAINS and not any(d.endswith("." + h) for h in HOME_DOMAINS):
            found.append(d)
    return list(dict.fromkeys(found))


def guess(sources: list[ProxySource], search_domains: list[str], vpn: dict[str, Any],
          default_route: bool) -> dict[str, Any]:
    """``{kind, evidence: [...], line}``; ``line`` is the summary sentence.

    With no evidence at all it says ``home`` only if there is a default
    route (the machine is online through something); otherwise ``unknown``.
    """
    evidence: list[str] = []
    by_proxy: dict[str, list[str]] = {}
    pacs: dict[str, list[str]] = {}
    wpad: list[str] = []
    # urllib only repeats the environment on Linux; count a source once.
    for source in sources:
        if not source.active or source.source == "urllib":
            continue
        for proxy in source.proxies.values():
            by_proxy.setdefault(host_port(proxy), []).append(label(source.source))
        if source.pac_url:
            pacs.setdefault(source.pac_url, []).append(label(source.source))
        elif source.auto_detect:
            wpad.append(label(source.source))
    evidence += [f"proxy {proxy} from {_joined(names)}" for proxy, names in by_proxy.items()]
    evidence += [f"PAC {url} from {_joined(names)}" for url, names in pacs.items()]
    if wpad:
        evidence.append(f"WPAD auto-detection on in {_joined(wpad)}")
    corporate = corporate_domains(search_domains)
    if corporate:
        evidence.append(f"DNS search {', '.join(corporate)}")
    vpn_bits = []
    if vpn.get("tunnel_interfaces"):
        vpn_bits.append(f"VPN interface {', '.join(vpn['tunnel_interfaces'])}")
    if vpn.get("clients"):
        vpn_bits.append(f"VPN client {', '.join(vpn['clients'])} running")
    if vpn.get("tunnel_mode"):
        vpn_bits.append(vpn["tunnel_mode"])
    evidence += vpn_bits
    if vpn.get("detected"):
        kind = "VPN"
    elif by_proxy or pacs or wpad or corporate:
        kind = "corporate"
    elif default_route:
        kind = "home"
    else:
        kind = "unknown"
    if kind == "home":
        line = "likely home network (or unmanaged): no proxy, PAC or WPAD, no corporate DNS domain, no VPN"
    elif kind == "unknown":
        line = "network type unknown: no proxy, PAC, corporate DNS domain or VPN, and no default route"
    else:
        line = f"likely {kind} network: {'; '.join(evidence)}"
    return {"kind": kind, "evidence": evidence, "line": line}
