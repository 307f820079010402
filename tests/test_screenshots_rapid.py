"""rapidocr tuned for screens: detection on a smaller copy must still find the smallest text.

Detection runs at two thirds of a 1920x1080 screen; the recogniser reads
each box from the full-size pixels. Secrets drawn 10 and 11 px high on a
full-HD canvas (dense UI text at 100% scaling) must still be read, and the
sessions must be ours (two threads that do not spin).
"""

from __future__ import annotations

import pytest
from diagbundle_plugins.screenshots import rapid
from screenshot_helpers import MONO, ORDINARY, SANS, SECRET_LINES, need_fonts, need_rapidocr, readable, render


def test_detection_size() -> None:
    assert rapid.detect_side((800, 600)) == 800  # small images: full size, nothing to gain
    assert rapid.detect_side((1280, 720)) == 1280
    assert rapid.detect_side((1920, 1080)) == 1280
    assert rapid.detect_side((1080, 1920)) == 1280  # portrait: the long side counts
    assert rapid.detect_side((1400, 900)) == 1280  # never below 1280 once above it
    assert rapid.detect_side((3840, 2160)) == 2560  # 4K: the same two thirds, text stays as large


@pytest.mark.slow
@pytest.mark.parametrize(("font", "size"), [(SANS, 10), (MONO, 11)])
def test_small_text_on_a_full_hd_screen_is_read(font: object, size: int) -> None:
    need_fonts()
    need_rapidocr()
    from diagbundle_plugins.screenshots.ocr import load_engine

    engine = load_engine("rapidocr")
    reader = engine.read.__self__  # type: ignore[attr-defined]
    assert reader.tuned, "rapidocr's internals changed: the tuned sessions are not in use"
    for loader in ("_load_det_model", "_load_rec_model"):
        options = getattr(reader._ocr, loader)().session.session.get_session_options()
        assert options.intra_op_num_threads == reader.threads
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    lines = [*SECRET_LINES, *((t, None) for t in ORDINARY)]
    scene = render(lines, font=font, size=size, canvas=(1920, 1080))  # type: ignore[arg-type]
    text = "\n".join(line.text for line in engine.read(scene.image))
    for p in scene.planted:
        assert readable(p.secret or p.text, text), f"{size} px: not read: {p.text!r}"
