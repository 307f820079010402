"""s3:// uploads against moto's S3 server on 127.0.0.1; the presigned link checked by re-signing it."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sharing_servers import S3, Proxy, auth_proxy, make_bundle, moto_s3  # noqa: F401

import diagbundle
from diagbundle import UploadError
from diagbundle.testing import make_manager
from diagbundle.uploads import record_path

botocore_auth = pytest.importorskip("botocore.auth")


def _resign(link: str, secret_key: str, access_key: str, region: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Sign the same GET again with botocore, at the link's own X-Amz-Date, and return its signature."""
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    parts = urllib.parse.urlsplit(link)
    query = urllib.parse.parse_qs(parts.query)
    signed_at = dt.datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
    monkeypatch.setattr(botocore_auth, "get_current_datetime", lambda *a, **k: signed_at)
    auth = botocore_auth.S3SigV4QueryAuth(
        Credentials(access_key, secret_key), "s3", region, expires=int(query["X-Amz-Expires"][0])
    )
    request = AWSRequest(method="GET", url=urllib.parse.urlunsplit(parts._replace(query="")))
    auth.add_auth(request)
    resigned = urllib.parse.parse_qs(urllib.parse.urlsplit(request.url).query)
    return str(resigned["X-Amz-Signature"][0])


def test_upload_then_the_presigned_get_returns_the_same_bytes(
    tmp_path: Path, moto_s3: S3, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    bundle = make_bundle(tmp_path)
    before = dt.datetime.now(dt.timezone.utc)
    result = diagbundle.upload(bundle, f"s3://{moto_s3.bucket}/cases/1234/", manager=make_manager())
    assert result.destination == f"s3://{moto_s3.bucket}/cases/1234/bundle.zip"
    assert result.link is not None
    assert urllib.request.urlopen(result.link, timeout=10).read() == bundle.read_bytes()

    query = urllib.parse.parse_qs(urllib.parse.urlsplit(result.link).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]  # SigV4, never SigV2
    assert query["X-Amz-Expires"] == [str(7 * 86400)]  # the default: SigV4's maximum
    assert query["X-Amz-SignedHeaders"] == ["host"]
    assert query["X-Amz-Credential"][0].startswith("AKIATESTSUPPORTUPLD/")
    assert query["X-Amz-Credential"][0].endswith("/eu-west-1/s3/aws4_request")
    # A GET link: the signature is the one for method GET, not PUT or DELETE.
    signature = _resign(result.link, "test-secret-key-for-moto-only", "AKIATESTSUPPORTUPLD", "eu-west-1",
                        monkeypatch)
    assert query["X-Amz-Signature"] == [signature]
    assert result.expires is not None
    assert abs((result.expires - before).total_seconds() - 7 * 86400) < 60


def test_expires_is_honoured_and_capped(tmp_path: Path, moto_s3: S3) -> None:  # noqa: F811
    bundle = make_bundle(tmp_path)
    short = diagbundle.upload(bundle, f"s3://{moto_s3.bucket}/a.zip", expires="12h", manager=make_manager())
    assert short.link is not None and "X-Amz-Expires=43200" in short.link
    long = diagbundle.upload(bundle, f"s3://{moto_s3.bucket}/b.zip", expires="30d", manager=make_manager())
    assert long.link is not None and "X-Amz-Expires=604800" in long.link
    assert any("at most 7 days" in n for n in long.notes)


def test_temporary_credentials_shorten_the_reported_expiry(
    tmp_path: Path, moto_s3: S3, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    bundle = make_bundle(tmp_path)
    ends = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2)).replace(microsecond=0)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEXAMPLETOKEN")
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", ends.isoformat().replace("+00:00", "Z"))
    result = diagbundle.upload(bundle, f"s3://{moto_s3.bucket}/t.zip", expires="2d", manager=make_manager())
    assert result.expires == ends
    assert any("temporary credentials" in n for n in result.notes)
    record = json.loads(record_path(bundle).read_text())["uploads"][0]
    assert record["expires"] == ends.isoformat()


def test_multipart_with_progress(tmp_path: Path, moto_s3: S3) -> None:  # noqa: F811
    bundle = make_bundle(tmp_path, random_bytes=12 << 20)
    seen: list[int] = []
    result = diagbundle.upload(bundle, f"s3://{moto_s3.bucket}/big.zip", part_size=5 << 20,
                               progress=lambda sent, total: seen.append(sent), manager=make_manager())
    size = bundle.stat().st_size
    assert seen == sorted(seen) and seen[-1] == size and len(seen) >= 3
    head = moto_s3.client.head_object(Bucket=moto_s3.bucket, Key="big.zip")
    assert head["ETag"].strip('"').endswith("-3")  # three parts: 5 + 5 + the rest
    assert result.link is not None
    assert urllib.request.urlopen(result.link, timeout=30).read() == bundle.read_bytes()


def test_revoke_deletes_the_object(tmp_path: Path, moto_s3: S3) -> None:  # noqa: F811
    bundle = make_bundle(tmp_path)
    result = diagbundle.upload(bundle, f"s3://{moto_s3.bucket}/r.zip", manager=make_manager())
    diagbundle.revoke(bundle, manager=make_manager())
    assert result.link is not None
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(result.link, timeout=10)
    assert info.value.code == 404


def test_no_such_bucket_is_explained(tmp_path: Path, moto_s3: S3) -> None:  # noqa: F811
    bundle = make_bundle(tmp_path)
    with pytest.raises(UploadError, match=r"NoSuchBucket.*check the bucket name"):
        diagbundle.upload(bundle, "s3://no-such-bucket/x.zip", manager=make_manager())
    assert bundle.exists() and not record_path(bundle).exists()


def test_unreachable_endpoint_is_explained(tmp_path: Path, moto_s3: S3, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
                                           ) -> None:
    from sharing_servers import free_port

    bundle = make_bundle(tmp_path)
    with pytest.raises(UploadError, match="refused the connection"):
        diagbundle.upload(bundle, f"s3://{moto_s3.bucket}/x.zip", manager=make_manager(),
                          endpoint_url=f"http://127.0.0.1:{free_port()}")


def test_through_a_proxy_that_wants_a_password(
    tmp_path: Path, moto_s3: S3, auth_proxy: Proxy, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    bundle = make_bundle(tmp_path)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", auth_proxy.url)  # moto's endpoint is plain http on loopback
    with pytest.raises(UploadError, match="proxy asks for a user name and password"):
        diagbundle.upload(bundle, f"s3://{moto_s3.bucket}/p.zip", manager=make_manager())
    monkeypatch.setenv("HTTP_PROXY", auth_proxy.url_with_auth)
    result = diagbundle.upload(bundle, f"s3://{moto_s3.bucket}/p.zip", manager=make_manager())
    assert result.link is not None
    assert f"PUT http://127.0.0.1:{moto_s3.endpoint.rpartition(':')[2]}/" in auth_proxy.requests_seen()
