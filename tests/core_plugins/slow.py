"""Makes a run slow on purpose, so a test can interrupt it at a known stage.

``slow-collect`` touches the file named by ``CORE_TEST_STARTED`` (if set),
then sleeps (up to 60 s) while collecting. The ``slow-token`` redaction rule
sleeps 1 ms on every ``SLOWTOKEN`` it sees, so attaching a file with many of
them makes the *writing* stage slow (files given by path are redacted while
the zip is written).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from diagbundle import Collector, Context, Rule, hookimpl


def collect(ctx: Context) -> None:
    ctx.add_text("started.txt", "started\n")
    marker = os.environ.get("CORE_TEST_STARTED")
    if marker:
        Path(marker).touch()
    deadline = time.monotonic() + 60
    while not ctx.cancelled and time.monotonic() < deadline:
        time.sleep(0.05)


def _slow_validate(value: str) -> bool:
    time.sleep(0.001)
    return True


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("slow-collect", "Sleeps for a minute", collect, timeout=120))


@hookimpl
def diagbundle_register_redaction_rules(register: Callable[[Rule], None]) -> None:
    register(Rule("slow-token", r"SLOWTOKEN", validate=_slow_validate))
