"""``--capture-screen`` on Wayland: the desktop portal over a real D-Bus, then grim, then why not.

Each test starts a private ``dbus-daemon`` (a session bus of its own, with
no service directories, so nothing installed on the machine can answer),
and, where a portal is wanted, ``portal_service.py`` on it: a small service
that implements the portal's documented Screenshot interface and writes a
real PNG. The CLI runs with that bus and a Wayland session's environment.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from diagbundle_plugins.screenshots.capture import wayland
from diagbundle_plugins.screenshots.portal import request_path
from PIL import Image, PngImagePlugin
from screenshot_helpers import images_in, run_cli, running

SERVICE = Path(__file__).with_name("portal_service.py")
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@pytest.fixture
def bus(tmp_path: Path) -> Iterator[str]:
    """A private session bus; yields its address."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed (apt-get install dbus-daemon)")
    pytest.importorskip("jeepney", reason="jeepney is not installed (pip install diagbundle[capture])")
    config = tmp_path / "bus.conf"
    config.write_text(BUS_CONFIG.format(socket=tmp_path / "bus"))
    proc = subprocess.Popen([daemon, f"--config-file={config}", "--nofork", "--print-address=1"],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        address = proc.stdout.readline().strip()
        assert address.startswith("unix:"), address
        yield address
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _known_png(path: Path) -> Image.Image:
    """A 640x400 "screen" with quadrants, saved with a text chunk, as a portal's file may carry."""
    img = Image.new("RGB", (640, 400), (230, 40, 40))
    img.paste((20, 180, 60), (320, 0, 640, 200))
    img.paste((30, 60, 220), (0, 200, 320, 400))
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "portal-test")
    img.save(path, pnginfo=info)
    return img


@contextlib.contextmanager
def _service(bus: str, tmp_path: Path, mode: str) -> Iterator[str]:
    """The test portal service running on ``bus`` in ``mode`` for the ``with`` block; yields ``bus``."""
    pictures = tmp_path / "Pictures"
    pictures.mkdir(exist_ok=True)
    _known_png(pictures / "source.png")
    argv = [sys.executable, str(SERVICE), mode, str(pictures / "source.png"), str(tmp_path / "portal.log")]
    with running(argv, {"DBUS_SESSION_BUS_ADDRESS": bus}, "ready"):
        yield bus


@pytest.fixture
def portal(bus: str, tmp_path: Path) -> Iterator[str]:
    with _service(bus, tmp_path, "ok") as running:
        yield running


@pytest.fixture
def cancelling_portal(bus: str, tmp_path: Path) -> Iterator[str]:
    with _service(bus, tmp_path, "cancel") as running:
        yield running


def _env(bus: str, tmp_path: Path, path: str | None = None) -> dict[str, str]:
    """A Wayland session's environment (with XWayland's DISPLAY, which must not decide)."""
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE")}
    env.update({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-test", "DISPLAY": ":99",
                "DBUS_SESSION_BUS_ADDRESS": bus, "XDG_RUNTIME_DIR": str(tmp_path)})
    if path is not None:
        env["PATH"] = path
    return env


def _calls(tmp_path: Path) -> list[dict[str, object]]:
    log = tmp_path / "portal.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


ARGS = ("collect", "--only", "screenshots", "--capture-screen", "--ocr", "off", "-o", "out.zip", "-y")


def test_wayland_is_told_by_the_session_not_by_display() -> None:
    if sys.platform != "linux":
        pytest.skip("Wayland is Linux only")
    assert wayland({"XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"})
    assert wayland({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"})
    assert not wayland({"XDG_SESSION_TYPE": "x11", "WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"})
    assert not wayland({"DISPLAY": ":0"})
    assert not wayland({"XDG_SESSION_TYPE": "tty"})


def test_request_path_follows_the_portal_spec() -> None:
    path = request_path(":1.42", "diagbundle_ab")
    assert path == "/org/freedesktop/portal/desktop/request/1_42/diagbundle_ab"


def test_capture_through_the_portal(portal: str, tmp_path: Path) -> None:
    done = run_cli(*ARGS, cwd=tmp_path, env=_env(portal, tmp_path))
    assert done.returncode == 0, done.stderr
    [(name, img)] = images_in(tmp_path / "out.zip").items()
    assert name == "screenshots/screen.png"
    shown = Image.open(tmp_path / "Pictures" / "source.png").convert("RGB")
    assert img.convert("RGB").tobytes() == shown.tobytes()
    assert "Software" not in img.info  # the portal file's text chunk did not come along
    # The conversation: the version asked in check, then one Screenshot call with our handle token.
    calls = _calls(tmp_path)
    assert [c["call"] for c in calls] == [["org.freedesktop.DBus.Properties", "Get"],
                                          ["org.freedesktop.portal.Screenshot", "Screenshot"]]
    options = calls[1]["body"][1]  # type: ignore[index]
    assert options["handle_token"][1].startswith("diagbundle_")
    assert options["interactive"] == ["b", False]
    copy = tmp_path / "Pictures" / "Screenshot from the portal 1.png"
    assert f"the desktop portal also saved the screenshot, unredacted, as {copy}" in done.stderr
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        report = json.loads(zf.read("screenshots/screenshots.json"))["images"][0]
    assert report["source"] == "screen" and "captured through the desktop portal" in report["notes"]


def test_cancelled_in_the_dialog(cancelling_portal: str, tmp_path: Path) -> None:
    done = run_cli(*ARGS, cwd=tmp_path, env=_env(cancelling_portal, tmp_path))
    assert done.returncode == 2
    assert done.stderr == ("diagbundle: error: --capture-screen: the screenshot was cancelled in the "
                           "desktop's dialog; nothing was captured\n")
    assert [c["call"][1] for c in _calls(tmp_path)] == ["Get", "Screenshot"]  # type: ignore[index]
    assert not (tmp_path / "out.zip").exists()


def test_no_portal_falls_back_to_grim(bus: str, tmp_path: Path) -> None:
    grim = shutil.which("grim")
    if grim is None:
        pytest.skip("grim is not installed (apt-get install grim)")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "grim").symlink_to(grim)
    path = f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}"
    done = run_cli(*ARGS, cwd=tmp_path, env=_env(bus, tmp_path, path))
    # The real grim ran: with no wlroots compositor here it cannot connect, and says so.
    assert done.returncode == 2
    assert done.stderr == "diagbundle: error: --capture-screen: grim failed: failed to create display\n"
    assert not (tmp_path / "out.zip").exists()


def test_no_portal_and_no_grim_says_why(bus: str, tmp_path: Path) -> None:
    done = run_cli(*ARGS, cwd=tmp_path, env=_env(bus, tmp_path, str(Path(sys.executable).parent)))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("diagbundle: error: --capture-screen: this is a Wayland session")
    assert "no desktop portal with the Screenshot interface on the session bus" in done.stderr
    assert "org.freedesktop.DBus.Error.ServiceUnknown" in done.stderr
    assert "grim (wlroots desktops) is not installed" in done.stderr and "--screenshot PATH" in done.stderr
    assert not (tmp_path / "out.zip").exists()


def test_no_session_bus_says_why(tmp_path: Path) -> None:
    env = _env("", tmp_path, str(Path(sys.executable).parent))
    del env["DBUS_SESSION_BUS_ADDRESS"]
    done = run_cli(*ARGS, cwd=tmp_path, env=env)
    assert done.returncode == 2
    assert "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)" in done.stderr
    assert done.stderr.count("\n") == 1


def test_wayland_refuses_a_monitor_number(portal: str, tmp_path: Path) -> None:
    done = run_cli("collect", "--only", "screenshots", "--capture-screen", "2", "-o", "out.zip",
                   cwd=tmp_path, env=_env(portal, tmp_path))
    assert done.returncode == 2
    assert done.stderr == ("diagbundle: error: --capture-screen N: on Wayland the whole screen is "
                           "captured; leave N out\n")
