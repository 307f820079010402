"""The ``image`` format steps: every image any collector adds is cleaned the same way.

``Context.add_image`` and ``Context.add_file`` hand an image to the first
format whose ``detect`` claims it. These steps decode it into fresh pixels
(no metadata survives, see :mod:`.images`), fill the lines of text that hold
a secret or PII when an OCR engine is installed (see :mod:`.pixels`; the
``ocr`` option chooses the engine, ``off`` skips it), and encode the pixels
again. The output format follows the archive name: ``.jpg``/``.jpeg`` stays
JPEG (a photo as PNG would be several times larger), anything else becomes
PNG. What was removed and masked is counted in the entry's redaction counts
(``image-exif-gps``, ``image-xmp``, ``ocr-email`` ...), which the manifest
lists per file and summary.md totals, and is described in ``job.report``
for the collector that asked. Input that is not a readable image, or an
OCR engine that fails, fails closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

from diagbundle import Format, FormatError, FormatJob
from diagbundle_plugins.screenshots.images import ImageProblem, decode, encode, sniff
from diagbundle_plugins.screenshots.ocr import OcrUnavailable, load_engine
from diagbundle_plugins.screenshots.pixels import redact_pixels, rule_kinds


def _is_jpeg_name(name: str) -> bool:
    return name.lower().endswith((".jpg", ".jpeg"))


def _ocr(decoded_image: Any, job: FormatJob) -> None:
    choice = str(job.options.get("ocr") or "auto")
    try:
        engine = load_engine(choice)
    except OcrUnavailable as why:
        job.report["ocr"] = {"checked": False, "reason": str(why)}
        return
    try:
        lines, filled = redact_pixels(decoded_image, engine, job.redactor)
    except Exception as err:  # whatever the engine raises, the image must not go in unchecked
        raise FormatError(f"image: OCR with {engine.name} failed ({type(err).__name__}: {err})") from None
    for kind, n in rule_kinds(filled).items():
        job.counts[f"ocr-{kind}"] += n
    job.report["ocr"] = {"checked": True, **engine.describe(), "lines": lines,
                         "masks": [box.as_dict() for box in filled]}


def _sanitize(fmt: str) -> Callable[[IO[bytes], FormatJob], Iterator[bytes]]:
    def sanitize(source: IO[bytes], job: FormatJob) -> Iterator[bytes]:
        try:
            decoded = decode(source.read())
        except ImageProblem as problem:
            raise FormatError(f"image: {problem}") from None
        for item in decoded.removed:
            job.counts[f"image-{item.split(':', 1)[0]}"] += 1
        job.report["removed"] = decoded.removed
        job.report["notes"] = decoded.notes
        job.report["size"] = decoded.image.size
        _ocr(decoded.image, job)
        yield encode(decoded.image, fmt)

    return sanitize


JPEG_FORMAT = Format(
    "image-jpeg",
    "images named .jpg/.jpeg: metadata removed, text with secrets masked, re-encoded as JPEG",
    lambda name, head: _is_jpeg_name(name) and sniff(head) is not None,
    _sanitize("JPEG"),
    media_type="image/jpeg",
    text=False,
)

PNG_FORMAT = Format(
    "image-png",
    "images (PNG, JPEG, WebP, GIF, BMP, TIFF, HEIC): metadata removed, text with secrets masked, "
    "re-encoded as PNG",
    lambda name, head: not _is_jpeg_name(name) and sniff(head) is not None,
    _sanitize("PNG"),
    media_type="image/png",
    text=False,
)
