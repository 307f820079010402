"""Collectors that try to write far more than their size budget (:data:`BUDGET`).

Each stops on its own after :data:`CEILING` bytes, so a broken budget makes a
test fail instead of filling the disk; :data:`PRODUCED` counts what each one
handed to the context before it was stopped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from diagbundle import Collector, Context, hookimpl

BUDGET = 256 << 10
CEILING = 32 << 20
PRODUCED: Counter[str] = Counter()
LINE = "flood flood flood flood flood flood flood flood flood flood flood flood\n"


def collect_stream(ctx: Context) -> None:
    def lines() -> Iterator[bytes]:
        chunk = (LINE * 100).encode()
        for _ in range(CEILING // len(chunk)):
            PRODUCED[ctx.collector] += len(chunk)
            yield chunk

    ctx.add_stream("flood.log", lines())


def collect_many(ctx: Context) -> None:
    text = LINE * 100
    for n in range(CEILING // len(text)):
        PRODUCED[ctx.collector] += len(text)
        ctx.add_text(f"part-{n}.txt", text)


def collect_no_newline(ctx: Context) -> None:
    def chunks() -> Iterator[str]:
        for _ in range(CEILING // 8 // 4096):  # a line held whole costs quadratic time: stop sooner
            PRODUCED[ctx.collector] += 4096
            yield "x" * 4096

    ctx.add_stream("one-line.log", chunks())


def collect_small(ctx: Context) -> None:
    ctx.add_text("small.txt", "within budget\n")


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("flood-stream", "One endless stream", collect_stream, max_bytes=BUDGET))
    register(Collector("flood-many", "Thousands of files", collect_many, max_bytes=BUDGET))
    register(Collector("flood-one-line", "One endless line", collect_no_newline, max_bytes=BUDGET))
    register(Collector("small", "Stays within its budget", collect_small, max_bytes=BUDGET))
