"""``diagbundle plugins``: every plugin found, with its status and what it registered."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from diagbundle.plugins import PluginManager


def add_parser(sub: Any, manager: PluginManager | None) -> None:
    plugins = sub.add_parser("plugins", help="list every plugin found")
    plugins.add_argument("--json", action="store_true", help="print JSON")
    plugins.set_defaults(func=run)


def run(args: argparse.Namespace, manager: PluginManager) -> int:
    infos = [i.as_dict() for i in manager.infos.values()]
    if args.json:
        print(json.dumps(infos, indent=2))
        return 0
    for info in infos:
        version = info["version"] or "?"
        line = f"{info['name']} {version} [{info['source']}] {info['status']}"
        if info["collectors"]:
            line += f"  collectors: {', '.join(info['collectors'])}"
        if info.get("uploaders"):
            line += f"  uploaders: {', '.join(info['uploaders'])}"
        print(line)
        if info["error"]:
            print(f"    error: {info['error']}")
    return 0
