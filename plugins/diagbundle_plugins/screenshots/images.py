"""Decoding an image into fresh pixels, and listing the metadata left behind.

Everything that is not a pixel is dropped by construction: the image is
decoded, normalised to 8-bit RGB and copied into a new ``Image`` whose
``info`` is empty, so no EXIF (GPS, camera, the embedded thumbnail), XMP,
IPTC, ICC profile, PNG text chunk or comment can ride along when it is
encoded again. :func:`metadata_of` names what the original carried, so the
summary can say what was removed.

Limits (one constant for one fact, used by the format step and the
collector alike): an image above :data:`MAX_PIXELS` is refused before it is
decoded (a decompression bomb; Pillow's own limit is higher and stays as a
second guard), and one whose longest side exceeds :data:`MAX_SIDE` is
downscaled to it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import IO

from PIL import Image, ImageFile, ImageOps, IptcImagePlugin, UnidentifiedImageError

from diagbundle_plugins.screenshots.signature import looks_like_heic

#: Refused above this many pixels, before decoding: 64 MP is a 8K x 8K
#: screen, far above any real screenshot, far below what exhausts memory.
MAX_PIXELS = 64_000_000
#: Downscaled above this longest side (an 8K monitor is 7680 wide).
MAX_SIDE = 8192
#: How far a screenshot may extend in one direction before it is a bomb in disguise.
MAX_ASPECT = 200

#: ``Image.info`` keys that describe how pixels are stored, not who made them.
_HARMLESS_INFO = frozenset({
    "dpi", "jfif", "jfif_version", "jfif_unit", "jfif_density", "progressive", "progression",
    "adobe", "adobe_transform", "gamma", "duration", "loop", "background", "transparency",
    "compression", "aspect", "interlace", "srgb", "chromaticity", "version", "timestamp",
    "resolution", "unit", "default_image", "disposal", "blend", "bbox", "loop_count", "mp",
    "mpoffset", "exif_offset", "extension", "dqt_tables", "icc_profile_offset", "tile",
})

# Pillow's own default; made explicit so no other code can switch it on for us.
ImageFile.LOAD_TRUNCATED_IMAGES = False

_HEIC_REGISTERED = False


class ImageProblem(ValueError):
    """The bytes are no image diagbundle can read safely; ``str()`` is the one-line reason."""


@dataclass
class Decoded:
    """Fresh RGB pixels and what was learnt while making them."""

    image: Image.Image
    source_format: str
    original_size: tuple[int, int]
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _register_heic() -> bool:
    """Teach Pillow HEIC/HEIF when pillow-heif is installed (the ``heic`` extra)."""
    global _HEIC_REGISTERED
    if not _HEIC_REGISTERED:
        try:
            from pillow_heif import register_heif_opener
        except ImportError:
            return False
        register_heif_opener()
        _HEIC_REGISTERED = True
    return True


def metadata_of(img: Image.Image) -> list[str]:
    """Names of the non-pixel data ``img`` carries (never the values)."""
    found: list[str] = []
    info = img.info
    exif = img.getexif()
    if exif or "exif" in info:
        found.append("exif")
        if exif.get_ifd(0x8825) or 0x8825 in exif:
            found.append("exif-gps")
        if any(tag in exif for tag in (0x010F, 0x0110, 0xA433, 0xA434)):
            found.append("exif-camera")
        ifd1 = exif.get_ifd(-1)
        if 0x0201 in ifd1 or 0x0111 in ifd1:
            found.append("exif-thumbnail")
    if "xmp" in info or "XML:com.adobe.xmp" in info or getattr(img, "text", {}).get("XML:com.adobe.xmp"):
        found.append("xmp")
    if "icc_profile" in info:
        found.append("icc-profile")
    try:
        iptc = IptcImagePlugin.getiptcinfo(img) if isinstance(img, ImageFile.ImageFile) else None
    except (OSError, SyntaxError, ValueError, IndexError, KeyError):
        iptc = None
    if iptc or "photoshop" in info:
        found.append("iptc")
    if "comment" in info:
        found.append("comment")
    text = getattr(img, "text", None)
    if text:
        found.extend(f"png-text:{key}" for key in text if key != "XML:com.adobe.xmp")
    tags = getattr(img, "tag_v2", None)
    if tags is not None:
        descriptive = [t for t in tags if t in (269, 270, 271, 272, 305, 306, 315, 316, 33432)]
        if descriptive:
            found.append("tiff-tags")
    skip = {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "photoshop"}
    for key in info:
        if key in skip or key in _HARMLESS_INFO or (text and key in text):
            continue
        found.append(f"other:{key}")
    return sorted(set(found))


def open_image(data: bytes | IO[bytes]) -> Image.Image:
    """Open (header only) and check the size, so a bomb is refused before decoding."""
    fp = io.BytesIO(data) if isinstance(data, bytes) else data
    head = fp.read(16)
    fp.seek(0)
    if looks_like_heic(head) and not _register_heic():
        raise ImageProblem("HEIC/HEIF image: install diagbundle[heic] to read it")
    try:
        img = Image.open(fp)
    except UnidentifiedImageError:
        raise ImageProblem("not an image diagbundle reads (PNG, JPEG, WebP, GIF, BMP, TIFF, HEIC)") from None
    except Image.DecompressionBombError as err:
        raise ImageProblem(f"refused as a decompression bomb: {err}") from None
    except (OSError, SyntaxError, ValueError) as err:
        raise ImageProblem(f"cannot read the image: {err}") from None
    w, h = img.size
    if w <= 0 or h <= 0:
        raise ImageProblem("image has no pixels")
    if w * h > MAX_PIXELS:
        raise ImageProblem(
            f"refused: {w}x{h} is {w * h / 1e6:.0f} MP, above the {MAX_PIXELS // 1_000_000} MP limit "
            "(a decompression bomb, or far larger than any screen)"
        )
    if max(w, h) / min(w, h) > MAX_ASPECT:
        raise ImageProblem(f"refused: {w}x{h} is not the shape of a screenshot")
    return img


def decode(data: bytes | IO[bytes]) -> Decoded:
    """Decode into fresh 8-bit RGB pixels, with no metadata; raises :class:`ImageProblem`.

    Animated images keep their first frame; 16-bit images are scaled to
    8 bits; CMYK, palette and grey images become RGB; transparency is
    flattened onto white, because pixels under a transparent area are still
    in the file and could hold what the user meant to hide.
    """
    img = open_image(data)
    fmt = img.format or "unknown"
    notes: list[str] = []
    try:
        removed = metadata_of(img)  # reading EXIF and text chunks can hit a truncated file too
        frames = getattr(img, "n_frames", 1)
        if frames > 1:
            notes.append(f"animated: first of {frames} frames kept")
        img.seek(0)
        img.load()
        orientation = img.getexif().get(0x0112, 1)
        upright = ImageOps.exif_transpose(img) if orientation != 1 else img
        rgb = _to_rgb(upright, notes)
    except Image.DecompressionBombError as err:
        raise ImageProblem(f"refused as a decompression bomb: {err}") from None
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise ImageProblem(f"cannot decode the image (truncated or corrupt): {err}") from None
    if orientation != 1:
        notes.append("rotated upright from its EXIF orientation")
    original = rgb.size
    if max(rgb.size) > MAX_SIDE:
        scale = MAX_SIDE / max(rgb.size)
        new = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
        rgb = rgb.resize(new, Image.Resampling.LANCZOS)
        notes.append(f"downscaled from {original[0]}x{original[1]} to {new[0]}x{new[1]} (over {MAX_SIDE} px)")
    return Decoded(fresh_copy(rgb), fmt, original, removed, notes)


def fresh_copy(img: Image.Image) -> Image.Image:
    """The pixels of ``img`` in a new ``Image`` that never saw its ``info``, EXIF or palette."""
    fresh = Image.new("RGB", img.size)
    fresh.paste(img.convert("RGB") if img.mode != "RGB" else img)
    return fresh


def _to_rgb(img: Image.Image, notes: list[str]) -> Image.Image:
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        notes.append(f"{'16' if mode.startswith('I;16') else '32'}-bit grey reduced to 8 bits")
        top = img.convert("I").getextrema()[1]
        peak = float(top) if isinstance(top, (int, float)) else 0.0
        # 16-bit data scales down by 257; a 32-bit image holding 8-bit values stays as it is.
        maximum = 65535.0 if mode.startswith("I;16") or peak > 255 else 255.0
        img = img.convert("I").point(lambda v: v * (255 / maximum)).convert("L")
    elif mode == "F":
        notes.append("floating-point image reduced to 8 bits")
        img = img.convert("L")
    elif mode == "CMYK":
        notes.append("CMYK converted to RGB")
    elif mode in ("RGB;16", "BGR;16", "RGBa", "La"):
        img = img.convert("RGBA")
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA"):
        rgba = img.convert("RGBA")
        alpha = rgba.getchannel("A").getextrema()
        if isinstance(alpha, tuple) and alpha[0] != 255:
            notes.append("transparency flattened onto white")
        base = Image.new("RGB", rgba.size, "white")
        base.paste(rgba, mask=rgba.getchannel("A"))
        return base
    return img if img.mode == "RGB" else img.convert("RGB")  # fresh_copy copies it anyway


def encode(img: Image.Image, fmt: str) -> bytes:
    """Encode pixels as ``fmt`` (``PNG``, ``JPEG``, or ``BMP`` for a cheap hand-over).

    Nothing but pixels is written: an image that carries any ``info`` is
    copied into a fresh one first (Pillow's PNG and JPEG writers take the ICC
    profile from ``info`` unless told otherwise).
    """
    out = io.BytesIO()
    fresh = img if img.mode == "RGB" and not img.info else fresh_copy(img)
    if fmt == "JPEG":
        fresh.save(out, "JPEG", quality=92)
    elif fmt == "BMP":
        fresh.save(out, "BMP")
    else:
        # Level 3: 24 ms for a 1920x1080 UI screen against 62 ms at the default 6, for
        # about 10% more bytes (bench/bench_screenshots.py, this 2-core machine).
        fresh.save(out, "PNG", compress_level=3)
    return out.getvalue()

