"""macOS browser detection, fed app bundles and preference plists through the root/home seam."""

from __future__ import annotations

import plistlib
from pathlib import Path

import pytest
from diagbundle_plugins.browsers import macos, report
from diagbundle_plugins.browsers.process import Runner

ROOT = Path(__file__).parent / "fixtures" / "browsers" / "macos"


@pytest.fixture
def detection():
    return macos.detect(Runner(), lambda: False, root=ROOT, home=ROOT / "home",
                        use_spotlight=False)


def test_bundles_versions_and_channels(detection):
    found = {(i.browser, i.channel): i for i in detection.installs}
    assert {k: i.version for k, i in found.items() if i.status == "found"} == {
        ("chrome", "stable"): "131.0.6778.86",
        ("chrome", "beta"): "132.0.6834.32",
        ("edge", "stable"): "131.0.2903.86",
        ("firefox", "esr"): "128.5.0esr",
        ("firefox", "developer"): "134.0b10",
        ("safari", "release"): "18.1.1",
        ("safari", "technology-preview"): "18.4",
        ("brave", "release"): "131.1.73.97",
    }
    assert found[("chrome", "beta")].details["ks_channel"] == "beta"
    assert found[("safari", "release")].details["bundle_version"] == "20619.2.8.11.12"
    assert found[("firefox", "developer")].path.endswith(
        "home/Applications/Firefox Developer Edition.app")


def test_bundle_without_info_plist_is_an_error_not_absent(detection):
    vivaldi = [i for i in detection.installs if i.browser == "vivaldi"]
    assert len(vivaldi) == 1 and vivaldi[0].status == "error"
    assert "Info.plist" in vivaldi[0].error
    assert report(detection, "darwin")["browsers"]["vivaldi"]["status"] == "error"


def test_default_from_launchservices(detection):
    assert (detection.default.browser, detection.default.id, detection.default.source) == (
        "brave", "com.brave.browser", "LaunchServices")


def test_no_launchservices_choice_means_safari(tmp_path):
    default = macos.default_browser(tmp_path)
    assert (default.status, default.browser) == ("found", "safari")
    prefs = tmp_path / macos.LAUNCH_SERVICES
    prefs.parent.mkdir(parents=True)
    prefs.write_bytes(plistlib.dumps({"LSHandlers": [{"LSHandlerURLScheme": "mailto",
                                                      "LSHandlerRoleAll": "com.apple.mail"}]},
                                     fmt=plistlib.FMT_BINARY))
    assert macos.default_browser(tmp_path).browser == "safari"
    prefs.write_bytes(b"not a plist")
    assert macos.default_browser(tmp_path).status == "error"


def test_managed_preferences_proxies(detection):
    by_browser = {p.browser: p for p in detection.policies}
    assert by_browser["chrome"].settings == {"ProxyMode": "pac_script",
                                             "ProxyPacUrl": "https://wpad.corp.example/proxy.pac"}
    firefox = by_browser["firefox"].settings
    assert firefox["HTTPProxy"] == "[REDACTED:userinfo]@proxy.corp.example:3128"
    assert "S3cret" not in str(report(detection, "darwin"))


def test_report_marks_default_and_not_found(detection):
    data = report(detection, "darwin")
    assert data["browsers"]["brave"]["installs"][0]["default"] is True
    assert data["browsers"]["opera"]["status"] == "not found"
    assert data["browsers"]["safari"]["status"] == "found"
