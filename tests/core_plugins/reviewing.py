"""A plugin with a review step: two notes, each kept or dropped by the person at the terminal."""

from __future__ import annotations

from collections.abc import Callable

from diagbundle import Collector, Context, Prompt, hookimpl

__version__ = "1.0"


def collect(ctx: Context) -> None:
    ctx.add_text("first.txt", "the first note\n")
    ctx.add_text("second.txt", "the second note\n")


def review(ctx: Context, prompt: Prompt) -> None:
    prompt.say(f"reviewing found {len(ctx.files())} notes")
    for name in ctx.files():
        if not prompt.confirm(f"Keep {name}?", default=True):
            ctx.drop(name, "dropped by the user at review")


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("reviewing", "Two notes, reviewed", collect, review=review))
