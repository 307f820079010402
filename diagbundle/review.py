"""The review step: between collection and writing, a plugin may show and ask.

A collector's ``review(ctx, prompt)`` runs once every collector is done and
before a byte is written. On a terminal (and without ``--yes`` or
``--json``) the prompt asks the person at the keyboard; anywhere else it
answers every question with its default and prints nothing, so a script,
an embedding tool and a web backend get the same bundle every time.

Example::

    def review(ctx, prompt):
        for name in ctx.files():
            if not prompt.confirm(f"Keep {name}?", default=True):
                ctx.drop(name, "dropped by the user at review")
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO

__all__ = ["Prompt"]


class Prompt:
    """Questions a review step may ask; defaults answer when nobody can be asked.

    ``interactive`` is false unless the caller says otherwise: the CLI sets
    it on a terminal, an embedding tool may pass its own streams. End of
    input (Ctrl-D) or an empty answer takes the default.
    """

    def __init__(
        self, *, interactive: bool = False, input: IO[str] | None = None, output: IO[str] | None = None
    ) -> None:
        self.interactive = interactive
        self._in = input
        self._out = output

    def say(self, text: str) -> None:
        """Show a line (nothing when not interactive)."""
        if self.interactive:
            out = self._out or sys.stderr
            out.write(text.rstrip("\n") + "\n")
            out.flush()

    def text(self, question: str, default: str = "") -> str:
        """Ask for a line of text; the default when not interactive or left empty."""
        if not self.interactive:
            return default
        shown = f" [{default}]" if default else ""
        out = self._out or sys.stderr
        out.write(f"{question}{shown}: ")
        out.flush()
        line = (self._in or sys.stdin).readline()
        if not line:  # end of input: take the default from here on
            out.write("\n")
            self.interactive = False
            return default
        return line.strip() or default

    def confirm(self, question: str, default: bool = True) -> bool:
        """Ask yes or no; asks again on an answer that is neither."""
        hint = "Y/n" if default else "y/N"
        while True:
            answer = self.text(f"{question} ({hint})", "").lower()
            if not answer:
                return default
            if answer in ("y", "yes"):
                return True
            if answer in ("n", "no"):
                return False
            self.say("Please answer y or n.")

    def choose(self, question: str, choices: Sequence[str], default: str) -> str:
        """Ask for one of ``choices`` (a unique prefix is enough)."""
        if default not in choices:
            raise ValueError(f"default {default!r} is not one of the choices")
        while True:
            answer = self.text(f"{question} ({'/'.join(choices)})", default).lower()
            matches = [c for c in choices if c.lower().startswith(answer)]
            if answer in (c.lower() for c in choices):
                return next(c for c in choices if c.lower() == answer)
            if len(matches) == 1:
                return matches[0]
            self.say(f"Please answer one of: {', '.join(choices)}.")
