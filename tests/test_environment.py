"""The environment collector, run for real on this machine, and its parsers on copied files."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

import pytest
from diagbundle_plugins.environment import clock, cpu, resources, variables, virtualization
from diagbundle_plugins.environment.paths import tilde

from diagbundle.testing import build_bundle

FIXTURES = Path(__file__).parent / "fixtures" / "environment"


@pytest.fixture(scope="module")
def env_json(tmp_path_factory: pytest.TempPathFactory) -> dict:
    cache = tmp_path_factory.mktemp("cache")
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(cache)
    try:
        bundle = build_bundle(tmp_path_factory.mktemp("b"), only="environment")
    finally:
        if old is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = old
    assert bundle.collector("environment")["status"] == "ok"
    data = bundle.json("environment/environment.json")
    data["_summary"] = bundle.text("summary.md")
    data["_cache"] = str(cache)
    return data


def test_stable_top_level_keys(env_json):
    assert [k for k in env_json if not k.startswith("_")] == [
        "schema", "os", "cpu", "memory", "disk", "python", "locale", "time",
        "environment_variables", "virtualization", "errors"]
    assert env_json["errors"] == {}


def test_os_and_python_match_this_interpreter(env_json):
    assert env_json["os"]["kernel"] == platform.release()
    assert env_json["os"]["architecture"] == platform.machine()
    assert env_json["python"]["version"] == platform.python_version()
    names = {d["name"].lower() for d in env_json["python"]["distributions"]}
    assert {"diagbundle", "pluggy", "distro"} <= names
    if sys.platform.startswith("linux"):
        os_release = Path("/etc/os-release").read_text()
        assert f'ID={env_json["os"]["id"]}' in os_release


def test_cpu_counts_and_cpuinfo_details_measured_then_cached(env_json):
    assert env_json["cpu"]["logical_cores"] == os.cpu_count()
    details = env_json["cpu"]["details"]
    assert details["status"] == "measured", details
    assert details["values"]["count"] == os.cpu_count()
    cache_file = Path(env_json["_cache"]) / "diagbundle" / "cpuinfo.json"
    stored = json.loads(cache_file.read_text())
    assert stored["details"] == details["values"]
    # A second run answers from the cache at once.
    probe = cpu.CpuDetails(cpu.basic_cpu(), cache=cache_file)
    assert probe.status == "cached" and probe.details == details["values"]


def test_stale_cache_key_is_ignored(tmp_path):
    path = tmp_path / "cpuinfo.json"
    path.write_text(json.dumps({"key": "another-cpu", "details": {"brand_raw": "old"}}))
    probe = cpu.CpuDetails(cpu.basic_cpu(), cache=path)
    start = time.monotonic()
    probe.wait(0.05, lambda: False)
    assert time.monotonic() - start < 1.0
    assert probe.status == "timed out"
    assert json.loads(path.read_text())["details"] == {"brand_raw": "old"}


def test_cancelled_collector_stops_waiting_for_cpuinfo(tmp_path):
    probe = cpu.CpuDetails(cpu.basic_cpu(), cache=tmp_path / "c.json")
    start = time.monotonic()
    probe.wait(30, lambda: True)
    assert time.monotonic() - start < 1.0 and probe.status == "timed out"


def test_memory_disk_and_time(env_json):
    mem = env_json["memory"]
    if sys.platform.startswith("linux"):
        assert mem["total_bytes"] > mem["available_bytes"] > 0
    assert env_json["disk"]["home"]["path"] == "~"
    assert env_json["disk"]["home"]["free_bytes"] > 0
    t = env_json["time"]
    assert t["utc"].endswith("+00:00")
    assert t["local"].endswith(t["utc_offset"])


def test_home_never_appears_raw(env_json):
    home = os.path.expanduser("~")
    text = json.dumps(env_json)
    assert f'"{home}/' not in text and f'"{home}"' not in text
    assert tilde(os.path.join(home, "x")) == os.path.join("~", "x")
    assert tilde(home + "x") == home + "x"


def test_env_values_only_for_allowlist():
    env = {"PATH": f"{os.path.expanduser('~')}/bin:/usr/bin", "AWS_SECRET_ACCESS_KEY": "abc",
           "HTTPS_PROXY": "http://bob:hunter2@proxy.corp:3128", "LANG": "C.UTF-8",
           "no_proxy": "localhost,.corp"}
    out = variables.variables(env)
    assert out["names"] == sorted(env)
    assert "AWS_SECRET_ACCESS_KEY" not in out["values"]
    assert out["values"]["PATH"] == "~/bin:/usr/bin"
    assert out["values"]["HTTPS_PROXY"] == "http://[REDACTED:userinfo]@proxy.corp:3128"
    assert out["values"]["no_proxy"] == "localhost,.corp"
    assert out["proxy_credentials_removed"] == ["HTTPS_PROXY"]
    assert "hunter2" not in json.dumps(out)


def test_proc_cpuinfo_x86_and_arm_fixtures():
    x86 = cpu.parse_proc_cpuinfo((FIXTURES / "cpuinfo-amd-epyc-kvm.txt").read_text())
    assert (x86["model"], x86["vendor"]) == ("AMD EPYC", "AuthenticAMD")
    assert (x86["physical_cores"], x86["sockets"], x86["hypervisor_flag"]) == (2, 1, True)
    arm = cpu.parse_proc_cpuinfo((FIXTURES / "cpuinfo-raspberrypi4.txt").read_text())
    assert arm["model"] == "Raspberry Pi 4 Model B Rev 1.4"
    assert arm["vendor"] == "0x41"
    assert (arm["physical_cores"], arm["hypervisor_flag"]) == (None, False)
    if sys.platform.startswith("linux"):
        real = cpu.parse_proc_cpuinfo(Path("/proc/cpuinfo").read_text())
        assert real["model"]


def test_cgroup_v2_and_v1_limits(tmp_path):
    v2 = tmp_path / "v2"
    (v2 / "proc/self").mkdir(parents=True)
    (v2 / "proc/self/cgroup").write_text("0::/system.slice/docker-abc.scope\n")
    (v2 / "sys/fs/cgroup/system.slice/docker-abc.scope").mkdir(parents=True)
    (v2 / "sys/fs/cgroup/cgroup.controllers").write_text("cpu memory\n")
    (v2 / "sys/fs/cgroup/system.slice/docker-abc.scope/memory.max").write_text("536870912\n")
    assert resources.cgroup_memory_limit(v2) == {"cgroup_limit_bytes": 536870912,
                                                 "cgroup_version": 2}
    (v2 / "sys/fs/cgroup/system.slice/docker-abc.scope/memory.max").write_text("max\n")
    assert resources.cgroup_memory_limit(v2)["cgroup_limit_bytes"] is None
    v1 = tmp_path / "v1"
    (v1 / "proc/self").mkdir(parents=True)
    (v1 / "proc/self/cgroup").write_text("4:memory:/process_api/x\n0::/\n")
    (v1 / "sys/fs/cgroup/memory").mkdir(parents=True)
    (v1 / "sys/fs/cgroup/memory/memory.limit_in_bytes").write_text("9223372036854771712\n")
    assert resources.cgroup_memory_limit(v1) == {"cgroup_limit_bytes": None, "cgroup_version": 1}


def test_meminfo_fixture():
    parsed = resources.parse_meminfo((FIXTURES / "meminfo.txt").read_text())
    assert parsed == {"total_bytes": 24684084 * 1024, "available_bytes": 24259076 * 1024}


def test_container_vm_ci_and_device_kind(tmp_path):
    (tmp_path / "proc/self").mkdir(parents=True)
    (tmp_path / "proc/1").mkdir(parents=True)
    (tmp_path / "run").mkdir()
    (tmp_path / "run/.containerenv").write_text("engine=\"podman-4.3.1\"\n")
    (tmp_path / "proc/1/cgroup").write_text("0::/\n")
    container = virtualization.container_info(tmp_path, environ={"container": "podman"})
    assert container["detected"] and container["engine"] == "podman"
    dmi = tmp_path / "sys/class/dmi/id"
    dmi.mkdir(parents=True)
    (dmi / "sys_vendor").write_text("QEMU\n")
    (dmi / "product_name").write_text("Standard PC (Q35 + ICH9, 2009)\n")
    (dmi / "chassis_type").write_text("1\n")
    vm = virtualization.vm_info(True, tmp_path)
    if sys.platform.startswith("linux"):
        assert vm["hypervisor"] == "QEMU"
    bare = tmp_path / "bare"
    (bare / "sys/class/dmi/id").mkdir(parents=True)
    (bare / "sys/class/dmi/id/chassis_type").write_text("10\n")
    none = virtualization.container_info(bare, environ={})
    assert not none["detected"]
    if sys.platform.startswith("linux"):
        laptop = virtualization.vm_info(False, bare)
        assert virtualization.device_kind(none, laptop, None, bare) == "laptop"
    ci = virtualization.ci_info({"GITHUB_ACTIONS": "true", "CI": "true"})
    assert ci == {"detected": True, "service": "GitHub Actions",
                  "evidence": ["GITHUB_ACTIONS variable"]}
    assert not virtualization.ci_info({})["detected"]


def test_this_machine_container_evidence(env_json):
    virt = env_json["virtualization"]
    if Path("/.dockerenv").exists():
        assert virt["container"]["detected"] and "/.dockerenv" in virt["container"]["evidence"]
        assert virt["device_kind"] == "container"


def test_iana_zone_sources(tmp_path):
    (tmp_path / "etc").mkdir()
    assert clock.iana_zone({"TZ": ":Europe/Paris"}, tmp_path) == ("Europe/Paris", "TZ")
    (tmp_path / "etc/localtime").symlink_to("/usr/share/zoneinfo/America/New_York")
    assert clock.iana_zone({}, tmp_path) == ("America/New_York", "/etc/localtime")
    (tmp_path / "etc/timezone").write_text("Asia/Tokyo\n")
    assert clock.iana_zone({}, tmp_path) == ("Asia/Tokyo", "/etc/timezone")


def test_summary_lines(env_json):
    summary = env_json["_summary"]
    assert "- OS: " in summary and "- CPU: " in summary and "- Python: " in summary
