"""The ``diagbundle`` command on good and bad input: one clear line, no traceback, no partial output."""

from __future__ import annotations

import datetime as dt
import getpass
import io
import json
import os
import pty
import re
import socket
import subprocess
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from core_plugins import harness

import diagbundle

EMAIL = "carol.attach@example.com"
PASSWORD = "attachedSecretValue42"


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "app.log").write_text(f"login {EMAIL}\npassword={PASSWORD}\nplain line\n")
    (folder / "core.bin").write_bytes(b"\x7fELF\x00\x01\x02" + bytes(range(256)) * 4)
    return folder


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


# -- attachments ---------------------------------------------------------------------------


def test_attached_text_is_redacted(inputs: Path, out_dir: Path) -> None:
    out = out_dir / "b.zip"
    done = harness.run(
        "collect", "--only", "attachments", "--attach", str(inputs / "app.log"), "-o", str(out)
    )
    assert done.returncode == 0, done.stderr
    contents = harness.members(out)
    log = contents["attachments/app.log"].decode()
    assert EMAIL not in log and PASSWORD not in log
    assert "plain line" in log
    assert log.count("\n") == 3
    manifest = json.loads(contents["manifest.json"])
    entry = next(f for f in manifest["files"] if f["path"] == "attachments/app.log")
    assert entry["scrubbed"] is True
    assert sum(entry["redactions"].values()) >= 2


def test_binary_attachment_is_refused_without_the_flag(inputs: Path, out_dir: Path) -> None:
    done = harness.run(
        "collect", "--attach", str(inputs / "core.bin"), "-o", str(out_dir / "b.zip"), cwd=out_dir
    )
    assert done.returncode == 2
    harness.assert_one_line_error(done.stderr, str(inputs / "core.bin"), "binary", "--attach-binary")
    assert harness.files_in(out_dir) == []


def test_binary_attachment_with_the_flag_is_marked_not_scrubbed(inputs: Path, out_dir: Path) -> None:
    out = out_dir / "b.zip"
    done = harness.run(
        "collect",
        "--only",
        "attachments",
        "--attach",
        str(inputs / "core.bin"),
        "--attach-binary",
        "-o",
        str(out),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    entry = next(f for f in result["files"] if f["path"] == "attachments/core.bin")
    assert entry["scrubbed"] is False
    assert harness.members(out)["attachments/core.bin"] == (inputs / "core.bin").read_bytes()
    assert "## Not scrubbed" in harness.members(out)["summary.md"].decode()


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda d: d / "nope.log", "no such file"),
        (lambda d: Path("/dev/null"), "not a regular file"),  # a folder is fine now: member by member
    ],
    ids=["missing", "device"],
)
def test_bad_attachment_path_is_one_line_and_no_file(
    inputs: Path, out_dir: Path, make: object, needle: str
) -> None:
    path = make(inputs)  # type: ignore[operator]
    done = harness.run("collect", "--attach", str(path), "-o", str(out_dir / "b.zip"), cwd=out_dir)
    assert done.returncode == 2
    harness.assert_one_line_error(done.stderr, str(path), needle)
    assert harness.files_in(out_dir) == []


def test_same_attachment_name_twice_is_kept_twice(inputs: Path, out_dir: Path) -> None:
    other = inputs / "sub"
    other.mkdir()
    (other / "app.log").write_text("the other one\n")
    out = out_dir / "b.zip"
    attach = ["--attach", str(inputs / "app.log"), "--attach", str(other / "app.log")]
    done = harness.run("collect", "--only", "attachments", *attach, "-o", str(out))
    assert done.returncode == 0, done.stderr
    contents = harness.members(out)
    assert contents["attachments/app-2.log"] == b"the other one\n"
    assert b"plain line" in contents["attachments/app.log"]


# -- choosing, planning, output forms --------------------------------------------------------


def test_unknown_only_name_lists_the_known_ones(out_dir: Path) -> None:
    done = harness.run("collect", "--only", "attachments,nosuch", "-o", str(out_dir / "b.zip"), load="good")
    assert done.returncode == 2
    harness.assert_one_line_error(done.stderr, "'nosuch'", "known:", "attachments", "good")
    assert harness.files_in(out_dir) == []


@pytest.mark.parametrize("flag", ["--only", "--skip"])
def test_empty_collector_list_is_an_error(flag: str, out_dir: Path) -> None:
    done = harness.run("collect", flag, " , ", "-o", str(out_dir / "b.zip"))
    assert done.returncode == 2
    harness.assert_one_line_error(done.stderr, "at least one collector name")
    assert harness.files_in(out_dir) == []


def test_dry_run_writes_nothing(inputs: Path, out_dir: Path) -> None:
    before = harness.files_in(inputs)
    done = harness.run(
        "collect", "--dry-run", "--attach", str(inputs / "app.log"), "-o", str(out_dir / "b.zip"), cwd=out_dir
    )
    assert done.returncode == 0, done.stderr
    assert "attachments" in done.stdout and str(inputs / "app.log") in done.stdout
    assert harness.files_in(out_dir) == []
    assert harness.files_in(inputs) == before
    done = harness.run(
        "collect", "--dry-run", "--json", "--only", "attachments,good", load="good", cwd=out_dir
    )
    planned = {p["name"]: p for p in json.loads(done.stdout)}
    assert planned["good"]["runs"] is True
    assert planned["attachments"] == {**planned["attachments"], "runs": False, "reason": "no --attach given"}
    assert harness.files_in(out_dir) == []


def test_json_output_parses_and_matches_the_bundle(out_dir: Path) -> None:
    out = out_dir / "b.zip"
    done = harness.run("collect", "--only", "good", "-o", str(out), "--json", load="good")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["path"] == str(out)
    assert result["size"] == out.stat().st_size
    manifest = json.loads(harness.members(out)["manifest.json"])
    assert result["bundle_id"] == manifest["bundle_id"]
    assert result["files"] == manifest["files"]
    assert [c["status"] for c in result["collectors"]] == ["ok"]


def test_plain_output_is_the_path_only(out_dir: Path) -> None:
    out = out_dir / "b.zip"
    done = harness.run("collect", "--only", "good", "-o", str(out), load="good")
    assert done.returncode == 0
    assert done.stdout == f"{out}\n"
    assert done.stderr == ""


def test_default_output_name_has_no_host_or_user_name(out_dir: Path) -> None:
    done = harness.run("collect", "--only", "good", load="good", cwd=out_dir)
    assert done.returncode == 0, done.stderr
    (name,) = harness.files_in(out_dir)
    shape = re.fullmatch(r"(diagbundle-\d{8}-\d{6}-)([a-z0-9]{4})\.zip", name)
    assert shape, name
    assert done.stdout.strip().endswith(name)
    for private in {socket.gethostname(), getpass.getuser(), os.uname().nodename}:
        assert private.casefold() not in shape[1]
        # The four random characters hold a short name by chance (this machine is "vm"):
        # only a name as long as they are would be no coincidence.
        if len(private) >= 4:
            assert private.casefold() not in shape[2]
    # A second run in the same second does not overwrite the first.
    again = harness.run("collect", "--only", "good", "-o", str(out_dir), load="good", cwd=out_dir)
    assert again.returncode == 0
    assert len(harness.files_in(out_dir)) == 2


def test_created_time_has_offset_and_zone(out_dir: Path) -> None:
    out = out_dir / "b.zip"
    done = harness.run(
        "collect", "--only", "good", "-o", str(out), load="good", env={"TZ": "America/New_York"}
    )
    assert done.returncode == 0, done.stderr
    contents = harness.members(out)
    created = json.loads(contents["manifest.json"])["created"]
    assert created["zone"] == "America/New_York"
    local = dt.datetime.fromisoformat(created["local"])
    utc = dt.datetime.fromisoformat(created["utc"].replace("Z", "+00:00"))
    assert local.utcoffset() is not None and local == utc
    expected = utc.astimezone(ZoneInfo("America/New_York")).utcoffset()
    assert expected is not None and local.utcoffset() == expected
    sign = "-" if expected < dt.timedelta(0) else "+"
    hours, minutes = divmod(abs(int(expected.total_seconds())) // 60, 60)
    assert created["utc_offset"] == f"{sign}{hours:02d}:{minutes:02d}"
    assert abs(dt.datetime.now(dt.timezone.utc) - utc) < dt.timedelta(minutes=5)
    summary = contents["summary.md"].decode()
    assert f"Created: {created['local']} (America/New_York), {created['utc']}" in summary


def test_zip_to_a_terminal_is_refused(out_dir: Path) -> None:
    leader, follower = pty.openpty()
    try:
        child = subprocess.run(
            harness.command("collect", "--only", "good", "-o", "-"),
            stdout=follower,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=harness.child_env("good"),
            cwd=out_dir,
            text=True,
            timeout=60,
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert child.returncode == 2
    harness.assert_one_line_error(child.stderr, "terminal")
    assert harness.files_in(out_dir) == []


def test_version() -> None:
    done = harness.run("--version")
    assert (done.returncode, done.stdout) == (0, f"diagbundle {diagbundle.__version__}\n")


# -- bad input never shows a traceback -----------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["collect", "--timeout", "abc"],
        ["collect", "--timeout", "0"],
        ["collect", "--timeout", "-3"],
        ["collect", "--timeout", "nan"],
        ["collect", "--timeout", "inf"],
        ["collect", "--timeout", "1e300"],
        ["collect", "--skip", "nosuch"],
        ["collect", "-o", "/nonexistent-dir/x/b.zip"],
        ["collect", "-o", "-", "--json"],
        ["collect", "--redact-pattern", "(unclosed"],
        ["collect", "--no-such-option"],
        ["inspect"],
        ["inspect", "/nonexistent.zip"],
        ["frobnicate"],
    ],
    ids=" ".join,
)
def test_bad_input_is_a_clean_error(args: list[str], out_dir: Path) -> None:
    done = harness.run(*args, cwd=out_dir)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode != 0, (done.stdout, done.stderr)
    assert len([line for line in done.stderr.splitlines() if "error" in line]) == 1, done.stderr
    assert harness.files_in(out_dir) == []


def test_a_bad_pattern_ends_the_run_without_waiting_for_collectors(out_dir: Path) -> None:
    # The redactor compiles in the background while collectors start; its error
    # must still end the run at once (slow-collect would otherwise sit for 60 s).
    done = harness.run("collect", "--only", "slow-collect", "--timeout", "100", "--redact-pattern", "(",
                       "-o", str(out_dir / "b.zip"), load="slow", timeout=30)
    assert done.returncode == 2
    harness.assert_one_line_error(done.stderr, "--redact-pattern")
    assert harness.files_in(out_dir) == []


def test_no_command_prints_help() -> None:
    done = harness.run()
    assert done.returncode == 2
    assert "usage: diagbundle" in done.stdout
    assert "Traceback" not in done.stderr


def test_timeout_out_of_range_is_refused_before_anything_runs(out_dir: Path) -> None:
    for value in ("nan", "inf", "0"):
        done = harness.run("collect", "--only", "good", "--timeout", value, load="good", cwd=out_dir)
        assert done.returncode == 2, value
        harness.assert_one_line_error(done.stderr, "--timeout")
    assert harness.files_in(out_dir) == []


def test_output_folder_is_checked_before_collecting(out_dir: Path) -> None:
    target = out_dir / "missing" / "b.zip"
    done = harness.run("collect", "--only", "good", "-o", str(target), load="good")
    assert done.returncode == 2
    harness.assert_one_line_error(done.stderr, str(target.parent), "does not exist")


def test_zip_written_to_stdout_only_when_asked(out_dir: Path) -> None:
    done = harness.run("collect", "--only", "good", "-o", "-", load="good", cwd=out_dir, text=False)
    assert done.returncode == 0
    assert done.stdout[:4] == b"PK\x03\x04"
    assert zipfile.ZipFile(io.BytesIO(done.stdout)).testzip() is None
    assert harness.files_in(out_dir) == []
