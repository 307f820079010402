"""``diagbundle inspect`` catches every kind of tampering, each with a clear message and a non-zero exit."""

from __future__ import annotations

import hashlib
import json
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from core_plugins import harness

LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pristine")
    return harness.attachments_bundle(folder, "".join(f"line {i}: all is well\n" for i in range(2000)),
                                      b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16, folder / "bundle.zip")


@pytest.fixture
def bundle(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "bundle.zip"
    copy.write_bytes(pristine.read_bytes())
    return copy


def data_offset(path: Path, member: str) -> tuple[int, int]:
    """Where ``member``'s (compressed) bytes start in the file, and how many there are."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    with path.open("rb") as fh:
        fh.seek(info.header_offset)
        fields = LOCAL_HEADER.unpack(fh.read(LOCAL_HEADER.size))
    name_len, extra_len = fields[-2], fields[-1]
    return info.header_offset + LOCAL_HEADER.size + name_len + extra_len, info.compress_size


def flip_byte(path: Path, member: str) -> None:
    start, length = data_offset(path, member)
    data = bytearray(path.read_bytes())
    data[start + length // 2] ^= 0x01
    path.write_bytes(bytes(data))


def rewrite(path: Path, change: Callable[[str, bytes], bytes | None]) -> None:
    """Rebuild the zip with ``change(name, data)`` applied (``None`` drops a member): valid CRCs."""
    with zipfile.ZipFile(path) as zf:
        items = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in items:
            new = change(name, data)
            if new is not None:
                zf.writestr(name, new)


def edit_manifest(edit: Callable[[dict[str, Any]], object]) -> Callable[[str, bytes], bytes | None]:
    def change(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        edit(manifest)
        return json.dumps(manifest).encode()

    return change


def entry(manifest: dict[str, Any], path: str) -> dict[str, Any]:
    found: dict[str, Any] = next(f for f in manifest["files"] if f["path"] == path)
    return found


def inspect(path: Path, *extra: str) -> tuple[int, str, str]:
    done = harness.run("inspect", str(path), *extra)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout, done.stderr


def test_pristine_bundle_passes(bundle: Path) -> None:
    code, out, _ = inspect(bundle)
    assert code == 0, out
    assert "OK:" in out
    assert "attachments/shot.png" in out and "[not scrubbed]" in out
    code, out, _ = inspect(bundle, "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] is True and report["problems"] == []
    assert {f["path"] for f in report["files"]} >= {"summary.md", "attachments/app.log", "good/hello.txt"}


@pytest.mark.parametrize(
    "member", ["attachments/app.log", "attachments/shot.png"], ids=["deflated", "stored"]
)
def test_flipped_byte_inside_a_member(bundle: Path, member: str) -> None:
    flip_byte(bundle, member)
    with zipfile.ZipFile(bundle) as zf:  # the zip itself still opens
        assert member in zf.namelist()
    code, out, _ = inspect(bundle)
    assert code == 5
    assert "FAILED" in out
    bad = [line for line in out.splitlines() if member in line and "BAD" in line]
    assert bad, out


def test_member_changed_with_a_valid_crc(bundle: Path) -> None:
    rewrite(
        bundle, lambda name, data: data.replace(b"line 7:", b"line 8:") if name.endswith("app.log") else data
    )
    code, out, _ = inspect(bundle)
    assert code == 5
    assert "attachments/app.log: sha256 does not match the manifest" in out


def test_member_grown_with_a_valid_crc(bundle: Path) -> None:
    rewrite(bundle, lambda name, data: data + b"x" if name == "good/hello.txt" else data)
    code, out, _ = inspect(bundle, "--json")
    report = json.loads(out)
    assert code == 5 and report["ok"] is False
    assert any(p.startswith("good/hello.txt: size") for p in report["problems"]), report["problems"]


def test_changed_hash_in_the_manifest(bundle: Path) -> None:
    rewrite(bundle, edit_manifest(lambda m: entry(m, "summary.md").update(sha256="0" * 64)))
    code, out, _ = inspect(bundle)
    assert code == 5
    assert "summary.md: sha256 does not match the manifest" in out


def test_member_missing_from_the_zip(bundle: Path) -> None:
    rewrite(bundle, lambda name, data: None if name == "good/hello.txt" else data)
    code, out, _ = inspect(bundle)
    assert code == 5
    assert "good/hello.txt: missing from the zip" in out


def test_member_unknown_to_the_manifest(bundle: Path) -> None:
    with zipfile.ZipFile(bundle, "a") as zf:
        zf.writestr("extra/smuggled.txt", "not listed\n")
    code, out, _ = inspect(bundle)
    assert code == 5
    assert "extra/smuggled.txt: in the zip but not in the manifest" in out


def test_missing_manifest(bundle: Path) -> None:
    rewrite(bundle, lambda name, data: None if name == "manifest.json" else data)
    code, _, err = inspect(bundle)
    assert code == 5
    harness.assert_one_line_error(err, "no manifest.json")


def test_manifest_not_json(bundle: Path) -> None:
    rewrite(bundle, lambda name, data: b"{not json" if name == "manifest.json" else data)
    code, _, err = inspect(bundle)
    assert code == 5
    harness.assert_one_line_error(err, "manifest.json is unreadable")


def test_manifest_without_a_file_list(bundle: Path) -> None:
    rewrite(bundle, edit_manifest(lambda m: m.pop("files")))
    code, _, err = inspect(bundle)
    assert code == 5
    harness.assert_one_line_error(err, "no file list")


@pytest.mark.parametrize(
    "content", [b"", b"just some text\n", b"PK\x03\x04 truncated"], ids=["empty", "text", "fake"]
)
def test_not_a_zip(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(content)
    code, _, err = inspect(path)
    assert code == 5
    harness.assert_one_line_error(err, "not a zip file")


def test_truncated_bundle(bundle: Path) -> None:
    data = bundle.read_bytes()
    bundle.write_bytes(data[: len(data) // 2])
    code, _, err = inspect(bundle)
    assert code == 5
    harness.assert_one_line_error(err, str(bundle))


def test_no_such_file(tmp_path: Path) -> None:
    code, _, err = inspect(tmp_path / "nope.zip")
    assert code == 5
    harness.assert_one_line_error(err, "no such file")


def test_a_folder(tmp_path: Path) -> None:
    code, _, err = inspect(tmp_path)
    assert code == 5
    harness.assert_one_line_error(err, str(tmp_path))


def test_inspect_agrees_with_hashes_computed_here(pristine: Path) -> None:
    _, out, _ = inspect(pristine, "--json")
    report = json.loads(out)
    with zipfile.ZipFile(pristine) as zf:
        for f in report["files"]:
            assert f["size"] == len(zf.read(f["path"]))
        manifest = json.loads(zf.read("manifest.json"))
        for f in manifest["files"]:
            assert f["sha256"] == hashlib.sha256(zf.read(f["path"])).hexdigest()


@pytest.mark.parametrize(
    "files",
    [
        [42],
        [{"size": 3}],
        [{"path": "summary.md", "size": "big"}],
        [{"path": "summary.md", "redactions": []}],
    ],
    ids=["not-an-object", "no-path", "bad-size", "bad-redactions"],
)
def test_malformed_manifest_entries_are_problems(bundle: Path, files: list[object]) -> None:
    rewrite(bundle, edit_manifest(lambda m: m.update(files=files)))
    code, out, _ = inspect(bundle)
    assert code == 5
    assert "manifest.json: file entry 0 is malformed" in out


@pytest.mark.parametrize(
    "change",
    [{"created": "yesterday"}, {"collectors": [1, None]}, {"collectors": {"a": 1}}, {"bundle_id": ["x"]}],
    ids=["created", "collectors-items", "collectors-object", "bundle-id"],
)
def test_odd_manifest_fields_do_not_crash_the_listing(bundle: Path, change: dict[str, object]) -> None:
    rewrite(bundle, edit_manifest(lambda m: m.update(change)))
    for extra in ((), ("--json",)):
        code, out, _ = inspect(bundle, *extra)
        assert code == 0, out
        assert out
