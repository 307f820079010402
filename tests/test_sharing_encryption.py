"""Encryption to a recipient: real bundles, pyrage, and Debian's age binary on the other side."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from diagbundle import api
from diagbundle.encryption import (
    DecryptError,
    decrypt_chunks,
    decrypt_file,
    encrypt_chunks,
    inspect_encrypted,
    load_identities,
    parse_recipients,
    write_encrypted,
)
from diagbundle.errors import InspectError, UsageError
from diagbundle.testing import make_manager

pyrage = pytest.importorskip("pyrage")

ZIP_MAGIC = b"PK\x03\x04"


@pytest.fixture
def age_key(tmp_path: Path) -> tuple[Path, str]:
    """An identity file made by Debian's age-keygen, and its public key."""
    keygen = shutil.which("age-keygen")
    if keygen is None:
        pytest.skip("Debian's age is not installed (apt-get install age; .ci/run installs it)")
    key = tmp_path / "support-key.txt"
    out = subprocess.run([keygen, "-o", str(key)], capture_output=True, text=True, check=True)
    public = out.stderr.strip().rpartition(" ")[2]
    assert public.startswith("age1")
    return key, public


@pytest.fixture
def ssh_key(tmp_path: Path) -> tuple[Path, str]:
    keygen = shutil.which("ssh-keygen")
    if keygen is None:
        pytest.skip("ssh-keygen is not installed")
    key = tmp_path / "id_ed25519"
    subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return key, (tmp_path / "id_ed25519.pub").read_text().strip()


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    """A log to attach: big enough for several age chunks (64 KiB each) and zip reads."""
    log = tmp_path / "input" / "app.log"
    log.parent.mkdir()
    lines = [f"2026-12-01T09:{i % 60:02d}:00Z worker-{i % 7} request {i:06d} took {i % 997} ms\n"
             for i in range(60000)]
    log.write_text("".join(lines))
    return log


def _plain_zips_under(*folders: Path) -> list[Path]:
    found = []
    for folder in folders:
        for root, _dirs, files in os.walk(folder):
            for f in files:
                p = Path(root, f)
                try:
                    with p.open("rb") as fh:
                        head = fh.read(4)
                except OSError:
                    continue
                if head == ZIP_MAGIC or p.suffix == ".zip":
                    found.append(p)
    return found


def _watched(chunks: Iterable[bytes], folders: list[Path], seen: list[Path]) -> Iterator[bytes]:
    """Pass ``chunks`` on, looking for a plain zip on disk before every one of them."""
    for chunk in chunks:
        seen.extend(_plain_zips_under(*folders))
        yield chunk
    seen.extend(_plain_zips_under(*folders))


def test_encrypted_run_round_trips_through_debian_age(
    tmp_path: Path, age_key: tuple[Path, str], log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, public = age_key
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    out.mkdir()
    tmp.mkdir()
    # Every temporary file of the run (the core's spools included) goes where the test can watch.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    target = out / "bundle.zip.age"
    seen: list[Path] = []
    stream = api.stream(only="attachments", attach=[log_file], manager=make_manager(), keep_mapping=False)
    size = write_encrypted(target, _watched(stream, [out, tmp], seen), parse_recipients([public]))
    assert seen == [], f"plain zip on disk during an encrypted run: {seen}"
    assert sorted(p.name for p in out.iterdir()) == ["bundle.zip.age"]
    assert target.stat().st_size == size
    assert target.stat().st_mode & 0o777 == 0o600
    assert target.read_bytes().startswith(b"age-encryption.org/v1\n")

    # Support's side, with Debian's age.
    plain = tmp_path / "by-age.zip"
    subprocess.run(["age", "-d", "-i", str(key), "-o", str(plain), str(target)], check=True)
    with zipfile.ZipFile(plain) as zf:
        assert zf.read("attachments/app.log") == log_file.read_bytes()
        assert "manifest.json" in zf.namelist()
    # And with the library's decrypt: the same bytes.
    ours = decrypt_file(target, key, tmp_path / "ours.zip")
    assert ours.read_bytes() == plain.read_bytes()
    assert ours.stat().st_mode & 0o777 == 0o600


def test_debian_age_encrypts_and_we_decrypt_and_inspect(
    tmp_path: Path, age_key: tuple[Path, str], log_file: Path
) -> None:
    key, public = age_key
    bundle = api.collect(tmp_path / "b.zip", only="attachments", attach=[log_file], manager=make_manager(),
                         keep_mapping=False)
    armored = tmp_path / "b.zip.age"
    subprocess.run(["age", "-a", "-r", public, "-o", str(armored), str(bundle.path)], check=True)
    assert b"".join(decrypt_chunks(armored, load_identities(key))) == bundle.path.read_bytes()
    report = inspect_encrypted(armored, load_identities(key))
    assert report.ok and {f.path for f in report.files} >= {"attachments/app.log", "summary.md"}


def test_ssh_recipient_round_trip(tmp_path: Path, ssh_key: tuple[Path, str]) -> None:
    key, public = ssh_key
    data = os.urandom(300_000)
    cipher = b"".join(encrypt_chunks([data[:1000], data[1000:]], parse_recipients([public])))
    src = tmp_path / "x.age"
    src.write_bytes(cipher)
    assert b"".join(decrypt_chunks(src, load_identities(key))) == data


def test_inspect_encrypted_checks_hashes_with_little_memory_left_for_the_tail(
    tmp_path: Path, age_key: tuple[Path, str], log_file: Path
) -> None:
    key, public = age_key
    target = tmp_path / "b.zip.age"
    stream = api.stream(only="attachments", attach=[log_file], manager=make_manager(), keep_mapping=False)
    write_encrypted(target, stream, parse_recipients([public]))
    ids = load_identities(key)
    # A tail far smaller than the central directory: every read goes through re-decryption.
    for tail in (0, 100, 1 << 20):
        report = inspect_encrypted(target, ids, tail_bytes=tail)
        assert report.ok, report.problems
        assert report.bundle == str(target)


def test_inspect_encrypted_finds_a_tampered_member(tmp_path: Path, age_key: tuple[Path, str]) -> None:
    key, public = age_key
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", b"hello")
        digest = hashlib.sha256(b"HELLO").hexdigest()  # the manifest promises other bytes
        zf.writestr("manifest.json", f'{{"files": [{{"path": "a.txt", "size": 5, "sha256": "{digest}"}}]}}')
    target = tmp_path / "t.zip.age"
    write_encrypted(target, [buf.getvalue()], parse_recipients([public]))
    report = inspect_encrypted(target, load_identities(key))
    assert not report.ok
    assert report.problems == ["a.txt: sha256 does not match the manifest"]


def test_encrypted_non_zip_is_an_inspect_error(tmp_path: Path, age_key: tuple[Path, str]) -> None:
    key, public = age_key
    target = tmp_path / "n.age"
    write_encrypted(target, [b"not a zip at all" * 100], parse_recipients([public]))
    with pytest.raises(InspectError, match="not a zip"):
        inspect_encrypted(target, load_identities(key))


def test_wrong_identity_and_non_age_file_are_decrypt_errors(
    tmp_path: Path, age_key: tuple[Path, str]
) -> None:
    key, public = age_key
    target = tmp_path / "b.age"
    write_encrypted(target, [b"secret bytes"], parse_recipients([public]))
    other = tmp_path / "other.txt"
    other.write_text(str(pyrage.x25519.Identity.generate()) + "\n")
    with pytest.raises(DecryptError, match="encrypted for someone else") as info:
        decrypt_file(target, other, tmp_path / "out.bin")
    assert info.value.exit_code == 3
    assert not (tmp_path / "out.bin").exists()
    plain = tmp_path / "plain.zip"
    plain.write_bytes(b"PK\x03\x04 not encrypted")
    with pytest.raises(DecryptError, match="not an age-encrypted file"):
        decrypt_file(plain, key, tmp_path / "out2.bin")


def test_truncated_file_leaves_no_output(tmp_path: Path, age_key: tuple[Path, str]) -> None:
    key, public = age_key
    target = tmp_path / "b.zip.age"
    write_encrypted(target, [os.urandom(200_000)], parse_recipients([public]))
    target.write_bytes(target.read_bytes()[:-1000])
    with pytest.raises(DecryptError, match="cut short or altered"):
        decrypt_file(target, key)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.zip.age", "support-key.txt"]


def test_a_failing_bundle_stream_leaves_no_encrypted_file(tmp_path: Path, age_key: tuple[Path, str]) -> None:
    _key, public = age_key

    def chunks() -> Iterator[bytes]:
        yield b"x" * 100_000
        raise OSError(28, "No space left on device")

    with pytest.raises(Exception, match="No space left"):
        write_encrypted(tmp_path / "b.zip.age", chunks(), parse_recipients([public]))
    assert [p.name for p in tmp_path.iterdir()] == ["support-key.txt"]


def test_bad_recipients_and_identities_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not an age public key"):
        parse_recipients(["alice@example.com"])
    with pytest.raises(UsageError, match="not a valid public key"):
        parse_recipients(["age1notreallyakey"])
    keys = tmp_path / "vendor.keys"
    keys.write_text("# Acme support\n" + str(pyrage.x25519.Identity.generate().to_public()) + "\n")
    assert len(parse_recipients([str(keys)])) == 1
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n")
    with pytest.raises(UsageError, match="no age identity"):
        load_identities(empty)
    with pytest.raises(UsageError, match="No such file"):
        load_identities(tmp_path / "missing.txt")
