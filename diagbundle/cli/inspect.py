"""``diagbundle inspect BUNDLE``: list a bundle and verify it against its manifest (exit 5 if not)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from diagbundle.plugins import PluginManager


def add_parser(sub: Any, manager: PluginManager | None) -> None:
    inspect = sub.add_parser("inspect", help="list a bundle's contents and verify every hash")
    inspect.add_argument("bundle", metavar="BUNDLE")
    inspect.add_argument("--json", action="store_true", help="print JSON")
    inspect.set_defaults(func=run)


def run(args: argparse.Namespace, manager: PluginManager) -> int:
    from diagbundle.inspect import inspect_bundle, render

    report = inspect_bundle(args.bundle)
    print(json.dumps(report.as_dict(), indent=2) if args.json else render(report))
    return 0 if report.ok else 5
