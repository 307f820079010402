"""--netlog: a Chrome NetLog export sanitized by place, its proxy and error events in the findings."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from diagbundle_plugins.har.netlog import NetlogFindings, sanitize_netlog
from diagbundle_plugins.har.netlog_collector import detect
from diagbundle_plugins.har.scrubber import Scrubber
from har_helpers import har_redactor

from diagbundle import FormatError

FIXTURE = Path(__file__).parent / "fixtures" / "netlog" / "corp-proxy.json"
CLI = [sys.executable, "-m", "diagbundle"]
#: Every credential the fixture holds (see its README).
CREDENTIALS = ["PacUrlTok4Hs8Kd2Lf6Mz0", "QsAccTok9Pw3Rk7Tn1Vb5", "YWxpY2U6UHJveHlQYXNzOTk4MQ==",
               "HdrBearerTok2Gh6Jk0Lm4Np8", "CookieSid7Qw1Er5Ty9Ui3", "SetCookieVal3Zx7Cv1Bn5",
               "H2PathTok8Df2Gh6Jk0", "H2CookieVal5Lp9Kq3Mw7", "H2BearerTok1Az5Sx9Dc3",
               "RawBytesCookie4Fr8Gt2Hy6",
               "RedirectCode6Vb0Nm4Qw8", "RedirState2Er6Ty0", "StoredCookie9Ui3Op7As1"]


def _sanitized(data: bytes) -> tuple[str, NetlogFindings]:
    counts: Counter[str] = Counter()
    found = NetlogFindings()
    out = b"".join(sanitize_netlog(io.BytesIO(data), Scrubber(har_redactor(), counts), found))
    return out.decode(), found


def test_fixture_holds_what_the_test_looks_for() -> None:
    import base64

    raw = FIXTURE.read_text()
    decoded = raw + "".join(base64.b64decode(e["params"]["bytes"]).decode()
                            for e in json.loads(raw)["events"] if "bytes" in e.get("params", {}))
    assert [c for c in CREDENTIALS if c not in decoded] == []
    assert detect("corp-proxy.json", FIXTURE.read_bytes()[:4096])
    assert not detect("x.json", b'{"log": {"entries": []}}')


def test_no_credential_left_evidence_kept() -> None:
    text, _ = _sanitized(FIXTURE.read_bytes())
    out = json.loads(text)
    assert [c for c in CREDENTIALS if c in text] == []
    assert "bytes" not in json.dumps(out["events"]).replace('"byte_count"', "")
    kept = ["proxy.corp.example:3128", "x-request-id: req_netlog_5a1f9c", "Chrome/120.0.0.0",
            "771a43a4192642f0b136d5159a501700-b1a0d5d5c1b2a3f4-1",
            "Proxy-Authenticate: Basic realm=\\\"corp\\\"",
            "HTTP/1.1 407 Proxy Authentication Required", ":authority: cdn.example.com", "&page=2"]
    assert [k for k in kept if k not in text] == []
    assert out["constants"]["logEventTypes"] == json.loads(FIXTURE.read_text())["constants"]["logEventTypes"]
    assert len(out["events"]) == len(json.loads(FIXTURE.read_text())["events"])


def test_findings_proxy_and_errors() -> None:
    _, found = _sanitized(FIXTURE.read_bytes())
    data = found.as_json()
    assert data["capture_mode"] == "IncludeSensitive"
    assert data["client"]["version"] == "120.0.6099.224"
    # Corporate DNS names are a consistent pseudonym (issue 10): support still sees the proxy's port.
    assert re.fullmatch(r"PROXY <host-\d+>:3128", data["proxy"]["settings"]["effective"]["single_proxy"])
    assert "PacUrlTok" not in json.dumps(data)
    proxy = {e["event"] for e in data["proxy"]["events"]}
    assert {"PROXY_CONFIG_CHANGED", "PAC_JAVASCRIPT_ALERT", "PROXY_RESOLUTION_SERVICE_RESOLVED_PROXY_LIST",
            "HTTP_STREAM_JOB_CONTROLLER_PROXY_SERVER_RESOLVED"} <= proxy
    errors = {(e["event"], e["error"]): e["count"] for e in data["errors"]["by_event"]}
    assert errors == {("REQUEST_ALIVE", "ERR_PROXY_AUTH_REQUESTED"): 1,
                      ("SSL_CONNECT", "ERR_CERT_AUTHORITY_INVALID"): 1,
                      ("HOST_RESOLVER_MANAGER_REQUEST", "ERR_NAME_NOT_RESOLVED"): 1,
                      ("REQUEST_ALIVE", "ERR_NAME_NOT_RESOLVED"): 1,
                      ("TCP_CONNECT", "ERR_PROXY_CONNECTION_FAILED"): 1}
    by_source = {e["source"]: e for e in data["errors"]["events"]}
    assert by_source[12]["url"] == "https://intranet.corp.example/status"  # redacted when written
    assert by_source[12]["error"] == "net::ERR_NAME_NOT_RESOLVED"


@pytest.mark.parametrize("data", [b'{"constants": {}, "events": {}}', b'{"constants": {}}',
                                  FIXTURE.read_bytes()[:3000]])
def test_bad_netlog_fails_closed(data: bytes) -> None:
    with pytest.raises(FormatError):
        _sanitized(data)


@pytest.mark.parametrize(("data", "message"), [
    (FIXTURE.read_bytes()[:3000], "not a valid NetLog file: truncated JSON"),
    (b'{"constants": {"x": "\xff"}, "events": []}', "not a valid NetLog file: not UTF-8 text"),
    (b'{"constants": ' + b"[" * 100_000 + b"]" * 100_000 + b', "events": []}',
     "not a valid NetLog file: nested too deeply"),
])
def test_bad_netlog_is_named_in_the_error(data: bytes, message: str) -> None:
    with pytest.raises(FormatError) as caught:
        _sanitized(data)
    assert str(caught.value).startswith(message)


def test_cli_collect_netlog(tmp_path: Path) -> None:
    shutil.copy(FIXTURE, tmp_path / "net.json")
    (tmp_path / "other.json").write_text('{"hello": 1}')
    env = {**os.environ, "DIAGBUNDLE_LOAD_PLUGINS": ""}
    done = subprocess.run([*CLI, "collect", "--only", "netlog", "--netlog", "net.json", "-o", "out.zip"],
                          cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        files = {n: zf.read(n).decode() for n in zf.namelist()}
    assert {"netlog/net.json", "netlog/findings.json"} <= set(files)
    assert [c for c in CREDENTIALS if any(c in text for text in files.values())] == []
    assert "ERR_CERT_AUTHORITY_INVALID x1 (SSL_CONNECT)" in files["summary.md"]
    assert re.search(r"<host-\d+>:3128", files["summary.md"])
    assert not any("proxy.corp.example" in text or "intranet.corp.example" in text for text in files.values())
    bad = subprocess.run([*CLI, "collect", "--only", "netlog", "--netlog", "other.json", "-o", "bad.zip"],
                         cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert bad.returncode == 2 and "not a Chrome NetLog file" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "bad.zip").exists()
