"""``diagbundle mapping ID|BUNDLE``: which values a bundle's pseudonyms stand for (this machine only)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from diagbundle.plugins import PluginManager


def add_parser(sub: Any, manager: PluginManager | None) -> None:
    parser = sub.add_parser(
        "mapping",
        help="show which values a bundle's pseudonyms stand for",
        description=(
            "Print the pseudonym mapping of a bundle made on this machine (<email-1> is "
            "alice@example.com ...). The mapping never leaves this machine."
        ),
    )
    parser.add_argument("bundle_id", metavar="BUNDLE", nargs="?",
                        help="the bundle id (from its manifest), or the bundle zip itself")
    parser.add_argument("--json", action="store_true", help="print the mapping as a JSON object")
    parser.add_argument("--prune", action="store_true", help="remove every expired mapping")
    parser.add_argument("--forget", metavar="BUNDLE",
                        help="remove the mapping of this bundle (id or zip) now")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, manager: PluginManager) -> int:
    """Print a saved mapping: one ``pseudonym<TAB>value`` line each, in order; or prune, or forget."""
    from diagbundle.errors import UsageError
    from diagbundle.redaction.mapping import forget, load_mapping, prune, resolve_bundle_id, tag_order

    if sum(bool(x) for x in (args.bundle_id, args.prune, args.forget)) != 1:
        raise UsageError("mapping takes one of: BUNDLE, --prune, --forget BUNDLE")
    if args.prune:
        removed = prune()
        sys.stderr.write(f"removed {len(removed)} expired mapping(s)\n")
        return 0
    if args.forget:
        bundle_id = resolve_bundle_id(args.forget)
        if not forget(bundle_id):
            raise UsageError(f"no pseudonym mapping for bundle {bundle_id}")
        sys.stderr.write(f"forgot the mapping of bundle {bundle_id}\n")
        return 0
    bundle_id = resolve_bundle_id(args.bundle_id)
    mapping = load_mapping(bundle_id)
    ordered = dict(sorted(mapping.items(), key=lambda kv: tag_order(kv[0])))
    if args.json:
        sys.stdout.write(json.dumps(ordered, indent=2, ensure_ascii=False) + "\n")
    else:
        for tag, value in ordered.items():
            sys.stdout.write(f"{tag}\t{value}\n")
        if not ordered:
            sys.stderr.write(f"bundle {bundle_id}: no pseudonyms were used\n")
    sys.stdout.flush()
    return 0
