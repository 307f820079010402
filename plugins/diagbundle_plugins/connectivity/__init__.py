"""The ``connectivity`` collector: try the path to each ``--probe`` URL and say where it breaks.

Opt-in: it runs only for targets the user or an embedding tool names
(``--probe URL``, ``diagbundle.collect(probe=[...])``, ``[probe] targets``
in config.toml), never by default,
and ``--offline`` skips it (``needs_network=True``). It uses the network
collector's proxy sources and PAC evaluation (the same code, imported), so
the proxy it goes through is the one the network section says a client
would use. Writes ``connectivity/connectivity.json`` and one summary line
per target, plus a line per verdict ("TLS inspection suspected: issuer
Corp Inspection CA").
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from diagbundle import CliOption, Collector, Context, UsageError, hookimpl, strip_userinfo

SCHEMA = 1
#: Total seconds for all targets together (issue 14: a probe of an unreachable target ends within it).
DEFAULT_BUDGET = 10.0
#: ``--probe-upload`` alone sends this many bytes.
DEFAULT_UPLOAD = "64k"
_SIZE = re.compile(r"^(\d+)([kKmM]?)$")
PAC_FETCH_LIMIT = 1 << 20


def upload_size(value: Any) -> int | None:
    """``64k`` / ``4M`` / ``1000`` -> bytes (``None`` when no upload was asked for)."""
    if value in (None, False):
        return None
    match = _SIZE.match(str(value).strip())
    if not match:
        raise UsageError(f"--probe-upload {value}: give a size such as 64k or 4M")
    size = int(match.group(1)) * {"": 1, "k": 1 << 10, "m": 1 << 20}[match.group(2).lower()]
    if size > 64 << 20:
        raise UsageError(f"--probe-upload {value}: at most 64M")
    return size


def targets(options: Mapping[str, Any]) -> list[str]:
    """``--probe`` URLs (or ``collect(probe=[...])``), else ``[probe] targets`` from config.toml."""
    from diagbundle_plugins.connectivity.config import configured_targets

    return list(dict.fromkeys(options.get("probe") or configured_targets()))


def check(ctx: Context) -> str | None:
    """Skip without targets; refuse what is not an http(s) URL before anything runs."""
    found = targets(ctx.options)
    if not found:
        return "no --probe targets given (nor [probe] targets in config.toml)"
    for url in found:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"--probe {strip_userinfo(url)}: give an http:// or https:// URL")
    upload_size(ctx.options.get("probe_upload"))
    try:
        if float(ctx.options.get("probe_budget") or DEFAULT_BUDGET) <= 0:
            raise ValueError
    except ValueError:
        raise UsageError(f"--probe-budget {ctx.options.get('probe_budget')}: give seconds, e.g. 10") from None
    from diagbundle_plugins.network import check as check_pac

    check_pac(ctx)  # --pac FILE is read here too, whether or not network runs
    bundle = ctx.options.get("probe_ca_bundle")
    if bundle and not Path(bundle).is_file():
        raise UsageError(f"--probe-ca-bundle {bundle}: no such file")
    return None


def plan(ctx: Context) -> list[str]:
    """For ``--dry-run``: every URL the probe would contact (and its captive-portal check)."""
    found = []
    for url in targets(ctx.options):
        parts = urlsplit(url)
        found.append(strip_userinfo(url))
        if parts.scheme == "https":
            found.append(f"http://{parts.hostname}/ (captive-portal check)")
    return found


def _pac_text(ctx: Context, source: Any, budget: float) -> tuple[str | None, str]:
    """The PAC to evaluate: ``--pac FILE`` if given, else the source's PAC URL fetched directly."""
    if ctx.options.get("pac"):
        return Path(ctx.options["pac"]).read_text(encoding="utf-8", errors="replace"), "--pac file"
    url = source.pac_url or ""
    if not url.startswith(("http://", "https://")) or "[REDACTED:userinfo]" in url:
        return None, f"PAC {url} cannot be fetched"
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # PAC files are fetched direct
    try:
        with opener.open(url, timeout=min(3.0, budget)) as response:
            return response.read(PAC_FETCH_LIMIT).decode("utf-8", "replace"), f"PAC {url}"
    except OSError as err:
        return None, f"PAC {url} could not be fetched: {err}"


def choose_proxy(ctx: Context, url: str, sources: list[Any], budget: float) -> Any:
    """The proxy a client would use for ``url``: the first active source decides (environment first)."""
    from diagbundle_plugins.connectivity.probe import Proxy, credentials_from
    from diagbundle_plugins.network import pac, proxy

    active = [s for s in sources if s.active and s.source != "urllib"]
    if ctx.options.get("pac") and not any(s.mode == "pac" for s in active):
        active.append(proxy.ProxySource("pac-file", "--pac", "pac", pac_url="file"))
    if not active:
        return Proxy(None, None, "direct: no proxy configured anywhere")
    source = active[0]
    if source.mode in ("pac", "auto-detect"):
        if source.mode == "auto-detect" and not ctx.options.get("pac"):
            return Proxy(None, source.source, "WPAD auto-detection is not followed by the probe: direct")
        text, where = _pac_text(ctx, source, budget)
        if text is None:
            return Proxy(None, source.source, f"{where}: direct")
        result = pac.evaluate(text, [url], resolve=True, time_limit=min(pac.TIME_LIMIT, budget))
        answer = result.results.get(url)
        if answer is None:
            return Proxy(None, source.source, f"{where}: {result.error}; direct")
        first = answer.split(";")[0].strip()
        kind, _, server = first.partition(" ")
        if kind.upper() == "PROXY" and server:
            return Proxy(f"http://{server.strip()}", source.source, f"{where} returned {answer!r}")
        if kind.upper() == "DIRECT":
            return Proxy(None, source.source, f"{where} returned {answer!r}")
        return Proxy(None, source.source, f"{where} returned {answer!r}: only PROXY and DIRECT are probed")
    decision = proxy.decide(url, source)
    if decision.proxy is None:
        return Proxy(None, source.source, decision.reason)
    user = password = None
    if source.source == "env":  # the only source whose credentials a client can use as configured
        for raw in os.environ.values():
            if raw and strip_userinfo(raw.strip()) == decision.proxy:
                user, password = credentials_from(raw.strip())
                break
    if source.source.startswith("wininet") or source.source.startswith("policy"):
        server = decision.proxy
        decision.proxy = server if "://" in server else f"http://{server}"
    return Proxy(decision.proxy, source.source, decision.reason, user, password)


def run(ctx: Context) -> dict[str, Any]:
    from diagbundle_plugins.connectivity.probe import Budget, Prober, Trust, captive_portal
    from diagbundle_plugins.network import proxy_sources

    found = targets(ctx.options)
    total = float(ctx.options.get("probe_budget") or DEFAULT_BUDGET)
    upload = upload_size(ctx.options.get("probe_upload"))
    trust = Trust(public_cafile=ctx.options.get("probe_ca_bundle"))
    platform = "linux" if sys.platform.startswith("linux") else sys.platform
    sources, _errors = proxy_sources(platform)
    started = time.monotonic()
    results = []

    def redact(text: str) -> str:
        return ctx.redactor.redact(text)

    for index, url in enumerate(found):
        if ctx.cancelled:
            break
        left = total - (time.monotonic() - started)
        share = max(left / (len(found) - index), 0.0)
        target_started = time.monotonic()
        budget = Budget(share)
        chosen = choose_proxy(ctx, url, sources, max(share, 0.1))
        if chosen.scheme.startswith("socks"):
            results.append({"target": strip_userinfo(url), "proxy": chosen.report(), "result": "not probed",
                            "broke_at": None, "kind": None, "steps": [], "verdicts": [],
                            "message": "the proxy is a SOCKS proxy: the probe speaks HTTP proxies only",
                            "captive_portal": None, "seconds": 0.0})
            continue
        outcome = Prober(url, chosen, trust, budget).run()
        steps = outcome["steps"]
        verdicts = list(outcome["verdicts"])
        if upload is not None and steps and steps[-1].ok:
            up = Prober(url, chosen, trust, budget)
            up.first_open = False
            up_outcome = up.run(upload)
            steps += [s for s in up_outcome["steps"] if s.name == "upload" or not s.ok]
        left_for_target = budget.deadline - time.monotonic()
        if left_for_target > 0.2:  # the captive-portal check spends what the target left, at most 2 s
            captive = captive_portal(url, chosen, Budget(min(2.0, left_for_target)))
        else:
            captive = {"url": None, "status": None, "location": None, "suspected": False,
                       "error": "not run: the target's time budget was used up"}
        if captive["suspected"]:
            verdicts.append(f"captive portal suspected: http:// was redirected to {captive['location']}")
        failed = next((s for s in steps if not s.ok), None)
        results.append({
            "target": strip_userinfo(url),
            "proxy": chosen.report(),
            "result": "failed" if failed else "ok",
            "broke_at": failed.name if failed else None,
            "message": failed.failure.message if failed and failed.failure else None,
            "kind": failed.failure.kind if failed and failed.failure else None,
            "steps": [s.as_dict(redact) for s in steps],
            "verdicts": verdicts,
            "captive_portal": captive,
            "seconds": round(time.monotonic() - target_started, 3),
        })
    return {"schema": SCHEMA, "budget_seconds": total, "upload_bytes": upload, "targets": results,
            "seconds": round(time.monotonic() - started, 3)}


def _ms(step: dict[str, Any]) -> str:
    return f"{step['seconds'] * 1000:.0f} ms" if step.get("seconds") is not None else "?"


def summary_lines(data: dict[str, Any]) -> list[str]:
    lines = []
    for row in data["targets"]:
        via = row["proxy"]["proxy"] or "direct"
        if row["result"] == "not probed":
            lines.append(f"- {row['target']}: not probed via {via}: {row['message']}")
            continue
        if row["result"] == "ok":
            parts = []
            for step in row["steps"]:
                if step["step"] == "tls":
                    parts.append(f"TLS {_ms(step)} {step.get('version')}")
                elif step["step"] in ("http", "upload"):
                    parts.append(f"{step['step'].upper()} {step.get('status')} in {_ms(step)}")
                    if step.get("throughput_bytes_per_second"):
                        parts.append(f"{step['throughput_bytes_per_second'] / 1e6:.1f} MB/s up")
                else:
                    parts.append(f"{step['step'].upper()} {_ms(step)}")
            lines.append(f"- {row['target']}: OK via {via} ({', '.join(parts)})")
        else:
            lines.append(f"- {row['target']}: FAILED at {row['broke_at']} via {via}: {row['message']}")
        lines += [f"- {row['target']}: {verdict}" for verdict in row["verdicts"]]
    return lines


def collect(ctx: Context) -> None:
    data = run(ctx)
    ctx.add_json("connectivity.json", data)
    for line in summary_lines(data):
        ctx.summary(line)


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("connectivity",
                       "Opt-in probe of --probe URLs: DNS, TCP, proxy, TLS (inspection), HTTP, "
                       "captive portal, upload", collect, check=check, plan=plan,
                       needs_network=True))


@hookimpl
def diagbundle_register_options(register: Callable[[CliOption], None]) -> None:
    register(CliOption(("--probe",), "probe", "probe this URL's path (DNS, TCP, proxy, TLS, HTTP); "
                       "repeatable; opt-in, skipped with --offline", action="append", metavar="URL"))
    register(CliOption(("--probe-upload",), "probe_upload", "also POST a body to each probe target and "
                       f"report throughput (default {DEFAULT_UPLOAD}; e.g. 4M)", metavar="SIZE",
                       const=DEFAULT_UPLOAD))
    register(CliOption(("--probe-ca-bundle",), "probe_ca_bundle", "public CA bundle the probe compares "
                       "the chain against (default: certifi's)", metavar="FILE"))
    register(CliOption(("--probe-budget",), "probe_budget", "total seconds for all probe targets "
                       f"(default {DEFAULT_BUDGET:g})", metavar="S"))
