"""``diagbundle collect``: parse, build with :class:`~diagbundle.builder.BundleBuilder`, print."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from diagbundle.builder import BundleBuilder
from diagbundle.cli.redact import add_workers
from diagbundle.cli.sizes import human_size
from diagbundle.cli.upload import print_result, result_dict
from diagbundle.errors import EXIT_INCOMPLETE, UsageError
from diagbundle.redaction.parallel import choose_workers

if TYPE_CHECKING:
    from pathlib import Path

    from diagbundle.builder import BundleResult
    from diagbundle.plugins import PluginManager
    from diagbundle.types import UploadResult

def add_parser(sub: Any, manager: PluginManager | None) -> None:
    collect = sub.add_parser(
        "collect",
        help="write a bundle",
        description="Run the collectors and write one redacted zip. Nothing is sent anywhere.",
    )
    collect.add_argument(
        "-o", "--output", metavar="PATH",
        help="where to write the zip: a file, a folder, or '-' for stdout "
             "(default: a fresh diagbundle-<time>-<xxxx>.zip in the current folder)",
    )
    collect.add_argument("--force", action="store_true", help="replace an existing output file")
    collect.add_argument("--only", metavar="NAMES", help="run only these collectors (comma list)")
    collect.add_argument("--skip", metavar="NAMES", help="do not run these collectors (comma list)")
    collect.add_argument(
        "--timeout", metavar="S", type=float, default=BundleBuilder.DEFAULT_TIMEOUT,
        help=f"time limit per collector, in seconds (default: {BundleBuilder.DEFAULT_TIMEOUT:g})",
    )
    collect.add_argument("--offline", action="store_true", help="skip every collector that needs the network")
    collect.add_argument(
        "--redact-pattern", metavar="REGEX", action="append", default=[], dest="redact_patterns",
        help="also redact what this regex matches; repeatable",
    )
    collect.add_argument(
        "--dry-run", action="store_true", help="say what would be collected and from where; write nothing"
    )
    collect.add_argument("-y", "--yes", action="store_true", help="ask no questions")
    collect.add_argument("--json", action="store_true", help="print the result as JSON")
    add_workers(collect, "the text of a long file")
    share = collect.add_argument_group("sharing (docs/sharing.md)")
    share.add_argument(
        "--encrypt-to", metavar="RECIPIENT", action="append", default=[], dest="encrypt_to",
        help="write BUNDLE.zip.age, encrypted to this age or SSH public key (or a file of keys); "
             "repeatable; no plain zip is written (default: encrypt_to in [share] of the config)",
    )
    share.add_argument("--no-encrypt", action="store_true",
                       help="write a plain zip even if the config names default recipients")
    share.add_argument(
        "--upload", metavar="URL", nargs="?", const="", default=None,
        help="upload the bundle once written and print a view-only link (URL alone: upload in [share]); "
             "exit 7 if the upload fails, the bundle is kept",
    )
    share.add_argument("--expires", metavar="DURATION",
                       help="with --upload: how long the link works (12h, 2d)")
    if manager is not None:
        group = collect.add_argument_group("plugin options")
        for option in manager.options:
            kwargs: dict[str, Any] = {"dest": option.dest, "help": option.help, "action": option.action}
            if option.action != "store_true":
                kwargs["metavar"] = option.metavar
            if option.action == "store" and option.const is not None:
                kwargs["nargs"], kwargs["const"] = "?", option.const
            group.add_argument(*option.flags, **kwargs)
    collect.set_defaults(func=run)


def run(args: argparse.Namespace, manager: PluginManager) -> int:
    from diagbundle.review import Prompt

    plugin_options = {o.dest: getattr(args, o.dest) for o in manager.options}
    recipients, upload_to = _sharing(args, manager)
    to_stdout = args.output == "-"
    if to_stdout and upload_to is not None:
        raise UsageError("--upload needs the bundle in a file: leave out -o -")
    if to_stdout and args.json:
        raise UsageError("--json cannot be combined with -o - (the zip goes to stdout)")
    if to_stdout and sys.stdout.isatty():
        raise UsageError("refusing to write a zip to a terminal; redirect it or pick -o PATH")
    tty = sys.stderr.isatty() and not args.json
    interactive = tty and sys.stdin.isatty() and not args.yes
    builder = BundleBuilder(
        only=args.only, skip=args.skip, timeout=args.timeout, offline=args.offline, yes=args.yes,
        redact_patterns=args.redact_patterns, manager=manager, argv=sys.argv,
        progress=_collector_line(sys.stderr) if tty else None,
        write_progress=_WriteLine(sys.stderr) if tty else None,
        prompt=Prompt(interactive=interactive),
        # One per core but one (this process's: it sanitizes HARs and deflates). On two cores that
        # one takes a HAR's text pass off the sanitizing process (dense 95 MB HAR: 19.7 -> 16.8 s).
        workers=choose_workers(args.workers, busy=True),
        **plugin_options,
    )
    if args.dry_run:
        return _dry_run(builder, args.json)
    if to_stdout:
        from diagbundle.archive import write_to

        args.streamed = [0]  # main() reads it on Ctrl-C: were bytes sent already?
        if tty:
            sys.stderr.write("Collecting (nothing leaves this machine)...\n")
        bundle = builder.stream()
        if recipients:
            from diagbundle.encryption import encrypt_chunks, parse_recipients

            write_to(sys.stdout.buffer, encrypt_chunks(bundle, parse_recipients(recipients)), args.streamed)
        else:
            write_to(sys.stdout.buffer, bundle, args.streamed)
        check = bundle.size_check
        if check is not None and (tty or not check.fits_attachment):
            sys.stderr.write("".join(f"diagbundle: size: {line}\n" for line in check.advice))
        return _exit_code(builder, bundle.complete, tty)
    if not args.force and not recipients:
        builder.target(args.output)  # refuse an existing file before collecting anything
    if tty:
        sys.stderr.write("Collecting (nothing leaves this machine)...\n")
    if recipients:
        from diagbundle.encryption import write_encrypted_bundle

        result = write_encrypted_bundle(builder, args.output, recipients, force=args.force)
    else:
        result = builder.write(args.output, force=args.force)
    uploaded = _upload(result.path, upload_to, args, manager) if upload_to is not None else None
    if isinstance(uploaded, int):
        return uploaded
    if args.json:
        print(json.dumps({
            "path": os.fspath(result.path),
            "size": result.size,
            "bundle_id": result.bundle_id,
            "complete": result.complete,
            "collectors": [c.as_dict() for c in result.collectors],
            "files": result.manifest.get("files", []),
            "redactions": result.manifest.get("redactions", {}),
            "size_check": result.size_check.as_dict() if result.size_check else None,
            "encrypted": bool(recipients),
            "upload": result_dict(uploaded) if uploaded is not None else None,
        }, indent=2))
    elif tty:
        sys.stderr.write(_done_text(result))
    else:
        print(result.path)
        if result.size_check and not result.size_check.fits_attachment:
            sys.stderr.write("".join(f"diagbundle: size: {line}\n" for line in result.size_check.advice))
    if uploaded is not None and not args.json:
        print_result(uploaded, sys.stdout)
    return _exit_code(builder, result.complete, tty or not args.json)


def _sharing(args: argparse.Namespace, manager: PluginManager) -> tuple[list[str], str | None]:
    """Recipients and upload destination, from the options or ``[share]``; checked before collecting."""
    from diagbundle.share_config import share_settings

    settings = share_settings()
    recipients = list(args.encrypt_to) or ([] if args.no_encrypt else list(settings.encrypt_to))
    if args.encrypt_to and args.no_encrypt:
        raise UsageError("--encrypt-to and --no-encrypt contradict each other")
    if recipients:
        from diagbundle.encryption import parse_recipients

        parse_recipients(recipients)  # a bad key is a usage error before anything is collected
    upload_to = args.upload
    if upload_to == "":
        upload_to = settings.upload
        if not upload_to:
            raise UsageError("--upload needs a URL (or upload in [share] of the config file)")
    if args.expires is not None and upload_to is None:
        raise UsageError("--expires goes with --upload")
    if upload_to is not None:
        from diagbundle.uploads import check_destination

        args.expires = args.expires or settings.expires
        check_destination(upload_to, expires=args.expires, manager=manager)
    return recipients, upload_to


def _upload(path: Path, to: str, args: argparse.Namespace, manager: PluginManager) -> UploadResult | int:
    """Upload the written bundle; on failure say so, keep the bundle and return exit code 7."""
    from diagbundle.cli.upload import upload_with_terminal
    from diagbundle.errors import UploadError

    try:
        return upload_with_terminal(path, to, args=args, manager=manager, yes=args.yes or args.json)
    except UploadError as err:
        sys.stderr.write(f"diagbundle: error: {err}\n")
        sys.stderr.write(f"The bundle is kept: {path}\n"
                         f"Try again later with: diagbundle upload {path} --to URL\n")
        return err.exit_code


def _exit_code(builder: BundleBuilder, complete: bool, say: bool) -> int:
    """0, or 6 with one line per reason when the bundle is incomplete or a named collector is missing."""
    problems = [f"{r.name} {r.status}: {r.reason}"
                for r in builder.results if r.status in ("failed", "timed out")]
    named = set(builder.named or [])
    problems += [f"{r.name} was asked for with --only but skipped: {r.reason}"
                 for r in builder.results if r.status == "skipped" and r.name in named]
    if builder.results and all(r.status == "skipped" for r in builder.results):
        problems.append("every collector was skipped; the bundle holds no collected data")
    if complete and not problems:
        return 0
    if say:
        for problem in problems:
            sys.stderr.write(f"diagbundle: incomplete: {problem}\n")
    return EXIT_INCOMPLETE


def _dry_run(builder: BundleBuilder, as_json: bool) -> int:
    planned = builder.plan()
    if as_json:
        print(json.dumps([vars(p) for p in planned], indent=2))
        return 0
    print("Would collect (nothing is written in a dry run):")
    for p in planned:
        state = "run" if p.runs else f"skip: {p.reason}"
        print(f"  {p.name:<16} {state}  - {p.description}")
        for source in p.sources:
            print(f"      from {source}")
    return 0


def _collector_line(stream: Any) -> Any:
    marks = {"ok": "ok", "skipped": "skipped", "failed": "FAILED", "timed out": "TIMED OUT"}

    def show(result: Any) -> None:
        note = f" ({result.reason})" if result.reason else ""
        took = f" {result.duration:.1f}s" if result.status != "skipped" else ""
        stream.write(f"  {result.name:<16} {marks[result.status]}{took}{note}\n")
        stream.flush()

    return show


class _WriteLine:
    """One status line on a terminal for the write stage: file, bytes, rate, ETA."""

    def __init__(self, stream: Any) -> None:
        import time

        self._stream = stream
        self._clock = time.monotonic
        self._name = ""
        self._started = 0.0
        self._shown = 0.0

    def __call__(self, arcname: str, done: int, total: int | None) -> None:
        now = self._clock()
        if arcname != self._name:
            if self._name:
                self._stream.write("\n")
            self._name, self._started, self._shown = arcname, now, 0.0
        if now - self._shown < 0.2 and (total is None or done < total):
            return
        self._shown = now
        rate = done / max(now - self._started, 1e-6)
        text = f"  writing {arcname}: {human_size(done)}"
        if total:
            left = (total - done) / rate if rate > 0 else 0
            text += f" of {human_size(total)}, {human_size(int(rate))}/s, about {left:.0f} s left"
        self._stream.write("\r" + text[:110].ljust(110))
        self._stream.flush()


def _done_text(result: BundleResult) -> str:
    states = ("ok", "skipped", "failed", "timed out")
    counts = {s: sum(c.status == s for c in result.collectors) for s in states}
    total = sum(result.manifest.get("redactions", {}).values())
    text = (
        f"\nWrote {result.path} ({human_size(result.size)}): "
        + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        + f"; {total} value(s) redacted.\n"
        + "Open summary.md inside it to see what it holds before you send it.\n"
        + f"Pseudonyms (<email-1> ...) map back with: diagbundle mapping {result.bundle_id}\n"
    )
    if result.size_check is not None:
        text += "Size: " + "; ".join(result.size_check.advice) + ".\n"
    return text
