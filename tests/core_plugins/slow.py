"""Makes a run slow on purpose, so a test can interrupt it at a known stage.

``slow-collect`` sleeps (up to 60 s) while collecting. The ``slow-token``
redaction rule sleeps 20 ms on every ``SLOWTOKEN`` it sees, so attaching a
file full of them makes the *writing* stage slow (files given by path are
redacted while the zip is written).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from diagbundle import Collector, Context, Rule, hookimpl


def collect(ctx: Context) -> None:
    ctx.add_text("started.txt", "started\n")
    deadline = time.monotonic() + 60
    while not ctx.cancelled and time.monotonic() < deadline:
        time.sleep(0.05)


def _slow_validate(value: str) -> bool:
    time.sleep(0.02)
    return True


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("slow-collect", "Sleeps for a minute", collect, timeout=120))


@hookimpl
def diagbundle_register_redaction_rules(register: Callable[[Rule], None]) -> None:
    register(Rule("slow-token", r"SLOWTOKEN", validate=_slow_validate))
