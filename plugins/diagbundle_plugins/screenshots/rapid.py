"""The rapidocr engine, tuned for screens: every line read, at a third of the default cost.

rapidocr 3.x (the ``ocr`` extra, with ``onnxruntime``) ships its models
inside the wheel; the engine is built with every model path pinned to those
files, so a missing file is an error here and never a download.

Where the time goes (cProfile and onnxruntime's profiler, 1920x1080 UI
screen with 19 lines, bench/bench_screenshots.py): all of it is inside
onnxruntime, about 40% detection and 60% recognition, whose cost grows with
the width of each line scaled to the recogniser's 48 px height. What is
done about it, none of which reads fewer lines:

* detection runs on the screen scaled to two thirds above 1280 px (1920
  wide becomes 1280; detection costs in proportion to pixels, so 45% of
  it). Text 10 px high is still found at that scale; the recogniser then
  reads every box from the full-size pixels, so what it reads is unchanged;
* short boxes ("active", "12 ms") are no longer padded to 320 px wide before
  they are read: the recogniser is convolutional along the line and read
  the same text at 96 px, for a third less time on a table of cells;
* onnxruntime runs two intra-op threads that do not spin while they wait
  (spinning burns a core at 100% between calls on a machine that is also
  running the user's programs), one session per model for the whole run;
* the orientation classifier is off: screen text is upright.

And every line found reaches the checks, whatever the recogniser's score
(rapidocr drops lines under 0.5 by default; we had 0.3).
"""

from __future__ import annotations

import os
import threading
from importlib import metadata
from pathlib import Path
from typing import Any

from PIL import Image

from diagbundle_plugins.screenshots.images import MAX_SIDE
from diagbundle_plugins.screenshots.textcheck import Line

#: The model files of rapidocr 3.x, inside the installed package.
MODELS = {
    "Det.model_path": "PP-OCRv6_det_small.onnx",
    "Rec.model_path": "PP-OCRv6_rec_small.onnx",
    "Cls.model_path": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}
#: What the bundled PP-OCRv6 recogniser reads (rapidocr's default_models.yaml).
LANGUAGES = "English and other Latin-script languages, Chinese, Japanese"
#: Images up to this long side are detected at full size (cheap, and nothing to lose).
DETECT_FULL_UP_TO = 1280
#: Above it, detection runs at this fraction of the size (text 10 px high stays findable).
DETECT_SCALE = 2 / 3
#: The width a short line is padded to before recognition (rapidocr's default is 320).
REC_MIN_WIDTH = 96
THREADS = 2


class ModelMissing(Exception):
    """A model file that should be inside the rapidocr wheel is not there."""


def detect_side(size: tuple[int, int]) -> int:
    """The long side detection runs at for an image of ``size``: never below 1280 or the image."""
    long_side = max(size)
    if long_side <= DETECT_FULL_UP_TO:
        return long_side
    return max(DETECT_FULL_UP_TO, round(long_side * DETECT_SCALE))


def model_paths(package_dir: Path) -> dict[str, str]:
    """Every rapidocr model path, pinned to the wheel's own files; raises :class:`ModelMissing`."""
    params = {}
    for key, filename in MODELS.items():
        path = package_dir / "models" / filename
        if not path.is_file():
            raise ModelMissing(filename)
        params[key] = str(path)
    return params


def _session(path: str, threads: int) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4
    options.enable_cpu_mem_arena = True
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])


class RapidReader:
    """One loaded rapidocr pipeline; ``read`` is safe to call from several threads."""

    def __init__(self, package_dir: Path) -> None:
        import rapidocr

        paths = model_paths(package_dir)
        self.threads = max(1, min(THREADS, os.cpu_count() or 1))
        self._ocr: Any = rapidocr.RapidOCR(params={
            **paths,
            "Global.log_level": "critical",
            # Screenshots are upright: the orientation classifier costs time and finds nothing.
            "Global.use_cls": False,
            # Every line found is checked, however unsure the recogniser is of it: a secret read
            # badly is still a secret (rapidocr drops lines under 0.5 unless told otherwise).
            "Global.text_score": 0.0,
            # rapidocr shrinks anything above 2000 px, which makes a 4K screen's text unreadable.
            "Global.max_side_len": MAX_SIDE,
            # The detector's default enlarges every image to at least 736 px on its short side:
            # a 1500x240 strip then costs as much as a 4600x740 screen. ``read`` sets the size.
            "Det.limit_type": "max",
            "Det.limit_side_len": MAX_SIDE,
            "Rec.rec_img_shape": [3, 48, REC_MIN_WIDTH],
            "EngineConfig.onnxruntime.intra_op_num_threads": self.threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            # With onnxruntime's memory arena (rapidocr turns it off) less time goes on allocating.
            "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,
        })
        self._lock = threading.Lock()
        self.tuned = self._own_sessions(paths)

    def _own_sessions(self, paths: dict[str, str]) -> bool:
        """Swap rapidocr's sessions for ones that do not spin; ``False`` if its layout changed.

        rapidocr exposes thread counts but not spinning. Its models are loaded
        on first use behind these two loaders; a rapidocr whose internals
        differ keeps its own sessions, which read the same text, only with
        more CPU time.
        """
        loaders = (("_load_det_model", "Det.model_path"), ("_load_rec_model", "Rec.model_path"))
        wrappers: list[tuple[Any, str]] = []
        for loader, key in loaders:
            model = getattr(self._ocr, loader, lambda: None)()
            wrapper = getattr(model, "session", None)
            if not hasattr(wrapper, "session"):
                return False
            wrappers.append((wrapper, key))
        if not hasattr(self._ocr.text_det, "limit_side_len"):
            return False
        for wrapper, key in wrappers:
            wrapper.session = _session(paths[key], self.threads)
        return True

    def read(self, img: Image.Image) -> list[Line]:
        """Every line rapidocr reads in an RGB image, with its box in the image's pixels."""
        with self._lock:  # the detection size is set per image on the shared detector
            if self.tuned:
                self._ocr.text_det.limit_side_len = detect_side(img.size)
            result: Any = self._ocr(img)
        if result.boxes is None:
            return []
        lines = []
        for quad, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
            xs = [float(p[0]) for p in quad]
            ys = [float(p[1]) for p in quad]
            box = (int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1)
            lines.append(Line(str(text), box, float(score)))
        return lines


def version() -> str:
    return f"rapidocr {metadata.version('rapidocr')}, onnxruntime {metadata.version('onnxruntime')}"
