"""Uploading a finished bundle and revoking the upload: ``diagbundle.upload()`` and ``diagbundle.revoke()``.

The core knows no destination: it picks the uploader registered for the
URL's scheme (``s3``, ``https``, ``tus+https``, ``file``, or a plugin's),
hashes the bundle, asks for confirmation through the caller's callback,
and keeps the result beside the bundle in ``BUNDLE.upload.json`` (mode
0600: a view link is a bearer credential; never inside the bundle, which
is already written and hashed). Every message that leaves here has its
URLs' query strings and user info removed, so a presigned URL's signature
never reaches a terminal or a log.

(The module is ``uploads``, not ``upload``: importing a submodule named
like the ``diagbundle.upload`` function would replace the function on the
package.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from diagbundle.atomicfile import write_atomic
from diagbundle.errors import DiagbundleError, UploadError, UsageError
from diagbundle.plugins import PluginManager
from diagbundle.types import Uploader, UploadJob, UploadResult

__all__ = [
    "RECORD_SUFFIX",
    "STATE_SUFFIX",
    "check_destination",
    "parse_duration",
    "record_path",
    "revoke",
    "scrub_urls",
    "upload",
]

RECORD_SUFFIX = ".upload.json"
STATE_SUFFIX = ".upload-state.json"
_CHUNK = 1 << 20
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_URL = re.compile(r"\b([a-z][a-z0-9+.-]*://)([^/\s?#@]*@)?([^\s?#\"'<>]*)(\?[^\s#\"'<>]*)?", re.IGNORECASE)


def record_path(bundle: str | os.PathLike[str]) -> Path:
    """Where the upload record of ``bundle`` is kept: ``BUNDLE.upload.json`` beside it."""
    path = Path(bundle)
    return path.with_name(path.name + RECORD_SUFFIX)


def parse_duration(text: str | float) -> float:
    """Seconds in ``12h``, ``2d``, ``30m``, ``1w`` or a plain number of seconds."""
    if isinstance(text, (int, float)):
        seconds = float(text)
    else:
        match = _DURATION.match(text)
        if not match:
            raise UsageError(f"--expires {text!r}: give a duration such as 12h, 2d or 30m")
        seconds = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if not 0 < seconds < 10 * 365 * 86400:
        raise UsageError(f"--expires {text!r}: must be more than 0 and less than ten years")
    return seconds


def scrub_urls(text: str) -> str:
    """``text`` with every URL's user info and query string removed (signatures, tokens)."""
    return _URL.sub(lambda m: m.group(1) + m.group(3) + ("?..." if m.group(4) else ""), text)


def describe(url: str) -> str:
    """A destination as shown to the user before anything is sent: no credential in it."""
    return scrub_urls(url)


def upload(
    bundle: str | os.PathLike[str],
    to: str,
    *,
    expires: str | float | None = None,
    link: str | None = None,
    confirm: Callable[[str, int], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
    manager: PluginManager | None = None,
    timeout: float = 60.0,
    **options: Any,
) -> UploadResult:
    """Upload the finished bundle file ``bundle`` to ``to`` and return the link and what was sent.

    ``to`` is a URL whose scheme chooses the uploader: ``https://`` (a
    presigned PUT URL from the vendor), ``s3://BUCKET/KEY``,
    ``tus+https://``, ``file:///shared/folder/`` or a plugin's scheme.
    ``expires`` is the link lifetime (``"2d"``, seconds). ``link`` is a view
    link the user already has (a presigned PUT has none of its own).
    ``confirm(destination, size)`` is asked before the first byte is sent
    and must return True (the CLI asks on a terminal unless ``--yes``);
    ``progress(sent, total)`` reports bytes sent. ``options`` are the
    uploader's own (``endpoint_url=`` for S3).

    The result is also written to ``BUNDLE.upload.json`` (mode 0600).
    Raises :class:`UsageError` for bad input and :class:`UploadError`
    (exit 7; the bundle is kept) when the upload does not complete.
    """
    path = Path(bundle)
    if not path.is_file():
        raise UsageError(f"{path}: no such bundle file")
    uploader = _uploader_for(to, manager)
    known = {o.dest for o in uploader.options}
    unknown = sorted(set(options) - known)
    if unknown:
        takes = ", ".join(sorted(known)) or "none"
        raise UsageError(f"{uploader.name} uploads take no option {', '.join(unknown)} (they take: {takes})")
    seconds = parse_duration(expires) if expires is not None else None
    size, sha256 = _digest(path)
    destination = describe(to)
    if confirm is not None and not confirm(destination, size):
        raise UploadError(f"not uploaded (declined); nothing was sent to {destination}")
    job = UploadJob(
        path=path,
        url=to,
        size=size,
        sha256=sha256,
        expires=seconds,
        link=link,
        state_path=path.with_name(path.name + STATE_SUFFIX),
        progress=progress,
        options=dict(options),
        timeout=timeout,
    )
    try:
        result = uploader.upload(job)
    except DiagbundleError as err:
        raise type(err)(scrub_urls(str(err))) from None
    except Exception as err:
        raise UploadError(f"{uploader.name} upload to {destination} failed: "
                          f"{scrub_urls(f'{type(err).__name__}: {err}')}") from None
    if (result.size, result.sha256) != (size, sha256):
        raise UploadError(f"{uploader.name} reports other bytes than the bundle's ({result.size} bytes sent)")
    _remember(path, uploader, to, result)
    return result


def revoke(bundle: str | os.PathLike[str], *, manager: PluginManager | None = None) -> list[dict[str, Any]]:
    """Delete what was uploaded for ``bundle`` wherever the destination allows it.

    Reads ``BUNDLE.upload.json`` and asks each upload's uploader to revoke
    it; returns the records, each with ``revoked`` (a time) or
    ``not_revoked`` (why: the destination cannot, or it failed). Raises
    :class:`UsageError` when no upload is recorded and :class:`UploadError`
    when a revocation that should work failed (the record keeps it for a
    later try).
    """
    record = record_path(bundle)
    uploads = _read_record(record)
    if not uploads:
        raise UsageError(f"no upload is recorded for {bundle} (no {record.name})")
    failures: list[str] = []
    for entry in uploads:
        if entry.get("revoked"):
            continue
        scheme = str(entry.get("scheme", ""))
        uploader = _uploader_for(f"{scheme}://", manager) if scheme else None
        if uploader is None or uploader.revoke is None or not entry.get("revoke"):
            entry["not_revoked"] = f"{entry.get('destination')} cannot be revoked from here: delete it there"
            continue
        try:
            uploader.revoke(entry["revoke"])
        except Exception as err:
            entry["not_revoked"] = scrub_urls(str(err))
            failures.append(f"{entry.get('destination')}: {entry['not_revoked']}")
            continue
        entry.pop("not_revoked", None)
        entry["revoked"] = _now()
    _write_record(record, uploads)
    if failures:
        raise UploadError("revoking failed: " + "; ".join(failures))
    return uploads


def check_destination(to: str, *, expires: str | float | None = None,
                      manager: PluginManager | None = None) -> Uploader:
    """The uploader for ``to``, or :class:`UsageError`: checks ``collect --upload`` before collecting."""
    if expires is not None:
        parse_duration(expires)
    return _uploader_for(to, manager)


def _uploader_for(url: str, manager: PluginManager | None) -> Uploader:
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    manager = manager or PluginManager()
    manager.gather()
    if not scheme:
        raise UsageError(f"--to {describe(url)!r}: give a URL ({_schemes(manager)})")
    uploader = manager.uploaders.get(scheme)
    if uploader is None:
        raise UsageError(f"no uploader for {scheme}:// URLs (known: {_schemes(manager)})")
    return uploader


def _schemes(manager: PluginManager) -> str:
    return ", ".join(f"{s}://" for s in sorted(manager.uploaders)) or "none installed"


def _digest(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _remember(path: Path, uploader: Uploader, url: str, result: UploadResult) -> None:
    record = record_path(path)
    uploads = _read_record(record)
    uploads.append(
        {
            "bundle": path.name,
            "uploader": uploader.name,
            "scheme": urllib.parse.urlsplit(url).scheme.lower(),
            "destination": result.destination,
            "link": result.link,
            "expires": result.expires.isoformat(timespec="seconds") if result.expires else None,
            "size": result.size,
            "sha256": result.sha256,
            "uploaded": _now(),
            "notes": list(result.notes),
            "revoke": dict(result.revoke) if result.revoke else None,
        }
    )
    _write_record(record, uploads)


def _read_record(record: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(record.read_text())
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as err:
        raise UsageError(f"{record}: unreadable upload record ({err})") from err
    uploads = data.get("uploads") if isinstance(data, Mapping) else None
    if not isinstance(uploads, list):
        raise UsageError(f"{record}: not an upload record")
    return [u for u in uploads if isinstance(u, dict)]


def _write_record(record: Path, uploads: list[dict[str, Any]]) -> None:
    """Write the record atomically, created mode 0600 (it holds bearer links)."""
    write_atomic(record, json.dumps({"uploads": uploads}, indent=2).encode() + b"\n")
