"""OCR engines that run with what is installed and never download anything.

``rapidocr`` (the ``ocr`` extra, with ``onnxruntime``) ships its models
inside the wheel and is pinned to them (see :mod:`.rapid`). Tesseract
(the Debian package plus ``pytesseract``) is the fallback. An engine is
loaded once per process, on first use, and shared by every image.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from diagbundle_plugins.screenshots import rapid
from diagbundle_plugins.screenshots.textcheck import Line

INSTALL_HINT = "install diagbundle[ocr]"


class OcrUnavailable(Exception):
    """No engine can run; ``str()`` says why, for the terminal and summary.md."""


@dataclass
class Engine:
    """A loaded OCR engine: ``read`` returns the lines of an RGB image."""

    name: str
    version: str
    languages: str
    read: Callable[[Image.Image], list[Line]]

    def describe(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version, "languages": self.languages}


def _rapidocr() -> Engine:
    try:
        import onnxruntime  # noqa: F401  (rapidocr's engine; imported here so its absence is named)
        import rapidocr
    except ImportError as err:
        raise OcrUnavailable(f"{err.name or 'rapidocr'} is not installed") from None
    try:
        reader = rapid.RapidReader(Path(rapidocr.__file__).parent)
    except rapid.ModelMissing as missing:
        why = f"rapidocr's bundled model {missing} is missing (nothing is downloaded)"
        raise OcrUnavailable(why) from None
    return Engine("rapidocr", rapid.version(), rapid.LANGUAGES, reader.read)


def _tesseract() -> Engine:
    try:
        import pytesseract
    except ImportError:
        raise OcrUnavailable("pytesseract is not installed") from None
    if shutil.which("tesseract") is None:
        raise OcrUnavailable("the tesseract program is not installed")

    try:
        version = str(pytesseract.get_tesseract_version())
        langs = [lang for lang in pytesseract.get_languages(config="") if lang != "osd"]
    except (pytesseract.TesseractError, OSError) as err:
        raise OcrUnavailable(f"tesseract does not run: {err}") from None
    lang = "+".join(langs) or "eng"

    def read(img: Image.Image) -> list[Line]:
        data = pytesseract.image_to_data(img, lang=lang, output_type=pytesseract.Output.DICT)
        grouped: dict[tuple[int, int, int], list[int]] = {}
        for i, word in enumerate(data["text"]):
            if str(word).strip():
                key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
                grouped.setdefault(key, []).append(i)
        lines = []
        for idx in grouped.values():
            x0 = min(data["left"][i] for i in idx)
            y0 = min(data["top"][i] for i in idx)
            x1 = max(data["left"][i] + data["width"][i] for i in idx)
            y1 = max(data["top"][i] + data["height"][i] for i in idx)
            confs = [float(data["conf"][i]) for i in idx]
            text = " ".join(str(data["text"][i]) for i in idx)
            lines.append(Line(text, (x0, y0, x1, y1), max(min(confs), 0.0) / 100))
        return lines

    return Engine("tesseract", f"tesseract {version}", f"tesseract languages: {lang}", read)


_LOADERS: dict[str, Callable[[], Engine]] = {"rapidocr": _rapidocr, "tesseract": _tesseract}
_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def load_engine(choice: str = "auto") -> Engine:
    """The engine for ``choice``, loaded once per process; raises :class:`OcrUnavailable`."""
    if choice == "off":
        raise OcrUnavailable("OCR turned off with --ocr off")
    names = ("rapidocr", "tesseract") if choice == "auto" else (choice,)
    reasons = []
    with _lock:
        for name in names:
            if name in _engines:
                return _engines[name]
            try:
                engine = _LOADERS[name]()
            except OcrUnavailable as why:
                reasons.append(f"{name}: {why}")
                continue
            _engines[name] = engine
            return engine
    raise OcrUnavailable("; ".join(reasons))
