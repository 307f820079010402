"""The review step on a real terminal: what was masked, then keep or drop each image.

The CLI runs with a pseudo-terminal as its stdin and stderr (so it asks),
the test answers "y" for the first image and "n" for the second.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from screenshot_helpers import EMAIL, STRIPE, need_fonts, need_rapidocr, render


def _read_until(fd: int, marker: str, seen: list[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while marker not in "".join(seen):
        left = deadline - time.monotonic()
        assert left > 0, f"no {marker!r} on the terminal; it showed: {''.join(seen)!r}"
        ready, _, _ = select.select([fd], [], [], min(left, 1.0))
        if ready:
            try:
                seen.append(os.read(fd, 4096).decode("utf-8", "replace"))
            except OSError:  # the child closed the terminal
                break


def test_review_shows_the_masks_and_drops_what_the_user_declines(tmp_path: Path) -> None:
    need_fonts()
    need_rapidocr()
    secrets = [(f"Contact {EMAIL} for access", EMAIL), (f"api_key = {STRIPE}", STRIPE)]
    render(secrets).image.save(tmp_path / "a.png")
    render([("Error 429: Too Many Requests", None)]).image.save(tmp_path / "b.png")
    leader, follower = pty.openpty()
    env = {**os.environ, "DIAGBUNDLE_LOAD_PLUGINS": "", "COLUMNS": "200"}
    child = subprocess.Popen(
        [sys.executable, "-m", "diagbundle", "collect", "--only", "screenshots", "--screenshot", "a.png",
         "--screenshot", "b.png", "--ocr", "rapidocr", "-o", "out.zip"],
        stdin=follower, stderr=follower, stdout=subprocess.PIPE, cwd=tmp_path, env=env, text=True)
    os.close(follower)
    seen: list[str] = []
    try:
        _read_until(leader, "Keep screenshots/a.png? (Y/n)", seen)
        os.write(leader, b"y\n")
        _read_until(leader, "Keep screenshots/b.png? (Y/n)", seen)
        os.write(leader, b"n\n")
        child.communicate(timeout=120)
        _read_until(leader, "Wrote", seen, timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.close(leader)
    shown = "".join(seen)
    assert child.returncode == 0, shown
    assert "screenshots/a.png: " in shown and "2 text line(s) masked (" in shown
    assert "email 1" in shown and "stripe-key 1" in shown
    assert "screenshots/b.png: " in shown and "0 text line(s) masked" in shown
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        names = zf.namelist()
        report = json.loads(zf.read("screenshots/screenshots.json"))
        manifest = json.loads(zf.read("manifest.json"))
        summary = zf.read("summary.md").decode()
    assert "screenshots/a.png" in names and "screenshots/b.png" not in names
    assert [i["kept"] for i in report["images"]] == [True, False]
    assert "`screenshots/b.png`: left out (the user declined it at review)" in summary
    assert manifest["dropped"] == [{"path": "screenshots/b.png", "collector": "screenshots",
                                    "reason": "the user declined it at review"}]


def test_without_a_terminal_every_image_is_kept_and_nothing_is_asked(tmp_path: Path) -> None:
    render([("Error 429: Too Many Requests", None)]).image.save(tmp_path / "b.png")
    done = subprocess.run([sys.executable, "-m", "diagbundle", "collect", "--only", "screenshots",
                           "--screenshot", "b.png", "--ocr", "off", "-o", "out.zip", "--json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
                          stdin=subprocess.DEVNULL, env={**os.environ, "DIAGBUNDLE_LOAD_PLUGINS": ""})
    assert done.returncode == 0, done.stderr
    assert "Keep" not in done.stderr
    result = json.loads(done.stdout)
    assert "screenshots/b.png" in [f["path"] for f in result["files"]]
