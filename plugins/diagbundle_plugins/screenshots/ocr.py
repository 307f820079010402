"""OCR engines that run with what is installed and never download anything.

``rapidocr`` (the ``ocr`` extra, with ``onnxruntime``) ships its models
inside the wheel; the engine is built with every model path pinned to those
files, so a missing file is an error here and never a download. Tesseract
(the Debian package plus ``pytesseract``) is the fallback. An engine is
loaded once per process, on first use, and shared by every image.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from PIL import Image

from diagbundle_plugins.screenshots.images import MAX_SIDE
from diagbundle_plugins.screenshots.textcheck import Line

INSTALL_HINT = "install diagbundle[ocr]"

#: The model files of rapidocr 3.x, inside the installed package.
RAPIDOCR_MODELS = {
    "Det.model_path": "PP-OCRv6_det_small.onnx",
    "Rec.model_path": "PP-OCRv6_rec_small.onnx",
    "Cls.model_path": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}
#: What the bundled PP-OCRv6 recogniser reads (rapidocr's default_models.yaml).
RAPIDOCR_LANGUAGES = "English and other Latin-script languages, Chinese, Japanese"


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
    models = Path(rapidocr.__file__).parent / "models"
    params: dict[str, Any] = {}
    for key, filename in RAPIDOCR_MODELS.items():
        path = models / filename
        if not path.is_file():
            raise OcrUnavailable(f"rapidocr's bundled model {filename} is missing (nothing is downloaded)")
        params[key] = str(path)
    params.update({
        "Global.log_level": "critical",
        # Screenshots are upright: the orientation classifier costs time and finds nothing.
        "Global.use_cls": False,
        # Lines the engine is unsure of are still checked: a secret read badly is still a secret.
        "Global.text_score": 0.3,
        # rapidocr shrinks anything above 2000 px, which makes a 4K screen's text unreadable.
        "Global.max_side_len": MAX_SIDE,
        # The detector's default enlarges every image to at least 736 px on its short side:
        # a 1500x240 strip then costs as much as a 4600x740 screen. Screens are read as they are.
        "Det.limit_type": "max",
        "Det.limit_side_len": MAX_SIDE,
        # rapidocr turns onnxruntime's memory arena off; with it, a 1920x1080 UI screen took
        # 4.9-6.4 s instead of 10-10.7 s here (same CPU time: less time lost allocating).
        "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,
    })
    ocr = rapidocr.RapidOCR(params=params)

    def read(img: Image.Image) -> list[Line]:
        result: Any = ocr(img)
        if result.boxes is None:
            return []
        lines = []
        for quad, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
            xs = [float(p[0]) for p in quad]
            ys = [float(p[1]) for p in quad]
            box = (int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1)
            lines.append(Line(str(text), box, float(score)))
        return lines

    version = f"rapidocr {metadata.version('rapidocr')}, onnxruntime {metadata.version('onnxruntime')}"
    return Engine("rapidocr", version, RAPIDOCR_LANGUAGES, read)


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
ENGINE_CHOICES = ("auto", "rapidocr", "tesseract", "off")
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
