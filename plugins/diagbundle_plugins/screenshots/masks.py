"""``--mask [IMAGE:]X,Y,W,H``: boxes the user wants filled, and the fill itself.

The fill is solid black, never a blur or a pixelation: both can be reversed
or read through (de-pixelation tools recover text from mosaics).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PIL import Image, ImageDraw

from diagbundle import UsageError

_BOX = re.compile(r"^\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*$")
FILL = (0, 0, 0)


@dataclass(frozen=True)
class Mask:
    """One ``--mask``: ``target`` is ``None`` (every image), a 1-based position or a file name."""

    target: int | str | None
    box: tuple[int, int, int, int]  # x, y, w, h in the original image's pixels
    spec: str

    def applies_to(self, position: int, name: str) -> bool:
        if self.target is None:
            return True
        if isinstance(self.target, int):
            return self.target == position
        return self.target == name


def parse_mask(spec: str) -> Mask:
    """Parse one ``--mask`` value, or raise a one-line :class:`UsageError`."""
    target: int | str | None = None
    coords = spec
    if ":" in spec:
        head, coords = spec.rsplit(":", 1)
        head = head.strip()
        if not head:
            raise UsageError(f"--mask {spec}: empty image before ':'")
        target = int(head) if head.isdigit() else head
        if target == 0:
            raise UsageError(f"--mask {spec}: images are numbered from 1")
    m = _BOX.match(coords)
    if m is None:
        raise UsageError(f"--mask {spec}: expected [IMAGE:]X,Y,W,H with whole pixel numbers")
    x, y, w, h = (int(v) for v in m.groups())
    if w == 0 or h == 0:
        raise UsageError(f"--mask {spec}: width and height must be at least 1")
    return Mask(target, (x, y, w, h), spec)


def scaled_box(
    box: tuple[int, int, int, int], original: tuple[int, int], size: tuple[int, int]
) -> tuple[int, int, int, int] | None:
    """``box`` (x, y, w, h in the original's pixels) as x0, y0, x1, y1 in ``size``, clipped.

    Rounded outwards, so a downscaled image is covered at least as much as
    the user asked. ``None`` when the box lies outside the image.
    """
    sx, sy = size[0] / original[0], size[1] / original[1]
    x, y, w, h = box
    x0, y0 = int(x * sx), int(y * sy)
    x1, y1 = -int(-(x + w) * sx // 1), -int(-(y + h) * sy // 1)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, size[0]), min(y1, size[1])
    if x0 >= x1 or y0 >= y1:
        return None
    return x0, y0, x1, y1


def fill(img: Image.Image, boxes: list[tuple[int, int, int, int]]) -> None:
    """Fill each x0, y0, x1, y1 box solid, in place."""
    draw = ImageDraw.Draw(img)
    for x0, y0, x1, y1 in boxes:
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=FILL)
