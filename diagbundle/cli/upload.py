"""``diagbundle upload BUNDLE --to URL``: parse, call :func:`diagbundle.upload` (or ``revoke``), print.

Nothing is sent without ``--to`` (or the ``[share] upload`` default of the
config file) and, on a terminal, a yes to the question naming the
destination and the size. Exit 7 when the upload fails; the bundle stays.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from diagbundle.cli.sizes import human_size
from diagbundle.errors import DiagbundleError, UsageError

if TYPE_CHECKING:
    from diagbundle.plugins import PluginManager
    from diagbundle.types import UploadResult


def add_parser(sub: Any, manager: PluginManager | None) -> None:
    upload = sub.add_parser(
        "upload",
        help="upload a bundle and print a view-only link",
        description="Upload a finished bundle (.zip or .zip.age) and print the link to give support. "
                    "Schemes: https:// (a presigned upload URL from support), s3://BUCKET/KEY, "
                    "tus+https:// (resumable), file:// (a shared folder), and plugins'.",
    )
    upload.add_argument("bundle", metavar="BUNDLE")
    upload.add_argument("--to", metavar="URL", help="where to upload (default: [share] upload in the config)")
    upload.add_argument("--expires", metavar="DURATION",
                        help="how long the link works, e.g. 12h or 2d (s3://: default and at most 7d)")
    upload.add_argument("--link", metavar="URL",
                        help="the view link support gave with a presigned upload URL")
    upload.add_argument("--revoke", action="store_true",
                        help="delete what was uploaded for BUNDLE, where the destination allows it")
    upload.add_argument("--timeout", metavar="S", type=float, default=60.0,
                        help="network time limit per request, in seconds (default: 60)")
    upload.add_argument("-y", "--yes", action="store_true", help="do not ask before uploading")
    upload.add_argument("--json", action="store_true", help="print the result as JSON")
    add_uploader_options(upload, manager)
    upload.set_defaults(func=run)


def add_uploader_options(parser: argparse.ArgumentParser, manager: PluginManager | None) -> None:
    """The uploaders' own options (``--endpoint-url`` ...), once each, in a group of their own."""
    if manager is None:
        return
    group = parser.add_argument_group("destination options")
    seen: set[str] = set()
    for uploader in dict.fromkeys(manager.uploaders.values()):
        for option in uploader.options:
            if option.dest in seen:
                continue
            seen.add(option.dest)
            group.add_argument(*option.flags, dest=option.dest, help=option.help, metavar=option.metavar)


def uploader_options(args: argparse.Namespace, manager: PluginManager, url: str) -> dict[str, Any]:
    """The given values of the options of the uploader ``url`` goes to; another's is a usage error."""
    import urllib.parse

    chosen = manager.uploaders.get(urllib.parse.urlsplit(url).scheme.lower())
    mine = {o.dest for o in chosen.options} if chosen else set()
    values: dict[str, Any] = {}
    for uploader in manager.uploaders.values():
        for option in uploader.options:
            value = getattr(args, option.dest, None)
            if value is None:
                continue
            if option.dest not in mine:
                raise UsageError(f"{option.flags[0]} is for {uploader.name} uploads, not {url.split('://')[0]}://")
            values[option.dest] = value
    return values


def run(args: argparse.Namespace, manager: PluginManager) -> int:
    from diagbundle import uploads
    from diagbundle.share_config import share_settings

    if args.revoke:
        done = uploads.revoke(args.bundle, manager=manager)
        if args.json:
            print(json.dumps([{k: v for k, v in e.items() if k != "revoke"} for e in done], indent=2))
            return 0
        for entry in done:
            revoked = entry.get("revoked")
            state = f"revoked {revoked}" if revoked else f"not revoked: {entry.get('not_revoked')}"
            print(f"{entry.get('destination')}: {state}")
        return 0
    settings = share_settings()
    to = args.to or settings.upload
    args.expires = args.expires or settings.expires
    if not to:
        raise UsageError("say where to upload with --to URL (or set upload in [share] of the config file)")
    result = upload_with_terminal(args.bundle, to, args=args, manager=manager, yes=args.yes or args.json)
    if args.json:
        print(json.dumps(result_dict(result), indent=2))
    else:
        print_result(result, sys.stdout)
    return 0


def upload_with_terminal(bundle: Any, to: str, *, args: argparse.Namespace, manager: PluginManager,
                         yes: bool) -> UploadResult:
    """:func:`diagbundle.upload` with the terminal's question and progress line (none off a terminal)."""
    from diagbundle import uploads

    tty = sys.stderr.isatty()
    ask = tty and sys.stdin.isatty() and not yes
    try:
        return uploads.upload(
            bundle, to, expires=getattr(args, "expires", None), link=getattr(args, "link", None),
            confirm=_ask if ask else None, progress=ProgressLine(sys.stderr) if tty else None,
            manager=manager, timeout=getattr(args, "timeout", 60.0), **uploader_options(args, manager, to),
        )
    except KeyboardInterrupt:
        resume = " (run it again to resume)" if to.startswith("tus+") else ""
        raise Interrupted(f"interrupted; the upload did not complete{resume}, and {bundle} is kept") from None


class Interrupted(DiagbundleError):
    """Ctrl-C during an upload: say that the bundle is still there (exit 130, as any interrupt)."""

    exit_code = 130


def _ask(destination: str, size: int) -> bool:
    from diagbundle.review import Prompt

    return Prompt(interactive=True).confirm(f"Upload {human_size(size)} to {destination}?", default=False)


class ProgressLine:
    """``uploading: 12.0 MB of 40.0 MB (30%)`` on one terminal line, redrawn at most 5 times a second."""

    def __init__(self, stream: Any) -> None:
        import time

        self._stream, self._clock, self._shown = stream, time.monotonic, 0.0

    def __call__(self, sent: int, total: int) -> None:
        now = self._clock()
        if now - self._shown < 0.2 and sent < total:
            return
        self._shown = now
        percent = f" ({100 * sent // total}%)" if total else ""
        self._stream.write(f"\r  uploading: {human_size(sent)} of {human_size(total)}{percent}".ljust(60))
        if sent >= total:
            self._stream.write("\n")
        self._stream.flush()


def result_dict(result: UploadResult) -> dict[str, Any]:
    return {
        "destination": result.destination,
        "link": result.link,
        "expires": result.expires.isoformat(timespec="seconds") if result.expires else None,
        "size": result.size,
        "sha256": result.sha256,
        "notes": list(result.notes),
    }


def print_result(result: UploadResult, stream: Any) -> None:
    stream.write(f"Uploaded {human_size(result.size)} to {result.destination} (sha256 {result.sha256}).\n")
    if result.link:
        stream.write(f"Link for support: {result.link}\n")
    if result.expires:
        stream.write(f"Expires: {result.expires.astimezone().strftime('%Y-%m-%d %H:%M %Z')}\n")
    for note in result.notes:
        stream.write(f"Note: {note}\n")
    if result.link:
        stream.write("The link is all anyone needs to download the bundle: paste it only into the ticket.\n")
