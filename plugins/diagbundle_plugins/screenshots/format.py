"""The ``image`` format steps: every image any collector adds leaves its metadata behind.

``Context.add_image`` and ``Context.add_file`` hand an image to the first
format whose ``detect`` claims it. These steps decode it into fresh pixels
and encode them again (see :mod:`.images`), so a plugin that adds a
screenshot cannot forget to strip it. The output format follows the archive
name: ``.jpg``/``.jpeg`` stays JPEG (a photo as PNG would be several times
larger), anything else becomes PNG. What was removed is counted in the
entry's redaction counts (``image-exif-gps``, ``image-xmp`` ...), which the
manifest lists per file. A file that is not a readable image fails closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO

from diagbundle import Format, FormatError, FormatJob
from diagbundle_plugins.screenshots.images import ImageProblem, decode, encode, sniff


def _is_jpeg_name(name: str) -> bool:
    return name.lower().endswith((".jpg", ".jpeg"))


def _sanitize(fmt: str) -> Callable[[IO[bytes], FormatJob], Iterator[bytes]]:
    def sanitize(source: IO[bytes], job: FormatJob) -> Iterator[bytes]:
        try:
            decoded = decode(source.read())
        except ImageProblem as problem:
            raise FormatError(f"image: {problem}") from None
        for item in decoded.removed:
            job.counts[f"image-{item.split(':', 1)[0]}"] += 1
        job.report.setdefault("removed", decoded.removed)
        job.report.setdefault("notes", decoded.notes)
        yield encode(decoded.image, fmt)

    return sanitize


JPEG_FORMAT = Format(
    "image-jpeg",
    "images named .jpg/.jpeg: decoded and re-encoded as JPEG with no metadata",
    lambda name, head: _is_jpeg_name(name) and sniff(head) is not None,
    _sanitize("JPEG"),
    media_type="image/jpeg",
    text=False,
)

PNG_FORMAT = Format(
    "image-png",
    "images (PNG, JPEG, WebP, GIF, BMP, TIFF, HEIC): decoded and re-encoded as PNG with no metadata",
    lambda name, head: not _is_jpeg_name(name) and sniff(head) is not None,
    _sanitize("PNG"),
    media_type="image/png",
    text=False,
)
