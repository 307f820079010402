"""``--capture-screen [N]``: the screen as pixels, on X11, Windows, macOS and wlroots Wayland.

``mss`` (the ``capture`` extra) grabs X11, Windows and macOS screens through
their native APIs. A Wayland session does not let a program read the
screen: ``grim`` does it on wlroots compositors (Sway, Hyprland ...); the
desktop portal asks the user in a dialog of its own, which diagbundle does
not drive, so elsewhere on Wayland the message says to take the screenshot
with the desktop's tool and pass it with ``--screenshot``.
"""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from PIL import Image

from diagbundle import UsageError

CAPTURE_HINT = "install diagbundle[capture]"
#: ``--capture-screen`` alone: every monitor, as one image.
ALL_MONITORS = 0
GRIM_TIMEOUT = 10.0


@dataclass(frozen=True)
class ScreenPlan:
    """How the screen will be captured, decided in ``check`` before anything is written."""

    backend: str  # "mss" or "grim"
    monitor: int  # 0: all monitors


def parse_monitor(value: object) -> int:
    text = str(value).strip()
    if not text.isdigit():
        raise UsageError(f"--capture-screen {value}: expected a monitor number (1, 2 ...) or nothing for all")
    return int(text)


def _wayland() -> bool:
    if sys.platform != "linux":
        return False
    return os.environ.get("XDG_SESSION_TYPE") == "wayland" or (
        bool(os.environ.get("WAYLAND_DISPLAY")) and not os.environ.get("DISPLAY")
    )


def plan_capture(monitor: int) -> ScreenPlan:
    """Check that the screen can be captured, or raise a one-line :class:`UsageError` saying why not."""
    if _wayland():
        if shutil.which("grim") is None:
            raise UsageError(
                "--capture-screen: this is a Wayland session, which does not let programs read the screen; "
                "grim (wlroots desktops) is not installed and the desktop portal needs its own dialog: "
                "take a screenshot with your desktop's tool and pass it with --screenshot PATH"
            )
        if monitor != ALL_MONITORS:
            raise UsageError("--capture-screen N: on Wayland grim captures all monitors; leave N out")
        return ScreenPlan("grim", monitor)
    if importlib.util.find_spec("mss") is None:
        raise UsageError(f"--capture-screen needs the mss package: {CAPTURE_HINT}")
    if sys.platform == "linux" and not os.environ.get("DISPLAY"):
        raise UsageError("--capture-screen: no display to capture (DISPLAY is not set)")
    count = len(_mss_monitors()) - 1
    if monitor > count:
        raise UsageError(f"--capture-screen {monitor}: this display has {count} monitor(s)")
    return ScreenPlan("mss", monitor)


def _open_mss() -> Any:
    import mss

    # mss 10 renamed the class; the old name still works but warns.
    return (getattr(mss, "MSS", None) or mss.mss)()


def _mss_monitors() -> list[dict[str, int]]:
    import mss.exception

    try:
        with _open_mss() as sct:
            return list(sct.monitors)
    except mss.exception.ScreenShotError as err:
        raise UsageError(f"--capture-screen: cannot open the display: {err}") from None


class Screen:
    """An open connection to the display, so that ``grab`` costs only the grab.

    The collector opens it before the ``--capture-delay`` wait, in the thread
    that grabs (an X connection is not shared across threads), so a display
    that cannot be opened is reported before the user waits for nothing.
    """

    def __init__(self, plan: ScreenPlan) -> None:
        self.plan = plan
        self._sct: Any = None

    def __enter__(self) -> Screen:
        if self.plan.backend == "mss":
            import mss.exception

            try:
                self._sct = _open_mss()
            except mss.exception.ScreenShotError as err:
                raise UsageError(f"--capture-screen: cannot open the display: {err}") from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._sct is not None:
            self._sct.close()

    def grab(self) -> Image.Image:
        """The screen now, as RGB pixels (no metadata: they come straight from the display)."""
        if self.plan.backend == "grim":
            return _grim()
        import mss.exception

        try:
            shot = self._sct.grab(self._sct.monitors[self.plan.monitor])
        except mss.exception.ScreenShotError as err:
            raise UsageError(f"--capture-screen: capture failed: {err}") from None
        return Image.frombytes("RGB", shot.size, shot.bgra, "raw", "BGRX")


def _grim() -> Image.Image:
    try:
        done = subprocess.run(
            ["grim", "-t", "ppm", "-"], capture_output=True, timeout=GRIM_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise UsageError(f"--capture-screen: grim failed: {err}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"--capture-screen: grim failed: {message[-1] if message else done.returncode}")
    return Image.open(io.BytesIO(done.stdout)).convert("RGB")
