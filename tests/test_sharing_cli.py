"""The sharing commands as a user runs them: collect --encrypt-to/--upload, upload, decrypt, inspect -i."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from core_plugins import harness
from sharing_servers import Certs, PutServer, certs, put_server  # noqa: F401

pytest.importorskip("pyrage")


@pytest.fixture
def work(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "app.log").write_text("GET /api/items 200 carol@example.com\n" * 2000)
    return folder


@pytest.fixture
def key(work: Path) -> tuple[Path, str]:
    keygen = shutil.which("age-keygen")
    if keygen is None:
        pytest.skip("Debian's age is not installed (apt-get install age; .ci/run installs it)")
    path = work.parent / "support-key.txt"
    out = subprocess.run([keygen, "-o", str(path)], capture_output=True, text=True, check=True)
    return path, out.stderr.strip().rpartition(" ")[2]


def _config(tmp_path: Path, body: str) -> dict[str, str]:
    """An environment whose user config file holds ``body``."""
    home = tmp_path / "config-home"
    (home / "diagbundle").mkdir(parents=True)
    (home / "diagbundle" / "config.toml").write_text(body)
    return {**harness.child_env(), "XDG_CONFIG_HOME": str(home)}


def test_collect_encrypt_to_then_inspect_and_decrypt(work: Path, key: tuple[Path, str]) -> None:
    identity, public = key
    done = harness.run("collect", "--only", "attachments", "--attach", "app.log", "--encrypt-to", public,
                       "-o", "case.zip", cwd=work)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "case.zip.age"
    assert sorted(p.name for p in work.iterdir()) == ["app.log", "case.zip.age"]  # no plain zip

    shown = harness.run("inspect", "case.zip.age", "-i", str(identity), "--json", cwd=work)
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert report["ok"] and "attachments/app.log" in {f["path"] for f in report["files"]}
    assert sorted(p.name for p in work.iterdir()) == ["app.log", "case.zip.age"]  # still none

    opened = harness.run("decrypt", "case.zip.age", "-i", str(identity), cwd=work)
    assert opened.returncode == 0, opened.stderr
    with zipfile.ZipFile(work / "case.zip") as zf:
        assert "attachments/app.log" in zf.namelist()
    by_age = subprocess.run(["age", "-d", "-i", str(identity), str(work / "case.zip.age")],
                            capture_output=True, check=True).stdout
    assert by_age == (work / "case.zip").read_bytes()


def test_decrypt_and_inspect_refusals(work: Path, key: tuple[Path, str]) -> None:
    identity, public = key
    harness.run("collect", "--only", "attachments", "--attach", "app.log", "--encrypt-to", public,
                "-o", "b.zip", cwd=work)
    other = work.parent / "other.txt"
    subprocess.run(["age-keygen", "-o", str(other)], capture_output=True, check=True)
    wrong = harness.run("decrypt", "b.zip.age", "-i", str(other), "-o", "x.zip", cwd=work)
    assert wrong.returncode == 3
    harness.assert_one_line_error(wrong.stderr, "encrypted for someone else")
    plain = harness.run("decrypt", "app.log", "-i", str(identity), "-o", "y.zip", cwd=work)
    assert plain.returncode == 3
    harness.assert_one_line_error(plain.stderr, "not an age-encrypted file")
    no_key = harness.run("inspect", "b.zip.age", cwd=work)
    assert no_key.returncode == 2
    harness.assert_one_line_error(no_key.stderr, "-i IDENTITY")
    bad_key = harness.run("collect", "--only", "attachments", "--attach", "app.log", "--encrypt-to", "bob",
                          cwd=work)
    assert bad_key.returncode == 2
    harness.assert_one_line_error(bad_key.stderr, "not an age public key")
    assert sorted(p.name for p in work.iterdir()) == ["app.log", "b.zip.age"]


def test_share_config_encrypts_by_default(tmp_path: Path, work: Path, key: tuple[Path, str]) -> None:
    _identity, public = key
    env = _config(tmp_path, f'[share]\nencrypt_to = ["{public}"]\n')
    done = harness.run("collect", "--only", "attachments", "--attach", "app.log", "-o", "a.zip", cwd=work,
                       env=env)
    assert done.returncode == 0, done.stderr
    assert (work / "a.zip.age").read_bytes().startswith(b"age-encryption.org/v1\n")
    plain = harness.run("collect", "--only", "attachments", "--attach", "app.log", "--no-encrypt",
                        "-o", "b.zip", cwd=work, env=env)
    assert plain.returncode == 0, plain.stderr
    assert zipfile.is_zipfile(work / "b.zip")


def test_collect_upload_to_a_shared_folder_and_a_failing_one(tmp_path: Path, work: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    done = harness.run("collect", "--only", "attachments", "--attach", "app.log", "-o", "c.zip",
                       "--upload", share.as_uri() + "/", "--json", cwd=work)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["upload"]["link"] == (share / "c.zip").as_uri()
    assert (share / "c.zip").read_bytes() == (work / "c.zip").read_bytes()
    assert (work / "c.zip.upload.json").stat().st_mode & 0o777 == 0o600

    failed = harness.run("collect", "--only", "attachments", "--attach", "app.log", "-o", "d.zip",
                         "--upload", (tmp_path / "not-mounted").as_uri() + "/", cwd=work)
    assert failed.returncode == 7
    assert "not mounted" in failed.stderr and "The bundle is kept: d.zip" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert zipfile.is_zipfile(work / "d.zip")


def test_upload_with_default_destination_revoke_and_json(
    tmp_path: Path, work: Path, put_server: PutServer, certs: Certs  # noqa: F811
) -> None:
    harness.run("collect", "--only", "attachments", "--attach", "app.log", "-o", "e.zip", cwd=work)
    put_server.answer = json.dumps({"link": "https://support.example.com/f/1",
                                    "revoke_url": put_server.url(path="/upload/e.zip")}).encode()
    config = f'[share]\nupload = "{put_server.url(path="/upload/e.zip")}"\nexpires = "2d"\n'
    env = {**_config(tmp_path, config), "SSL_CERT_FILE": str(certs.ca_pem)}
    for name in ("HTTPS_PROXY", "https_proxy"):
        env.pop(name, None)
    done = harness.run("upload", "e.zip", "--json", cwd=work, env=env)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["link"] == "https://support.example.com/f/1"
    # [share] expires was applied: a presigned PUT says it cannot honour it.
    assert any("--expires has no effect" in n for n in answer["notes"])
    assert put_server.received["/upload/e.zip"] == (work / "e.zip").read_bytes()
    assert "abc123" not in done.stdout  # the PUT URL's signature is not printed
    revoked = harness.run("upload", "--revoke", "e.zip", cwd=work, env=env)
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in revoked.stdout and put_server.deleted == ["/upload/e.zip"]


def test_usage_errors_before_anything_is_collected(work: Path) -> None:
    cases = [
        (["--upload", "ftp://x/y"], "no uploader for ftp://"),
        (["--upload", "file:///tmp/", "-o", "-"], "leave out -o -"),
        (["--expires", "2d"], "--expires goes with --upload"),
        (["--upload", "file:///tmp/", "--expires", "soon"], "duration"),
    ]
    for extra, needle in cases:
        done = harness.run("collect", "--only", "attachments", "--attach", "app.log", *extra, cwd=work)
        assert done.returncode == 2, (extra, done.stderr)
        harness.assert_one_line_error(done.stderr, needle)
    nowhere = harness.run("upload", "app.log", cwd=work)
    assert nowhere.returncode == 2
    harness.assert_one_line_error(nowhere.stderr, "--to URL")
    assert sorted(p.name for p in work.iterdir()) == ["app.log"]


def _on_a_terminal(args: list[str], answer: bytes, cwd: Path) -> tuple[int, str]:
    """Run the CLI with a terminal as stdin and stderr, type ``answer`` when asked; (exit code, screen)."""
    leader, follower = pty.openpty()
    child = subprocess.Popen(harness.command(*args), stdin=follower, stdout=subprocess.PIPE, stderr=follower,
                             cwd=cwd, env=harness.child_env())
    os.close(follower)
    screen = b""
    deadline = time.monotonic() + 60
    answered = False
    try:
        while time.monotonic() < deadline:
            try:
                data = os.read(leader, 4096)
            except OSError:  # the child closed the terminal: it has exited
                break
            screen += data
            if not answered and b"(y/N)" in screen:
                os.write(leader, answer)
                answered = True
    finally:
        os.close(leader)
    child.wait(30)
    return child.returncode, screen.decode(errors="replace")


def test_terminal_confirmation_names_destination_and_size(tmp_path: Path, work: Path) -> None:
    harness.run("collect", "--only", "attachments", "--attach", "app.log", "-o", "f.zip", cwd=work)
    size = (work / "f.zip").stat().st_size
    share = tmp_path / "share"
    share.mkdir()
    code, screen = _on_a_terminal(["upload", "f.zip", "--to", share.as_uri() + "/"], b"n\n", work)
    assert code == 7 and "declined" in screen
    assert f"to {share.as_uri()}/?" in screen and f"{size / 1000:.1f} KB" in screen
    assert list(share.iterdir()) == []
    code, screen = _on_a_terminal(["upload", "f.zip", "--to", share.as_uri() + "/"], b"y\n", work)
    assert code == 0, screen
    assert "uploading:" in screen  # progress on the terminal
    assert (share / "f.zip").read_bytes() == (work / "f.zip").read_bytes()


def test_encrypted_to_stdout_and_encrypted_upload(tmp_path: Path, work: Path, key: tuple[Path, str]) -> None:
    identity, public = key
    streamed = harness.run("collect", "--only", "attachments", "--attach", "app.log", "--encrypt-to", public,
                           "-o", "-", cwd=work, text=False)
    assert streamed.returncode == 0, streamed.stderr
    assert streamed.stdout.startswith(b"age-encryption.org/v1\n")
    plain = subprocess.run(["age", "-d", "-i", str(identity)], input=streamed.stdout, capture_output=True,
                           check=True).stdout
    assert plain.startswith(b"PK\x03\x04")
    assert sorted(p.name for p in work.iterdir()) == ["app.log"]  # nothing written beside it

    share = tmp_path / "share"
    share.mkdir()
    done = harness.run("collect", "--only", "attachments", "--attach", "app.log", "--encrypt-to", public,
                       "-o", "g.zip", "--upload", share.as_uri() + "/", cwd=work)
    assert done.returncode == 0, done.stderr
    assert (share / "g.zip.age").read_bytes() == (work / "g.zip.age").read_bytes()
    assert f"Link for support: {(share / 'g.zip.age').as_uri()}" in done.stdout
    assert sorted(p.name for p in work.iterdir()) == ["app.log", "g.zip.age", "g.zip.age.upload.json"]


def test_ctrl_c_during_an_upload_says_the_bundle_is_kept(work: Path) -> None:
    import signal
    import socket

    harness.run("collect", "--only", "attachments", "--attach", "app.log", "-o", "h.zip", cwd=work)
    silent = socket.socket()  # accepts and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    silent.settimeout(60)
    url = f"https://127.0.0.1:{silent.getsockname()[1]}/x"
    try:
        child = subprocess.Popen(harness.command("upload", "h.zip", "--to", url, "-y"), cwd=work,
                                 env=harness.child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        conn, _ = silent.accept()  # the upload has started: it waits for the TLS answer
        time.sleep(0.2)
        child.send_signal(signal.SIGINT)
        _out, err = child.communicate(timeout=30)
        conn.close()
    finally:
        silent.close()
    assert child.returncode == 130, err
    harness.assert_one_line_error(err, "the upload did not complete", "h.zip is kept")
    assert (work / "h.zip").exists()
