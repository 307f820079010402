"""The size check: will this bundle go through as an attachment or an upload, and if not, what to do.

Mail systems and support portals count an attachment after base64
encoding, which makes a file about 37% larger (4/3, plus a line break every
76 characters), so a 20 MB zip is a 27 MB attachment. Limits are in MB of
10^6 bytes, as those systems state them. Defaults: 25 MB for attachments,
20 MB for uploads; ``[limits]`` in the config file or an embedding tool
(``BundleBuilder(limits=...)``) changes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diagbundle.config import config_section
from diagbundle.errors import UsageError

MB = 1000 * 1000
#: Bytes on the wire per byte of file when e-mailed: base64 (4/3) with CRLF every 76 characters.
BASE64_OVERHEAD = 4 / 3 * (78 / 76)


@dataclass(frozen=True)
class Limits:
    """Size limits in bytes; see the module docstring."""

    attachment: int = 25 * MB
    upload: int = 20 * MB

    @classmethod
    def from_config(cls, path: Path | None = None) -> Limits:
        """The ``[limits]`` table (``attachment_mb``, ``upload_mb``), else the defaults."""
        table = config_section("limits", path, keys=frozenset({"attachment_mb", "upload_mb"}))
        values = {}
        for key, attr in (("attachment_mb", "attachment"), ("upload_mb", "upload")):
            if key in table:
                value = table[key]
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                    raise UsageError(f"[limits] {key} must be a positive number of MB")
                values[attr] = int(value * MB)
        return cls(**values)


@dataclass
class SizeCheck:
    """The verdict for one bundle, with what to do about it."""

    size: int
    attachment_size: int
    limits: Limits
    fits_attachment: bool
    fits_upload: bool
    advice: list[str] = field(default_factory=list)
    largest: list[tuple[str, int]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "size_as_attachment": self.attachment_size,
            "attachment_limit": self.limits.attachment,
            "upload_limit": self.limits.upload,
            "fits_attachment": self.fits_attachment,
            "fits_upload": self.fits_upload,
            "advice": self.advice,
            "largest": [{"path": p, "size": s} for p, s in self.largest],
        }


def check_size(size: int, files: Iterable[Mapping[str, Any]], limits: Limits | None = None) -> SizeCheck:
    """Compare a bundle of ``size`` bytes (its manifest ``files``) with ``limits``."""
    limits = limits or Limits()
    encoded = int(size * BASE64_OVERHEAD)
    largest = sorted(((str(f.get("path")), int(f.get("size") or 0)) for f in files
                      if f.get("path") not in ("summary.md", "manifest.json")), key=lambda ps: -ps[1])[:3]
    check = SizeCheck(size, encoded, limits, encoded <= limits.attachment, size <= limits.upload,
                      largest=largest)
    if check.fits_attachment:
        check.advice.append(f"fits as an e-mail attachment ({_mb(encoded)} of {_mb(limits.attachment)} "
                            "once encoded)")
        return check
    check.advice.append(f"too big to attach: {_mb(encoded)} once encoded for e-mail, over the "
                        f"{_mb(limits.attachment)} limit")
    if check.fits_upload:
        check.advice.append("upload it and send support the link: diagbundle upload BUNDLE --to URL")
    else:
        parts = ", ".join(f"{p} ({_mb(s)} before compression)" for p, s in largest)
        check.advice.append(f"over the {_mb(limits.upload)} upload limit too: leave out the largest parts "
                            f"({parts}) with --skip or fewer --attach/--har files, or ask support for a "
                            "larger upload link")
    return check


def _mb(n: int) -> str:
    return f"{n / MB:.1f} MB"
