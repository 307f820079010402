"""The ``diagbundle`` command: argument parsing and output only.

All work happens in the library (:mod:`diagbundle.api`, :mod:`diagbundle.inspect`);
modules are imported inside each command so ``diagbundle --version`` starts fast.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any

from diagbundle._version import __version__

if TYPE_CHECKING:
    from diagbundle.plugins import PluginManager
    from diagbundle.runner import CollectorResult

EPILOG = "Run 'diagbundle COMMAND --help' for a command's options."


def build_parser(manager: PluginManager | None = None) -> argparse.ArgumentParser:
    """The full parser; plugin options are added to ``collect`` from ``manager``."""
    from diagbundle.redaction.command import add_mapping_parser, add_redact_parser

    parser = argparse.ArgumentParser(
        prog="diagbundle",
        description="Collect a redacted diagnostic bundle to send to support.",
        epilog=EPILOG,
    )
    parser.add_argument("-V", "--version", action="version", version=f"diagbundle {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    collect = sub.add_parser(
        "collect",
        help="write a bundle",
        description=("Run the collectors and write one redacted zip. Nothing is sent anywhere."),
    )
    collect.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="where to write the zip ('-' for stdout; default: diagbundle-<time>.zip in the current folder)",
    )
    collect.add_argument("--only", metavar="NAMES", help="run only these collectors (comma list)")
    collect.add_argument("--skip", metavar="NAMES", help="do not run these collectors (comma list)")
    collect.add_argument(
        "--timeout",
        metavar="S",
        type=float,
        default=30.0,
        help="time limit per collector, in seconds (default: 30)",
    )
    collect.add_argument("--offline", action="store_true", help="skip every collector that needs the network")
    collect.add_argument(
        "--redact-pattern",
        metavar="REGEX",
        action="append",
        default=[],
        dest="redact_patterns",
        help="also redact what this regex matches; repeatable",
    )
    collect.add_argument(
        "--dry-run", action="store_true", help="say what would be collected and from where; write nothing"
    )
    collect.add_argument("-y", "--yes", action="store_true", help="ask no questions")
    collect.add_argument("--json", action="store_true", help="print the result as JSON")
    if manager is not None:
        group = collect.add_argument_group("plugin options")
        for option in manager.options:
            kwargs: dict[str, Any] = {"dest": option.dest, "help": option.help, "action": option.action}
            if option.action != "store_true":
                kwargs["metavar"] = option.metavar
            if option.action == "store" and option.const is not None:
                kwargs["nargs"], kwargs["const"] = "?", option.const
            group.add_argument(*option.flags, **kwargs)
    collect.set_defaults(func=cmd_collect)

    plugins = sub.add_parser("plugins", help="list every plugin found")
    plugins.add_argument("--json", action="store_true", help="print JSON")
    plugins.set_defaults(func=cmd_plugins)

    add_redact_parser(sub)
    add_mapping_parser(sub)

    inspect = sub.add_parser("inspect", help="list a bundle's contents and verify every hash")
    inspect.add_argument("bundle", metavar="BUNDLE")
    inspect.add_argument("--json", action="store_true", help="print JSON")
    inspect.set_defaults(func=cmd_inspect)
    return parser


def _progress_printer(stream: Any) -> Any:
    marks = {"ok": "ok", "skipped": "skipped", "failed": "FAILED", "timed out": "TIMED OUT"}

    def show(result: CollectorResult) -> None:
        note = f" ({result.reason})" if result.reason else ""
        took = f" {result.duration:.1f}s" if result.status != "skipped" else ""
        stream.write(f"  {result.name:<16} {marks[result.status]}{took}{note}\n")
        stream.flush()

    return show


def cmd_collect(args: argparse.Namespace, manager: PluginManager) -> int:
    from diagbundle import api

    plugin_options = {o.dest: getattr(args, o.dest) for o in manager.options}
    if args.dry_run:
        planned = api.plan(
            only=args.only, skip=args.skip, offline=args.offline, manager=manager, **plugin_options
        )
        if args.json:
            print(json.dumps([vars(p) for p in planned], indent=2))
            return 0
        print("Would collect (nothing is written in a dry run):")
        for p in planned:
            state = "run" if p.runs else f"skip: {p.reason}"
            print(f"  {p.name:<16} {state}  - {p.description}")
            for source in p.sources:
                print(f"      from {source}")
        return 0
    to_stdout = args.output == "-"
    if to_stdout and args.json:
        raise _usage("--json cannot be combined with -o - (the zip goes to stdout)")
    if to_stdout and sys.stdout.isatty():
        raise _usage("refusing to write a zip to a terminal; redirect it or pick -o PATH")
    tty = sys.stderr.isatty() and not args.json
    progress = _progress_printer(sys.stderr) if tty else None
    if tty:
        sys.stderr.write("Collecting (nothing leaves this machine)...\n")
    common: dict[str, Any] = {
        "only": args.only,
        "skip": args.skip,
        "timeout": args.timeout,
        "offline": args.offline,
        "yes": args.yes,
        "redact_patterns": args.redact_patterns,
        "manager": manager,
        "progress": progress,
    }
    if to_stdout:
        from diagbundle.archive import write_to

        bundle = api.stream(**common, **plugin_options)
        write_to(sys.stdout.buffer, bundle)
        return 0
    result = api.collect(args.output, argv=sys.argv, **common, **plugin_options)
    if args.json:
        print(
            json.dumps(
                {
                    "path": os.fspath(result.path),
                    "size": result.size,
                    "bundle_id": result.bundle_id,
                    "collectors": [c.as_dict() for c in result.collectors],
                    "files": result.manifest.get("files", []),
                    "redactions": result.manifest.get("redactions", {}),
                },
                indent=2,
            )
        )
    elif tty:
        counts = {
            s: sum(c.status == s for c in result.collectors) for s in ("ok", "skipped", "failed", "timed out")
        }
        total = sum(result.manifest.get("redactions", {}).values())
        sys.stderr.write(
            f"\nWrote {result.path} ({_size(result.size)}): "
            + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
            + f"; {total} value(s) redacted.\n"
            + "Open summary.md inside it to see what it holds before you send it.\n"
            + f"Pseudonyms (<email-1> ...) map back with: diagbundle mapping {result.bundle_id}\n"
        )
        if result.size > 25 * 1000 * 1000:
            sys.stderr.write(
                "It is over 25 MB: share it as a view-only link rather than an e-mail attachment.\n"
            )
    else:
        print(result.path)
    return 0


def cmd_plugins(args: argparse.Namespace, manager: PluginManager) -> int:
    infos = [i.as_dict() for i in manager.infos.values()]
    if args.json:
        print(json.dumps(infos, indent=2))
        return 0
    for info in infos:
        version = info["version"] or "?"
        line = f"{info['name']} {version} [{info['source']}] {info['status']}"
        if info["collectors"]:
            line += f"  collectors: {', '.join(info['collectors'])}"
        print(line)
        if info["error"]:
            print(f"    error: {info['error']}")
    return 0


def cmd_inspect(args: argparse.Namespace, manager: PluginManager) -> int:
    from diagbundle.inspect import inspect_bundle, render

    report = inspect_bundle(args.bundle)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(render(report))
    return 0 if report.ok else 5


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return f"{n} B"


def _usage(message: str) -> Exception:
    from diagbundle.errors import UsageError

    return UsageError(message)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``diagbundle`` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list in (["--version"], ["-V"]):
        print(f"diagbundle {__version__}")
        return 0
    signal.signal(signal.SIGTERM, _on_sigterm)
    from diagbundle.errors import DiagbundleError
    from diagbundle.plugins import load_plugins_for_cli

    try:
        manager = load_plugins_for_cli()
        parser = build_parser(manager)
        args = parser.parse_args(args_list)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return int(args.func(args, manager))
    except DiagbundleError as err:
        sys.stderr.write(f"diagbundle: error: {err}\n")
        return err.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("diagbundle: interrupted; nothing was written\n")
        return 130
    except BrokenPipeError:
        return 141


if __name__ == "__main__":
    raise SystemExit(main())
