"""The ``network`` collector: proxies, PAC, DNS, interfaces, routes, VPN, and a network-type guess.

"It works at home but not at the office": this says what sits between the
user and the service, from settings only; it never sends a packet. Writes
``network/network.json`` (keys in docs/collectors/network.md) and a few
summary lines, the first of which is the guess ("likely corporate network:
proxy proxy.corp:3128 from GNOME and env; DNS search corp.example").
Credentials in proxy URLs are removed with :func:`diagbundle.strip_userinfo`
where each setting is read, before any text reaches the redactor.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from diagbundle import CliOption, Collector, Context, UsageError, hookimpl

#: Version of network.json's layout.
SCHEMA = 1


def _platform() -> str:
    return "linux" if sys.platform.startswith("linux") else sys.platform


def proxy_sources(platform: str) -> tuple[list[Any], list[str]]:
    """Every proxy source this platform has, in the order clients consult them; and errors."""
    from diagbundle_plugins.browsers import policy
    from diagbundle_plugins.network import proxy

    sources: list[Any] = [s for s in (proxy.from_environment(),) if s]
    if platform in ("darwin", "win32"):  # on Linux getproxies() only repeats the environment
        sources += [s for s in (proxy.from_urllib(),) if s]
    errors: list[str] = []
    if platform == "linux":
        from diagbundle_plugins.browsers.commands import path_candidates
        from diagbundle_plugins.network import gnome, kde

        sources += [s for s in (gnome.read(), kde.read()) if s]
        # The browsers collector's own lookup (PATH only, no --version run) finds Firefox's
        # install folders, whose distribution/policies.json it reads as well.
        firefox = [str(Path(real).parent) for _family, _channel, _path, real
                   in path_candidates(family="firefox")]
        policies = policy.linux_policies(firefox)
    elif platform == "darwin":
        from diagbundle_plugins.network import scutil

        sources.append(scutil.read_proxy())
        policies = policy.macos_policies()
    elif platform == "win32":
        from diagbundle_plugins.browsers.windows import WinRegistry
        from diagbundle_plugins.network import windows

        registry = WinRegistry()
        sources += windows.read(registry.values)
        policies = policy.windows_policies(registry.values)
    else:
        policies = []
        errors.append(f"desktop proxy settings are not read on {platform}")
    sources += proxy.from_browser_policies(policies)
    errors += [f"{s.source}: {s.error}" for s in sources if s.error]
    return sources, errors


def wpad_candidates(domains: list[str]) -> list[str]:
    """The URLs WPAD's DNS method tries: ``wpad.<domain>`` for each parent of each search domain."""
    found = []
    for domain in domains:
        labels = domain.lower().rstrip(".").split(".")
        for start in range(len(labels) - 1):
            found.append(f"http://wpad.{'.'.join(labels[start:])}/wpad.dat")
    return list(dict.fromkeys(found))


def dns_section(ctx: Context, platform: str) -> tuple[dict[str, Any], list[str]]:
    """DNS settings and the search domains they name."""
    from diagbundle_plugins.network import dns

    def pseudonym(kind: str, value: str) -> str:
        return ctx.redactor.pseudonym(kind, value)

    if platform == "linux":
        resolv = dns.resolv_conf()
        data = {"resolv_conf": resolv, "resolvectl": dns.resolvectl(), "nsswitch": dns.nsswitch(),
                "hosts": dns.hosts(pseudonym)}
        domains = list(resolv.get("search") or []) + ([resolv["domain"]] if resolv.get("domain") else [])
        return data, domains
    if platform == "darwin":
        from diagbundle_plugins.network import scutil

        try:
            resolvers = scutil.parse_dns(scutil.run(["scutil", "--dns"]))
            error = None
        except OSError as err:
            resolvers, error = [], str(err)
        domains = [d for r in resolvers for d in r["search"]]
        return {"scutil_dns": resolvers, "error": error, "hosts": dns.hosts(pseudonym)}, domains
    if platform == "win32":
        from diagbundle_plugins.network import windows

        try:
            ipconfig = windows.run_ipconfig()
        except (OSError, ValueError) as err:
            return {"ipconfig": None, "error": f"ipconfig /all: {err}"}, []
        domains = [*ipconfig["dns_search"], ipconfig["primary_dns_suffix"] or ""]
        domains += [a["dns_suffix"] for a in ipconfig["adapters"] if a.get("dns_suffix")]
        hosts = dns.hosts(pseudonym, Path(r"C:\Windows\System32\drivers\etc\hosts"))
        return {"ipconfig": ipconfig, "hosts": hosts}, [d for d in domains if d]
    return {"error": f"DNS settings are not read on {platform}"}, []


def interfaces_section(platform: str) -> dict[str, Any]:
    from diagbundle_plugins.network import interfaces

    if platform == "linux":
        return {"interfaces": interfaces.linux_interfaces(), "routes": interfaces.linux_routes(),
                "error": None}
    found = interfaces.portable_interfaces()
    return {**found, "routes": None}


def probe_targets(ctx: Context) -> list[str]:
    """The connectivity probe's targets (``--probe``, ``[probe]`` in config.toml), for effective proxies."""
    from diagbundle_plugins.connectivity import targets

    try:
        return targets(ctx.options)
    except UsageError:  # a broken [probe] table is the probe's error to report, not this collector's
        return list(ctx.options.get("probe") or [])


def gather(ctx: Context, platform: str | None = None) -> dict[str, Any]:
    """Everything network.json holds."""
    from diagbundle_plugins.network import guess, proxy, vpn

    platform = platform or _platform()
    errors: dict[str, str] = {}
    sources, proxy_errors = proxy_sources(platform)
    dns_data, domains = dns_section(ctx, platform)
    nets = interfaces_section(platform)
    if nets.get("error"):
        errors["interfaces"] = nets["error"]
    routes = nets.get("routes") or {}
    if platform == "win32":  # no route table without psutil's help: ipconfig's gateways stand in
        gateways = [a["name"] for a in (dns_data.get("ipconfig") or {}).get("adapters", []) if a["gateways"]]
        routes = {"default": [{"interface": name, "metric": 0} for name in gateways]}
    evidence = vpn.evidence(nets.get("interfaces") or [], routes, vpn.process_names())
    targets = probe_targets(ctx) + list(proxy.DEFAULT_TARGETS)
    pac_data: dict[str, Any] | None = None
    pac_path = ctx.options.get("pac")
    if pac_path:
        from diagbundle_plugins.network import pac  # only now: its import costs ~10 ms

        text = Path(pac_path).read_text(encoding="utf-8", errors="replace")
        resolve = bool(ctx.options.get("probe")) and not ctx.options.get("offline")
        result = pac.evaluate(text, targets, resolve=resolve)
        pac_data = {"file": Path(pac_path).name, **result.as_dict()}
        if result.error:
            errors["pac"] = result.error
    pac_results = (pac_data or {}).get("results") or {}
    effective = proxy.effective(targets, sources, pac_results)
    if pac_data is not None:
        file_source = proxy.ProxySource("pac-file", f"--pac {pac_data['file']}", "pac",
                                        pac_url=f"file:{pac_data['file']}")
        for url, row in zip(dict.fromkeys(targets), effective, strict=True):
            row["decisions"].append(proxy.decide(url, file_source, pac_results).as_dict())
    pac_urls = list(dict.fromkeys(s.pac_url for s in sources if s.pac_url))
    default_route = bool(routes.get("default"))
    verdict = guess.guess(sources, domains, evidence, default_route)
    return {
        "schema": SCHEMA,
        "platform": platform,
        "guess": verdict,
        "proxy": {
            "sources": [s.as_dict() for s in sources],
            "pac_urls": pac_urls,
            "wpad_candidates": wpad_candidates(domains),
            "effective": effective,
            "pac_evaluation": pac_data,
            "errors": proxy_errors,
        },
        "dns": dns_data,
        "interfaces": nets.get("interfaces") or [],
        "routes": nets.get("routes"),
        "vpn": evidence,
        "errors": errors,
    }


def summary_lines(data: dict[str, Any]) -> list[str]:
    """The lines network adds to summary.md: the guess first, then what support reads next."""
    from diagbundle_plugins.network.guess import label

    lines = [f"- {data['guess']['line'][0].upper()}{data['guess']['line'][1:]}"]
    for row in data["proxy"]["effective"]:
        picks = [f"{d['proxy'] or 'direct'} ({label(d['source']) if d['source'] else 'no proxy anywhere'})"
                 for d in row["decisions"] if d["source"] != "urllib"]
        lines.append(f"- Effective proxy for {row['target']}: {'; '.join(picks) or 'direct'}")
    pac_data = data["proxy"]["pac_evaluation"]
    if pac_data and pac_data.get("error"):
        lines.append(f"- PAC file {pac_data['file']}: {pac_data['error']}")
    resolv = (data["dns"].get("resolv_conf") or {})
    if resolv.get("nameservers"):
        stub = " (systemd-resolved stub)" if resolv.get("systemd_resolved_stub") else ""
        lines.append(f"- DNS: {', '.join(resolv['nameservers'])}{stub}"
                     + (f"; search {', '.join(resolv['search'])}" if resolv.get("search") else ""))
    up = [i for i in data["interfaces"] if i.get("state") in ("up", "unknown") and i["kind"] != "loopback"]
    if up:
        lines.append("- Interfaces up: "
                     + ", ".join(f"{i['name']} ({i['kind']}, MTU {i['mtu']})" for i in up))
    for key, error in data["errors"].items():
        lines.append(f"- Error reading {key}: {error}")
    return lines


def check(ctx: Context) -> str | None:
    """``--pac FILE`` must be readable: an input the user named goes in or the run fails."""
    pac_path = ctx.options.get("pac")
    if pac_path:
        path = Path(pac_path)
        if not path.is_file():
            raise UsageError(f"--pac {pac_path}: no such file")
        try:
            path.read_bytes()
        except OSError as err:
            raise UsageError(f"--pac {pac_path}: {err.strerror or err}") from err
    return None


def plan(ctx: Context) -> list[str]:
    """For ``--dry-run``: the files that decide the most, and the PAC file if one was given."""
    found = ["proxy variables", "/etc/resolv.conf", "/sys/class/net", "/proc/net/route"]
    if ctx.options.get("pac"):
        found.append(f"--pac {ctx.options['pac']} (evaluated in a child process)")
    return found if _platform() == "linux" else ["proxy variables", "system proxy and DNS settings"]


def collect(ctx: Context) -> None:
    data = gather(ctx)
    # For the ticket's question "which network were you on?": the guess, and why.
    ctx.shared["network.type"] = str(data["guess"]["kind"]).lower()
    ctx.shared["network.evidence"] = data["guess"]["line"]
    ctx.add_json("network.json", data)
    pac_path = ctx.options.get("pac")
    if pac_path:
        text = Path(pac_path).read_text(encoding="utf-8", errors="replace")
        ctx.add_text(f"pac/{Path(pac_path).name}", text)
    for line in summary_lines(data):
        ctx.summary(line)


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("network",
                       "Proxy settings (env, desktop, registry, browser policies), PAC, DNS, "
                       "interfaces, routes, VPN evidence; never touches the network", collect, check=check,
                       plan=plan))


@hookimpl
def diagbundle_register_options(register: Callable[[CliOption], None]) -> None:
    register(CliOption(("--pac",), "pac", "evaluate this PAC file for the probe targets and a few "
                       "defaults (needs diagbundle[pac])", metavar="FILE"))
