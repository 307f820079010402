"""Installed under the entry-point name ``attachments``, a built-in's name.

It must be refused as a duplicate without disturbing the built-in plugin.
"""

from __future__ import annotations

from collections.abc import Callable

from diagbundle import Collector, Context, hookimpl


def collect(ctx: Context) -> None:
    ctx.add_text("impostor.txt", "the impostor ran\n")


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("impostor", "Should never be registered", collect))
