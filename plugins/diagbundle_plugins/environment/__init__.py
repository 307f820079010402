"""The ``environment`` collector: OS, CPU, memory, disk, Python, locale, time, virtualization.

Answers support's first questions ("which OS, which device?") from files,
libc and the registry, in-process; the only subprocess is py-cpuinfo's
worker, whose answer is cached. Writes ``environment/environment.json``
(keys documented in docs/collectors/environment.md) and a few summary lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from diagbundle import Collector, Context, hookimpl

#: Version of environment.json's layout; bumped only when a key changes meaning or goes away.
SCHEMA = 1
#: How long the collector waits for py-cpuinfo's first (uncached) answer.
CPUINFO_WAIT = 5.0


def gather(ctx: Context, cpuinfo_wait: float = CPUINFO_WAIT) -> dict[str, Any]:
    """Everything environment.json holds, sections in a fixed order."""
    from diagbundle_plugins.environment import (
        clock,
        cpu,
        interpreter,
        resources,
        system,
        variables,
        virtualization,
    )

    def cancelled() -> bool:
        return ctx.cancelled

    started = time.monotonic()
    basic = cpu.basic_cpu()
    details = cpu.CpuDetails(basic)  # starts py-cpuinfo's worker now if nothing is cached
    data: dict[str, Any] = {"schema": SCHEMA, "os": None, "cpu": None}
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("os", system.os_info),
        ("memory", resources.memory),
        ("disk", resources.disks),
        ("python", interpreter.python_info),
        ("locale", clock.locale_info),
        ("time", clock.time_info),
        ("environment_variables", variables.variables),
    ]
    errors: dict[str, str] = {}
    for key, step in steps:
        if ctx.cancelled:
            break
        try:
            data[key] = step()
        except Exception as err:  # one failing probe must not cost the others
            data[key] = None
            errors[key] = f"{type(err).__name__}: {err}"
    container = virtualization.container_info()
    vm = virtualization.vm_info(basic.get("hypervisor_flag"))
    wsl = (data.get("os") or {}).get("wsl")
    data["virtualization"] = {
        "container": container,
        "vm": vm,
        "ci": virtualization.ci_info(),
        "device_kind": virtualization.device_kind(container, vm, wsl),
    }
    details.wait(max(cpuinfo_wait - (time.monotonic() - started), 0.0), cancelled)
    data["cpu"] = {**basic, "details": details.as_dict()}
    data["errors"] = errors
    return data


def summary_lines(data: dict[str, Any]) -> list[str]:
    """The lines environment adds to summary.md."""
    lines = []
    os_ = data.get("os") or {}
    name = os_.get("pretty_name") or os_.get("name") or os_.get("system")
    build = f" (build {os_['build']})" if os_.get("build") else ""
    wsl = f", WSL {os_['wsl']['version']}" if os_.get("wsl") else ""
    lines.append(f"- OS: {name}{build}, kernel {os_.get('kernel')}, {os_.get('architecture')}{wsl}")
    cpu = data.get("cpu") or {}
    cores = f"{cpu.get('logical_cores')} logical cores"
    if cpu.get("physical_cores"):
        cores = f"{cpu['physical_cores']} physical / " + cores
    lines.append(f"- CPU: {cpu.get('model') or 'unknown model'}, {cores}")
    mem = data.get("memory") or {}
    if mem.get("total_bytes"):
        text = f"- Memory: {_gib(mem['total_bytes'])} total"
        if mem.get("available_bytes") is not None:
            text += f", {_gib(mem['available_bytes'])} available"
        if mem.get("cgroup_limit_bytes") is not None:
            text += f", container limit {_gib(mem['cgroup_limit_bytes'])}"
        lines.append(text)
    disk = (data.get("disk") or {}).get("home") or {}
    if disk.get("free_bytes") is not None:
        lines.append(f"- Disk: {_gib(disk['free_bytes'])} free in `~`")
    py = data.get("python") or {}
    venv = f", {py['virtual_env']['kind']}" if (py.get("virtual_env") or {}).get("kind") else ""
    lines.append(f"- Python: {py.get('implementation')} {py.get('version')}{venv}")
    clock = data.get("time") or {}
    zone = clock.get("timezone") or clock.get("windows_timezone") or "unknown"
    lines.append(f"- Time zone: {zone} (UTC{clock.get('utc_offset')})")
    virt = data.get("virtualization") or {}
    kind = virt.get("device_kind")
    extra = []
    if (virt.get("container") or {}).get("engine"):
        extra.append(virt["container"]["engine"])
    if (virt.get("vm") or {}).get("hypervisor"):
        extra.append(virt["vm"]["hypervisor"])
    if (virt.get("ci") or {}).get("detected"):
        extra.append(f"CI: {virt['ci']['service'] or 'yes'}")
    lines.append(f"- Device: {kind}" + (f" ({', '.join(extra)})" if extra else ""))
    for key, error in (data.get("errors") or {}).items():
        lines.append(f"- Error reading {key}: {error}")
    return lines


def _gib(value: int) -> str:
    return f"{value / (1 << 30):.1f} GiB"


def collect(ctx: Context) -> None:
    data = gather(ctx)
    ctx.add_json("environment.json", data)
    for line in summary_lines(data):
        ctx.summary(line)


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("environment",
                       "Operating system, CPU, memory, disk, Python, locale, time zone, "
                       "container/VM/CI", collect))
