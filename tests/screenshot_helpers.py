"""Test images for the screenshots collector: real text in a real font, at known places.

Everything is drawn with Pillow and Debian's fonts-dejavu-core, so each
planted value's box is known and the output's pixels there can be checked,
besides reading the output again with a second OCR engine.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
SANS = FONT_DIR / "DejaVuSans.ttf"
MONO = FONT_DIR / "DejaVuSansMono.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
CLI = [sys.executable, "-m", "diagbundle"]
# Tesseract's OpenMP threads make it ~3x slower on this shared 2-core machine (bench figures in
# tests/test_screenshots_ocr.py's history); one thread per call. Children (the CLI) inherit it.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

# Fake values in the shapes of real ones (none of them works anywhere).
STRIPE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
AWS_ID = "AKIAIOSFODNN7EXAMPLE"
GITHUB = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"
JWT = ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
       "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")
SLACK = "xoxb-2345678901-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
EMAIL = "jane.doe@contoso-mail.com"
EMAIL2 = "ops.alerts@fabrikam.io"
PASSWORD = "hunter2Tr0ub4dor"

#: (line as drawn, the part that must not be readable afterwards)
SECRET_LINES = [
    (f"api_key = {STRIPE}", STRIPE),
    (f"AWS_ACCESS_KEY_ID={AWS_ID}", AWS_ID),
    (f"export GITHUB_TOKEN={GITHUB}", GITHUB),
    (f"Authorization: Bearer {JWT[:60]}", JWT[:60]),
    (f"Contact {EMAIL} for access", EMAIL),
    (f"password: {PASSWORD}", PASSWORD),
    (f"SLACK_BOT={SLACK}", SLACK),
    (f"Reply to {EMAIL2}", EMAIL2),
]
ORDINARY = [
    "Error 429: Too Many Requests",
    "Connection timed out after 30 seconds",
    "Version 4.2.1 build 8812",
    "Retry in 12 minutes",
]


@dataclass
class Planted:
    text: str
    secret: str | None  # None: ordinary text that must stay readable
    box: tuple[int, int, int, int]  # the whole line
    value_box: tuple[int, int, int, int]  # the secret's part of it (the line for ordinary text)


@dataclass
class Scene:
    image: Image.Image
    planted: list[Planted]
    size: int  # font size in pixels


def render(lines: list[tuple[str, str | None]], *, font: Path = SANS, size: int = 20,
           fg: str = "black", bg: str = "white", canvas: tuple[int, int] | None = None,
           x: int = 40) -> Scene:
    """Draw ``lines`` one under another; returns the image and each line's box."""
    face = ImageFont.truetype(str(font), size)
    step = int(size * 2.2)
    width = canvas[0] if canvas else max(int(face.getlength(t)) for t, _ in lines) + 2 * x
    height = canvas[1] if canvas else step * len(lines) + 2 * x
    img = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(img)
    planted = []
    for i, (text, secret) in enumerate(lines):
        pos = (x, x + i * step)
        draw.text(pos, text, fill=fg, font=face)
        x0, y0, x1, y1 = (int(v) for v in draw.textbbox(pos, text, font=face))
        value = (x0, y0, x1, y1)
        if secret is not None:
            start = x + int(face.getlength(text[: text.index(secret)]))
            value = (start, y0, start + int(face.getlength(secret)), y1)
        planted.append(Planted(text, secret, (x0, y0, x1, y1), value))
    return Scene(img, planted, size)


_FOLD = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l", "!": "l", "5": "s", "$": "s"})


def fold(text: str) -> str:
    """Lower-case, OCR look-alikes folded, only letters and digits: for fuzzy comparisons."""
    return "".join(c for c in text.lower().translate(_FOLD) if c.isalnum())


def readable(secret: str, text: str, window: int = 8) -> bool:
    """Whether any ``window`` characters of ``secret`` in a row can be read in ``text``, fuzzily."""
    s, t = fold(secret), fold(text)
    return any(s[i:i + window] in t for i in range(max(len(s) - window + 1, 1)))


def fill_ratio(img: Image.Image, box: tuple[int, int, int, int]) -> float:
    """The share of pixels in ``box`` that are the solid black fill."""
    crop = img.convert("RGB").crop(box)
    data = crop.tobytes()
    black = sum(1 for i in range(0, len(data), 3) if data[i] == data[i + 1] == data[i + 2] == 0)
    return black / max(crop.width * crop.height, 1)


def tesseract_text(img: Image.Image, *, enlarge: bool = False) -> str:
    """What tesseract reads in ``img`` (the second engine of the re-OCR check)."""
    import pytesseract
    from PIL import ImageFilter, ImageOps, ImageStat

    # Give it every chance: the solid fills painted over with the background colour (large
    # black boxes throw off its thresholding), grey, dark themes inverted, small text also
    # read enlarged 2x (tesseract reads dark text on light ground at 20-30 px best).
    rgb = img.convert("RGB")
    colours = sorted(rgb.getcolors(rgb.width * rgb.height) or [], reverse=True)
    background = next((c for _, c in colours if c != (0, 0, 0)), (255, 255, 255))
    black = rgb.convert("L").point(lambda v: 255 if v == 0 else 0)
    # Opening (erode, then dilate) keeps solid boxes and drops the strokes of black text.
    fills = black.filter(ImageFilter.MinFilter(9)).filter(ImageFilter.MaxFilter(9))
    rgb.paste(background, mask=fills)
    grey = ImageOps.autocontrast(rgb.convert("L"))
    if ImageStat.Stat(grey).mean[0] < 128:
        grey = ImageOps.invert(grey)
    reads = [grey]
    if enlarge:
        reads.append(grey.resize((grey.width * 2, grey.height * 2), Image.Resampling.LANCZOS))
    return "\n".join(str(pytesseract.image_to_string(g, lang="eng")) for g in reads)


def need_tesseract() -> None:
    try:
        import pytesseract  # noqa: F401
    except ImportError:
        pytest.skip("pytesseract is not installed (pip install diagbundle[ocr])")
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed (apt-get install tesseract-ocr)")


def need_rapidocr() -> None:
    try:
        import onnxruntime  # noqa: F401
        import rapidocr  # noqa: F401
    except ImportError:
        pytest.skip("rapidocr/onnxruntime are not installed (pip install diagbundle[ocr])")


def need_fonts() -> None:
    if not SANS.is_file():
        pytest.skip("fonts-dejavu-core is not installed")


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None,
            prefix: tuple[str, ...] = (), timeout: float = 300) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "DIAGBUNDLE_LOAD_PLUGINS": "", **(env or {})}
    return subprocess.run([*prefix, *CLI, *args], cwd=cwd, capture_output=True, text=True,
                          env=full_env, timeout=timeout, check=False)


@contextlib.contextmanager
def running(argv: list[str], env: dict[str, str], ready: str) -> Iterator[None]:
    """A helper process for the ``with`` block, once it has printed ``ready`` on its first line."""
    proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == ready
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def images_in(bundle: Path) -> dict[str, Image.Image]:
    """Every image in the bundle, decoded, by archive name."""
    out = {}
    with zipfile.ZipFile(bundle) as zf:
        for name in zf.namelist():
            if name.endswith((".png", ".jpg")):
                with zf.open(name) as fh:
                    img = Image.open(fh)
                    img.load()
                    out[name] = img
    return out
