"""VPN evidence: tunnel interfaces, routes through them, and known VPN clients running.

The client list is data (process names as each client's service runs);
matching is by exact process name, case-insensitive. On Linux the process
names come from ``/proc/<pid>/comm`` (no subprocess); elsewhere from psutil.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from diagbundle_plugins.network.sysfiles import read_small

#: Process name -> VPN client (lower case).
KNOWN_CLIENTS: dict[str, str] = {
    "openvpn": "OpenVPN", "openvpn-gui.exe": "OpenVPN", "openvpnserv.exe": "OpenVPN",
    "openconnect": "OpenConnect", "vpnc": "vpnc", "charon": "strongSwan", "charon-nm": "strongSwan",
    "pppd": "pppd (PPTP/L2TP)", "xl2tpd": "L2TP", "wireguard-go": "WireGuard",
    "wireguard.exe": "WireGuard", "tailscaled": "Tailscale", "tailscaled.exe": "Tailscale",
    "zerotier-one": "ZeroTier", "nordvpnd": "NordVPN", "nordvpn-service.exe": "NordVPN",
    "expressvpnd": "ExpressVPN", "warp-svc": "Cloudflare WARP", "pangps": "GlobalProtect",
    "pangpa": "GlobalProtect", "pangps.exe": "GlobalProtect", "globalprotect": "GlobalProtect",
    "vpnagentd": "Cisco AnyConnect / Secure Client", "vpnagent.exe": "Cisco AnyConnect / Secure Client",
    "csc_vpnagent": "Cisco Secure Client", "forticlient": "FortiClient", "fortitray.exe": "FortiClient",
    "fctsched": "FortiClient", "pulsesecure": "Pulse / Ivanti Secure Access",
    "dsaccessservice.exe": "Pulse / Ivanti Secure Access", "zsatunnel": "Zscaler",
    "zsatunnel.exe": "Zscaler", "zsaservice.exe": "Zscaler", "netextender": "SonicWall NetExtender",
    "f5fpclientw.exe": "F5 BIG-IP Edge", "protonvpn": "Proton VPN", "mullvad-daemon": "Mullvad",
}
TUNNEL_KINDS = frozenset({"tun", "tap", "wireguard", "ppp", "ipsec", "tunnel", "gre"})


def process_names(proc: Path = Path("/proc")) -> set[str]:
    """Names of running processes, lower case."""
    names: set[str] = set()
    if sys.platform.startswith("linux"):
        try:
            pids = [e.name for e in os.scandir(proc) if e.name.isdigit()]
        except OSError:
            return names
        for pid in pids:
            name = read_small(os.path.join(proc, pid, "comm"))  # noqa: PTH118
            if name is not None:
                names.add(name.lower())
        return names
    try:
        import psutil
    except ImportError:
        return names
    for process in psutil.process_iter(["name"]):
        if process.info.get("name"):
            names.add(str(process.info["name"]).lower())
    return names


def evidence(interfaces: list[dict[str, Any]], routes: dict[str, Any], processes: set[str]) -> dict[str, Any]:
    """What points at a VPN: tunnel interfaces, default or catch-all routes through them, clients."""
    tunnels = [i["name"] for i in interfaces
               if i.get("kind") in TUNNEL_KINDS and i.get("state") not in ("down",)]
    default_via = [r["interface"] for r in routes.get("default", []) if r["interface"] in tunnels]
    halves_via = sorted({r["interface"] for r in routes.get("catch_all_halves", [])
                         if r["interface"] in tunnels})
    clients = sorted({client for name, client in KNOWN_CLIENTS.items() if name in processes})
    if default_via or halves_via:
        tunnel_mode = "full tunnel (all traffic through the VPN)"
    elif tunnels and routes.get("per_interface"):
        tunnel_mode = "split tunnel (only some routes through the VPN)" if any(
            routes["per_interface"].get(t) for t in tunnels) else "tunnel interface without routes"
    else:
        tunnel_mode = None
    return {"tunnel_interfaces": tunnels, "default_route_via": default_via,
            "catch_all_routes_via": halves_via, "clients": clients, "tunnel_mode": tunnel_mode,
            "detected": bool(tunnels or clients)}
