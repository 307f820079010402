"""macOS and Windows capture decisions, from what those systems really report.

Real capture there cannot run on this Linux machine; what is ours is the
decision taken from the OS's answers: whether macOS's Screen Recording
permission stops the capture and where to switch it on (from real
``platform.mac_ver()`` values), and what mss's errors mean (messages as
mss raises them: tests/fixtures/screenshots/README.md says where each
comes from).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from diagbundle_plugins.screenshots.platforms import (
    explain_capture_error,
    macos_permission_problem,
    macos_settings,
)

FIXTURES = Path(__file__).parent / "fixtures" / "screenshots"


def _rows(name: str) -> list[list[str]]:
    lines = (FIXTURES / name).read_text().splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


@pytest.mark.parametrize("row", _rows("mac_ver.tsv"), ids=lambda r: r[0])
def test_macos_permission_by_release(row: list[str]) -> None:
    version, _, has_permission, where = row
    denied = macos_permission_problem(version, allowed=False)
    assert macos_permission_problem(version, allowed=True) is None
    assert macos_permission_problem(version, allowed=None) is None  # macOS could not say: mss tries
    if has_permission == "no":
        assert denied is None
        return
    assert denied is not None and macos_settings(version) == where
    assert denied.startswith("--capture-screen: macOS has not allowed this terminal to record the screen")
    assert where in denied and "--screenshot PATH" in denied and "\n" not in denied


@pytest.mark.parametrize("row", _rows("mss-errors.tsv"), ids=lambda r: f"{r[0]}-{r[1]}")
def test_mss_errors_are_explained(row: list[str]) -> None:
    platform, _, message, _ = row
    explained = explain_capture_error(message, platform, "14.7")
    if platform == "win32" and "CreateDIBSection" not in message:
        assert explained.startswith("Windows did not let the screen be read: the session is locked")
    elif platform == "darwin":
        assert "System Settings > Privacy & Security > Screen Recording" in explained
    else:
        assert explained == message  # nothing known to add: said as mss said it
        return
    assert explained.endswith(f"(mss: {message})")  # the original stays, for support


def test_an_error_is_explained_only_on_its_own_platform() -> None:
    message = "CoreGraphics.CGWindowListCreateImage() failed."
    assert explain_capture_error(message, "win32") == message
    assert explain_capture_error("gdi32.GetDIBits() failed.", "linux") == "gdi32.GetDIBits() failed."
