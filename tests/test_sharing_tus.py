"""tus+https:// on tuspyserver (loopback): cut off midway, resumed in the same run and by a new process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from diagbundle_plugins.uploaders import transfer
from sharing_servers import Certs, Proxy, Tus, auth_proxy, certs, cutting_relay, make_bundle, tus_server  # noqa: F401

import diagbundle
from diagbundle import UploadError
from diagbundle.testing import make_manager
from diagbundle.uploads import STATE_SUFFIX, record_path

CHUNK = 256 << 10


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transfer, "FIRST_PAUSE", 0.01)


def _stored(tus: Tus, link: str) -> bytes:
    uid = link.rstrip("/").rpartition("/")[2]
    return (tus.files / uid).read_bytes()


def test_upload_and_revoke(tmp_path: Path, tus_server: Tus) -> None:  # noqa: F811
    bundle = make_bundle(tmp_path)
    result = diagbundle.upload(bundle, tus_server.url(), chunk_size=CHUNK, manager=make_manager())
    assert result.link is not None and result.link.startswith(f"https://127.0.0.1:{tus_server.port}/files/")
    assert _stored(tus_server, result.link) == bundle.read_bytes()
    assert result.expires is not None  # tuspyserver sends Upload-Expires
    assert not bundle.with_name(bundle.name + STATE_SUFFIX).exists()  # done: no resume state left
    diagbundle.revoke(bundle, manager=make_manager())
    uid = result.link.rstrip("/").rpartition("/")[2]
    assert not (tus_server.files / uid).exists()


def test_cut_off_midway_resumes_in_the_same_run(tmp_path: Path, tus_server: Tus, cutting_relay: Any) -> None:  # noqa: F811
    bundle = make_bundle(tmp_path, random_bytes=2 << 20)
    size = bundle.stat().st_size
    relay = cutting_relay(tus_server.port, cut_after=size // 2)
    seen: list[int] = []
    url = f"tus+https://127.0.0.1:{relay.port}/files/"
    result = diagbundle.upload(bundle, url, chunk_size=CHUNK, progress=lambda s, t: seen.append(s),
                               manager=make_manager())
    assert relay.cuts == 1 and relay.connections >= 2  # it was cut, and it came back
    assert seen[-1] == size and seen == sorted(seen)
    assert result.link is not None
    assert _stored(tus_server, result.link) == bundle.read_bytes()


def test_a_second_invocation_resumes_after_a_crash(tmp_path: Path, tus_server: Tus, certs: Certs) -> None:  # noqa: F811
    bundle = make_bundle(tmp_path, random_bytes=2 << 20)
    size = bundle.stat().st_size
    # A first process uploads a third of the bundle, then dies without any cleanup (SIGKILL).
    script = textwrap.dedent(f"""
        import os, signal, diagbundle
        from diagbundle.testing import make_manager
        def progress(sent, total):
            if sent >= total // 3:
                os.kill(os.getpid(), signal.SIGKILL)
        diagbundle.upload({str(bundle)!r}, {tus_server.url()!r}, chunk_size={CHUNK}, progress=progress,
                          manager=make_manager())
    """)
    env = {**os.environ, "REQUESTS_CA_BUNDLE": str(certs.ca_pem)}
    first = subprocess.run([sys.executable, "-c", script], env=env, timeout=120, capture_output=True)
    assert first.returncode == -9, first.stderr.decode()
    state = bundle.with_name(bundle.name + STATE_SUFFIX)
    assert state.stat().st_mode & 0o777 == 0o600
    upload_url = json.loads(state.read_text())["url"]
    uid = upload_url.rstrip("/").rpartition("/")[2]
    partial = (tus_server.files / uid).stat().st_size
    assert size // 3 <= partial < size
    assert not record_path(bundle).exists()

    # The second invocation starts where the server stopped, not at 0.
    seen: list[int] = []
    result = diagbundle.upload(bundle, tus_server.url(), chunk_size=CHUNK,
                               progress=lambda s, t: seen.append(s), manager=make_manager())
    assert result.link == upload_url
    assert seen[0] == partial + CHUNK or seen[0] == size
    assert _stored(tus_server, result.link) == bundle.read_bytes()
    assert not state.exists()


def test_through_a_proxy_that_wants_a_password(
    tmp_path: Path, tus_server: Tus, auth_proxy: Proxy, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    bundle = make_bundle(tmp_path)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", auth_proxy.url)
    with pytest.raises(UploadError, match="proxy asks for a user name and password"):
        diagbundle.upload(bundle, tus_server.url(), chunk_size=CHUNK, manager=make_manager())
    monkeypatch.setenv("HTTPS_PROXY", auth_proxy.url_with_auth)
    result = diagbundle.upload(bundle, tus_server.url(), chunk_size=CHUNK, manager=make_manager())
    assert result.link is not None and _stored(tus_server, result.link) == bundle.read_bytes()
    assert f"CONNECT 127.0.0.1:{tus_server.port}" in auth_proxy.requests_seen()
