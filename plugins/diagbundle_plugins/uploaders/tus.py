"""``tus+https://``: a resumable upload (tus 1.0: core, creation, expiration, termination).

The bundle goes up in chunks (``PATCH`` at ``Upload-Offset``). When the
connection breaks, the next try asks the server how much it has (``HEAD``)
and goes on from there, with backoff. The upload's URL is kept beside the
bundle (``BUNDLE.upload-state.json``, mode 0600, with the bundle's size and
sha256 so another file never resumes it), so a second ``diagbundle upload``
after a crash or a reboot resumes too instead of starting over. The view
link is the upload's URL; ``Upload-Expires`` is its expiry.

The protocol is spoken here over a ``requests`` session rather than through
tuspy: tuspy calls ``requests`` without any timeout (a stalled link would
hang the upload forever) and gives no way to set one. The session takes
proxies from the environment and trusts ``REQUESTS_CA_BUNDLE`` or, like the
other uploaders, ``SSL_CERT_FILE``.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import json
import os
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from diagbundle import UploadError, UploadJob, UploadResult, UsageError
from diagbundle_plugins.uploaders.options import DEFAULT_CHUNK
from diagbundle_plugins.uploaders.transfer import ATTEMPTS, FINAL, backoff, content_type, failure

TUS_VERSION = "1.0.0"
CONNECT_TIMEOUT = 15.0


def _requests() -> Any:
    try:
        import requests
    except ImportError as err:
        raise UsageError("tus+https:// uploads need requests: pip install 'diagbundle[tus]'") from err
    return requests


class _Refused(Exception):
    """The server answered with a status that this step cannot go on from."""

    def __init__(self, status: int, what: str) -> None:
        super().__init__(f"HTTP {status} on {what}")
        self.status = status


def _session(requests: Any) -> Any:
    session = requests.Session()
    session.headers["Tus-Resumable"] = TUS_VERSION
    cafile = os.environ.get("SSL_CERT_FILE")
    if cafile and not (os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")):
        session.verify = cafile
    return session


def _load_state(path: Path, job: UploadJob, endpoint: str) -> str | None:
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict):
        return None
    same = (state.get("endpoint"), state.get("size"), state.get("sha256")) == (endpoint, job.size, job.sha256)
    url = state.get("url")
    return url if same and isinstance(url, str) else None


def _save_state(path: Path, job: UploadJob, endpoint: str, url: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"endpoint": endpoint, "url": url, "size": job.size, "sha256": job.sha256}, fh)


def _metadata(job: UploadJob) -> str:
    pairs = {"filename": job.path.name, "filetype": content_type(job.path), "sha256": job.sha256}
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in pairs.items())


def upload(job: UploadJob) -> UploadResult:
    requests = _requests()
    endpoint = job.url.removeprefix("tus+")
    chunk_size = int(job.options.get("chunk_size") or DEFAULT_CHUNK)
    if chunk_size <= 0:
        raise UsageError("--chunk-size must be a positive number of bytes")
    assert job.state_path is not None
    timeout = (CONNECT_TIMEOUT, job.timeout)
    session = _session(requests)
    url = _load_state(job.state_path, job, endpoint)
    expires: str | None = None
    failures = 0
    with session, job.path.open("rb") as source:
        while True:
            try:
                offset = None if url is None else _offset(session, url, timeout)
                if offset is None:  # nothing to resume (or the server forgot it): start over
                    url = _create(session, endpoint, job, timeout)
                    _save_state(job.state_path, job, endpoint, url)
                    offset = 0
                while offset < job.size:
                    source.seek(offset)
                    data = source.read(chunk_size)
                    response = session.patch(url, data=data, timeout=timeout, headers={
                        "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
                    if response.status_code not in (200, 204):
                        raise _Refused(response.status_code, "PATCH")
                    offset = int(response.headers["Upload-Offset"])
                    expires = response.headers.get("Upload-Expires", expires)
                    failures = 0
                    if job.progress is not None:
                        job.progress(offset, job.size)
                break
            except (_Refused, requests.RequestException, OSError, KeyError, ValueError) as err:
                failures += 1
                if failures >= ATTEMPTS or not _retriable(err, endpoint):
                    raise UploadError(_explain(err, endpoint)) from None
                backoff(failures)
    assert url is not None
    job.state_path.unlink(missing_ok=True)
    return UploadResult(
        destination=url.split("?")[0],
        link=url,
        size=job.size,
        sha256=job.sha256,
        expires=_parse_expiry(expires),
        revoke={"url": url},
    )


def _create(session: Any, endpoint: str, job: UploadJob, timeout: tuple[float, float]) -> str:
    response = session.post(endpoint, timeout=timeout, headers={
        "Upload-Length": str(job.size), "Upload-Metadata": _metadata(job)})
    location = response.headers.get("Location")
    if response.status_code != 201 or not location:
        raise _Refused(response.status_code, "creating the upload")
    return urllib.parse.urljoin(endpoint, str(location))


def _offset(session: Any, url: str, timeout: tuple[float, float]) -> int | None:
    """How much of the upload the server has; ``None`` when it no longer knows the upload."""
    response = session.head(url, timeout=timeout)
    if response.status_code in (403, 404, 410):
        return None
    if response.status_code not in (200, 204):
        raise _Refused(response.status_code, "HEAD")
    return int(response.headers["Upload-Offset"])


def _retriable(err: BaseException, endpoint: str) -> bool:
    if isinstance(err, _Refused):
        # 409: our offset and the server's disagree (a chunk landed after all): ask again.
        return err.status in (408, 409, 423, 429) or err.status >= 500
    return failure(err, endpoint).kind not in FINAL


def _explain(err: BaseException, endpoint: str) -> str:
    where = endpoint.split("?")[0]
    if isinstance(err, _Refused):
        return f"the upload to {where} was refused ({err})"
    return f"the upload to {where} failed: {failure(err, endpoint).message}"


def _parse_expiry(value: str | None) -> dt.datetime | None:
    """An RFC 7231 date (``Upload-Expires``) as an aware datetime."""
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (ValueError, TypeError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def revoke(record: Mapping[str, Any]) -> None:
    """Terminate the upload (tus termination extension): the server deletes it."""
    requests = _requests()
    url = str(record["url"])
    with _session(requests) as session:
        try:
            response = session.delete(url, timeout=(CONNECT_TIMEOUT, 30.0))
        except requests.RequestException as err:
            raise UploadError(f"revoking failed: {failure(err, url).message}") from None
    if response.status_code not in (200, 204, 404, 410):
        raise UploadError(f"the server refused to delete the upload (HTTP {response.status_code})")
