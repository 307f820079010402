"""``--attach`` beyond plain UTF-8 files: other encodings, folders, archives, and bombs."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest
from core_plugins import harness

import diagbundle
from diagbundle.content import looks_binary, text_encoding
from diagbundle.testing import build_bundle

SECRET = "password=Sup3rSecretValue!"
EMAIL = "frank.utf@example.com"
LOG = f"boot ok\nlogin {EMAIL}\n{SECRET}\nError 429: Too Many Requests\n"


def _bundle(tmp_path: Path, *attach: Path, **options: object) -> diagbundle.testing.Bundle:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    return build_bundle(out, only="attachments", attach=[str(a) for a in attach], **options)  # type: ignore[arg-type]


def _assert_clean(data: bytes) -> None:
    for form in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le"):
        assert "Sup3rSecretValue".encode(form) not in data
        assert EMAIL.encode(form) not in data


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be",
                                      "utf-8-sig"])
def test_utf16_and_utf32_attachments_are_read_redacted_and_stored_as_utf8(tmp_path: Path,
                                                                          encoding: str) -> None:
    log = tmp_path / "win.log"
    log.write_bytes(LOG.encode(encoding))
    bundle = _bundle(tmp_path, log)
    kept = bundle.zip.read("attachments/win.log")
    _assert_clean(kept)
    text = kept.decode("utf-8")
    assert "Error 429: Too Many Requests" in text and "[REDACTED:password]" in text and "<email-1>" in text
    entry = bundle.file("attachments/win.log")
    assert entry["scrubbed"] is True and entry["truncated"] is False
    if encoding.startswith("utf-8"):
        assert entry["source_encoding"] is None
    else:
        assert entry["source_encoding"].startswith(encoding[:6]) and "charset=utf-8" in entry["media_type"]


def test_encoding_detection_without_bom_and_real_binary() -> None:
    assert text_encoding(LOG.encode("utf-16-le")) == "utf-16-le"
    assert text_encoding(LOG.encode("utf-16-be")) == "utf-16-be"
    assert text_encoding(LOG.encode("utf-32-le")) == "utf-32-le"
    assert text_encoding(LOG.encode()) == "utf-8"
    elf = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8
    assert looks_binary(elf) and not looks_binary(LOG.encode("utf-16-le"))
    assert looks_binary(b"\x00" * 4096)  # zeros are not UTF-16 text


def test_folder_is_attached_member_by_member_with_excludes(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    (folder / "sub").mkdir(parents=True)
    (folder / "app.log").write_text(LOG)
    (folder / "sub" / "worker.log").write_text(LOG.replace("boot", "worker"))
    (folder / "sub" / "cache.tmp").write_text("scratch\n")
    (folder / "core.bin").write_bytes(b"\x7fELF\x00\x01" + bytes(range(256)) * 4)
    (folder / "loop").symlink_to(folder)  # a loop: never followed
    bundle = _bundle(tmp_path, folder, attach_exclude=["*.tmp"])
    names = set(bundle.names())
    assert {"attachments/logs/app.log", "attachments/logs/sub/worker.log"} <= names
    assert not any(n.endswith(("cache.tmp", "core.bin")) or "loop" in n for n in names), names
    for name in ("attachments/logs/app.log", "attachments/logs/sub/worker.log"):
        _assert_clean(bundle.zip.read(name))
    summary = bundle.text("summary.md")
    assert "`core.bin`: binary, left out (add --attach-binary to include it)" in summary
    assert bundle.collector("attachments")["status"] == "ok"


def test_folder_binary_members_go_in_unscrubbed_with_the_flag(tmp_path: Path) -> None:
    folder = tmp_path / "dump"
    folder.mkdir()
    blob = b"\x7fELF\x00\x01" + bytes(range(256)) * 4
    (folder / "core.bin").write_bytes(blob)
    bundle = _bundle(tmp_path, folder, attach_binary=True)
    assert bundle.zip.read("attachments/dump/core.bin") == blob
    assert bundle.file("attachments/dump/core.bin")["scrubbed"] is False


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _tar(path: Path, members: dict[str, bytes], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize("kind", ["zip", "tar.gz", "tar", "gz"])
def test_archives_are_expanded_and_each_text_member_redacted(tmp_path: Path, kind: str) -> None:
    members = {"logs/app.log": LOG.encode(), "logs/win.log": LOG.encode("utf-16"),
               "../../etc/evil.log": LOG.encode(), "bin/tool": b"\x7fELF\x00" + bytes(range(256))}
    if kind == "zip":
        archive = _zip(tmp_path / "support.zip", members)
    elif kind == "tar.gz":
        archive = _tar(tmp_path / "support.tar.gz", members)
    elif kind == "tar":
        archive = _tar(tmp_path / "support.tar", members, "w")
    else:
        archive = tmp_path / "app.log.gz"
        archive.write_bytes(gzip.compress(LOG.encode()))
    bundle = _bundle(tmp_path, archive)
    texts = [n for n in bundle.names() if n.startswith("attachments/")]
    assert texts, bundle.names()
    for name in texts:
        assert name.startswith(f"attachments/{archive.name}/"), name
        assert ".." not in name.split("/")
        data = bundle.zip.read(name)
        _assert_clean(data)
        assert "Error 429" in data.decode()
    if kind == "gz":
        assert texts == ["attachments/app.log.gz/app.log"]
    else:
        assert f"attachments/{archive.name}/logs/app.log" in texts
        assert f"attachments/{archive.name}/etc/evil.log" in texts  # '..' removed, not resolved
        assert not any(n.endswith("bin/tool") for n in bundle.names())
    assert diagbundle.inspect_bundle(bundle.result.path).ok


def test_zip_bomb_member_is_left_out(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "bomb.zip", {"zeros.log": b"0" * (64 << 20), "ok.log": LOG.encode()})
    bundle = _bundle(tmp_path, archive)
    assert "attachments/bomb.zip/ok.log" in bundle.names()
    assert "attachments/bomb.zip/zeros.log" not in bundle.names()
    assert "(a decompression bomb?), left out" in bundle.text("summary.md")


def test_gzip_bomb_stops_at_its_ratio_limit(tmp_path: Path) -> None:
    from diagbundle_plugins import attachments

    archive = tmp_path / "zeros.log.gz"
    archive.write_bytes(gzip.compress(b"0000000000\n" * (20 << 20), 9))  # 220 MB from ~200 KB
    bundle = _bundle(tmp_path, archive)
    kept = bundle.file("attachments/zeros.log.gz/zeros.log")["size"]
    assert kept <= max(attachments.RATIO_FLOOR, attachments.MAX_RATIO * archive.stat().st_size)
    assert "compression ratio limit" in bundle.text("summary.md")


def test_corrupt_archive_is_a_one_line_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    done = harness.run("collect", "--only", "attachments", "--attach", str(broken),
                       "-o", str(tmp_path / "b.zip"))
    assert done.returncode == 2
    harness.assert_one_line_error(done.stderr, "unreadable zip archive")
    assert not (tmp_path / "b.zip").exists()


def test_attach_folder_through_the_cli(tmp_path: Path) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "app.env").write_text(f"{SECRET}\nUSER_EMAIL={EMAIL}\n")
    out = tmp_path / "b.zip"
    done = harness.run("collect", "--only", "attachments", "--attach", str(folder), "-o", str(out))
    assert done.returncode == 0, done.stderr
    members = harness.members(out)
    _assert_clean(members["attachments/conf/app.env"])
    assert json.loads(members["manifest.json"])["complete"] is True


def test_pseudonyms_in_archive_names_are_file_system_safe(tmp_path: Path) -> None:
    folder = tmp_path / "users"
    (folder / "hana.user@example.com").mkdir(parents=True)
    (folder / "hana.user@example.com" / "app.log").write_text(f"login {EMAIL}\n")
    (folder / "token=ghp_OhbVrpoiVgRV5IfLBcbfnoGMbJmTPSIAoCLr.txt").write_text("x\n")
    bundle = _bundle(tmp_path, folder)
    names = [n for n in bundle.names() if n.startswith("attachments/")]
    assert "attachments/users/email-1/app.log" in names, names
    assert not any(c in n for n in names for c in "<>:[]"), names
    assert not any("hana.user" in n or "ghp_" in n for n in names), names
    assert any("REDACTED-" in n for n in names), names
