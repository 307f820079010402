"""A collector that writes one file, then raises."""

from __future__ import annotations

from collections.abc import Callable

from diagbundle import Collector, Context, hookimpl


def collect(ctx: Context) -> None:
    ctx.add_text("before.txt", "written before the failure\n")
    raise ValueError("broken_collect: this collector fails on purpose")


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("broken-collect", "Fails after writing one file", collect))
