"""The har collector end to end: real CLI subprocesses, real bundles."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from diagbundle_plugins.har.discover import discover, recent_hars
from har_helpers import CANARY, all_canaries, entry, har, leaks

from diagbundle import UsageError
from diagbundle.testing import build_bundle

CLI = [sys.executable, "-m", "diagbundle"]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DIAGBUNDLE_LOAD_PLUGINS": ""}
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def test_cli_collect_har_end_to_end(tmp_path: Path) -> None:
    shutil.copy(CANARY, tmp_path / "x.har")
    done = _run("collect", "--only", "har", "--har", "x.har", "-o", "out.zip", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        text = zf.read("har/x.har").decode()
        manifest = json.loads(zf.read("manifest.json"))
        summary = zf.read("summary.md").decode()
    assert leaks(text, all_canaries()) == []
    assert len(json.loads(text)["log"]["entries"]) == 6  # still valid JSON after the global pass
    files = {f["path"]: f for f in manifest["files"]}
    assert "har/x.har" in files
    assert any(k.startswith("har-") for k in json.dumps(files["har/x.har"]).split('"'))
    assert "`har/x.har` from `x.har`: 6 entries" in summary
    assert leaks(summary + json.dumps(manifest), all_canaries()) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), (b"hello", "not a HAR file"), (CANARY.read_bytes()[:500], "truncated")],
)
def test_cli_bad_har_stops_the_run_with_one_line(tmp_path: Path, content: bytes | None,
                                                 message: str) -> None:
    if content is not None:
        (tmp_path / "bad.txt").write_bytes(content)
        if content.startswith(b"{"):
            (tmp_path / "bad.txt").rename(tmp_path / "bad.har")
    name = "bad.har" if (tmp_path / "bad.har").exists() else "bad.txt"
    done = _run("collect", "--only", "har", "--har", name, "-o", "out.zip", cwd=tmp_path)
    assert done.returncode != 0
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out.zip").exists()
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".zip" or "out" in p.name]


def test_har_cut_off_after_megabytes_of_output_reaches_nothing(tmp_path: Path) -> None:
    """The sanitizer streams: megabytes come out before the cut is found, and none may be kept."""
    body = json.dumps([{"id": i, "mail": f"user{i}@example.com"} for i in range(2000)])
    entries = [entry(f"https://example.com/{i}?session=SESSIONCUT{i}",
                     content={"size": len(body), "mimeType": "application/json", "text": body})
               for i in range(60)]
    data = har(*entries)
    assert len(data) > 4 * 1024 * 1024
    (tmp_path / "cut.har").write_bytes(data[: len(data) - 200])
    redacted = _run("redact", "cut.har", cwd=tmp_path)
    assert redacted.returncode != 0 and redacted.stdout == ""
    assert "truncated" in redacted.stderr and "Traceback" not in redacted.stderr
    collected = _run("collect", "--only", "har", "--har", "cut.har", "-o", "out.zip", cwd=tmp_path)
    assert collected.returncode != 0 and "truncated" in collected.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.har"]


def test_cli_redact_prints_sanitized_har(tmp_path: Path) -> None:
    import argparse

    from diagbundle.cli import build_parser

    commands = {name for action in build_parser()._actions
                if isinstance(action, argparse._SubParsersAction) for name in action.choices}
    if "redact" not in commands:
        pytest.skip("the 'diagbundle redact' command is not in this branch yet (another helper's)")
    done = _run("redact", str(CANARY), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert leaks(done.stdout, all_canaries()) == []
    assert len(json.loads(done.stdout)["log"]["entries"]) == 6


def test_collect_api_two_files_share_pseudonyms(tmp_path: Path) -> None:
    shutil.copy(CANARY, tmp_path / "a.har")
    shutil.copy(CANARY, tmp_path / "b.json")
    bundle = build_bundle(tmp_path, only="har", har=[str(tmp_path / "a.har"), str(tmp_path / "b.json")])
    one, two = bundle.json("har/a.har"), bundle.json("har/b.har")
    assert one["log"]["entries"][0]["request"]["cookies"] == two["log"]["entries"][0]["request"]["cookies"]
    assert bundle.collector("har")["status"] == "ok"
    bundle.zip.close()


def test_check_without_har_skips(tmp_path: Path) -> None:
    bundle = build_bundle(tmp_path, only="har")
    assert bundle.collector("har")["status"] == "skipped"
    bundle.zip.close()


def test_usage_error_for_directory(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a regular file"):
        build_bundle(tmp_path, only="har", har=[str(tmp_path)])


def test_discover_offers_recent_files_only(tmp_path: Path) -> None:
    new, old, other = tmp_path / "new.har", tmp_path / "old.har", tmp_path / "notes.txt"
    for path in (new, old, other):
        path.write_bytes(CANARY.read_bytes())
    week_ago = time.time() - 7 * 86400
    os.utime(old, (week_ago, week_ago))
    assert recent_hars(tmp_path) == [new]
    asked: list[str] = []
    chosen, notes = discover(yes=False, folder=tmp_path, interactive=True,
                             ask=lambda prompt: asked.append(prompt) or "y")
    assert chosen == [new] and "new.har" in asked[0] and "chose" in notes[0]
    chosen, notes = discover(yes=False, folder=tmp_path, interactive=True, ask=lambda _: "")
    assert chosen == [] and "declined" in notes[0]
    chosen, notes = discover(yes=False, folder=tmp_path, interactive=False)
    assert chosen == [] and "no terminal" in notes[0]
    chosen, notes = discover(yes=True, folder=tmp_path, interactive=False)
    assert chosen == [new] and "--yes" in notes[0]


def test_discover_without_tty_adds_nothing_and_says_so(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    (downloads / "capture.har").write_bytes(CANARY.read_bytes())
    monkeypatch.setattr("diagbundle_plugins.har.discover.downloads_folder", lambda: downloads)
    out = tmp_path / "out"
    out.mkdir()
    bundle = build_bundle(out, only="har", har_discover=True)
    assert bundle.collector("har")["status"] == "skipped"
    assert "no terminal to confirm on and no --yes" in bundle.text("summary.md")
    assert not [n for n in bundle.names() if n.startswith("har/")]
    bundle.zip.close()
    out2 = tmp_path / "out2"
    out2.mkdir()
    bundle = build_bundle(out2, only="har", har_discover=True, yes=True)
    assert "har/capture.har" in bundle.names()
    assert "added without asking (--yes)" in bundle.text("summary.md")
    bundle.zip.close()


def _converse(command: list[str], cwd: Path, env: dict[str, str], answers: dict[str, str]) -> tuple[int, str]:
    """Run ``command`` on a real pseudo-terminal, answering each prompt that contains a key."""
    import pty
    import select

    master, slave = pty.openpty()
    child = subprocess.Popen(command, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
                             start_new_session=True)
    os.close(slave)
    seen = b""
    pending = dict(answers)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    data = os.read(master, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not data:
                    break
                seen += data
                for key in [k for k in pending if f"Include {k}".encode() in seen]:
                    os.write(master, pending.pop(key).encode() + b"\n")
            elif child.poll() is not None:
                break
        return child.wait(timeout=30), seen.decode(errors="replace")
    finally:
        if child.poll() is None:
            child.kill()
        os.close(master)


def test_discover_asks_on_a_real_terminal(tmp_path: Path) -> None:
    """--har-discover on a pseudo-terminal: each file is asked about; yes adds it, no leaves it out."""
    home = tmp_path / "home"
    downloads = home / "Downloads"
    downloads.mkdir(parents=True)
    now = time.time()
    for name, age in (("wanted.har", 60), ("private.har", 120)):
        (downloads / name).write_bytes(CANARY.read_bytes())
        os.utime(downloads / name, (now - age, now - age))
    env = {**os.environ, "HOME": str(home), "DIAGBUNDLE_LOAD_PLUGINS": "", "TERM": "dumb"}
    env.pop("XDG_DOWNLOAD_DIR", None)
    code, transcript = _converse([*CLI, "collect", "--only", "har", "--har-discover", "-o", "out.zip"],
                                 tmp_path, env, {"wanted.har": "y", "private.har": "n"})
    assert code == 0, transcript
    assert "Include wanted.har" in transcript and "Include private.har" in transcript
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        names = zf.namelist()
        summary = zf.read("summary.md").decode()
        text = zf.read("har/wanted.har").decode()
    assert "har/private.har" not in names
    assert "you chose `wanted.har`" in summary and "you declined `private.har`" in summary
    assert leaks(text, all_canaries()) == []
