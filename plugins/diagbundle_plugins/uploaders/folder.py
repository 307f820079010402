"""``file://``: a copy into a shared folder (a mounted share, a synced drive).

``file:///srv/drop/`` (ending in ``/``, or an existing folder) gets the
bundle under its own name; any other path is the file name to write. The
copy is written beside its target and renamed into place once its sha256
matches, so support never picks up half a bundle. It is created readable by
owner and group (0640): the folder's own permissions decide who else sees it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from diagbundle import UploadError, UploadJob, UploadResult
from diagbundle_plugins.uploaders.transfer import ProgressFile

_BLOCK = 1 << 20


def target_path(url: str, name: str) -> Path:
    parts = urllib.parse.urlsplit(url)
    # file://server/share/... is a UNC path (Windows).
    raw = parts.path if parts.netloc in ("", "localhost") else f"//{parts.netloc}{parts.path}"
    from urllib.request import url2pathname  # (http.client, ssl, email: 10 ms at start-up otherwise)

    path = Path(url2pathname(raw))
    return path / name if raw.endswith("/") or path.is_dir() else path


def upload(job: UploadJob) -> UploadResult:
    target = target_path(job.url, job.path.name)
    if not target.parent.is_dir():
        raise UploadError(f"the shared folder {target.parent} does not exist or is not mounted")
    if target.exists():
        raise UploadError(f"{target} already exists in the shared folder; not replaced")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    except OSError as err:
        raise UploadError(f"cannot write in {target.parent}: {err.strerror or err}") from None
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out, ProgressFile(job.path, job.size, job.progress) as src:
            for block in iter(lambda: src.read(_BLOCK), b""):
                out.write(block)
                digest.update(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != job.sha256:
            raise UploadError(f"the copy in {target.parent} does not match the bundle (changed meanwhile?)")
        tmp.chmod(0o640)
        tmp.replace(target)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise UploadError(f"cannot copy to {target}: {err.strerror or err}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return UploadResult(
        destination=str(target),
        link=target.as_uri(),
        size=job.size,
        sha256=job.sha256,
        revoke={"path": str(target), "sha256": job.sha256},
    )


def revoke(record: Mapping[str, Any]) -> None:
    """Delete the copy, but only if it is still the bundle that was put there."""
    path = Path(str(record["path"]))
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(_BLOCK), b""):
                digest.update(block)
    except FileNotFoundError:
        return
    if digest.hexdigest() != record.get("sha256"):
        raise UploadError(f"{path} is no longer the uploaded bundle; left alone")
    path.unlink()
