"""Finding the text in an image that must not be readable, and filling it.

The OCR engine reads the lines; :func:`~.textcheck.classify` decides which
hold a secret or PII; each of those is filled whole, padded so that
anti-aliased edges, accents and descenders go too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from PIL import Image

from diagbundle_plugins.screenshots.masks import fill
from diagbundle_plugins.screenshots.ocr import Engine
from diagbundle_plugins.screenshots.textcheck import TextRedactor, classify


@dataclass
class MaskedBox:
    """One filled box: x0, y0, x1, y1 and why (``--mask``, or the OCR rules that hit)."""

    box: tuple[int, int, int, int]
    rules: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"box": list(self.box), "rules": self.rules}


def rule_kinds(boxes: list[MaskedBox]) -> Counter[str]:
    """How many boxes each rule kind hit (``keyword:token`` counts as ``keyword``)."""
    return Counter(rule.split(":", 1)[0] for box in boxes for rule in set(box.rules))


def _pad(box: tuple[int, int, int, int], size: tuple[int, int]) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = box
    pad = max(3, round(0.25 * (y1 - y0)))
    return max(x0 - pad, 0), max(y0 - pad, 0), min(x1 + pad, size[0]), min(y1 + pad, size[1])


def redact_pixels(img: Image.Image, engine: Engine, redactor: TextRedactor) -> tuple[int, list[MaskedBox]]:
    """OCR ``img`` and fill every flagged line in place; returns lines read and boxes filled."""
    lines = engine.read(img)
    hits = classify(lines, redactor)
    pairs = zip(lines, hits, strict=True)
    filled = [MaskedBox(_pad(line.box, img.size), rules) for line, rules in pairs if rules]
    fill(img, [m.box for m in filled])
    return len(lines), filled
