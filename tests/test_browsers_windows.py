"""Windows browser detection, fed registry exports (.reg, as regedit writes them) through the seam."""

from __future__ import annotations

import glob
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from diagbundle_plugins.browsers import report, windows
from diagbundle_plugins.browsers.pe import file_version

FIXTURES = Path(__file__).parent / "fixtures" / "browsers" / "windows"
HIVES = {"HKEY_LOCAL_MACHINE": "HKLM", "HKEY_CURRENT_USER": "HKCU"}


class RegFile:
    """A registry read from a regedit export (``Windows Registry Editor Version 5.00``, UTF-16)."""

    def __init__(self, path: Path) -> None:
        text = path.read_text(encoding="utf-16")
        assert text.startswith("Windows Registry Editor Version 5.00")
        text = re.sub(r"\\\r?\n\s*", "", text)  # hex values wrapped over lines
        self.keys: dict[str, dict[str, Any]] = {}
        current: dict[str, Any] | None = None
        for line in text.splitlines()[1:]:
            if line.startswith("["):
                hive, _, rest = line[1:-1].partition("\\")
                current = self.keys.setdefault(f"{HIVES[hive]}\\{rest}".casefold(), {})
            elif line and current is not None:
                name, value = self._value(line)
                current[name] = value

    @staticmethod
    def _value(line: str) -> tuple[str, Any]:
        if line.startswith("@="):
            name, raw = "", line[2:]
        else:
            match = re.match(r'"((?:[^"\\]|\\.)*)"=(.*)$', line)
            assert match, line
            name, raw = match.group(1).replace('\\"', '"').replace("\\\\", "\\"), match.group(2)
        if raw.startswith('"'):
            return name, raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        if raw.startswith("dword:"):
            return name, int(raw[6:], 16)
        if raw.startswith("hex:"):  # REG_BINARY
            return name, bytes(int(b, 16) for b in raw[4:].split(",") if b)
        if raw.startswith("hex(2):"):
            data = bytes(int(b, 16) for b in raw[7:].split(","))
            return name, data.decode("utf-16-le").rstrip("\0")
        raise AssertionError(f"value type not handled: {raw}")

    def values(self, path: str) -> dict[str, Any] | None:
        return self.keys.get(path.casefold())

    def subkeys(self, path: str) -> list[str]:
        prefix = path.casefold() + "\\"
        names = {k[len(prefix):].split("\\")[0] for k in self.keys if k.startswith(prefix)}
        # Keep the export's spelling of each name.
        return sorted(names)


@pytest.fixture
def detection():
    registry = RegFile(FIXTURES / "machine-chrome-default.reg")
    return windows.detect(registry, version_of=lambda path: None)


def test_fixture_is_a_faithful_regedit_export():
    raw = (FIXTURES / "machine-chrome-default.reg").read_bytes()
    assert raw.startswith(b"\xff\xfe") and b"\r\x00\n\x00" in raw
    reg = RegFile(FIXTURES / "machine-chrome-default.reg")
    assert reg.values(r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion") == {
        "PathName": "C:\\Windows"}


def test_versions_channels_and_paths(detection):
    found = {(i.browser, i.channel): i for i in detection.installs}
    assert set(found) == {("chrome", "stable"), ("edge", "stable"), ("firefox", "release"),
                          ("opera", "stable"), ("vivaldi", "stable"), ("chromium", "stable")}
    chrome = found[("chrome", "stable")]
    assert chrome.version == "131.0.6778.86"
    assert chrome.path == r"C:\Program Files\Google\Chrome\Application\chrome.exe"
    assert chrome.details["sources"][0] == "updater"
    assert chrome.details["last_run_version"] == "131.0.6778.86"
    assert found[("edge", "stable")].path.endswith(r"Edge\Application\msedge.exe")
    firefox = found[("firefox", "release")]
    assert (firefox.version, firefox.path) == ("133.0",
                                               r"C:\Program Files\Mozilla Firefox\firefox.exe")
    assert found[("opera", "stable")].version == "115.0.5322.68"
    # Chromium is known only from its BLBeacon: version yes, path no.
    assert (found[("chromium", "stable")].version, found[("chromium", "stable")].path) == (
        "133.0.6876.0", None)


def test_default_browser_from_user_choice(detection):
    assert (detection.default.status, detection.default.browser, detection.default.id) == (
        "found", "chrome", "ChromeHTML")


def test_policy_proxies_lose_credentials(detection):
    by_browser = {p.browser: p.settings for p in detection.policies}
    assert by_browser["chrome"]["ProxyServer"] == "http://[REDACTED:userinfo]@proxy.corp.example:8080"
    assert by_browser["chrome"]["ProxyMode"] == "fixed_servers"
    assert "HomepageIsNewTabPage" not in by_browser["chrome"]
    assert by_browser["firefox"] == {"Mode": "autoConfig", "Locked": 1,
                                     "AutoConfigURL": "https://wpad.corp.example/proxy.pac"}


def test_report_states(detection):
    data = report(detection, "win32")
    assert data["browsers"]["safari"]["status"] == "not applicable"
    assert data["browsers"]["brave"]["status"] == "not found"
    assert data["browsers"]["chrome"]["installs"][0]["default"] is True
    assert "Winter2024" not in str(data)


def test_file_version_wins_over_a_stale_registry():
    registry = RegFile(FIXTURES / "machine-chrome-default.reg")
    exe_versions = {r"C:\Program Files\Google\Chrome\Application\chrome.exe": "131.0.6778.109"}
    found = {(i.browser, i.channel): i for i in windows.detect(registry, exe_versions.get).installs}
    chrome = found[("chrome", "stable")]
    assert chrome.version == "131.0.6778.109"
    assert chrome.details["registry_version"] == "131.0.6778.86"


def test_empty_registry_finds_nothing():
    empty = windows.detect(RegFileFromText(), version_of=lambda p: None)
    assert empty.installs == [] and empty.default.status == "not found" and not empty.errors


class RegFileFromText(RegFile):
    def __init__(self) -> None:
        self.keys = {}


def _distlib_launchers() -> list[str]:
    pip = Path(__import__("pip").__file__).parent
    return sorted(glob.glob(str(pip / "_vendor" / "distlib" / "*.exe")))


@pytest.mark.skipif(not _distlib_launchers(), reason="pip's distlib launchers not installed")
def test_pe_file_version_of_a_real_windows_executable():
    # pip ships distlib's Windows launchers; their StringFileInfo spells the version out too.
    for exe in _distlib_launchers():
        data = Path(exe).read_bytes()
        key = data.find("FileVersion".encode("utf-16-le"))
        strings = data[key:key + 80].decode("utf-16-le", "replace").split("\0")
        expected = next(s for s in strings[1:] if s)
        assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", expected)
        assert file_version(exe) == expected, exe


def test_pe_reader_on_non_pe_files(tmp_path):
    (tmp_path / "x.exe").write_bytes(b"MZ" + b"\0" * 100)
    assert file_version(tmp_path / "x.exe") is None
    assert file_version(sys.executable) is None or sys.platform == "win32"
    assert file_version(tmp_path / "missing.exe") is None
