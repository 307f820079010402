"""``s3://BUCKET/KEY``: an upload with the user's own credentials, then a presigned GET link.

For users who have a bucket (theirs or one the vendor shares). boto3 finds
credentials the usual way (environment, ``~/.aws``, SSO, instance role) and
proxies from ``HTTPS_PROXY``; ``--endpoint-url`` or ``AWS_ENDPOINT_URL``
points it at any S3-compatible store. Above the part size the upload is
multipart, with progress. The view link is a SigV4 presigned GET, always
SigV4 (SigV2 links are refused by new regions and cannot be limited to a
week): at most 7 days, and no longer than the credentials that sign it
live, so temporary credentials shorten it and the real expiry is reported.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import urllib.parse
from collections.abc import Mapping
from typing import Any

from diagbundle import UploadError, UploadJob, UploadResult, UsageError
from diagbundle_plugins.neterrors import classify_status
from diagbundle_plugins.uploaders.options import DEFAULT_PART_SIZE, MIN_PART_SIZE
from diagbundle_plugins.uploaders.transfer import ATTEMPTS, content_type, failure

#: SigV4's limit for a presigned URL: 7 days.
MAX_EXPIRES = 7 * 86400


def _boto() -> tuple[Any, Any, Any]:
    try:
        import boto3
        import boto3.s3.transfer
        import botocore.config
    except ImportError as err:
        raise UsageError("s3:// uploads need boto3: pip install 'diagbundle[s3]'") from err
    return boto3, boto3.s3.transfer, botocore.config


def parse_url(url: str, name: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    bucket, key = parts.netloc, parts.path.lstrip("/")
    if not bucket:
        raise UsageError(f"--to {url}: name a bucket (s3://BUCKET/KEY)")
    if not key or key.endswith("/"):
        key += name
    return bucket, key


def _client(endpoint_url: str | None, timeout: float) -> tuple[Any, Any]:
    boto3, _, config = _boto()
    session = boto3.session.Session()
    credentials = session.get_credentials()
    if credentials is None:
        raise UploadError(
            "no AWS credentials found for s3:// (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, "
            "or use the vendor's https:// upload link instead)"
        )
    endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    client = session.client(
        "s3",
        endpoint_url=endpoint or None,
        region_name=session.region_name or "us-east-1",
        config=config.Config(
            signature_version="s3v4",
            retries={"max_attempts": ATTEMPTS, "mode": "standard"},
            connect_timeout=min(timeout, 30.0),
            read_timeout=timeout,
            s3={"addressing_style": "path"} if endpoint else {},
        ),
    )
    return client, credentials


def upload(job: UploadJob) -> UploadResult:
    _, transfer, _ = _boto()
    bucket, key = parse_url(job.url, job.path.name)
    client, credentials = _client(job.options.get("endpoint_url"), job.timeout)
    part = int(job.options.get("part_size") or DEFAULT_PART_SIZE)
    if part < MIN_PART_SIZE:
        raise UsageError(f"--part-size must be at least {MIN_PART_SIZE} bytes (S3's smallest part)")
    sent = 0
    lock = threading.Lock()

    def progress(n: int) -> None:
        nonlocal sent
        with lock:
            sent += n
            if job.progress is not None:
                job.progress(min(sent, job.size), job.size)

    config = transfer.TransferConfig(multipart_threshold=part, multipart_chunksize=part, max_concurrency=4)
    where = f"s3://{bucket}/{key}"
    try:
        client.upload_file(str(job.path), bucket, key, ExtraArgs={"ContentType": content_type(job.path)},
                           Callback=progress, Config=config)
        head = client.head_object(Bucket=bucket, Key=key)
        if int(head["ContentLength"]) != job.size:
            raise UploadError(f"{where} holds {head['ContentLength']} bytes, not the bundle's {job.size}")
        signed_at = dt.datetime.now(dt.timezone.utc)
        wanted = int(min(job.expires or MAX_EXPIRES, MAX_EXPIRES))
        link = client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=wanted
        )
    except UploadError:
        raise
    except Exception as err:
        raise UploadError(_explain(err, where, client)) from None
    expires = signed_at + dt.timedelta(seconds=wanted)
    notes: list[str] = []
    if job.expires is not None and job.expires > MAX_EXPIRES:
        notes.append("a presigned S3 link lasts at most 7 days: it expires sooner than asked")
    # botocore keeps the expiry of refreshable (temporary) credentials only here.
    cred_expiry = getattr(credentials, "_expiry_time", None)
    if isinstance(cred_expiry, dt.datetime) and cred_expiry < expires:
        expires = cred_expiry
        notes.append("signed with temporary credentials: the link stops working when they expire")
    elif getattr(credentials, "token", None) and cred_expiry is None:
        notes.append("signed with temporary credentials (a session token): the link stops working when "
                     "they expire, which may be sooner than shown")
    return UploadResult(
        destination=where,
        link=link,
        size=job.size,
        sha256=job.sha256,
        expires=expires,
        revoke={"bucket": bucket, "key": key, "endpoint_url": client.meta.endpoint_url},
        notes=tuple(notes),
    )


def revoke(record: Mapping[str, Any]) -> None:
    """Delete the object: the presigned link then answers 404."""
    client, _ = _client(str(record.get("endpoint_url") or "") or None, 30.0)
    where = f"s3://{record['bucket']}/{record['key']}"
    try:
        client.delete_object(Bucket=record["bucket"], Key=record["key"])
    except Exception as err:
        raise UploadError(_explain(err, where, client, "revoking")) from None


def _explain(err: BaseException, where: str, client: Any, what: str = "the upload") -> str:
    """S3's own error code when it answered (NoSuchBucket, AccessDenied ...), else the network failure."""
    chain: list[BaseException] = []
    e: BaseException | None = err
    while e is not None and len(chain) < 10:
        chain.append(e)
        e = e.__cause__ or e.__context__
    for e in chain:
        response = getattr(e, "response", None)
        if isinstance(response, dict) and "Error" in response:
            meta = response.get("ResponseMetadata") or {}
            # A proxy's or firewall's answer (407, a block page) parses as an S3 error without a code.
            in_the_way = classify_status(int(meta.get("HTTPStatusCode") or 0), meta.get("HTTPHeaders") or {})
            if in_the_way is not None:
                return f"{what} to {where} failed: {in_the_way.message}"
            code = response["Error"].get("Code", "?")
            message = response["Error"].get("Message", "")
            hint = {
                "NoSuchBucket": "check the bucket name",
                "AccessDenied": "these credentials may not write there",
                "InvalidAccessKeyId": "the access key is not known to this endpoint",
                "SignatureDoesNotMatch": "the secret key does not match the access key",
                "ExpiredToken": "the temporary credentials have expired",
            }.get(str(code), "")
            return f"{what} to {where} failed: S3 answered {code}" + (f" ({message})" if message else "") + (
                f": {hint}" if hint else "")
    return f"{what} to {where} failed: {failure(err, client.meta.endpoint_url).message}"
