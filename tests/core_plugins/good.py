"""A well-behaved plugin: one collector that writes one file."""

from __future__ import annotations

from collections.abc import Callable

from diagbundle import Collector, Context, hookimpl

__version__ = "1.0"


def collect(ctx: Context) -> None:
    ctx.add_text("hello.txt", "hello from the good plugin\n")
    ctx.summary("- said hello")


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("good", "Writes hello.txt", collect))
