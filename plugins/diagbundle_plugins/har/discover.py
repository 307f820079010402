"""``--har-discover``: offer recent HAR files from the Downloads folder.

Never silent: each file is confirmed on a terminal, or all are taken when the
user passed ``--yes``; without either nothing is added and summary.md says
so. The prompt goes to stderr, because stdout may be carrying the zip.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import platformdirs

MAX_AGE_S = 24 * 3600


def recent_hars(folder: Path, now: float | None = None, max_age: float = MAX_AGE_S) -> list[Path]:
    """HAR files directly in ``folder`` modified within ``max_age`` seconds, newest first."""
    now = time.time() if now is None else now
    try:
        candidates = [p for p in folder.iterdir() if p.suffix.lower() == ".har" and p.is_file()]
    except OSError:
        return []
    recent = [(p.stat().st_mtime, p) for p in candidates if now - p.stat().st_mtime <= max_age]
    return [p for _, p in sorted(recent, reverse=True)]


def downloads_folder() -> Path:
    return Path(platformdirs.user_downloads_dir())


def discover(
    *,
    yes: bool,
    folder: Path | None = None,
    interactive: bool | None = None,
    ask: Callable[[str], str] | None = None,
) -> tuple[list[Path], list[str]]:
    """Return the files the user accepted and summary lines saying what happened."""
    folder = folder or downloads_folder()
    found = recent_hars(folder)
    if not found:
        return [], [f"- --har-discover: no HAR file from the last 24 hours in `{folder}`"]
    if yes:
        names = ", ".join(f"`{p.name}`" for p in found)
        return found, [f"- --har-discover: added without asking (--yes): {names}"]
    if interactive is None:
        interactive = sys.stdin.isatty() and sys.stderr.isatty()
    if not interactive:
        return [], [f"- --har-discover: {len(found)} HAR file(s) in `{folder}` not added: "
                    "no terminal to confirm on and no --yes"]
    ask = ask or _ask
    accepted: list[Path] = []
    declined: list[Path] = []
    for path in found:
        size = path.stat().st_size
        age_h = (time.time() - path.stat().st_mtime) / 3600
        answer = ask(f"Include {path.name} ({size / 1e6:.1f} MB, {age_h:.0f} h old), sanitized? [y/N] ")
        (accepted if answer.strip().lower() in ("y", "yes") else declined).append(path)
    lines = [f"- --har-discover: you chose `{p.name}`" for p in accepted]
    lines += [f"- --har-discover: you declined `{p.name}`" for p in declined]
    return accepted, lines


def _ask(prompt: str) -> str:
    sys.stderr.write(prompt)
    sys.stderr.flush()
    try:
        return input()
    except EOFError:
        return ""
