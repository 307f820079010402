"""The ``screenshots`` collector: images the user names or captures, cleaned before they go in.

For each image, in ``collect``: decode into fresh RGB pixels (no metadata
can survive), fill the user's ``--mask`` boxes, read the text with OCR and
fill every line the bundle's redactor or our looser rules flag (see
:mod:`.pixels`). The pixels are then staged for the image format step,
which encodes them when the bundle is written and counts what was removed
and masked from the report handed to it (so it does not read them again).
Every user-named file is decoded in ``check``, so a bad one ends the run
(exit 2) before anything is written.

Per-image results are kept in :class:`Shot` records in ``ctx.state``: they
feed summary.md, the review step (keep or drop each image) and
``screenshots/screenshots.json``, made once the review is over. They hold
boxes and rule names, never the text that was read.
"""

from __future__ import annotations

import atexit
import json
import math
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from diagbundle import Context, Prompt, UsageError
from diagbundle_plugins.paths import read_head
from diagbundle_plugins.screenshots import capture, masks
from diagbundle_plugins.screenshots.images import Decoded, ImageProblem, decode, encode
from diagbundle_plugins.screenshots.ocr import (
    INSTALL_HINT,
    Engine,
    OcrUnavailable,
    load_engine,
)
from diagbundle_plugins.screenshots.pixels import MaskedBox, redact_pixels, rule_kinds
from diagbundle_plugins.screenshots.signature import ENGINE_CHOICES

MAX_DELAY = 300.0
#: Pixels ``check`` keeps decoded for ``collect`` (3 bytes each: 144 MB, six 4K screens);
#: images beyond it are decoded again in ``collect`` rather than held in memory.
KEEP_DECODED_PIXELS = 48_000_000
NOT_CHECKED = f"not checked for text: {INSTALL_HINT}"


@dataclass
class Source:
    """Where one image comes from: a file the user named, or the screen."""

    label: str  # "shot.png", or "screen" / "screen 2"
    path: Path | None = None
    screen: capture.ScreenPlan | None = None
    #: The file as ``check`` decoded it, so ``collect`` does not decode it twice.
    decoded: Decoded | None = None


@dataclass
class Shot:
    """What happened to one image; ``arcname`` is ``None`` until it is in the bundle."""

    position: int
    source: Source
    arcname: str | None = None
    size: tuple[int, int] = (0, 0)
    original_size: tuple[int, int] = (0, 0)
    source_format: str = ""
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    user_masks: list[MaskedBox] = field(default_factory=list)
    ocr_masks: list[MaskedBox] = field(default_factory=list)
    ocr_lines: int = 0
    ocr_checked: bool = False
    kept: bool = True

    def rule_counts(self) -> Counter[str]:
        """How many OCR boxes each rule kind hit (a box hit by two rules counts for both)."""
        return rule_kinds(self.ocr_masks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.arcname,
            "position": self.position,
            "source": self.source.label if self.source.screen else f"file {self.source.label}",
            "size": list(self.size),
            "original_size": list(self.original_size),
            "source_format": self.source_format,
            "metadata_removed": self.removed,
            "notes": self.notes,
            "masks": [m.as_dict() for m in self.user_masks],
            "kept": self.kept,
            "ocr_checked": self.ocr_checked,
            "ocr_lines_read": self.ocr_lines,
            "ocr_masks": [m.as_dict() for m in self.ocr_masks],
            # A list, not a dict keyed by rule: a key named "api-key" would have its value redacted.
            "rules": [{"rule": k, "boxes": n} for k, n in sorted(self.rule_counts().items())],
        }


@dataclass
class Request:
    """The options, checked: what ``check`` validated and ``collect`` carries out."""

    sources: list[Source]
    masks: list[masks.Mask]
    delay: float
    ocr_choice: str


def _request(ctx: Context) -> Request:
    """Parse and check every option; raises a one-line :class:`UsageError`."""
    opts = ctx.options
    sources = [Source(Path(p).name, path=Path(p)) for p in opts.get("screenshot") or []]
    screen = opts.get("capture_screen")
    if screen is not None:
        monitor = capture.parse_monitor(screen)
        label = "screen" if monitor == capture.ALL_MONITORS else f"screen {monitor}"
        sources.append(Source(label, screen=capture.plan_capture(monitor)))
    delay = _delay(opts.get("capture_delay"), screen is not None)
    choice = str(opts.get("ocr") or "auto")
    if choice not in ENGINE_CHOICES:
        raise UsageError(f"--ocr {choice}: choose one of {', '.join(ENGINE_CHOICES)}")
    parsed = [masks.parse_mask(spec) for spec in opts.get("mask") or []]
    names = {s.label for s in sources}
    for m in parsed:
        if isinstance(m.target, int) and m.target > len(sources):
            raise UsageError(f"--mask {m.spec}: there are only {len(sources)} image(s)")
        if isinstance(m.target, str) and m.target not in names:
            raise UsageError(f"--mask {m.spec}: no image called {m.target!r} (use its file name or position)")
    if parsed and not sources:
        raise UsageError("--mask needs an image: --screenshot PATH or --capture-screen")
    return Request(sources, parsed, delay, choice)


def _delay(value: object, capturing: bool) -> float:
    if value is None:
        return 0.0
    if not capturing:
        raise UsageError("--capture-delay needs --capture-screen")
    try:
        delay = float(str(value))
    except ValueError:
        raise UsageError(f"--capture-delay {value}: expected seconds, such as 3") from None
    if not math.isfinite(delay) or not 0 <= delay <= MAX_DELAY:
        raise UsageError(f"--capture-delay {value}: between 0 and {MAX_DELAY:g} seconds")
    return delay


def _load(source: Source) -> Decoded:
    """Decode a user-named file, or raise a one-line UsageError naming it."""
    assert source.path is not None
    read_head("--screenshot", source.path)
    try:
        return decode(source.path.read_bytes())
    except ImageProblem as problem:
        raise UsageError(f"--screenshot {source.path}: {problem}") from None
    except OSError as err:
        raise UsageError(f"--screenshot {source.path}: {err.strerror or err}") from None


def check(ctx: Context) -> str | None:
    request = _request(ctx)
    if not request.sources:
        return "no --screenshot or --capture-screen given"
    kept = 0
    for position, source in enumerate(request.sources, 1):
        if source.path is not None:
            decoded = _load(source)
            pixels = decoded.image.width * decoded.image.height
            if kept + pixels <= KEEP_DECODED_PIXELS:
                source.decoded, kept = decoded, kept + pixels
            for m in request.masks:
                named = m.target is not None and m.applies_to(position, source.label)
                if named and masks.scaled_box(m.box, decoded.original_size, decoded.image.size) is None:
                    raise UsageError(f"--mask {m.spec}: outside the {source.label} image "
                                     f"({decoded.original_size[0]}x{decoded.original_size[1]})")
    try:
        load_engine(request.ocr_choice)
    except OcrUnavailable as why:
        if request.ocr_choice != "off":
            sys.stderr.write(f"diagbundle: warning: screenshots {NOT_CHECKED} ({why})\n")
    ctx.state["request"] = request
    return None


def plan(ctx: Context) -> list[str]:
    request = _request(ctx)
    return [str(s.path) if s.path else s.label for s in request.sources]


def _output_name(source: Source, fmt: str) -> str:
    if source.path is None:
        return source.label.replace(" ", "-") + ".png"
    return Path(source.label).stem + (".jpg" if fmt == "JPEG" else ".png")


def _workdir(ctx: Context) -> Path:
    """Where hand-over files wait for the write stage; removed at exit whatever happens."""
    work = ctx.state.get("workdir")
    if work is None:
        work = Path(tempfile.mkdtemp(prefix="diagbundle-screenshots-"))
        atexit.register(shutil.rmtree, work, ignore_errors=True)
        ctx.state["workdir"] = work
    return Path(work)


def process(ctx: Context, shot: Shot, img: Image.Image, request: Request, engine: Engine | None) -> None:
    """Masks, then OCR, then staged for the format step: the steps every image takes."""
    for m in request.masks:
        if m.applies_to(shot.position, shot.source.label):
            box = masks.scaled_box(m.box, shot.original_size, img.size)
            if box is None:
                shot.notes.append(f"--mask {m.spec} lies outside the image")
                continue
            shot.user_masks.append(MaskedBox(box, ["--mask"]))
    masks.fill(img, [m.box for m in shot.user_masks])
    report: dict[str, Any] = {"removed": shot.removed, "notes": shot.notes}
    if engine is not None:
        try:
            shot.ocr_lines, shot.ocr_masks = redact_pixels(img, engine, ctx.redactor)
        except Exception as err:  # any engine failure: the image must not go in unchecked
            raise UsageError(
                f"{shot.source.label}: OCR with {engine.name} failed ({type(err).__name__}: {err}); "
                "nothing was written (--ocr off includes images unchecked for text)"
            ) from None
        shot.ocr_checked = True
        # Handed to the format step, which counts these instead of reading the pixels again.
        report["ocr"] = {"checked": True, **engine.describe(), "lines": shot.ocr_lines,
                         "masks": [m.as_dict() for m in shot.ocr_masks]}
    else:
        report["ocr"] = {"checked": False}
    shot.size = img.size
    out = "JPEG" if shot.source_format == "JPEG" else "PNG"
    name = _output_name(shot.source, out)
    # An uncompressed BMP hand-over keeps the format step cheap (3 ms to write, 11 ms to read
    # at 1920x1080, against 17 + 18 ms for PNG level 0). It is named as the archive entry will
    # be, since the format step follows the name's extension.
    handover = _workdir(ctx) / str(shot.position) / name
    handover.parent.mkdir()
    handover.write_bytes(encode(img, "BMP"))
    shot.arcname = ctx.add_file(name, handover, report=report, required=True,
                                then=lambda: handover.unlink(missing_ok=True))


def collect(ctx: Context) -> None:
    request = ctx.state.get("request") or _request(ctx)
    engine: Engine | None = None
    why_not = ""
    try:
        engine = load_engine(request.ocr_choice)
    except OcrUnavailable as why:
        why_not = str(why)
    shots: list[Shot] = []
    ctx.state["shots"] = shots
    for position, source in enumerate(request.sources, 1):
        shot = Shot(position, source)
        if source.screen is not None:
            # The display is opened first, so the grab itself happens right when the delay ends.
            with capture.Screen(source.screen) as screen:
                if request.delay:
                    time.sleep(request.delay)
                img = screen.grab()
            shot.source_format, shot.original_size = "screen", img.size
            if source.screen.describe():
                shot.notes.append(source.screen.describe())
        else:
            decoded = source.decoded or _load(source)
            source.decoded = None  # the pixels are masked in place and handed over: not kept twice
            img = decoded.image
            shot.source_format, shot.original_size = decoded.source_format, decoded.original_size
            shot.removed, shot.notes = decoded.removed, decoded.notes
        process(ctx, shot, img, request, engine)
        shots.append(shot)
    _report(ctx, shots, engine, why_not, request.ocr_choice)


def describe(shot: Shot) -> str:
    """One line on what was done to an image: for summary.md and the review step."""
    w, h = shot.size
    parts = [f"{w}x{h}", shot.source.label if shot.source.screen else f"from `{shot.source.label}`"]
    if shot.removed:
        parts.append("metadata removed: " + ", ".join(shot.removed))
    parts.extend(shot.notes)
    if shot.user_masks:
        parts.append(f"{len(shot.user_masks)} --mask box(es) filled")
    if shot.ocr_checked:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(shot.rule_counts().items()))
        parts.append(f"{len(shot.ocr_masks)} text line(s) masked" + (f" ({kinds})" if kinds else ""))
    else:
        parts.append("not checked for text")
    return "; ".join(parts)


def _report(ctx: Context, shots: list[Shot], engine: Engine | None, why_not: str, choice: str) -> None:
    if engine is None and choice == "off":
        ctx.summary("- **not checked for text** (turned off with --ocr off)")
    elif engine is None:
        ctx.summary(f"- **{NOT_CHECKED}** ({why_not}): text in these images was not looked at")
    else:
        ctx.summary(f"- text checked with {engine.version} (reads {engine.languages})")
    for shot in shots:
        ctx.summary(f"- `{shot.arcname}`: {describe(shot)}")
    ocr: dict[str, Any] = {"checked": engine is not None}
    if engine is not None:
        ocr.update(engine.describe())
    else:
        ocr["reason"] = why_not
        ocr["hint"] = INSTALL_HINT
    # Made when the bundle is written, so it says which images the review kept.
    ctx.add_late("screenshots.json", lambda: json.dumps(
        {"ocr": ocr, "images": [s.as_dict() for s in shots]}, indent=2) + "\n",
        media_type="application/json")


def review(ctx: Context, prompt: Prompt) -> None:
    """Show what was masked in each image and ask whether to keep it (the default is yes)."""
    shots = [s for s in ctx.state.get("shots", []) if s.arcname is not None]
    if not shots:
        return
    prompt.say("Screenshots: look at each before you send it; OCR can miss text.")
    for shot in shots:
        prompt.say(f"  {shot.arcname}: {describe(shot)}")
        if not prompt.confirm(f"Keep {shot.arcname}?", default=True):
            # The manifest and summary.md list it as left out, with this reason.
            ctx.drop(shot.arcname or "", "the user declined it at review")
            shot.kept = False
