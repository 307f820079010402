"""The ``screenshots`` collector: images the user names or captures, cleaned before they go in.

For each image, in order: decode into fresh RGB pixels (no metadata can
survive) and fill the user's ``--mask`` boxes here; then the image format
step (:mod:`.format`) reads the text with OCR, fills every line the bundle's
redactor or our looser rules flag, and encodes it. Every user-named file is
decoded in ``check``, so a bad one ends the run (exit 2) before anything is
written.

Per-image results are kept in :class:`Shot` records: they feed summary.md,
``screenshots/screenshots.json`` and the review step. They hold boxes and
rule names, never the text that was read.
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from diagbundle import Context, FormatError, UsageError
from diagbundle_plugins.paths import read_head
from diagbundle_plugins.screenshots import capture, masks
from diagbundle_plugins.screenshots.images import Decoded, ImageProblem, decode, encode
from diagbundle_plugins.screenshots.ocr import (
    ENGINE_CHOICES,
    INSTALL_HINT,
    Engine,
    OcrUnavailable,
    load_engine,
)
from diagbundle_plugins.screenshots.pixels import MaskedBox, rule_kinds

MAX_DELAY = 300.0
NOT_CHECKED = f"not checked for text: {INSTALL_HINT}"


@dataclass
class Source:
    """Where one image comes from: a file the user named, or the screen."""

    label: str  # "shot.png", or "screen" / "screen 2"
    path: Path | None = None
    screen: capture.ScreenPlan | None = None


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
    read_head("--screenshot", source.path, 16)
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
    for source in request.sources:
        if source.path is not None:
            decoded = _load(source)
            for m in request.masks:
                named = m.target is not None and m.applies_to(request.sources.index(source) + 1, source.label)
                if named and masks.scaled_box(m.box, decoded.original_size, decoded.image.size) is None:
                    raise UsageError(f"--mask {m.spec}: outside the {source.label} image "
                                     f"({decoded.original_size[0]}x{decoded.original_size[1]})")
    try:
        load_engine(request.ocr_choice)
    except OcrUnavailable as why:
        if request.ocr_choice != "off":
            sys.stderr.write(f"diagbundle: warning: screenshots {NOT_CHECKED} ({why})\n")
    return None


def plan(ctx: Context) -> list[str]:
    request = _request(ctx)
    return [str(s.path) if s.path else s.label for s in request.sources]


def _output_name(source: Source, fmt: str) -> str:
    if source.path is None:
        return source.label.replace(" ", "-") + ".png"
    return Path(source.label).stem + (".jpg" if fmt == "JPEG" else ".png")


def process(ctx: Context, shot: Shot, img: Image.Image, request: Request, work: Path) -> None:
    """Masks here, then the format step (OCR, encoding) on the way into the bundle."""
    for m in request.masks:
        if m.applies_to(shot.position, shot.source.label):
            box = masks.scaled_box(m.box, shot.original_size, img.size)
            if box is None:
                shot.notes.append(f"--mask {m.spec} lies outside the image")
                continue
            shot.user_masks.append(MaskedBox(box, ["--mask"]))
    masks.fill(img, [m.box for m in shot.user_masks])
    out = "JPEG" if shot.source_format == "JPEG" else "PNG"
    name = _output_name(shot.source, out)
    # The format step decodes once more: an uncompressed BMP hand-over keeps that cheap (3 ms
    # to write, 11 ms to read at 1920x1080, against 17 + 18 ms for PNG level 0). The file is
    # named as the archive entry will be, since the format step follows the name's extension.
    handover = work / f"{shot.position}" / name
    handover.parent.mkdir()
    handover.write_bytes(encode(img, "BMP"))
    report: dict[str, Any] = {}
    try:
        shot.arcname = ctx.add_file(name, handover, report=report)
    except FormatError as err:
        raise UsageError(
            f"{shot.source.label}: {err}; nothing was written (--ocr off includes images unchecked for text)"
        ) from None
    finally:
        handover.unlink()
    ocr = report.get("ocr", {})
    width, height = report.get("size", img.size)
    shot.size = (int(width), int(height))
    shot.ocr_checked = bool(ocr.get("checked"))
    shot.ocr_lines = int(ocr.get("lines", 0))
    shot.ocr_masks = [MaskedBox((b[0], b[1], b[2], b[3]), list(m["rules"]))
                      for m in ocr.get("masks", []) for b in [m["box"]]]


def collect(ctx: Context) -> None:
    request = _request(ctx)
    engine: Engine | None = None
    why_not = ""
    try:
        engine = load_engine(request.ocr_choice)
    except OcrUnavailable as why:
        why_not = str(why)
    shots: list[Shot] = []
    with tempfile.TemporaryDirectory(prefix="diagbundle-screenshots-") as tmp:
        _collect_all(ctx, request, Path(tmp), shots)
    _report(ctx, shots, engine, why_not, request.ocr_choice)


def _collect_all(ctx: Context, request: Request, work: Path, shots: list[Shot]) -> None:
    for position, source in enumerate(request.sources, 1):
        shot = Shot(position, source)
        if source.screen is not None:
            # The display is opened first (about 0.1 s): the grab itself then happens when the delay ends.
            with capture.Screen(source.screen) as screen:
                if request.delay:
                    time.sleep(request.delay)
                img = screen.grab()
            shot.source_format, shot.original_size = "screen", img.size
        else:
            decoded = _load(source)
            img = decoded.image
            shot.source_format, shot.original_size = decoded.source_format, decoded.original_size
            shot.removed, shot.notes = decoded.removed, decoded.notes
        process(ctx, shot, img, request, work)
        shots.append(shot)


def _report(ctx: Context, shots: list[Shot], engine: Engine | None, why_not: str, choice: str) -> None:
    if engine is None and choice == "off":
        ctx.summary("- **not checked for text** (turned off with --ocr off)")
    elif engine is None:
        ctx.summary(f"- **{NOT_CHECKED}** ({why_not}): text in these images was not looked at")
    else:
        ctx.summary(f"- text checked with {engine.version} (reads {engine.languages})")
    for shot in shots:
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
        ctx.summary(f"- `{shot.arcname}`: " + "; ".join(parts))
    ocr: dict[str, Any] = {"checked": engine is not None}
    if engine is not None:
        ocr.update(engine.describe())
    else:
        ocr["reason"] = why_not
        ocr["hint"] = INSTALL_HINT
    ctx.add_json("screenshots.json", {"ocr": ocr, "images": [s.as_dict() for s in shots]})
