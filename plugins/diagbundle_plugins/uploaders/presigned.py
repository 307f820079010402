"""``https://``: a PUT to a presigned URL handed out by the vendor's backend.

This is the vendor's default: the user's machine needs no SDK and no cloud
credentials, only the one-time URL support sends (an S3, GCS or Azure
presigned PUT, or the vendor's own endpoint). A presigned PUT gives no view
link of its own: the vendor's endpoint may answer with JSON naming it
(``{"link": ..., "expires": ..., "revoke_url": ...}``), or the user passes
``--link``. Proxies come from the environment (``HTTPS_PROXY``,
``NO_PROXY``), certificates from the system store or ``SSL_CERT_FILE``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from diagbundle import UploadError, UploadJob, UploadResult
from diagbundle_plugins.uploaders.transfer import (
    RETRIABLE,
    ProgressFile,
    content_type,
    failure,
    upload_error,
    with_retries,
)

_LINK_KEYS = ("link", "view_url", "download_url", "url")
_EXPIRY_KEYS = ("expires", "expires_at", "expiry")
_REVOKE_KEYS = ("revoke_url", "delete_url")
_MAX_ANSWER = 64 << 10


def _retriable(err: BaseException) -> bool:
    if isinstance(err, urllib.error.HTTPError):
        return err.code in (408, 429) or err.code >= 500
    return failure(err, "https://x/").kind in RETRIABLE


def _open(request: urllib.request.Request, timeout: float) -> tuple[int, bytes]:
    context = ssl.create_default_context()
    with urllib.request.urlopen(request, timeout=timeout, context=context) as response:  # noqa: S310
        return int(response.status), response.read(_MAX_ANSWER)


def upload(job: UploadJob) -> UploadResult:
    """PUT the bundle, with its exact length, retrying with backoff when the network fails."""
    url = job.url
    host = urllib.parse.urlsplit(url).hostname or url

    def attempt() -> tuple[int, bytes]:
        with ProgressFile(job.path, job.size, job.progress) as body:
            request = urllib.request.Request(  # noqa: S310 - https only (the scheme chose us)
                url,
                data=body,
                method="PUT",
                headers={"Content-Length": str(job.size), "Content-Type": content_type(job.path)},
            )
            return _open(request, job.timeout)

    try:
        _status, answer = with_retries(attempt, retriable=_retriable)
    except urllib.error.HTTPError as err:
        raise UploadError(_refusal(err, host)) from None
    except OSError as err:
        raise upload_error(err, url, f"the upload to {host}") from None
    info = _answer(answer)
    link = job.link or _first(info, _LINK_KEYS)
    expires = _expiry(_first(info, _EXPIRY_KEYS))
    notes: list[str] = []
    if link is None:
        notes.append(f"{host} gave no view link: tell support the bundle is uploaded, or pass --link")
    if job.expires is not None:
        notes.append("--expires has no effect on a presigned upload: the vendor's link decides")
    revoke_url = _first(info, _REVOKE_KEYS)
    return UploadResult(
        destination=urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(query="", fragment="")),
        link=link,
        size=job.size,
        sha256=job.sha256,
        expires=expires,
        revoke={"url": revoke_url} if revoke_url else None,
        notes=tuple(notes),
    )


def revoke(record: Mapping[str, Any]) -> None:
    """DELETE the revoke URL the vendor's endpoint gave with the upload."""
    url = str(record["url"])
    request = urllib.request.Request(url, method="DELETE")  # noqa: S310
    try:
        with_retries(lambda: _open(request, 30.0), retriable=_retriable)
    except urllib.error.HTTPError as err:
        if err.code != 404:  # already gone is what we wanted
            raise UploadError(_refusal(err, urllib.parse.urlsplit(url).hostname or url)) from None
    except OSError as err:
        raise upload_error(err, url, "revoking") from None


def _refusal(err: urllib.error.HTTPError, host: str) -> str:
    """A server's refusal in words, with the storage error code (S3, GCS and Azure put one in XML)."""
    body = b""
    with contextlib.suppress(OSError):
        body = err.read(_MAX_ANSWER)
    code = re.search(rb"<Code>([^<]{1,80})</Code>", body)
    message = re.search(rb"<Message>([^<]{1,200})</Message>", body)
    said = " ".join(m.group(1).decode("utf-8", "replace") for m in (code, message) if m)
    detail = f"HTTP {err.code}" + (f" {said}" if said else "")
    if err.code in (401, 403):
        return (f"{host} refused the upload ({detail}): the upload link has expired or is not valid "
                "for this file; ask support for a new one")
    if err.code == 407:
        return f"the proxy asks for a user name and password ({detail}): set them in HTTPS_PROXY"
    if err.code == 413:
        return f"{host} refused the upload as too large ({detail})"
    return f"{host} refused the upload ({detail})"


def _answer(body: bytes) -> Mapping[str, Any]:
    try:
        data = json.loads(body) if body.strip().startswith(b"{") else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _first(info: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = info.get(key)
        if (isinstance(value, str) and value.startswith(("https://", "http://"))) or (
            key in _EXPIRY_KEYS and isinstance(value, (str, int, float))
        ):
            return str(value)
    return None


def _expiry(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        if re.fullmatch(r"\d+(\.\d+)?", value):
            return dt.datetime.fromtimestamp(float(value), dt.timezone.utc)
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
