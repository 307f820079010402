"""Files the user attaches with ``--attach PATH``: logs, configs, ...

Text files are redacted; a binary file is refused unless the user passes
``--attach-binary``, and is then listed in the manifest as not scrubbed.
Every path is checked before anything is written, so a typo ends the run
with a one-line error and no bundle.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from diagbundle import CliOption, Collector, Context, UsageError, hookimpl, looks_binary
from diagbundle_plugins.paths import read_head


def _paths(ctx: Context) -> list[Path]:
    return [Path(p) for p in ctx.options.get("attach") or []]


def check(ctx: Context) -> str | None:
    paths = _paths(ctx)
    if not paths:
        return "no --attach given"
    for path in paths:
        head = read_head("--attach", path)
        if looks_binary(head) and not ctx.options.get("attach_binary"):
            raise UsageError(
                f"--attach {path}: binary file, cannot be redacted "
                "(add --attach-binary to include it unscrubbed)"
            )
    return None


def plan(ctx: Context) -> list[str]:
    return [os.fspath(p) for p in _paths(ctx)]


def collect(ctx: Context) -> None:
    for path in _paths(ctx):
        binary = bool(ctx.options.get("attach_binary"))
        name = ctx.add_file(path.name, path, allow_binary=binary, required=True)
        ctx.summary(f"- `{name}` from `{path.name}`")


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(
        Collector(
            "attachments",
            "Files given with --attach, redacted",
            collect,
            check=check,
            plan=plan,
            max_bytes=None,
        )
    )


@hookimpl
def diagbundle_register_options(register: Callable[[CliOption], None]) -> None:
    register(
        CliOption(
            ("--attach",),
            "attach",
            "include a file (log, config), redacted; repeatable",
            action="append",
            metavar="PATH",
            collector="attachments",
        )
    )
    register(
        CliOption(
            ("--attach-binary",),
            "attach_binary",
            "allow binary --attach files (included unscrubbed, marked in the manifest)",
            action="store_true",
        )
    )
