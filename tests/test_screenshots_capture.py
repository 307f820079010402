"""``--capture-screen`` on a real X server: Xvfb shows a known image, the capture must match it.

Each test starts its own Xvfb on a free display (``-displayfd``) and shows
the image in a borderless Tk window at a known place, then runs the real
CLI with ``DISPLAY`` pointing there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from screenshot_helpers import fill_ratio, images_in, run_cli, running

WIDTH, HEIGHT = 1024, 640
AT = (120, 90)

_SHOW = """
import sys, tkinter
root = tkinter.Tk()
root.overrideredirect(True)
photo = tkinter.PhotoImage(file=sys.argv[1])
tkinter.Label(root, image=photo, borderwidth=0, highlightthickness=0).pack()
root.geometry(f"+{sys.argv[2]}+{sys.argv[3]}")
root.after(300, lambda: print("shown", flush=True))
root.mainloop()
"""


def _known_image() -> Image.Image:
    """Four coloured quadrants and a diagonal: any offset or channel swap shows."""
    img = Image.new("RGB", (240, 160), (250, 30, 40))
    img.paste((20, 200, 60), (120, 0, 240, 80))
    img.paste((30, 60, 230), (0, 80, 120, 160))
    img.paste((240, 220, 20), (120, 80, 240, 160))
    for i in range(160):
        img.putpixel((i + 40, i), (0, 0, 0))
    return img


@pytest.fixture
def display(tmp_path: Path) -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    try:
        import tkinter  # noqa: F401

        import mss  # noqa: F401
    except ImportError as err:
        pytest.skip(f"{err.name} is not importable here")
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", f"{WIDTH}x{HEIGHT}x24",
                               "-nolisten", "tcp", "-noreset"], pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        with os.fdopen(read) as fh:
            number = fh.readline().strip()
        assert number.isdigit(), "Xvfb did not say which display it took"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def shown(display: str, tmp_path: Path) -> Iterator[Image.Image]:
    """The known image, on screen at ``AT``."""
    img = _known_image()
    img.save(tmp_path / "known.png")
    argv = [sys.executable, "-c", _SHOW, str(tmp_path / "known.png"), str(AT[0]), str(AT[1])]
    with running(argv, {"DISPLAY": display}, "shown"):
        yield img


def test_capture_matches_what_is_on_screen(shown: Image.Image, display: str, tmp_path: Path) -> None:
    started = time.monotonic()
    done = run_cli("collect", "--only", "screenshots", "--capture-screen", "--capture-delay", "0.5",
                   "--ocr", "off", "-o", "out.zip", "-y", cwd=tmp_path, env={"DISPLAY": display})
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started >= 0.5
    [(name, img)] = images_in(tmp_path / "out.zip").items()
    assert name == "screenshots/screen.png"
    assert img.size == (WIDTH, HEIGHT)
    crop = img.convert("RGB").crop((AT[0], AT[1], AT[0] + shown.width, AT[1] + shown.height))
    assert crop.tobytes() == shown.tobytes()
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        report = json.loads(zf.read("screenshots/screenshots.json"))["images"][0]
        summary = zf.read("summary.md").decode()
    assert report["source"] == "screen" and report["source_format"] == "screen"
    assert f"`screenshots/screen.png`: {WIDTH}x{HEIGHT}; screen" in summary


def test_capture_one_monitor_with_a_mask(shown: Image.Image, display: str, tmp_path: Path) -> None:
    done = run_cli("collect", "--only", "screenshots", "--capture-screen", "1",
                   "--mask", "screen 1:0,0,50,40", "--ocr", "off", "-o", "out.zip", "-y",
                   cwd=tmp_path, env={"DISPLAY": display})
    assert done.returncode == 0, done.stderr
    img = images_in(tmp_path / "out.zip")["screenshots/screen-1.png"]
    assert fill_ratio(img, (0, 0, 50, 40)) == 1.0
    assert img.getpixel((AT[0] + 5, AT[1] + 5)) == shown.getpixel((5, 5))


def test_capture_refuses_a_monitor_that_is_not_there(display: str, tmp_path: Path) -> None:
    done = run_cli("collect", "--only", "screenshots", "--capture-screen", "2", "-o", "out.zip",
                   cwd=tmp_path, env={"DISPLAY": display})
    assert done.returncode == 2
    assert done.stderr == "diagbundle: error: --capture-screen 2: this display has 1 monitor(s)\n"
    assert not (tmp_path / "out.zip").exists()


def test_no_display_and_wayland_without_grim_say_why(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE")}
    args = ("collect", "--only", "screenshots", "--capture-screen", "-o", "out.zip")
    done = subprocess.run([sys.executable, "-m", "diagbundle", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr == "diagbundle: error: --capture-screen: no display to capture (DISPLAY is not set)\n"
    bin_dir = Path(sys.executable).parent  # a PATH with python but no grim
    wayland = {**env, "XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0", "PATH": str(bin_dir)}
    done = subprocess.run([sys.executable, "-m", "diagbundle", *args], cwd=tmp_path, env=wayland,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "Wayland session" in done.stderr and "--screenshot PATH" in done.stderr
    assert done.stderr.count("\n") == 1
    assert not (tmp_path / "out.zip").exists()
