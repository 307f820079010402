"""``diagbundle redact PATH|-``: a redacted copy on stdout, a report on stderr.

A thin parser over :func:`diagbundle.redact_file`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diagbundle.errors import UsageError

if TYPE_CHECKING:
    from diagbundle.plugins import PluginManager


def add_parser(sub: Any, manager: PluginManager | None) -> None:
    parser = sub.add_parser(
        "redact",
        help="redact a file (or stdin) to stdout",
        description=(
            "Print a redacted copy of PATH ('-' for stdin) on stdout: secrets become "
            "[REDACTED:<rule>], personal data consistent pseudonyms such as <email-1>. "
            "The format is detected (text, JSON, and formats from plugins such as HAR); "
            "a summary of what was replaced goes to stderr."
        ),
    )
    parser.add_argument("path", metavar="PATH", help="the file to redact, or '-' for stdin")
    parser.add_argument("--format", metavar="NAME", default="auto",
                        help="force a format: text, json or a plugin's format name (default: detect)")
    parser.add_argument("--redact-pattern", metavar="REGEX", action="append", default=[],
                        dest="redact_patterns", help="also redact matches of REGEX (repeatable)")
    parser.add_argument("--allow", metavar="VALUE", action="append", default=[],
                        help="never replace this exact value (repeatable)")
    parser.add_argument("--report-json", metavar="FILE",
                        help="write what was redacted (counts per rule, never values) to FILE as JSON")
    parser.add_argument("--save-mapping", action="store_true",
                        help="keep the pseudonym mapping on this machine; its id is printed on stderr")
    parser.add_argument("-o", "--output", metavar="NEW.zip",
                        help="for a bundle (PATH is a diagbundle zip): write it re-cleaned with the current "
                             "rules and patterns to NEW.zip")
    parser.add_argument("--force", action="store_true", help="with -o: replace an existing file")
    add_workers(parser, "a long input's text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, manager: PluginManager) -> int:
    from diagbundle.reclean import is_bundle, reclean_bundle
    from diagbundle.redact import redact_file

    if args.path != "-" and is_bundle(args.path):
        if not args.output:
            raise UsageError(f"{args.path} is a bundle: give -o NEW.zip to write it re-cleaned")
        manifest = reclean_bundle(args.path, args.output, redact_patterns=args.redact_patterns,
                                  manager=manager, force=args.force)
        total = sum(manifest.get("redactions", {}).values())
        sys.stderr.write(f"wrote {args.output}: {len(manifest.get('files', []))} files, {total} value(s) "
                         f"redacted in this pass; check it with: diagbundle inspect {args.output}\n")
        return 0
    if args.output:
        raise UsageError("-o is for re-cleaning a bundle; a file's redacted copy goes to stdout")

    report = redact_file(args.path, sys.stdout.buffer, format=args.format,
                         redact_patterns=args.redact_patterns, allow=args.allow, manager=manager,
                         keep_mapping=args.save_mapping, workers=args.workers)
    sys.stderr.write(_summary(report.input, report.format, report.redactions, report.mapping_id))
    if args.report_json:
        _write_report(Path(args.report_json), report.as_dict())
    return 0


def add_workers(parser: argparse.ArgumentParser | Any, what: str) -> None:
    """``--workers N`` (``redact`` and ``collect``): None when not given, for the default."""
    parser.add_argument("--workers", metavar="N", type=_workers, default=None,
                        help=f"worker processes that redact {what}, 0 for none (default: about one per "
                             "core, up to 4, on Linux; none elsewhere); the output is the same with any "
                             "number")


def _workers(value: str) -> int:
    """``--workers N``: a whole number from 0."""
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of processes (0 or more)")
    return number


def _summary(name: str, fmt: str, counts: Counter[str], mapping_id: str | None) -> str:
    total = sum(counts.values())
    if total:
        parts = ", ".join(f"{rule} {n}" for rule, n in sorted(counts.items()))
        text = f"{name} ({fmt}): {total} value{'s' if total != 1 else ''} redacted: {parts}\n"
    else:
        text = f"{name} ({fmt}): nothing redacted\n"
    if mapping_id is not None:
        text += (f"pseudonym mapping kept on this machine as {mapping_id} "
                 f"(see: diagbundle mapping {mapping_id})\n")
    return text


def _write_report(path: Path, report: dict[str, Any]) -> None:
    data = json.dumps(report, indent=2) + "\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
    except OSError as err:
        raise UsageError(f"--report-json {path}: {err.strerror or err}") from None
