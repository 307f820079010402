"""What capturing the screen needs on macOS and Windows beyond mss, decided from what the OS says.

mss grabs the screen on both, but two things fail there in ways a user
cannot read:

* macOS (10.15 Catalina on) lets only apps the user allowed under *Screen
  Recording* see other windows; the app is the terminal diagbundle runs in.
  Without it, macOS 10.15-14 hand back the wallpaper and menu bar (no
  error at all) and macOS 15 returns no image. So the permission is asked
  first (``CGPreflightScreenCaptureAccess``), and where it is missing macOS
  is asked to list the terminal there (``CGRequestScreenCaptureAccess``)
  and the run stops with where to allow it, which the macOS version decides.
* Windows refuses ``BitBlt``/``GetDIBits`` while the session is locked or
  on a secure screen saver, a UAC prompt holds the secure desktop, or a
  remote desktop session is minimised or disconnected; mss reports the raw
  Win32 call.

Both decisions are plain functions of the version string and the message,
so they are tested against real ``platform.mac_ver()`` values and mss's
own message formats; the capture itself is not run here (Linux CI).
"""

from __future__ import annotations

import re

CMD_SHIFT_3 = "or take a screenshot with Cmd+Shift+3 and pass it with --screenshot PATH"


def _mac_version(text: str) -> tuple[int, int]:
    """``platform.mac_ver()[0]`` as (major, minor); Pythons built on old SDKs say "10.16" for 11+."""
    parts = [int(p) for p in re.findall(r"\d+", text)[:2]]
    major, minor = [*parts, 0, 0][:2]
    if (major, minor) == (10, 16):
        return (11, 0)
    return (major, minor)


def macos_settings(mac_version: str) -> str:
    """Where the Screen Recording switch is on this macOS version."""
    major, _ = _mac_version(mac_version)
    if major >= 15:
        return "System Settings > Privacy & Security > Screen & System Audio Recording"
    if major >= 13:
        return "System Settings > Privacy & Security > Screen Recording"
    return "System Preferences > Security & Privacy > Privacy > Screen Recording"


def macos_permission_problem(mac_version: str, allowed: bool | None) -> str | None:
    """The one-line reason capture cannot work, or ``None``; ``allowed`` ``None``: macOS cannot say."""
    if _mac_version(mac_version) < (10, 15) or allowed is None or allowed:
        return None
    return (f"--capture-screen: macOS has not allowed this terminal to record the screen: in "
            f"{macos_settings(mac_version)}, allow the app you run diagbundle from, quit and reopen it, "
            f"then run again ({CMD_SHIFT_3})")


def macos_screen_capture_allowed() -> bool | None:
    """Ask CoreGraphics whether this process may record the screen (macOS only; ``None``: cannot tell).

    When it may not, macOS is also asked to show its prompt, which puts the
    terminal in the Screen Recording list for the user to switch on.
    """
    import ctypes
    import ctypes.util

    path = ctypes.util.find_library("CoreGraphics") or (
        "/System/Library/Frameworks/CoreGraphics.framework/Versions/Current/CoreGraphics")
    try:
        core = ctypes.cdll.LoadLibrary(path)
        preflight = core.CGPreflightScreenCaptureAccess
    except (OSError, AttributeError):
        return None
    preflight.restype = ctypes.c_bool
    if preflight():
        return True
    request = getattr(core, "CGRequestScreenCaptureAccess", None)
    if request is not None:
        request.restype = ctypes.c_bool
        request()
    return False


#: The Win32 calls mss makes to copy the screen: they fail on a screen Windows will not show.
_WINDOWS_COPY_CALLS = ("BitBlt", "GetDIBits", "CreateCompatibleBitmap", "CreateCompatibleDC", "GetWindowDC")


def explain_capture_error(message: str, platform: str, mac_version: str = "") -> str:
    """mss's error, with what it means on ``platform`` (``sys.platform``) where we know it."""
    if platform == "win32" and any(call in message for call in _WINDOWS_COPY_CALLS):
        return ("Windows did not let the screen be read: the session is locked or on a secure screen "
                "saver, a UAC prompt holds the secure desktop, or a remote desktop session is minimised "
                f"or disconnected (mss: {message})")
    if platform == "darwin" and "CGWindowListCreateImage" in message:
        return (f"macOS returned no image: allow the terminal under {macos_settings(mac_version)}, "
                f"quit and reopen it ({CMD_SHIFT_3}) (mss: {message})")
    return message
