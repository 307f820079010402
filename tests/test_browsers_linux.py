"""The browsers collector on this Linux machine, against the real Debian chromium and firefox-esr.

.ci/run installs both; each test compares with what the binary itself prints.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from diagbundle_plugins.browsers import linux
from diagbundle_plugins.browsers.process import Runner, parse_version

from diagbundle.testing import build_bundle

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")

VERSION = re.compile(r"\d+(?:\.\d+)+(?:esr|[ab]\d+)?")


def printed_version(command: str) -> str:
    out = subprocess.run([command, "--version"], capture_output=True, text=True, timeout=10,
                         stdin=subprocess.DEVNULL, check=True).stdout
    match = VERSION.search(out)
    assert match, out
    return match.group(0)


@pytest.fixture(scope="module")
def browsers_json(tmp_path_factory: pytest.TempPathFactory) -> dict:
    bundle = build_bundle(tmp_path_factory.mktemp("b"), only="browsers")
    assert bundle.collector("browsers")["status"] == "ok"
    return bundle.json("browsers/browsers.json")


@pytest.mark.parametrize(("command", "family"), [("chromium", "chromium"),
                                                  ("firefox-esr", "firefox")])
def test_finds_installed_browser_with_the_version_it_prints(browsers_json, command, family):
    if shutil.which(command) is None:
        pytest.fail(f"{command} is not installed: .ci/run installs chromium and firefox-esr")
    expected = printed_version(command)
    entry = browsers_json["browsers"][family]
    assert entry["status"] == "found"
    versions = {row["version"] for row in entry["installs"]}
    assert expected in versions
    row = next(r for r in entry["installs"] if r["version"] == expected)
    assert row["status"] == "found" and row["source"] == "PATH"


def test_firefox_esr_channel_and_build_id(browsers_json):
    row = browsers_json["browsers"]["firefox"]["installs"][0]
    assert row["channel"] == "esr"
    ini = Path(shutil.which("firefox-esr")).resolve().parent / "application.ini"
    build_id = re.search(r"^BuildID=(\d+)", ini.read_text(), re.M).group(1)
    assert row["details"]["build_id"] == build_id


def test_every_family_has_one_of_four_states(browsers_json):
    states = {name: b["status"] for name, b in browsers_json["browsers"].items()}
    assert set(states) == {"chrome", "chromium", "edge", "firefox", "safari", "brave", "opera",
                           "vivaldi"}
    assert states["safari"] == "not applicable"
    assert set(states.values()) <= {"found", "not found", "not applicable", "error"}


def test_wrapper_scripts_are_merged_as_aliases():
    installs = [linux.Install("firefox", "esr", "1.0esr", "/usr/bin/firefox", "PATH"),
                linux.Install("firefox", "esr", "1.0esr", "/usr/bin/firefox-esr", "PATH",
                              details={"build_id": "1"})]
    merged = linux.merge_aliases(installs)
    assert len(merged) == 1
    assert merged[0].path == "/usr/bin/firefox-esr"
    assert merged[0].details["aliases"] == ["/usr/bin/firefox"]


def test_default_from_mimeapps_list_wins_and_is_mapped(tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    (config / "mimeapps.list").write_text(
        "[Added Associations]\nx-scheme-handler/http=firefox-esr.desktop;\n\n"
        "[Default Applications]\ntext/html=firefox-esr.desktop\n"
        "x-scheme-handler/http=chromium.desktop;firefox-esr.desktop;\n")
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(config), "XDG_CONFIG_DIRS": str(tmp_path / "none"),
           "XDG_DATA_DIRS": str(tmp_path / "none")}
    default = linux.default_from_mimeapps(env)
    assert (default.status, default.browser, default.id) == ("found", "chromium", "chromium.desktop")


def test_desktop_specific_mimeapps_list_comes_first(tmp_path):
    (tmp_path / "gnome-mimeapps.list").write_text(
        "[Default Applications]\nx-scheme-handler/https=firefox-esr.desktop\n")
    (tmp_path / "mimeapps.list").write_text(
        "[Default Applications]\nx-scheme-handler/http=chromium.desktop\n")
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "XDG_CURRENT_DESKTOP": "GNOME",
           "XDG_CONFIG_DIRS": "/nonexistent", "XDG_DATA_DIRS": "/nonexistent"}
    assert linux.default_from_mimeapps(env).browser == "firefox"


def test_no_mimeapps_list_means_not_found(tmp_path):
    env = {"HOME": str(tmp_path), "XDG_CONFIG_DIRS": "/nonexistent", "XDG_DATA_DIRS": "/nonexistent"}
    assert linux.default_from_mimeapps(env).status == "not found"


def test_snap_and_flatpak_metadata(tmp_path):
    meta = tmp_path / "snap/chromium/current/meta"
    meta.mkdir(parents=True)
    (meta / "snap.yaml").write_text("name: chromium\nversion: '131.0.6778.85'\nsummary: x\n")
    app = tmp_path / "var/lib/flatpak/app/org.mozilla.firefox/current/active"
    (app / "files/share/metainfo").mkdir(parents=True)
    (app / "files/share/metainfo/org.mozilla.firefox.metainfo.xml").write_text(
        '<component><releases><release version="133.0" date="2024-11-26"/>'
        '<release version="132.0.2" date="2024-11-12"/></releases></component>')
    snaps = linux.snaps(tmp_path)
    assert [(i.browser, i.version, i.source) for i in snaps] == [("chromium", "131.0.6778.85", "snap")]
    flats = linux.flatpaks(tmp_path, home=tmp_path / "home")
    assert [(i.browser, i.version, i.source) for i in flats] == [("firefox", "133.0", "flatpak")]


def test_runner_closes_stdin_and_times_out(tmp_path):
    script = tmp_path / "slow"
    script.write_text("#!/bin/sh\nread line && echo got-stdin\nsleep 30\n")
    script.chmod(0o755)
    outcome = Runner(timeout=0.5).run([str(script)])
    assert outcome.output is None and "no answer within 0.5 s" in outcome.error


def test_runner_hides_the_display(tmp_path, monkeypatch):
    monkeypatch.setenv("DISPLAY", ":0")
    script = tmp_path / "show"
    script.write_text('#!/bin/sh\necho "display=${DISPLAY:-none} 1.2.3"\n')
    script.chmod(0o755)
    assert Runner().run([str(script)]).output == "display=none 1.2.3"


@pytest.mark.parametrize(("text", "version"), [
    ("Chromium 156.0.8078.79 built on Debian GNU/Linux 12 (bookworm)", "156.0.8078.79"),
    ("Mozilla Firefox 128.5.0esr", "128.5.0esr"),
    ("Mozilla Firefox 134.0b5", "134.0b5"),
    ("Mozilla Firefox 135.0a1", "135.0a1"),
    ("Google Chrome 131.0.6778.85 ", "131.0.6778.85"),
    ("Vivaldi 7.0.3495.18 stable", "7.0.3495.18"),
    ("no version here", None),
])
def test_parse_version(text, version):
    assert parse_version(text) == version
