"""What kind of image a file is, from its first bytes, and the plugin's light constants.

Format detection asks this of every file any collector adds, at every run;
it needs no image library, so the plugin loads without Pillow (the pixels
are decoded by :mod:`.images` only when an image is really there).
"""

from __future__ import annotations

#: The values of ``--ocr``.
ENGINE_CHOICES = ("auto", "rapidocr", "tesseract", "off")


def looks_like_heic(head: bytes) -> bool:
    return head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"hevc")


def sniff(head: bytes) -> str | None:
    """The image format the first bytes announce, or ``None``: cheap, for format detection."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head.startswith(b"BM"):
        return "BMP"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "TIFF"
    if looks_like_heic(head):
        return "HEIF"
    return None
