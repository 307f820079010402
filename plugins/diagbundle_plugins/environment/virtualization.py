"""Where diagbundle runs: container, virtual machine, CI, and the kind of device.

Each verdict lists the evidence it rests on, so support can judge it.
Everything is read from files and environment variables, never by running
``systemd-detect-virt`` or ``dmidecode`` (which needs root anyway).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from diagbundle_plugins.environment.paths import read_text
from diagbundle_plugins.environment.winreg_values import read_values

ROOT = Path("/")

#: CI services and the environment variable each one always sets.
CI_VARIABLES = (
    ("GITHUB_ACTIONS", "GitHub Actions"), ("GITLAB_CI", "GitLab CI"),
    ("BUILDKITE", "Buildkite"), ("CIRCLECI", "CircleCI"), ("TRAVIS", "Travis CI"),
    ("JENKINS_URL", "Jenkins"), ("TF_BUILD", "Azure Pipelines"), ("APPVEYOR", "AppVeyor"),
    ("TEAMCITY_VERSION", "TeamCity"), ("BITBUCKET_BUILD_NUMBER", "Bitbucket Pipelines"),
    ("CODEBUILD_BUILD_ID", "AWS CodeBuild"), ("DRONE", "Drone"), ("CIRRUS_CI", "Cirrus CI"),
    ("SEMAPHORE", "Semaphore"), ("BUILD_BUILDID", "Azure Pipelines"),
)

#: DMI / BIOS vendor or product substrings that mean a virtual machine.
VM_MARKERS = (
    ("qemu", "QEMU"), ("kvm", "KVM"), ("vmware", "VMware"), ("virtualbox", "VirtualBox"),
    ("innotek", "VirtualBox"), ("xen", "Xen"), ("bochs", "Bochs"), ("parallels", "Parallels"),
    ("amazon ec2", "Amazon EC2"), ("google compute engine", "Google Compute Engine"),
    ("virtual machine", "Hyper-V"), ("openstack", "OpenStack"), ("digitalocean", "DigitalOcean"),
    ("cloud hypervisor", "Cloud Hypervisor"), ("firecracker", "Firecracker"),
)

#: SMBIOS chassis types (DMTF DSP0134, table 17).
CHASSIS_KINDS = {
    3: "desktop", 4: "desktop", 5: "desktop", 6: "desktop", 7: "desktop", 13: "desktop",
    15: "desktop", 16: "desktop", 35: "desktop", 36: "desktop",
    8: "laptop", 9: "laptop", 10: "laptop", 14: "laptop", 30: "laptop", 31: "laptop", 32: "laptop",
    17: "server", 23: "server", 25: "server", 28: "server", 29: "server",
}

CGROUP_ENGINES = (("kubepods", "kubernetes"), ("docker", "docker"), ("libpod", "podman"),
                  ("containerd", "containerd"), ("lxc", "lxc"))


def container_info(root: Path = ROOT, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Container evidence: marker files, cgroup paths, mountinfo, the ``container`` variable."""
    env = os.environ if environ is None else environ
    evidence: list[str] = []
    engine: str | None = None
    if (root / ".dockerenv").exists():
        evidence.append("/.dockerenv")
        engine = "docker"
    if (root / "run/.containerenv").exists():
        evidence.append("/run/.containerenv")
        engine = engine or "podman"
    if env.get("container"):
        evidence.append("container variable")
        engine = engine or env["container"]
    if env.get("KUBERNETES_SERVICE_HOST"):
        evidence.append("KUBERNETES_SERVICE_HOST variable")
        engine = "kubernetes"
    for name in ("proc/1/cgroup", "proc/self/cgroup"):
        text = read_text(root / name) or ""
        for marker, kind in CGROUP_ENGINES:
            if marker in text:
                evidence.append(f"/{name} mentions {marker}")
                engine = engine or kind
                break
    mountinfo = read_text(root / "proc/self/mountinfo") or ""
    for line in mountinfo.splitlines():
        fields = line.split()
        if len(fields) > 4 and fields[4] == "/" and " - overlay " in line:
            evidence.append("root file system is overlayfs")
        elif "/docker/containers/" in line or "/containers/storage/" in line:
            evidence.append("mountinfo shows container runtime bind mounts")
            break
    evidence = list(dict.fromkeys(evidence))
    cgroup_version = None
    if (root / "sys/fs/cgroup/cgroup.controllers").exists():
        cgroup_version = 2
    elif (root / "sys/fs/cgroup/memory").is_dir():
        cgroup_version = 1
    # An overlay root alone is common on live systems; it needs company to count.
    strong = [e for e in evidence if e != "root file system is overlayfs"]
    return {"detected": bool(strong), "engine": engine if strong else None,
            "evidence": evidence, "cgroup_version": cgroup_version}


def vm_info(hypervisor_flag: bool | None, root: Path = ROOT) -> dict[str, Any]:
    """Virtual machine evidence: DMI vendor and product, the CPU's hypervisor flag."""
    evidence: list[str] = []
    vendor = product = None
    chassis: int | None = None
    if sys.platform.startswith("linux"):
        dmi = root / "sys/class/dmi/id"
        vendor = (read_text(dmi / "sys_vendor") or "").strip() or None
        product = (read_text(dmi / "product_name") or "").strip() or None
        chassis_text = (read_text(dmi / "chassis_type") or "").strip()
        chassis = int(chassis_text) if chassis_text.isdigit() else None
        hyp = (read_text(root / "sys/hypervisor/type") or "").strip()
        if hyp:
            evidence.append(f"/sys/hypervisor/type is {hyp}")
    elif sys.platform == "win32":
        bios = read_values("HKLM", r"HARDWARE\DESCRIPTION\System\BIOS") or {}
        vendor, product = bios.get("SystemManufacturer"), bios.get("SystemProductName")
    hypervisor = None
    haystack = f"{vendor or ''} {product or ''}".lower()
    for marker, name in VM_MARKERS:
        if marker in haystack:
            hypervisor = name
            evidence.append(f"DMI says {vendor or ''} {product or ''}".strip())
            break
    if hypervisor_flag:
        evidence.append("CPU hypervisor flag")
    return {"detected": bool(evidence), "hypervisor": hypervisor, "dmi_vendor": vendor,
            "dmi_product": product, "chassis_type": chassis, "evidence": evidence}


def ci_info(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Which CI service, if any, from the variables each one sets."""
    env = os.environ if environ is None else environ
    for variable, name in CI_VARIABLES:
        if env.get(variable):
            return {"detected": True, "service": name, "evidence": [f"{variable} variable"]}
    if env.get("CI", "").lower() in ("true", "1", "yes"):
        return {"detected": True, "service": None, "evidence": ["CI variable"]}
    return {"detected": False, "service": None, "evidence": []}


def device_kind(container: dict[str, Any], vm: dict[str, Any], wsl: dict[str, Any] | None,
                root: Path = ROOT) -> str:
    """container, vm, laptop, desktop, server or unknown: the most specific answer first."""
    if container["detected"]:
        return "container"
    if vm["hypervisor"] or wsl is not None or vm["detected"]:
        return "vm"
    if vm["chassis_type"] in CHASSIS_KINDS:
        return CHASSIS_KINDS[vm["chassis_type"]]
    supplies = root / "sys/class/power_supply"
    try:
        if any(entry.name.startswith("BAT") for entry in supplies.iterdir()):
            return "laptop"
    except OSError:
        pass
    if sys.platform == "darwin":
        from diagbundle_plugins.environment.sysctl import sysctl_str

        model = sysctl_str("hw.model") or ""
        if model.startswith("MacBook"):
            return "laptop"
        if model:
            return "desktop"
    return "unknown"
