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

The screenshots collector reads its images before the review step (which
runs before any format step) and hands the step a report that already holds
``removed`` and ``ocr``: the step then counts those instead of reading the
same pixels twice. A plugin that pre-fills ``ocr`` in its report takes on
that check itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

from diagbundle import HEAD_SIZE, Format, FormatError, FormatJob
from diagbundle_plugins.screenshots.signature import sniff

# Pillow and the OCR code are imported by the steps themselves, when an image is there:
# detection runs on every file of every run, and must not cost every run Pillow's import.


def _is_jpeg_name(name: str) -> bool:
    return name.lower().endswith((".jpg", ".jpeg"))


def _is_image(head: bytes) -> bool:
    """An image's signature, and (when the whole file is in ``head``) a header Pillow can parse.

    A small file that only starts like a PNG (random bytes after the signature)
    is a binary like any other, not an image this step could decode; a large
    file is claimed on its signature, since a JPEG's EXIF and ICC segments can
    push its frame header past the first 64 KiB.
    """
    if sniff(head) is None:
        return False
    if len(head) >= HEAD_SIZE:
        return True
    from diagbundle_plugins.screenshots.images import ImageProblem, open_image

    try:
        open_image(head)
    except ImageProblem:
        return False
    return True


def _ocr(decoded_image: Any, job: FormatJob) -> None:
    from diagbundle_plugins.screenshots.ocr import OcrUnavailable, load_engine
    from diagbundle_plugins.screenshots.pixels import MaskedBox, redact_pixels, rule_kinds

    done = job.report.get("ocr")
    if done is not None:  # the screenshots collector read these pixels already, before its review
        boxes = [MaskedBox((0, 0, 0, 0), list(m["rules"])) for m in done.get("masks", [])]
        for kind, n in rule_kinds(boxes).items():
            job.counts[f"ocr-{kind}"] += n
        return
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
        from diagbundle_plugins.screenshots.images import ImageProblem, decode, encode

        try:
            decoded = decode(source.read())
        except ImageProblem as problem:
            raise FormatError(f"image: {problem}") from None
        # A collector that decoded the original itself says what it held (its hand-over has none).
        removed = job.report.setdefault("removed", decoded.removed)
        for item in removed:
            job.counts[f"image-{item.split(':', 1)[0]}"] += 1
        job.report.setdefault("notes", decoded.notes)
        job.report["size"] = decoded.image.size
        _ocr(decoded.image, job)
        yield encode(decoded.image, fmt)

    return sanitize


JPEG_FORMAT = Format(
    "image-jpeg",
    "images named .jpg/.jpeg: metadata removed, text with secrets masked, re-encoded as JPEG",
    lambda name, head: _is_jpeg_name(name) and _is_image(head),
    _sanitize("JPEG"),
    media_type="image/jpeg",
    text=False,
)

PNG_FORMAT = Format(
    "image-png",
    "images (PNG, JPEG, WebP, GIF, BMP, TIFF, HEIC): metadata removed, text with secrets masked, "
    "re-encoded as PNG",
    lambda name, head: not _is_jpeg_name(name) and _is_image(head),
    _sanitize("PNG"),
    media_type="image/png",
    text=False,
)
