"""Collectors that outlive their time budget.

``hanging`` writes ``early.txt``, then sleeps ``CORE_TEST_HANG`` seconds
(default 5) and tries to write ``late.txt``; what happened to that late write
is recorded in :data:`LATE` and :data:`LATE_DONE` is set, for in-process tests.
``trickling`` streams one line every 50 ms for ever: it is cut off mid-stream.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator

from diagbundle import Collector, Context, hookimpl

LATE: list[str] = []
LATE_DONE = threading.Event()


def _hang_seconds() -> float:
    return float(os.environ.get("CORE_TEST_HANG", "5"))


def collect_hanging(ctx: Context) -> None:
    ctx.add_text("early.txt", "written in time\n")
    time.sleep(_hang_seconds())
    try:
        ctx.add_text("late.txt", "written after the time was up\n")
        LATE.append("accepted")
    except Exception as err:
        LATE.append(f"{type(err).__name__}: {err}")
        raise
    finally:
        LATE_DONE.set()


def collect_trickling(ctx: Context) -> None:
    def lines() -> Iterator[str]:
        n = 0
        while n < 10_000:
            n += 1
            yield f"line {n}\n"
            time.sleep(0.05)

    ctx.add_stream("trickle.log", lines())


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("hanging", "Sleeps past its time budget", collect_hanging))
    register(Collector("trickling", "Streams slowly for ever", collect_trickling))
