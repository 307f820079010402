"""Registers one collector, then raises inside its registration hook.

What it registered before the error must be dropped too.
"""

from __future__ import annotations

from collections.abc import Callable

from diagbundle import Collector, Context, hookimpl


def collect(ctx: Context) -> None:
    ctx.add_text("never.txt", "this collector must never run\n")


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("half-registered", "Registered before the hook failed", collect))
    raise RuntimeError("broken_register: this plugin fails at register on purpose")
