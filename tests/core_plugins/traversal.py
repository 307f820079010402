"""A collector that tries to escape its folder and to overwrite files.

:data:`NAMES` are handed to ``add_text`` as is; the archive must hold each
under ``traversal/``, relative, without ``..``, and unique ignoring case.
"""

from __future__ import annotations

from collections.abc import Callable

from diagbundle import Collector, Context, hookimpl

NAMES = (
    "../../etc/passwd",
    "/etc/shadow",
    "/absolute/../../../x.txt",
    "C:\\Windows\\System32\\evil.dll",
    "\\\\server\\share\\unc.txt",
    "a/./b/../../../c.txt",
    "..",
    ".",
    "",
    "../manifest.json",
    "../summary.md",
    "manifest.json",
    "report.txt",
    "Report.TXT",
    "REPORT.txt",
    "report.txt",
    "report-2.txt",
    "nul\x00byte.txt",
    "new\nline.txt",
    "trailing-dot.",
    "dir/report.txt",
    "DIR/Report.txt",
)


def collect(ctx: Context) -> None:
    for n, name in enumerate(NAMES):
        ctx.add_text(name, f"file {n}\n")


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("traversal", "Hostile file names", collect))
