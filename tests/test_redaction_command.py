"""``diagbundle redact`` and ``diagbundle mapping``, run as real processes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

GH = "ghp_OhbVrpoiVgRV5IfLBcbfnoGMbJmTPSIAoCLr"
HAR = Path(__file__).parent / "har_cases"

COMMAND = [sys.executable, "-m", "diagbundle"]


def run(
    *args: str, stdin: bytes | None = None, home: Path, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIAGBUNDLE_")}
    env["XDG_CONFIG_HOME"] = str(home / "config")
    env["XDG_DATA_HOME"] = str(home / "data")
    return subprocess.run(
        [*COMMAND, *args], input=stdin if stdin is not None else b"", capture_output=True,
        env=env, cwd=cwd, timeout=120,
    )


def one_line_error(done: subprocess.CompletedProcess[bytes], needle: str) -> None:
    err = done.stderr.decode()
    assert done.returncode != 0
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("diagbundle: error:")]
    assert len(lines) == 1, err
    assert needle in lines[0], lines[0]
    assert done.stdout == b""


def test_text_file_same_lines_summary_and_report(tmp_path: Path) -> None:
    src = tmp_path / "app.log"
    text = (
        "2024-05-02 start\n"
        f"export GITHUB_TOKEN={GH}\n"
        "login from bob@example.com\n"
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n"
        "no newline at the end"
    )
    src.write_text(text)
    report = tmp_path / "report.json"
    done = run("redact", str(src), "--report-json", str(report), home=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    assert GH not in out and "bob@example.com" not in out and "MIIEow" not in out
    assert out.count("\n") == text.count("\n")
    assert out.endswith("no newline at the end")
    assert "[REDACTED:github-token]" in out and "<email-1>" in out
    err = done.stderr.decode()
    assert "github-token 1" in err and "email 1" in err and "private-key 1" in err
    data = json.loads(report.read_text())
    assert data["format"] == "text"
    assert data["redactions"] == {"email": 1, "github-token": 1, "private-key": 1}
    assert data["lines_out"] == text.count("\n")
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert GH not in report.read_text()


def test_stdin_and_invalid_utf8_kept(tmp_path: Path) -> None:
    data = b"caf\xe9 au lait, cr\xe8me br\xfbl\xe9e: latin-1 text\nuser login password=hunter2 ok \xff\n"
    done = run("redact", "-", stdin=data, home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        b"caf\xe9 au lait, cr\xe8me br\xfbl\xe9e: latin-1 text\n"
        b"user login password=[REDACTED:password] ok \xff\n"
    )
    assert b"Traceback" not in done.stderr


def test_json_stays_valid(tmp_path: Path) -> None:
    doc = {"user": "alice@example.com", "card": 4111111111111111, "password": 'p"w',
           "nested": [{"token": GH}], "count": 3}
    src = tmp_path / "data.json"
    src.write_text(json.dumps(doc, indent=2))
    done = run("redact", str(src), home=tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out == {"user": "<email-1>", "card": "[REDACTED:credit-card]",
                   "password": "[REDACTED:password]", "nested": [{"token": "[REDACTED:github-token]"}],
                   "count": 3}
    assert done.stdout.count(b"\n") == src.read_bytes().count(b"\n")
    assert "(json)" in done.stderr.decode()


def test_binary_input_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "blob.bin"
    src.write_bytes(b"\x00\x01\x02binary\x00" * 100)
    one_line_error(run("redact", str(src), home=tmp_path), "binary file")


def test_nul_after_the_head_fails_closed(tmp_path: Path) -> None:
    src = tmp_path / "late.log"
    src.write_bytes(b"fine text\n" * 20000 + b"\x00oops " + GH.encode() + b"\n")
    one_line_error(run("redact", str(src), home=tmp_path), "binary content")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    one_line_error(run("redact", str(tmp_path / "nope.log"), home=tmp_path), "no such file")
    one_line_error(run("redact", str(tmp_path), home=tmp_path), "is a folder")


def test_bad_pattern_and_unknown_format(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("x\n")
    one_line_error(run("redact", str(src), "--redact-pattern", "(", home=tmp_path), "--redact-pattern")
    one_line_error(run("redact", str(src), "--format", "xml", home=tmp_path), "unknown format")


def test_patterns_allow_and_forced_text(tmp_path: Path) -> None:
    src = tmp_path / "a.json"
    src.write_text("{ not json: internal-7 keep@example.com other@example.com\n")
    done = run("redact", str(src), "--format", "text", "--redact-pattern", r"internal-\d",
               "--allow", "keep@example.com", home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"{ not json: [REDACTED:custom-1] keep@example.com <email-1>\n"


def test_har_goes_through_the_har_format(tmp_path: Path) -> None:
    hars = sorted(HAR.glob("*.har")) if HAR.is_dir() else []
    if not hars:
        pytest.skip("no HAR format in this tree")
    done = run("redact", str(hars[0]), home=tmp_path)
    assert done.returncode == 0, done.stderr
    json.loads(done.stdout)
    assert "(har)" in done.stderr.decode()


def test_broken_har_prints_nothing(tmp_path: Path) -> None:
    from diagbundle.plugins import PluginManager

    manager = PluginManager()
    manager.gather()
    if not any(f.name == "har" for f in manager.formats):
        pytest.skip("no HAR format in this tree")
    src = tmp_path / "broken.har"
    src.write_text('{"log": {"entries": [{"request": ' + f'"{GH}"' + "}]}}")
    done = run("redact", str(src), home=tmp_path)
    assert done.returncode != 0
    assert done.stdout == b""
    assert GH.encode() not in done.stderr
    assert b"Traceback" not in done.stderr


def test_save_mapping_then_print_it(tmp_path: Path) -> None:
    done = run("redact", "-", "--save-mapping", stdin=b"mail bob@example.com from 203.0.113.5\n",
               home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"mail <email-1> from <ipv4-1>\n"
    mapping_id = done.stderr.decode().split("kept on this machine as ")[1].split()[0]
    shown = run("mapping", mapping_id, home=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.decode().splitlines() == ["<email-1>\tbob@example.com", "<ipv4-1>\t203.0.113.5"]
    as_json = run("mapping", mapping_id, "--json", home=tmp_path)
    assert json.loads(as_json.stdout) == {"<email-1>": "bob@example.com", "<ipv4-1>": "203.0.113.5"}


def test_mapping_unknown_bundle(tmp_path: Path) -> None:
    one_line_error(run("mapping", "no-such-bundle", home=tmp_path), "no pseudonym mapping")
    one_line_error(run("mapping", "../x", home=tmp_path), "invalid bundle id")
