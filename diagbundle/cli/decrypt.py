"""``diagbundle decrypt FILE -i IDENTITY [-o OUT]``: support's side of ``--encrypt-to`` (exit 3 if not)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from diagbundle.plugins import PluginManager


def add_parser(sub: Any, manager: PluginManager | None) -> None:
    decrypt = sub.add_parser(
        "decrypt",
        help="decrypt an encrypted bundle (.zip.age)",
        description="Decrypt a bundle made with --encrypt-to. The zip is written (readable by you only) "
                    "only once the whole file is authenticated. Exit 3 if the file is not age-encrypted "
                    "or not for this identity.",
    )
    decrypt.add_argument("file", metavar="FILE")
    decrypt.add_argument("-i", "--identity", metavar="IDENTITY", required=True,
                         help="an age identity file (age-keygen) or an unencrypted SSH private key")
    decrypt.add_argument("-o", "--output", metavar="OUT",
                         help="where to write the zip (default: FILE without .age)")
    decrypt.add_argument("--force", action="store_true", help="replace an existing output file")
    decrypt.set_defaults(func=run)


def run(args: argparse.Namespace, manager: PluginManager) -> int:
    from diagbundle.encryption import decrypt_file

    print(decrypt_file(args.file, args.identity, args.output, force=args.force))
    return 0
