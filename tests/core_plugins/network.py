"""A collector that says it needs the network (it opens no socket itself)."""

from __future__ import annotations

from collections.abc import Callable

from diagbundle import Collector, Context, hookimpl


def collect(ctx: Context) -> None:
    ctx.add_text("reached.txt", "the network collector ran\n")


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("needs-net", "Would talk to the network", collect, needs_network=True))
