"""diagbundle.upload(): the record beside the bundle, file:// and presigned https:// PUT, through proxies."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
import zipfile
from pathlib import Path

import pytest
from diagbundle_plugins.uploaders import transfer
from sharing_servers import (  # noqa: F401
    Certs,
    Proxy,
    PutServer,
    auth_proxy,
    certs,
    make_bundle,
    put_server,
)

import diagbundle
from diagbundle import UploadError, UsageError
from diagbundle.testing import make_manager
from diagbundle.uploads import parse_duration, record_path, scrub_urls


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return make_bundle(tmp_path)


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transfer, "FIRST_PAUSE", 0.01)


@pytest.fixture
def trust(certs: Certs, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """Trust the test CA the way a user behind a company CA would: SSL_CERT_FILE."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certs.ca_pem))
    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_file_upload_copies_records_and_revokes(tmp_path: Path, bundle: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    seen: list[tuple[int, int]] = []
    result = diagbundle.upload(bundle, share.as_uri() + "/", progress=lambda s, t: seen.append((s, t)),
                               manager=make_manager())
    copy = share / "bundle.zip"
    assert copy.read_bytes() == bundle.read_bytes()
    assert result.link == copy.as_uri() and result.size == bundle.stat().st_size
    assert seen[-1] == (result.size, result.size)
    record = record_path(bundle)
    assert record.name == "bundle.zip.upload.json" and record.parent == bundle.parent
    assert record.stat().st_mode & 0o777 == 0o600
    entry = json.loads(record.read_text())["uploads"][0]
    assert entry["link"] == result.link and entry["sha256"] == result.sha256
    with zipfile.ZipFile(bundle) as zf:  # the bundle itself is untouched
        assert not any("upload" in n for n in zf.namelist())
    revoked = diagbundle.revoke(bundle, manager=make_manager())
    assert revoked[0]["revoked"] and not copy.exists()


def test_confirm_sees_host_and_size_and_can_decline(tmp_path: Path, bundle: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    asked: list[tuple[str, int]] = []

    def no(where: str, size: int) -> bool:
        asked.append((where, size))
        return False

    with pytest.raises(UploadError, match="declined") as info:
        diagbundle.upload(bundle, share.as_uri() + "/", confirm=no, manager=make_manager())
    assert info.value.exit_code == 7
    assert asked == [(share.as_uri() + "/", bundle.stat().st_size)]
    assert list(share.iterdir()) == [] and not record_path(bundle).exists()


def test_presigned_put_with_link_from_the_vendor(put_server: PutServer, bundle: Path, trust: None) -> None:  # noqa: F811
    put_server.answer = json.dumps({
        "link": "https://support.example.com/cases/1234/files/9",
        "expires": "2026-12-08T10:00:00Z",
        "revoke_url": f"https://127.0.0.1:{put_server.port}/upload/bundle.zip?X-Signature=abc123",
    }).encode()
    result = diagbundle.upload(bundle, put_server.url(), manager=make_manager())
    assert put_server.received["/upload/bundle.zip"] == bundle.read_bytes()
    assert put_server.headers["/upload/bundle.zip"]["Content-Length"] == str(bundle.stat().st_size)
    assert result.link == "https://support.example.com/cases/1234/files/9"
    assert result.expires == dt.datetime(2026, 12, 8, 10, tzinfo=dt.timezone.utc)
    # The PUT URL's signature is a credential: not in the destination, not in the record.
    assert "abc123" not in result.destination
    assert "abc123" not in json.dumps({k: v for k, v in json.loads(record_path(bundle).read_text())
                                       ["uploads"][0].items() if k != "revoke"})
    diagbundle.revoke(bundle, manager=make_manager())
    assert put_server.deleted == ["/upload/bundle.zip"]


def test_presigned_put_without_a_vendor_link(put_server: PutServer, bundle: Path, trust: None) -> None:  # noqa: F811
    result = diagbundle.upload(bundle, put_server.url(), manager=make_manager())
    assert result.link is None and any("no view link" in n for n in result.notes)
    given = diagbundle.upload(bundle, put_server.url(), link="https://support.example.com/x",
                              manager=make_manager())
    assert given.link == "https://support.example.com/x"
    assert len(json.loads(record_path(bundle).read_text())["uploads"]) == 2


def test_presigned_put_retries_a_flaky_server(put_server: PutServer, bundle: Path, trust: None) -> None:  # noqa: F811
    put_server.fail_first = [503, 502]
    diagbundle.upload(bundle, put_server.url(), manager=make_manager())
    assert put_server.received["/upload/bundle.zip"] == bundle.read_bytes()
    assert put_server.fail_first == []


def test_refused_presigned_put_is_explained_without_the_signature(
    put_server: PutServer, bundle: Path, trust: None  # noqa: F811
) -> None:
    url = put_server.url(query="X-Signature=wrong-sig-0123")
    with pytest.raises(UploadError) as info:
        diagbundle.upload(bundle, url, manager=make_manager())
    message = str(info.value)
    assert "SignatureDoesNotMatch" in message and "ask support for a new one" in message
    assert "wrong-sig-0123" not in message
    assert bundle.exists() and not record_path(bundle).exists()


def test_untrusted_certificate_is_explained(put_server: PutServer, bundle: Path,  # noqa: F811
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    for name in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(UploadError, match=r"TLS inspection .* is suspected"):
        diagbundle.upload(bundle, put_server.url(), manager=make_manager())


def test_through_a_proxy_that_wants_a_password(
    put_server: PutServer, auth_proxy: Proxy, bundle: Path, trust: None,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", auth_proxy.url)
    with pytest.raises(UploadError, match="proxy asks for a user name and password"):
        diagbundle.upload(bundle, put_server.url(), manager=make_manager())
    assert put_server.received == {}
    monkeypatch.setenv("HTTPS_PROXY", auth_proxy.url_with_auth)
    diagbundle.upload(bundle, put_server.url(), manager=make_manager())
    assert put_server.received["/upload/bundle.zip"] == bundle.read_bytes()
    assert f"CONNECT 127.0.0.1:{put_server.port}" in auth_proxy.requests_seen()


def test_bad_destinations_are_usage_errors(bundle: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no uploader for ftp://"):
        diagbundle.upload(bundle, "ftp://example.com/x", manager=make_manager())
    with pytest.raises(UsageError, match="give a URL"):
        diagbundle.upload(bundle, "/tmp/somewhere", manager=make_manager())
    with pytest.raises(UsageError, match="no such bundle"):
        diagbundle.upload(tmp_path / "missing.zip", "file:///tmp/", manager=make_manager())
    with pytest.raises(UsageError, match="no upload is recorded"):
        diagbundle.revoke(bundle, manager=make_manager())
    with pytest.raises(UploadError, match="does not exist or is not mounted"):
        diagbundle.upload(bundle, (tmp_path / "nope" / "x.zip").as_uri(), manager=make_manager())


def test_durations_and_url_scrubbing() -> None:
    assert parse_duration("12h") == 43200 and parse_duration("2d") == 172800 and parse_duration(90) == 90
    for bad in ("soon", "0h", "-1d"):
        with pytest.raises(UsageError):
            parse_duration(bad)
    text = "PUT https://user:pw@bucket.s3.amazonaws.com/k.zip?X-Amz-Signature=deadbeef failed"
    assert scrub_urls(text) == "PUT https://bucket.s3.amazonaws.com/k.zip?... failed"


def test_view_link_fetches_the_same_bytes(put_server: PutServer, bundle: Path, trust: None,  # noqa: F811
                                          certs: Certs) -> None:  # noqa: F811
    diagbundle.upload(bundle, put_server.url(), manager=make_manager())
    fetched = urllib.request.urlopen(put_server.url(), context=certs.client_context(), timeout=10).read()
    assert fetched == bundle.read_bytes()
