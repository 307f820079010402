"""``diagbundle inspect BUNDLE [-i IDENTITY]``: list a bundle, verify it against its manifest (else exit 5).

An encrypted bundle (``.zip.age``) is verified with ``-i``, without its
plain zip being written anywhere (:func:`diagbundle.encryption.inspect_encrypted`).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from diagbundle.errors import UsageError

if TYPE_CHECKING:
    from diagbundle.plugins import PluginManager


def add_parser(sub: Any, manager: PluginManager | None) -> None:
    inspect = sub.add_parser("inspect", help="list a bundle's contents and verify every hash")
    inspect.add_argument("bundle", metavar="BUNDLE")
    inspect.add_argument("-i", "--identity", metavar="IDENTITY",
                         help="for an encrypted bundle (.zip.age): the age identity or SSH key to open it")
    inspect.add_argument("--json", action="store_true", help="print JSON")
    inspect.set_defaults(func=run)


def run(args: argparse.Namespace, manager: PluginManager) -> int:
    from diagbundle.encryption import inspect_encrypted, is_age_file, load_identities
    from diagbundle.inspect import inspect_bundle, render

    if is_age_file(args.bundle):
        if not args.identity:
            raise UsageError(f"{args.bundle} is encrypted: give the identity to open it with -i IDENTITY")
        report = inspect_encrypted(args.bundle, load_identities(args.identity))
    elif args.identity:
        raise UsageError(f"{args.bundle} is not encrypted: -i is only for .age bundles")
    else:
        report = inspect_bundle(args.bundle)
    print(json.dumps(report.as_dict(), indent=2) if args.json else render(report))
    return 0 if report.ok else 5
