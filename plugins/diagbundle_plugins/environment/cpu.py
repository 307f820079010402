"""The CPU: a basic answer read in-process, py-cpuinfo's details from a cache.

The basic answer (model, vendor, core counts, the hypervisor flag) comes
from ``/proc/cpuinfo``, ``sysctl`` (through libc, no subprocess) or the
registry, so it never waits. py-cpuinfo's ``get_cpu_info()`` sleeps about a
second to measure the clock, so it runs as ``python -m cpuinfo --json`` in a
separate process started before the rest of the collector's work (stdin
closed, no window, killed on timeout or cancel) and its answer is cached in
the user cache folder under a key that changes with the CPU, the kernel and
py-cpuinfo's version: later runs answer at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from diagbundle_plugins.environment.paths import read_text
from diagbundle_plugins.environment.winreg_values import read_values

#: py-cpuinfo fields kept in environment.json (the rest repeat the basic answer).
DETAIL_FIELDS = (
    "brand_raw", "vendor_id_raw", "arch", "bits", "count", "hz_advertised_friendly",
    "hz_actual_friendly", "family", "model", "stepping", "l1_data_cache_size",
    "l1_instruction_cache_size", "l2_cache_size", "l3_cache_size", "flags",
)
CACHE_NAME = "cpuinfo.json"
#: /proc/cpuinfo keys naming the CPU or board, best first (x86, Raspberry Pi, ARM SoCs, MIPS).
MODEL_KEYS = ("model name", "Model", "Hardware", "Processor", "cpu model")
DEFAULT_WAIT = 5.0


def basic_cpu() -> dict[str, Any]:
    """Model, vendor and core counts without any subprocess."""
    info: dict[str, Any] = {
        "model": None,
        "vendor": None,
        "logical_cores": os.cpu_count(),
        "usable_cores": _usable_cores(),
        "physical_cores": None,
        "sockets": None,
        "hypervisor_flag": None,
    }
    if sys.platform.startswith("linux"):
        text = read_text("/proc/cpuinfo")
        if text:
            info.update(parse_proc_cpuinfo(text))
    elif sys.platform == "darwin":
        from diagbundle_plugins.environment.sysctl import sysctl_int, sysctl_str

        info["model"] = sysctl_str("machdep.cpu.brand_string") or sysctl_str("hw.model")
        info["vendor"] = sysctl_str("machdep.cpu.vendor") or (
            "Apple" if platform.machine() == "arm64" else None)
        info["physical_cores"] = sysctl_int("hw.physicalcpu")
        info["sockets"] = sysctl_int("hw.packages")
        vmm = sysctl_int("kern.hv_vmm_present")
        info["hypervisor_flag"] = None if vmm is None else bool(vmm)
    elif sys.platform == "win32":
        values = read_values("HKLM", r"HARDWARE\DESCRIPTION\System\CentralProcessor\0") or {}
        name = values.get("ProcessorNameString")
        info["model"] = name.strip() if isinstance(name, str) else None
        info["vendor"] = values.get("VendorIdentifier")
    return info


def _usable_cores() -> int | None:
    if hasattr(os, "sched_getaffinity"):
        try:
            return len(os.sched_getaffinity(0))
        except OSError:
            return None
    return os.cpu_count()


def parse_proc_cpuinfo(text: str) -> dict[str, Any]:
    """Model, vendor, physical cores, sockets and the hypervisor flag from /proc/cpuinfo.

    x86 has ``model name`` and ``vendor_id``; ARM has ``Hardware``,
    ``Model`` or only ``CPU implementer``/``CPU part``; both list one block
    per logical CPU.
    """
    names: dict[str, str] = {}
    vendor = None
    cores: set[tuple[str, str]] = set()
    sockets: set[str] = set()
    flags: set[str] = set()
    physical = core = None
    for line in [*text.splitlines(), ""]:
        key, sep, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if not sep:
            if physical is not None and core is not None:
                cores.add((physical, core))
            physical = core = None
            continue
        if key in MODEL_KEYS:
            names.setdefault(key, value)
        elif key in ("vendor_id", "CPU implementer") and not vendor:
            vendor = value
        elif key == "physical id":
            physical = value
            sockets.add(value)
        elif key == "core id":
            core = value
        elif key in ("flags", "Features") and not flags:
            flags = set(value.split())
    return {
        "model": next((names[k] for k in MODEL_KEYS if names.get(k)), None),
        "vendor": vendor,
        "physical_cores": len(cores) or None,
        "sockets": len(sockets) or None,
        "hypervisor_flag": ("hypervisor" in flags) if flags else None,
    }


def cache_key(basic: dict[str, Any]) -> str:
    """Changes when the CPU, the kernel or py-cpuinfo changes, so a stale answer is never reused."""
    from importlib import metadata

    try:
        cpuinfo_version = metadata.version("py-cpuinfo")
    except metadata.PackageNotFoundError:
        cpuinfo_version = None
    uname = platform.uname()
    parts = [basic.get("model"), basic.get("vendor"), basic.get("logical_cores"),
             uname.release, uname.version, uname.machine, cpuinfo_version]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def cache_path() -> Path:
    """``diagbundle/cpuinfo.json`` in platformdirs' user cache folder."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("diagbundle", appauthor=False)) / CACHE_NAME


class CpuDetails:
    """py-cpuinfo's answer: from the cache, or from a worker process started at once."""

    def __init__(self, basic: dict[str, Any], cache: Path | None = None) -> None:
        self.key = cache_key(basic)
        self.cache = cache or cache_path()
        self.details: dict[str, Any] | None = self._from_cache()
        self.status = "cached" if self.details is not None else "pending"
        self.error: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        if self.details is None:
            self._start()

    def _from_cache(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("key") != self.key:
            return None
        details = data.get("details")
        return details if isinstance(details, dict) else None

    def _start(self) -> None:
        if getattr(sys, "frozen", False):
            self.status = "not applicable"
            self.error = "frozen interpreter: py-cpuinfo cannot run"
            return
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "cpuinfo", "--json"],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
            )
        except OSError as err:
            self.status, self.error = "error", f"cannot start py-cpuinfo: {err}"

    def wait(self, budget: float, cancelled: Callable[[], bool]) -> None:
        """Wait up to ``budget`` seconds (less if cancelled) for the worker; cache its answer."""
        proc = self._proc
        if proc is None:
            return
        deadline = time.monotonic() + budget
        while proc.poll() is None:
            if cancelled() or time.monotonic() >= deadline:
                proc.kill()
                proc.wait()
                assert proc.stdout is not None
                proc.stdout.close()
                self.status = "timed out"
                self.error = f"py-cpuinfo gave no answer within {budget:g} s"
                return
            time.sleep(0.02)
        assert proc.stdout is not None
        out = proc.stdout.read()
        proc.stdout.close()
        try:
            raw = json.loads(out)
        except ValueError:
            raw = None
        if proc.returncode != 0 or not isinstance(raw, dict) or not raw:
            self.status, self.error = "error", f"py-cpuinfo failed (exit code {proc.returncode})"
            return
        self.details = {k: raw[k] for k in DETAIL_FIELDS if k in raw}
        self.status = "measured"
        self._store()

    def _store(self) -> None:
        """Write the cache atomically; a failure only costs the next run a second."""
        tmp = None
        try:
            self.cache.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.cache.parent, prefix=".cpuinfo-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"key": self.key, "details": self.details}, fh)
            Path(tmp).replace(self.cache)
        except OSError as err:
            self.error = f"cache not written: {err.strerror or err}"
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "error": self.error, "values": self.details}
