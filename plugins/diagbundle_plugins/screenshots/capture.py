"""``--capture-screen [N]``: the screen as pixels, on X11, Windows, macOS and Wayland.

``mss`` (the ``capture`` extra) grabs X11, Windows and macOS screens through
their native APIs. A Wayland session does not let a program read the
screen: the desktop portal takes it for us (see :mod:`.portal`; GNOME, KDE,
wlroots desktops with xdg-desktop-portal-wlr), and where no portal answers,
``grim`` does it on wlroots compositors (Sway, Hyprland ...). Otherwise the
message says why not, and to take the screenshot with the desktop's tool
and pass it with ``--screenshot``.
"""

from __future__ import annotations

import importlib.util
import io
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PIL import Image

from diagbundle import UsageError
from diagbundle_plugins.screenshots import platforms, portal
from diagbundle_plugins.screenshots.images import ImageProblem, decode

CAPTURE_HINT = "install diagbundle[capture]"
#: ``--capture-screen`` alone: every monitor, as one image.
ALL_MONITORS = 0
GRIM_TIMEOUT = 10.0


@dataclass(frozen=True)
class ScreenPlan:
    """How the screen will be captured, decided in ``check`` before anything is written."""

    backend: str  # "mss", "portal" or "grim"
    monitor: int  # 0: all monitors

    def describe(self) -> str:
        """How the pixels were taken, for the image's notes (empty for mss: the usual way)."""
        return {"portal": "captured through the desktop portal", "grim": "captured with grim"}.get(
            self.backend, "")


def parse_monitor(value: object) -> int:
    text = str(value).strip()
    if not text.isdigit():
        raise UsageError(f"--capture-screen {value}: expected a monitor number (1, 2 ...) or nothing for all")
    return int(text)


def wayland(env: Mapping[str, str] | None = None) -> bool:
    """A Wayland session: XDG_SESSION_TYPE says so, or (unset) a WAYLAND_DISPLAY is there.

    DISPLAY does not decide: a Wayland session has one too (XWayland), and
    mss would capture only the windows of X11 programs there.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    if sys.platform != "linux":
        return False
    kind = environ.get("XDG_SESSION_TYPE", "").lower()
    if kind in ("wayland", "x11", "tty"):
        return kind == "wayland"
    return bool(environ.get("WAYLAND_DISPLAY"))


def _plan_wayland(monitor: int) -> ScreenPlan:
    """The portal, else grim, else a one-line UsageError naming both reasons."""
    if monitor != ALL_MONITORS:
        raise UsageError("--capture-screen N: on Wayland the whole screen is captured; leave N out")
    try:
        portal.check()
    except portal.PortalError as why:
        if shutil.which("grim") is not None:
            return ScreenPlan("grim", monitor)
        raise UsageError(
            f"--capture-screen: this is a Wayland session, which does not let programs read the screen, "
            f"and {why}; grim (wlroots desktops) is not installed either: "
            "take a screenshot with your desktop's tool and pass it with --screenshot PATH"
        ) from None
    return ScreenPlan("portal", monitor)


def plan_capture(monitor: int) -> ScreenPlan:
    """Check that the screen can be captured, or raise a one-line :class:`UsageError` saying why not."""
    if wayland():
        return _plan_wayland(monitor)
    if importlib.util.find_spec("mss") is None:
        raise UsageError(f"--capture-screen needs the mss package: {CAPTURE_HINT}")
    if sys.platform == "darwin":
        problem = platforms.macos_permission_problem(platform.mac_ver()[0],
                                                     platforms.macos_screen_capture_allowed())
        if problem:
            raise UsageError(problem)
    if sys.platform == "linux" and not os.environ.get("DISPLAY"):
        raise UsageError("--capture-screen: no display to capture (DISPLAY is not set)")
    count = len(_mss_monitors()) - 1
    if monitor > count:
        raise UsageError(f"--capture-screen {monitor}: this display has {count} monitor(s)")
    return ScreenPlan("mss", monitor)


def _explain(err: Exception) -> str:
    return platforms.explain_capture_error(str(err), sys.platform, platform.mac_ver()[0])


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
        raise UsageError(f"--capture-screen: cannot open the display: {_explain(err)}") from None


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
                raise UsageError(f"--capture-screen: cannot open the display: {_explain(err)}") from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._sct is not None:
            self._sct.close()

    def grab(self) -> Image.Image:
        """The screen now, as RGB pixels (no metadata: they come straight from the display)."""
        if self.plan.backend == "grim":
            return _grim()
        if self.plan.backend == "portal":
            return _portal()
        import mss.exception

        try:
            shot = self._sct.grab(self._sct.monitors[self.plan.monitor])
        except mss.exception.ScreenShotError as err:
            raise UsageError(f"--capture-screen: capture failed: {_explain(err)}") from None
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


def _portal() -> Image.Image:
    try:
        shot = portal.screenshot()
    except portal.PortalError as why:
        raise UsageError(f"--capture-screen: {why}; nothing was captured") from None
    try:
        image = decode(shot.data).image  # a file the portal wrote: fresh pixels, none of its metadata
    except ImageProblem as problem:
        raise UsageError(f"--capture-screen: the portal's screenshot {shot.path}: {problem}") from None
    # The portal saves where the desktop keeps screenshots (GNOME: ~/Pictures); that copy is not ours
    # to delete, and it has not been cleaned: the user should know it is there.
    sys.stderr.write(f"diagbundle: note: the desktop portal also saved the screenshot, unredacted, "
                     f"as {shot.path}\n")
    return image
