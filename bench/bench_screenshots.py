"""Benchmark the screenshots collector on 1920x1080 images: capture, metadata strip, OCR redaction.

Three figures, each the median of ``--runs`` runs, in this process:

* capture: ``--capture-screen`` on a 1920x1080x24 Xvfb this script starts
  (or the ``DISPLAY`` you give with ``--display``): opening the display,
  grabbing it and turning it into RGB pixels;
* metadata strip: a rendered 1920x1080 screen as PNG with EXIF (GPS), XMP,
  ICC and text chunks, decoded into fresh pixels and encoded again (the
  format step), plus the collector's whole path without OCR (decode, hand
  the pixels over uncompressed, the format step);
* OCR redaction: the engine is loaded once (its load and first-call
  warm-up are printed apart), then each of three 1920x1080 screens (a light
  UI, a dark terminal full of lines, a dense table) is read and its flagged
  lines filled. Beside each, for rapidocr: how wide the recogniser's input
  is (every line box scaled to the model's fixed 48 px height) times what
  the model alone takes for those lines, batched as rapidocr batches them
  (random pixels of the same shapes, timed on their own): the floor under
  that screen's figure, whatever is done around the model.

The CPU time beside each OCR figure is the load-independent one: the
machine is shared, and onnxruntime's two threads slow down with every
other busy process. ``--baseline`` also runs rapidocr as it was configured
before the tuning in ``screenshots/rapid.py`` (full-size detection, lines
padded to 320 px, rapidocr's own spinning sessions), on the same images in
the same run, and prints whether both read the same lines.

Usage: python bench/bench_screenshots.py [--runs 5] [--engine rapidocr] [--display :1] [--baseline]
Targets on the 2-core dev machine: capture <= 50 ms, strip <= 100 ms, OCR <= 2.5 s per image.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import shutil
import statistics
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from diagbundle_plugins.screenshots import capture
from diagbundle_plugins.screenshots.format import PNG_FORMAT
from diagbundle_plugins.screenshots.images import MAX_SIDE, decode, encode
from diagbundle_plugins.screenshots.ocr import Engine, load_engine
from diagbundle_plugins.screenshots.pixels import redact_pixels
from diagbundle_plugins.screenshots.rapid import REC_MIN_WIDTH, model_paths
from diagbundle_plugins.screenshots.textcheck import Line
from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

from diagbundle import Redactor
from diagbundle.types import FormatJob

FONTS = "/usr/share/fonts/truetype/dejavu/"
SIZE = (1920, 1080)
NO_OCR = {"ocr": "off"}  # the strip figures leave OCR out: it has its own


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    """Median wall time in ms; the CPU time of the same calls is kept in ``LAST_CPU_MS``."""
    global LAST_CPU_MS
    times, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    LAST_CPU_MS = statistics.median(cpu) * 1000
    return statistics.median(times) * 1000


LAST_CPU_MS = 0.0


def screens() -> dict[str, Image.Image]:
    """Three busy 1920x1080 screens with secrets among ordinary text."""
    sans = ImageFont.truetype(FONTS + "DejaVuSans.ttf", 18)
    mono = ImageFont.truetype(FONTS + "DejaVuSansMono.ttf", 15)
    light = Image.new("RGB", SIZE, (246, 247, 249))
    d = ImageDraw.Draw(light)
    d.rectangle((0, 0, 1920, 56), fill=(32, 60, 120))
    d.text((24, 16), "Acme Console  ·  Billing  ·  API keys  ·  Support", font=sans, fill="white")
    rows = ["Error 429: Too Many Requests", "api_key = sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "Signed in as jane.doe@contoso-mail.com", "Request ID 7f3a9c2e-1b4d-4c1a-9f00-3b2d1e4f5a6b",
            "Last deploy: version 4.2.1 build 8812, 312 ms", "password: hunter2Tr0ub4dor"]
    for i, row in enumerate(rows * 3):
        d.text((60 + (i // 6) * 620, 100 + (i % 6) * 48), row, font=sans, fill=(30, 30, 30))
    terminal = Image.new("RGB", SIZE, (30, 30, 30))
    d = ImageDraw.Draw(terminal)
    lines = ["$ curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc' https://api.example.com",
             "HTTP/1.1 503 Service Unavailable  retry-after: 30",
             "2026-12-01T09:12:44Z INFO worker ready pid=4411",
             "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "ok: 1284 passed, 3 skipped in 41.2s"]
    for i in range(50):
        d.text((12, 10 + i * 21), lines[i % len(lines)], font=mono, fill=(212, 212, 212))
    table = Image.new("RGB", SIZE, "white")
    d = ImageDraw.Draw(table)
    for r in range(30):
        for c in range(5):
            cells = [f"user{r}@fabrikam.io", f"{r * 37 % 1000} ms", "active", f"INV-{10000 + r}", "EUR 12.50"]
            cell = cells[c]
            d.text((40 + c * 370, 30 + r * 34), cell, font=sans, fill=(20, 20, 20))
    return {"light UI": light, "terminal": terminal, "table": table}


def with_metadata(img: Image.Image) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Bench"
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 51.0, 29.0)})
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "someone")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
    out = io.BytesIO()
    img.save(out, "PNG", pnginfo=info, exif=exif)
    return out.getvalue()


@contextmanager
def xvfb(display: str | None) -> Iterator[str | None]:
    """A 1920x1080 Xvfb (-noreset: without it, the server resets when its last client leaves)."""
    if display or shutil.which("Xvfb") is None:
        yield display or os.environ.get("DISPLAY")
        return
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1920x1080x24",
                               "-nolisten", "tcp", "-noreset"], pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        with os.fdopen(read) as fh:
            yield ":" + fh.readline().strip()
    finally:
        server.terminate()
        server.wait(timeout=10)


def bench_capture(runs: int, display: str | None) -> None:
    with xvfb(display) as shown:
        if not shown:
            print("capture: skipped (no DISPLAY and no Xvfb)")
            return
        os.environ["DISPLAY"] = shown
        plan = capture.plan_capture(capture.ALL_MONITORS)

        def open_close() -> None:
            with capture.Screen(plan):
                pass

        print(f"capture: opening the display {_median_ms(open_close, runs):.0f} ms "
              "(once per run, before --capture-delay)")
        with capture.Screen(plan) as screen:
            size = screen.grab().size
            ms = _median_ms(screen.grab, runs)
        print(f"capture {size[0]}x{size[1]}: {ms:.1f} ms ({LAST_CPU_MS:.1f} ms CPU) to grab and "
              "convert to RGB (target <= 50 ms)")


def bench_strip(runs: int, img: Image.Image) -> None:
    data = with_metadata(img)

    def format_step() -> bytes:
        return b"".join(PNG_FORMAT.sanitize(io.BytesIO(data), FormatJob(Redactor(), options=NO_OCR)))

    def collector_path() -> bytes:
        handover = encode(decode(data).image, "BMP")
        return b"".join(PNG_FORMAT.sanitize(io.BytesIO(handover), FormatJob(Redactor(), options=NO_OCR)))

    ms = _median_ms(format_step, runs)
    print(f"metadata strip, format step ({len(data) // 1024} KiB PNG): {ms:.0f} ms "
          f"({LAST_CPU_MS:.0f} ms CPU) (target <= 100 ms)")

    def decoded_twice() -> bytes:
        decode(data)  # what check did before it kept its decoded pixels for collect
        return collector_path()

    ms = _median_ms(collector_path, runs)
    print(f"collector path without OCR (decode once, BMP hand-over, format step): {ms:.0f} ms "
          f"({LAST_CPU_MS:.0f} ms CPU)")
    ms = _median_ms(decoded_twice, runs)
    print(f"  before: the file decoded in check and again in collect: {ms:.0f} ms ({LAST_CPU_MS:.0f} ms CPU)")


def baseline_engine() -> Engine:
    """rapidocr as ``screenshots/ocr.py`` configured it before ``rapid.py``: for comparison only."""
    import rapidocr

    ocr = rapidocr.RapidOCR(params={
        **model_paths(Path(rapidocr.__file__).parent), "Global.log_level": "critical",
        "Global.use_cls": False, "Global.text_score": 0.3, "Global.max_side_len": MAX_SIDE,
        "Det.limit_type": "max", "Det.limit_side_len": MAX_SIDE,
        "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,
    })

    def read(img: Image.Image) -> list[Line]:
        result = ocr(img)
        if result.boxes is None:
            return []
        return [Line(str(t), (int(min(p[0] for p in q)), int(min(p[1] for p in q)),
                              int(max(p[0] for p in q)) + 1, int(max(p[1] for p in q)) + 1), float(s))
                for q, t, s in zip(result.boxes, result.txts, result.scores, strict=True)]

    return Engine("rapidocr-baseline", "previous configuration", "", read)


def bench_ocr(runs: int, engine: Engine, label: str, images: dict[str, Image.Image]) -> dict[str, list[str]]:
    """Time each image; returns the text read, per image, to compare configurations."""
    redactor = Redactor()
    t0 = time.perf_counter()
    engine.read(Image.new("RGB", (200, 60), "white"))
    print(f"{label}: first call (sessions warm up, once per run): {(time.perf_counter() - t0) * 1000:.0f} ms")
    session = recogniser_session(engine)
    read: dict[str, list[str]] = {}
    for name, img in images.items():
        boxes: list[int] = []

        def once(img: Image.Image = img, boxes: list[int] = boxes) -> None:
            lines, filled = redact_pixels(img.copy(), engine, redactor)
            boxes[:] = [lines, len(filled)]

        ms = _median_ms(once, runs)
        lines = engine.read(img)
        read[name] = sorted(line.text for line in lines)
        print(f"  {name}: {ms / 1000:.2f} s per 1920x1080 image ({LAST_CPU_MS / 1000:.2f} s CPU), "
              f"{boxes[0]} lines read, "
              f"{boxes[1]} masked (target <= 2.5 s)")
        if session is not None:
            alone = model_alone(session, lines)
            width = recogniser_width(lines)
            print(f"    the recogniser's input: {width:,} px wide at 48 px high; the model alone takes "
                  f"{alone:.2f} s for it, batched as rapidocr batches it "
                  f"({alone / width * 1e6:.0f} µs per px)")
    return read


def recogniser_width(lines: list[Line]) -> int:
    """How wide the recogniser's input is: every line box scaled to its 48 px height."""
    return sum(_scaled_widths(lines))


def _scaled_widths(lines: list[Line]) -> list[int]:
    return [math.ceil(48 * (x1 - x0) / max(1, y1 - y0)) for x0, y0, x1, y1 in (ln.box for ln in lines)]


def recogniser_session(engine: Engine) -> Any:
    """rapidocr's recogniser session inside ``engine``, or None for another engine."""
    ocr = getattr(getattr(engine.read, "__self__", None), "_ocr", None)
    return getattr(getattr(ocr, "text_rec", None), "session", None)


def model_alone(session: Any, lines: list[Line]) -> float:
    """Seconds the recogniser model alone takes for these lines, batched as rapidocr batches them.

    The floor under a screen's OCR figure, whatever is done around the
    model: rapidocr sorts the lines by width and runs them six at a time,
    each batch as wide as its widest line (never under 96 px here).
    """
    import numpy

    widths = sorted(max(REC_MIN_WIDTH, w) for w in _scaled_widths(lines))
    rng = numpy.random.default_rng(1)
    groups = [widths[i:i + 6] for i in range(0, len(widths), 6)]
    batches = [rng.random((len(group), 3, 48, group[-1]), dtype=numpy.float32) for group in groups]
    for batch in batches[:1]:
        session(batch)  # warm-up
    total = 0.0
    for batch in batches:
        times = []
        for _ in range(2):
            t0 = time.perf_counter()
            session(batch)
            times.append(time.perf_counter() - t0)
        total += min(times)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--engine", default="rapidocr")
    parser.add_argument("--display")
    parser.add_argument("--baseline", action="store_true",
                        help="also time rapidocr as configured before the tuning, on the same images")
    args = parser.parse_args()
    images = screens()
    bench_capture(max(args.runs, 10), args.display)
    bench_strip(max(args.runs, 15), images["light UI"])  # cheap: more runs, a steadier median
    t0 = time.perf_counter()
    engine = load_engine(args.engine)
    print(f"OCR engine {engine.version}: loaded in {(time.perf_counter() - t0) * 1000:.0f} ms")
    tuned = bench_ocr(args.runs, engine, f"OCR, {args.engine}", images)
    if args.baseline and args.engine == "rapidocr":
        before = bench_ocr(args.runs, baseline_engine(), "OCR, rapidocr before tuning (baseline)", images)
        for name in images:
            same = sum((Counter(before[name]) & Counter(tuned[name])).values())
            print(f"  {name}: {same} of the baseline's {len(before[name])} lines read identically "
                  f"after tuning ({len(tuned[name])} lines read)")
            for text in sorted((Counter(before[name]) - Counter(tuned[name])).elements()):
                print(f"    baseline only: {text!r}")
            for text in sorted((Counter(tuned[name]) - Counter(before[name])).elements()):
                print(f"    tuned only:    {text!r}")


if __name__ == "__main__":
    main()
