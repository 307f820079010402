"""``tus+https://``: a resumable upload (the tus protocol) for big bundles over weak links.

The bundle goes up in chunks; when the connection breaks, the next try asks
the server how much it has (``HEAD``, ``Upload-Offset``) and goes on from
there, with backoff. The upload's URL is kept beside the bundle
(``BUNDLE.upload-state.json``, mode 0600), so a second ``diagbundle upload``
of the same bundle after a crash or a reboot resumes too instead of starting
over. The view link is the upload's URL; ``Upload-Expires``, when the
server sends it, is its expiry. Uses tuspy (``requests``, which takes
proxies from the environment and CA files from ``REQUESTS_CA_BUNDLE``).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from diagbundle import CliOption, UploadError, UploadJob, UploadResult, UsageError
from diagbundle_plugins.uploaders.transfer import ATTEMPTS, RETRIABLE, backoff, failure

DEFAULT_CHUNK = 4 << 20
TUS_VERSION = "1.0.0"

OPTIONS = (
    CliOption(("--chunk-size",), "chunk_size", f"tus+https:// chunk size in bytes (default: {DEFAULT_CHUNK})",
              metavar="BYTES"),
)


def _tus() -> tuple[Any, Any, Any]:
    try:
        import requests
        from tusclient import client, exceptions
    except ImportError as err:
        raise UsageError("tus+https:// uploads need tuspy: pip install 'diagbundle[tus]'") from err
    return client, exceptions, requests


class StateFile:
    """tuspy's URL storage, as one small JSON file beside the bundle (it holds the upload URL)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def get_item(self, key: str) -> str | None:
        return self._load().get(key)

    def set_item(self, key: str, value: str) -> None:
        data = self._load()
        data[key] = value
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh)

    def remove_item(self, key: str) -> None:
        data = self._load()
        data.pop(key, None)
        if data:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(data, fh)
        else:
            self.path.unlink(missing_ok=True)


def upload(job: UploadJob) -> UploadResult:
    client, exceptions, requests = _tus()
    endpoint = job.url.removeprefix("tus+")
    chunk = int(job.options.get("chunk_size") or DEFAULT_CHUNK)
    if chunk <= 0:
        raise UsageError("--chunk-size must be a positive number of bytes")
    assert job.state_path is not None
    state = StateFile(job.state_path)
    errors = (exceptions.TusCommunicationError, exceptions.TusUploadFailed, requests.RequestException,
              OSError)

    def explain(err: BaseException) -> UploadError:
        status = getattr(err, "status_code", None)
        if status:
            return UploadError(f"the upload to {endpoint.split('?')[0]} was refused (HTTP {status})")
        return UploadError(f"the upload to {endpoint.split('?')[0]} failed: {failure(err, endpoint).message}")

    def retriable(err: BaseException) -> bool:
        status = getattr(err, "status_code", None)
        if isinstance(status, int):
            return status in (408, 429, 423, 409) or status >= 500
        return failure(err, endpoint).kind in RETRIABLE or isinstance(err, requests.ConnectionError)

    failures = 0
    uploader = None
    while True:
        try:
            if uploader is None:
                # With a stored URL tuspy asks the server for its offset: this is the resume.
                uploader = client.TusClient(endpoint).uploader(
                    file_path=str(job.path),
                    chunk_size=chunk,
                    store_url=True,
                    url_storage=state,
                    metadata={"filename": job.path.name, "sha256": job.sha256},
                )
            else:
                uploader.offset = uploader.get_offset()
            while uploader.offset < job.size:
                uploader.upload_chunk()
                failures = 0
                if job.progress is not None:
                    job.progress(uploader.offset, job.size)
            break
        except errors as err:
            failures += 1
            if failures >= ATTEMPTS or not retriable(err):
                raise explain(err) from None
            backoff(failures)
    url = str(uploader.url)
    expires = _expiry(requests, url, job.timeout)
    state.remove_item(uploader._get_fingerprint())
    return UploadResult(
        destination=url.split("?")[0],
        link=url,
        size=job.size,
        sha256=job.sha256,
        expires=expires,
        revoke={"url": url},
    )


def _expiry(requests: Any, url: str, timeout: float) -> dt.datetime | None:
    """The ``Upload-Expires`` the server gives (tus expiration extension), if any."""
    try:
        response = requests.head(url, headers={"Tus-Resumable": TUS_VERSION}, timeout=timeout)
        value = response.headers.get("Upload-Expires")
        return email.utils.parsedate_to_datetime(value) if value else None
    except (requests.RequestException, ValueError, TypeError):
        return None


def revoke(record: Mapping[str, Any]) -> None:
    """Terminate the upload (tus termination extension): the server deletes it."""
    _, _, requests = _tus()
    url = str(record["url"])
    try:
        response = requests.delete(url, headers={"Tus-Resumable": TUS_VERSION}, timeout=30)
    except requests.RequestException as err:
        raise UploadError(f"revoking failed: {failure(err, url).message}") from None
    if response.status_code not in (200, 204, 404, 410):
        raise UploadError(f"the server refused to delete the upload (HTTP {response.status_code})")
