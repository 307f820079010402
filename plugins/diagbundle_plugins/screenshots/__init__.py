"""The built-in ``screenshots`` plugin: images with no metadata and no readable secrets.

``--screenshot PATH`` (repeatable) and ``--capture-screen [N]`` add images
as ``screenshots/<name>.png``; ``--mask`` fills boxes the user names; with
the ``ocr`` extra, lines of text that hold a secret or PII are filled too.
The ``image-png`` and ``image-jpeg`` format steps strip the metadata of
every image any collector adds. See docs/collectors/screenshots.md.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType

from diagbundle import CliOption, Collector, Context, Format, Prompt, hookimpl
from diagbundle_plugins.screenshots.format import JPEG_FORMAT, PNG_FORMAT
from diagbundle_plugins.screenshots.signature import ENGINE_CHOICES


def _collector() -> ModuleType:
    """The collector's code (Pillow, mss, D-Bus) loads when a run selects it, not at every start-up."""
    return importlib.import_module("diagbundle_plugins.screenshots.collector")


def check(ctx: Context) -> str | None:
    reason: str | None = _collector().check(ctx)
    return reason


def plan(ctx: Context) -> list[str]:
    planned: list[str] = _collector().plan(ctx)
    return planned


def collect(ctx: Context) -> None:
    _collector().collect(ctx)


def review(ctx: Context, prompt: Prompt) -> None:
    _collector().review(ctx, prompt)


@hookimpl
def diagbundle_register_formats(register: Callable[[Format], None]) -> None:
    register(JPEG_FORMAT)
    register(PNG_FORMAT)


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("screenshots", "Screenshots given with --screenshot or --capture-screen, cleaned",
                       collect, check=check, plan=plan, review=review, max_bytes=None,
                       timeout=900))


@hookimpl
def diagbundle_register_options(register: Callable[[CliOption], None]) -> None:
    register(CliOption(("--screenshot",), "screenshot",
                       "include an image (PNG, JPEG, WebP, GIF, BMP, TIFF, HEIC), metadata stripped and "
                       "text checked; repeatable", action="append", metavar="PATH"))
    register(CliOption(("--capture-screen",), "capture_screen",
                       "capture the screen: all monitors, or monitor N", metavar="N", const="0"))
    register(CliOption(("--capture-delay",), "capture_delay",
                       "wait S seconds before --capture-screen, to bring the right window forward",
                       metavar="S"))
    register(CliOption(("--mask",), "mask",
                       "fill a box solid black in image IMAGE (position or file name; default every "
                       "image); repeatable", action="append", metavar="[IMAGE:]X,Y,W,H"))
    register(CliOption(("--ocr",), "ocr",
                       f"engine that checks screenshots for text: {', '.join(ENGINE_CHOICES)} "
                       "(default auto)", metavar="ENGINE"))
