"""Network interfaces and routes: kind, state, MTU, addresses, default routes.

Linux is read from files and one ioctl per interface: ``/sys/class/net``
(kind, state, MTU), ``/proc/net/if_inet6`` (IPv6), ``SIOCGIFADDR`` (the
primary IPv4 address, which no file lists per interface) and
``/proc/net/route`` / ``/proc/net/ipv6_route``. psutil serves macOS and
Windows, where no such files exist; it is not used on Linux because
importing it alone costs about 30 ms of the collector's 50 ms budget.
Addresses are left to the redactor's IP rule (pseudonyms; loopback kept).
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from pathlib import Path
from typing import Any

from diagbundle_plugins.network.sysfiles import read_small

SYS_NET = Path("/sys/class/net")
PROC_NET = Path("/proc/net")
SIOCGIFADDR, SIOCGIFNETMASK = 0x8915, 0x891B
#: ARPHRD_* link types (linux/if_arp.h) that name a kind by themselves.
_ARPHRD = {772: "loopback", 512: "ppp", 776: "tunnel", 768: "tunnel", 769: "tunnel", 778: "gre",
           823: "tunnel", 801: "wifi", 65534: "none"}
#: Interface name prefixes for platforms without /sys (macOS, Windows) and for what
#: /sys cannot tell apart (docker bridges).
_NAME_KINDS = (("docker", "docker"), ("br-", "docker"), ("virbr", "bridge"), ("utun", "tun"),
               ("tun", "tun"), ("tap", "tap"), ("wg", "wireguard"), ("ppp", "ppp"), ("ipsec", "ipsec"),
               ("lo", "loopback"), ("wlan", "wifi"), ("wl", "wifi"), ("en", "ethernet"),
               ("eth", "ethernet"), ("veth", "veth"), ("bridge", "bridge"), ("awdl", "wifi"))


def kind_from_sys(folder: Path) -> str:
    """ethernet, wifi, loopback, tun, tap, wireguard, ppp, bridge, veth, docker, vlan, bond, ..."""
    name = folder.name
    uevent = dict(line.partition("=")[::2] for line in (read_small(folder / "uevent") or "").splitlines())
    devtype = uevent.get("DEVTYPE")
    tun_flags = read_small(folder / "tun_flags")
    if tun_flags:
        return "tap" if int(tun_flags, 16) & 0x2 else "tun"
    if devtype == "wlan" or (folder / "wireless").exists() or (folder / "phy80211").exists():
        return "wifi"
    if devtype == "bridge":
        return "docker" if name.startswith(("docker", "br-")) else "bridge"
    if devtype:
        return devtype  # wireguard, vlan, bond, macvlan, ...
    link_type = int(read_small(folder / "type") or 0)
    if link_type in _ARPHRD and link_type != 65534:
        return _ARPHRD[link_type]
    if link_type == 1:
        if (folder / "device").exists():
            return "ethernet"
        if read_small(folder / "iflink") != read_small(folder / "ifindex"):
            return "veth"
        return "virtual"
    return kind_from_name(name)


def kind_from_name(name: str) -> str:
    lowered = name.lower()
    for prefix, kind in _NAME_KINDS:
        if lowered.startswith(prefix):
            return kind
    if "wi-fi" in lowered or "wireless" in lowered:
        return "wifi"
    return "unknown"


def _ipv4(sock: socket.socket, name: str) -> list[dict[str, Any]]:
    """The primary IPv4 address of ``name`` through ioctl on ``sock``, as ``[{address, prefix}]``."""
    import fcntl  # POSIX only; this runs on Linux

    request = struct.pack("256s", name.encode()[:15])
    try:
        address = socket.inet_ntoa(fcntl.ioctl(sock.fileno(), SIOCGIFADDR, request)[20:24])
        mask = socket.inet_ntoa(fcntl.ioctl(sock.fileno(), SIOCGIFNETMASK, request)[20:24])
    except OSError:
        return []
    prefix = ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
    return [{"family": "ipv4", "address": address, "prefix": prefix}]


def _ipv6_by_interface() -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for line in (read_small(PROC_NET / "if_inet6") or "").splitlines():
        parts = line.split()
        if len(parts) != 6:
            continue
        address = str(ipaddress.IPv6Address(bytes.fromhex(parts[0])))
        found.setdefault(parts[5], []).append(
            {"family": "ipv6", "address": address, "prefix": int(parts[2], 16)})
    return found


def linux_interfaces(sys_net: Path = SYS_NET) -> list[dict[str, Any]]:
    """Every interface in /sys/class/net, with its addresses."""
    ipv6 = _ipv6_by_interface()
    found = []
    folders = sorted(sys_net.iterdir()) if sys_net.is_dir() else []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:  # one for every interface's ioctl
        for folder in folders:
            name = folder.name
            mtu = read_small(folder / "mtu")
            found.append({
                "name": name,
                "kind": kind_from_sys(folder),
                "state": read_small(folder / "operstate"),
                "mtu": int(mtu) if mtu and mtu.isdigit() else None,
                "mac": read_small(folder / "address") or None,
                "addresses": _ipv4(sock, name) + ipv6.get(name, []),
            })
    return found


def _hex_ipv4(text: str) -> str:
    return socket.inet_ntoa(struct.pack("<I", int(text, 16)))


def linux_routes(proc_net: Path = PROC_NET) -> dict[str, Any]:
    """The main IPv4 and IPv6 route tables, summarised: default routes and routes per interface."""
    routes: list[dict[str, Any]] = []
    for line in (read_small(proc_net / "route") or "").splitlines()[1:]:
        parts = line.split()
        if len(parts) < 8:
            continue
        mask = _hex_ipv4(parts[7])
        prefix = ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
        routes.append({"family": "ipv4", "destination": f"{_hex_ipv4(parts[1])}/{prefix}",
                       "gateway": _hex_ipv4(parts[2]) if int(parts[2], 16) else None,
                       "interface": parts[0], "metric": int(parts[6])})
    for line in (read_small(proc_net / "ipv6_route") or "").splitlines():
        parts = line.split()
        if len(parts) != 10 or parts[9] == "lo":
            continue
        destination = str(ipaddress.IPv6Address(bytes.fromhex(parts[0])))
        gateway = str(ipaddress.IPv6Address(bytes.fromhex(parts[4])))
        routes.append({"family": "ipv6", "destination": f"{destination}/{int(parts[1], 16)}",
                       "gateway": None if gateway == "::" else gateway, "interface": parts[9],
                       "metric": int(parts[5], 16)})
    return summarise_routes(routes)


def summarise_routes(routes: list[dict[str, Any]]) -> dict[str, Any]:
    """Default routes in metric order, split-tunnel ``/1`` pairs, and a count per interface."""
    defaults = sorted((r for r in routes if r["destination"] in ("0.0.0.0/0", "::/0")),
                      key=lambda r: r["metric"])
    halves = [r for r in routes if r["destination"] in ("0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1")]
    per_interface: dict[str, int] = {}
    for route in routes:
        per_interface[route["interface"]] = per_interface.get(route["interface"], 0) + 1
    return {"default": defaults, "catch_all_halves": halves, "count": len(routes),
            "per_interface": per_interface}


def portable_interfaces() -> dict[str, Any]:
    """macOS / Windows: interfaces through psutil (the ``network`` extra)."""
    try:
        import psutil
    except ImportError:
        return {"interfaces": [], "error": "interface details need psutil: install diagbundle[network]"}
    stats = psutil.net_if_stats()
    found = []
    for name, addresses in sorted(psutil.net_if_addrs().items()):
        stat = stats.get(name)
        rows = []
        mac = None
        for addr in addresses:
            if addr.family == socket.AF_INET:
                rows.append({"family": "ipv4", "address": addr.address,
                             "prefix": ipaddress.IPv4Network(f"0.0.0.0/{addr.netmask}").prefixlen
                             if addr.netmask else None})
            elif addr.family == socket.AF_INET6:
                rows.append({"family": "ipv6", "address": addr.address.split("%")[0], "prefix": None})
            elif addr.family == psutil.AF_LINK:
                mac = addr.address
        found.append({"name": name, "kind": kind_from_name(name),
                      "state": ("up" if stat.isup else "down") if stat else None,
                      "mtu": stat.mtu if stat else None, "mac": mac, "addresses": rows})
    return {"interfaces": found, "error": None}
