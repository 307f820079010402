"""The ``browsers`` collector: installed browsers, versions, channels, the default, policy proxies.

Covers Chrome, Chromium, Edge, Firefox (ESR, Developer Edition, Nightly),
Safari (Technology Preview), Brave, Opera and Vivaldi. Each platform has its
own module (linux, macos, windows); this one turns their findings into
``browsers/browsers.json`` (keys in docs/collectors/browsers.md) and
summary lines. No browser window is ever opened.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from diagbundle import Collector, Context, hookimpl

#: Version of browsers.json's layout.
SCHEMA = 1


def detect(ctx: Context) -> Any:
    """The platform module's :class:`~diagbundle_plugins.browsers.model.Detection`."""
    from diagbundle_plugins.browsers.model import Detection
    from diagbundle_plugins.browsers.process import Runner

    def cancelled() -> bool:
        return ctx.cancelled

    runner = Runner()
    if sys.platform.startswith("linux"):
        from diagbundle_plugins.browsers import linux

        return linux.detect(runner, cancelled)
    if sys.platform == "darwin":
        from diagbundle_plugins.browsers import macos

        return macos.detect(runner, cancelled)
    if sys.platform == "win32":
        from diagbundle_plugins.browsers import windows

        return windows.detect(windows.WinRegistry(), cancelled=cancelled)
    return Detection(errors=[f"browser detection is not implemented for {sys.platform}"])


def report(detection: Any, platform: str) -> dict[str, Any]:
    """browsers.json: every known browser with its status, the default, policy proxies."""
    from diagbundle_plugins.browsers.catalog import FAMILIES

    default = detection.default
    browsers: dict[str, Any] = {}
    for family in FAMILIES:
        installs = [i for i in detection.installs if i.browser == family.key]
        if platform not in family.platforms:
            status = "not applicable"
        elif any(i.status == "found" for i in installs):
            status = "found"
        elif installs:
            status = "error"
        else:
            status = "not found"
        rows = []
        for install in installs:
            row = install.as_dict()
            row["default"] = (default.status == "found" and default.browser == family.key
                              and default.channel in (None, install.channel))
            rows.append(row)
        browsers[family.key] = {"name": family.name, "status": status, "installs": rows}
    return {
        "schema": SCHEMA,
        "platform": platform,
        "browsers": browsers,
        "default": default.as_dict(),
        "policies": {
            "status": "found" if detection.policies else "not found",
            "proxies": [p.as_dict() for p in detection.policies],
        },
        "errors": list(detection.errors),
    }


def summary_lines(data: dict[str, Any]) -> list[str]:
    """The lines browsers adds to summary.md."""
    lines = []
    missing = []
    for family in data["browsers"].values():
        if family["status"] in ("found", "error"):
            for row in family["installs"]:
                version = row["version"] or f"version unknown ({row['error']})"
                marks = " — default" if row["default"] else ""
                lines.append(f"- {family['name']} {version} ({row['channel']}, {row['source']})"
                             f" at `{row['path']}`{marks}")
        elif family["status"] == "not found":
            missing.append(family["name"])
    if missing:
        lines.append(f"- Not found: {', '.join(missing)}")
    default = data["default"]
    if default["status"] == "found":
        name = data["browsers"].get(default["browser"] or "", {}).get("name") or default["id"]
        lines.append(f"- Default browser: {name} (from {default['source']})")
    elif default["status"] == "error":
        lines.append(f"- Default browser: could not tell ({default['error']})")
    else:
        lines.append("- Default browser: none set")
    for proxy in data["policies"]["proxies"]:
        lines.append(f"- Proxy policy for {proxy['browser']} in `{proxy['source']}`")
    lines += [f"- Error: {error}" for error in data["errors"]]
    return lines


def collect(ctx: Context) -> None:
    data = report(detect(ctx), "linux" if sys.platform.startswith("linux") else sys.platform)
    ctx.add_json("browsers.json", data)
    for line in summary_lines(data):
        ctx.summary(line)


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("browsers",
                       "Installed browsers with versions and channels, the default browser, "
                       "proxy policies", collect))
