"""The zip: layout, hashes, file mode, streaming to stdout, and no partial file ever (invariants 4-6)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import stat
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from core_plugins import good, harness, traversal

from diagbundle.names import normalise
from diagbundle.testing import build_bundle

# -- layout and manifest ---------------------------------------------------------------


@pytest.fixture
def bundle_path(tmp_path: Path) -> Path:
    inputs = tmp_path / "in"
    inputs.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    return harness.attachments_bundle(inputs, "started\nuser bob@example.org logged in\n" * 200,
                                      b"\x89PNG\r\n\x1a\n" + os.urandom(4000), out / "bundle.zip")


def test_summary_after_the_content_and_manifest_last(bundle_path: Path) -> None:
    with zipfile.ZipFile(bundle_path) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names[-2] == "summary.md"  # written once the content's real totals are known
    assert names[-1] == "manifest.json"
    offsets = [i.header_offset for i in infos]
    assert offsets == sorted(offsets)  # the order on disk, not just in the directory


def test_manifest_hashes_and_sizes_match_every_member(bundle_path: Path) -> None:
    contents = harness.members(bundle_path)
    manifest = json.loads(contents.pop("manifest.json"))
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(contents)
    for path, data in contents.items():
        assert listed[path]["size"] == len(data), path
        assert listed[path]["sha256"] == hashlib.sha256(data).hexdigest(), path
    assert listed["attachments/app.log"]["collector"] == "attachments"
    assert listed["attachments/app.log"]["media_type"].startswith("text/")
    assert listed["attachments/app.log"]["redactions"]
    assert sum(listed["attachments/app.log"]["redactions"].values()) == 200
    assert manifest["redactions"] == {
        rule: sum(f["redactions"].get(rule, 0) for f in manifest["files"]) for rule in manifest["redactions"]
    }


def test_manifest_describes_the_run(bundle_path: Path) -> None:
    import diagbundle

    manifest = json.loads(harness.members(bundle_path)["manifest.json"])
    assert manifest["format_version"] == 2
    assert manifest["diagbundle_version"] == diagbundle.__version__
    collectors = {c["name"]: c for c in manifest["collectors"]}
    assert collectors["good"] == {
        **collectors["good"],
        "plugin": "good",
        "version": "1.0",
        "status": "ok",
        "reason": None,
        "files": ["good/hello.txt"],
    }
    assert isinstance(collectors["good"]["duration_s"], float)
    assert manifest["command"]["argv"][1:3] == ["collect", "--attach"]
    assert manifest["command"]["options"]["attach_binary"] is True


def test_text_is_deflated_and_compressed_media_stored(bundle_path: Path) -> None:
    with zipfile.ZipFile(bundle_path) as zf:
        assert zf.getinfo("attachments/app.log").compress_type == zipfile.ZIP_DEFLATED
        assert zf.getinfo("attachments/shot.png").compress_type == zipfile.ZIP_STORED
        assert zf.getinfo("manifest.json").compress_type == zipfile.ZIP_DEFLATED
        assert zf.testzip() is None
    manifest = json.loads(harness.members(bundle_path)["manifest.json"])
    shot = next(f for f in manifest["files"] if f["path"] == "attachments/shot.png")
    assert shot["scrubbed"] is False


def test_file_mode_is_0600_whatever_the_umask(tmp_path: Path) -> None:
    out = tmp_path / "b.zip"
    done = subprocess.run(
        harness.command("collect", "--only", "good", "-o", str(out)),
        env=harness.child_env("good"),
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.umask(0),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_api_bundle_mode_is_0600(tmp_path: Path) -> None:
    bundle = build_bundle(tmp_path, plugins=[good])
    assert stat.S_IMODE(bundle.result.path.stat().st_mode) == 0o600


# -- invariant 5: archive names ----------------------------------------------------------


def test_hostile_names_stay_in_their_folder_and_are_unique(tmp_path: Path) -> None:
    bundle = build_bundle(tmp_path, plugins=[traversal], only="traversal")
    assert bundle.collector("traversal")["status"] == "ok"
    names = bundle.names()
    written = [n for n in names if n not in ("summary.md", "manifest.json")]
    assert len(written) == len(traversal.NAMES)
    for name in written:
        assert name.startswith("traversal/"), name
        assert not name.startswith("/") and "\\" not in name and ":" not in name
        parts = name.split("/")
        assert ".." not in parts and "." not in parts and "" not in parts, name
        assert not any(ord(ch) < 32 for ch in name), name
    folded = [n.casefold() for n in names]
    assert len(folded) == len(set(folded)), names
    # Each name still holds what was written under it.
    texts = sorted(bundle.text(n) for n in written)
    assert texts == sorted(f"file {i}\n" for i in range(len(traversal.NAMES)))
    # The bundle's own files were not overwritten by look-alikes.
    assert bundle.text("summary.md").startswith("# Diagnostic bundle")
    assert json.loads(bundle.zip.read("manifest.json"))["bundle_id"] == bundle.manifest["bundle_id"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "etc/passwd"),
        ("/etc/shadow", "etc/shadow"),
        ("C:\\Windows\\x.dll", "Windows/x.dll"),
        ("a/./b/../c", "a/b/c"),
        ("..", "file"),
        ("", "file"),
        ("dots...", "dots"),
        ("tab\there", "tab_here"),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_normalise_never_climbs_out() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    alphabet = st.sampled_from(["a", "B", ".", "..", "/", "\\", ":", "C:", "\x00", " ", "é", "~"])

    @settings(database=None, max_examples=300)
    @given(st.lists(alphabet, max_size=12).map("".join))
    def check(name: str) -> None:
        out = normalise(name)
        assert out and not out.startswith("/")
        assert "\\" not in out and "\x00" not in out
        assert all(part not in ("", ".", "..") for part in out.split("/"))

    check()


# -- streaming to stdout -------------------------------------------------------------------


def test_stdout_stream_is_a_valid_zip_matching_its_manifest(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("line\n" * 1000)
    done = harness.run("collect", "-o", "-", "--attach", str(log), load="good", cwd=tmp_path, text=False)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.log"]  # nothing written beside
    with zipfile.ZipFile(io.BytesIO(done.stdout)) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert names[-2] == "summary.md" and names[-1] == "manifest.json"
        manifest = json.loads(zf.read("manifest.json"))
        for f in manifest["files"]:
            data = zf.read(f["path"])
            assert (len(data), hashlib.sha256(data).hexdigest()) == (f["size"], f["sha256"])
    saved = tmp_path / "saved.zip"
    saved.write_bytes(done.stdout)
    checked = harness.run("inspect", str(saved))
    assert checked.returncode == 0, checked.stdout


# -- atomic writes: interrupted or failed runs leave nothing -----------------------------------


def wait_for(predicate: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.01)
    raise AssertionError("timed out waiting")


def partials(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".partial")]


@pytest.fixture(scope="module")
def slow_text(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 10 s of writing: one SLOWTOKEN (1 ms each) per 1000-byte line."""
    path = tmp_path_factory.mktemp("slow") / "slow.log"
    line = ("SLOWTOKEN " + "x" * 989 + "\n").encode()
    with path.open("wb") as fh:
        for _ in range(10):
            fh.write(line * 1000)
    return path


@pytest.fixture(scope="module")
def sparse_binary(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """8 GB of zeros that take no disk space: long to deflate, no redaction involved."""
    path = tmp_path_factory.mktemp("sparse") / "zeros.bin"
    with path.open("wb") as fh:
        fh.truncate(8 << 30)
    yield path
    path.unlink()


def interrupt(
    tmp_path: Path, sig: int, stage: str, slow_text: Path, sparse_binary: Path
) -> tuple[subprocess.CompletedProcess[str], Path]:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "bundle.zip").write_text("an older bundle\n")
    started = tmp_path / "started"
    # --force: even a run allowed to replace the old bundle leaves it alone when interrupted.
    args = ["collect", "--force", "-o", str(out_dir / "bundle.zip")]
    if stage == "collecting":
        args += ["--only", "slow-collect"]
    elif stage == "redacting":
        args += ["--only", "attachments", "--attach", str(slow_text)]
    else:
        args += ["--only", "attachments", "--attach", str(sparse_binary), "--attach-binary"]
    child = subprocess.Popen(
        harness.command(*args),
        env=harness.child_env("slow", {"CORE_TEST_STARTED": str(started)}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        if stage == "collecting":
            wait_for(started.exists)
        else:
            wait_for(lambda: partials(out_dir))
            time.sleep(0.5)
        assert child.poll() is None, "the run ended before it could be interrupted"
        child.send_signal(sig)
        stdout, stderr = child.communicate(timeout=20)
    finally:
        child.kill()
    return subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr), out_dir


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["collecting", "redacting", "deflating"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_run_leaves_no_file(
    tmp_path: Path, sig: int, stage: str, slow_text: Path, sparse_binary: Path
) -> None:
    started = time.monotonic()
    done, out_dir = interrupt(tmp_path, sig, stage, slow_text, sparse_binary)
    assert done.returncode == 128 + sig, done.stderr
    assert time.monotonic() - started < 15
    assert harness.files_in(out_dir) == ["bundle.zip"]  # no .partial left
    assert (out_dir / "bundle.zip").read_text() == "an older bundle\n"  # not replaced
    assert "Traceback" not in done.stderr, done.stderr
    assert not done.stdout
    if sig == signal.SIGINT:
        assert "interrupted" in done.stderr


# -- a full disk ---------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a 1 MB tmpfs to fill up (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_full_disk_is_a_one_line_error_and_leaves_no_file(tmp_path: Path, small_disk: Path) -> None:
    noise = tmp_path / "noise.bin"
    noise.write_bytes(os.urandom(3 << 20))  # incompressible: the bundle cannot fit in 1 MB
    done = harness.run(
        "collect", "--attach", str(noise), "--attach-binary", "-o", str(small_disk / "bundle.zip")
    )
    assert done.returncode == 4, done.stderr
    harness.assert_one_line_error(done.stderr, "No space left on device", str(small_disk / "bundle.zip"))
    assert harness.files_in(small_disk) == []
