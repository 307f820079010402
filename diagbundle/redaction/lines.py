"""One redaction pass over one input: lines, long lines in windows, PEM blocks.

Text is redacted line by line (a line ends at ``\\n``); no rule sees a line
break. The prefilter picks the lines where some rule might match; every
other line is copied untouched. A line longer than :data:`WINDOW`
characters (a 100 MB minified JSON) is cut into windows at positions that
depend only on its content: a window commits its text up to ``WINDOW -
MARGIN`` (or the end of a match that crosses that point) and the next
window starts there. A secret longer than ``MARGIN`` that touches a
window's end is continued into the next window rather than let through.
Multi-line PEM blocks are the one thing that spans lines: a state carried
from line to line, again independent of chunking.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from diagbundle.redaction import jsonfit
from diagbundle.redaction.decide import Carry, Decider
from diagbundle.redaction.prefilter import Prefilter, project
from diagbundle.redaction.rule import Rule

#: Longest piece of a single line redacted at once (characters).
WINDOW = 1 << 20
#: How much of a window's end is left to the next window, so a match that
#: starts near a cut is seen whole (any match shorter than this is exact).
MARGIN = 64 << 10
#: Lines are batched up to about this many characters per prefilter pass.
BLOCK = 1 << 20
#: How far past a window's commit point the end of a PEM block is looked
#: for, so an END line that straddles that point is found whole.
_END_REACH = 128
#: What a secret cut by a window's end continues with in the next window.
_CONTINUATION = re.compile(r"[^\s\"'\\,;&<>]+")


class Run:
    """The per-stream state of one input: what is carried across lines and windows."""

    def __init__(
        self,
        rules: tuple[Rule, ...],
        prefilter: Prefilter,
        always: int,
        allowed: Callable[[str], bool],
        pseudonym: Callable[[str, str], str],
        counts: Counter[str] | None,
        json: bool,
    ) -> None:
        self.carry = Carry()
        self.lexer = jsonfit.Lexer() if json else None
        self.decider = Decider(rules, prefilter, always, allowed, pseudonym, counts, self.lexer, self.carry)
        self.prefilter = prefilter
        self.always = always
        #: Part of the current line was already redacted in windows.
        self.mid_line = False

    # -- blocks of complete lines ------------------------------------------------------
    def block(self, text: str) -> str:
        """Redact ``text``: complete lines (the last one may lack its ``\\n`` at the end)."""
        out: list[str] = []
        for piece in slices(text, BLOCK):
            self._slice(piece, out)
        return "".join(out)

    def fresh(self) -> bool:
        """Nothing is carried to the next line: it is decided as in a new run."""
        return not self._carrying()

    def _carrying(self) -> bool:
        carry = self.carry
        return self.mid_line or carry.block is not None or carry.continuation is not None \
            or carry.follow is not None

    def _slice(self, text: str, out: list[str]) -> None:
        """Redact complete lines, asking the prefilter once for all of them."""
        pos = 0
        end = len(text)
        # The rest of a line begun in windows, or lines inside a PEM block.
        while pos < end and self._carrying():
            pos = self._one_line(text, pos, None, out)
        if self.always:
            while pos < end:
                pos = self._one_line(text, pos, None, out)
            return
        if pos >= end:
            return
        if text.find("\n", pos, end - 1) < 0:  # one line: which rules, not which lines
            mask = self.prefilter.mask(project(text[pos:]))
            found = {pos: mask} if mask else {}
        else:
            found = self.prefilter.candidates(project(text))
        copied = pos  # text[copied:] is not in ``out`` yet
        find = text.find
        decide = self.decider.decide
        json = self.lexer is not None
        for start in sorted(found):
            if start < pos:
                continue
            newline = find("\n", start)
            stop = end if newline < 0 else newline
            if stop - start >= WINDOW or json:
                out.append(text[copied:start])
                pos = copied = self._one_line(text, start, found[start], out)
            else:
                # The common case, kept lean: most candidate lines do not change.
                content = text[start:stop]
                new, _ = decide(content, found[start], None)
                if new is not content:
                    out.append(text[copied:start])
                    out.append(new)
                    copied = stop
                pos = stop + 1
            while (self.carry.block is not None or self.carry.follow is not None) and pos < end:
                out.append(text[copied:pos])
                pos = copied = self._one_line(text, pos, None, out)
        out.append(text[copied:])

    def _one_line(self, text: str, start: int, mask: int | None, out: list[str]) -> int:
        """Redact the line starting at ``start``; returns where the next one starts."""
        newline = text.find("\n", start)
        stop = len(text) if newline < 0 else newline + 1
        out.append(self.line(text[start:stop], mask))
        return stop

    def line(self, line: str, mask: int | None) -> str:
        """Redact one line (with its terminator, if any), or the rest of one."""
        if line.endswith("\n"):
            content, ending = line[:-1], "\n"
        else:
            content, ending = line, ""
        out = ""
        if len(content) >= WINDOW:
            out, used = self.windows(content)
            content, mask = content[used:], None
        out += self._tail(content, mask) + ending
        self.mid_line = False
        if self.lexer is not None:
            self.lexer.reset()
        return out

    def _tail(self, content: str, mask: int | None) -> str:
        """Redact the (last) piece of a line, up to its real end."""
        if self.carry.block is not None:
            skip = self._end_block(content, len(content))
            if skip is None:
                return ""
            content, mask = content[skip:], None
        if self.carry.follow is not None:
            followed = self._follow(content)
            if followed is not content:
                content, mask = followed, None
        prefix = ""
        if self.carry.continuation is not None:
            prefix, skip = self._continue_secret(content, len(content))
            content, mask = content[skip:], None
        if mask is None:
            mask = self.decider.mask(content)
        if not mask or not content:
            return prefix + content
        redacted, _ = self.decider.decide(content, mask, None)
        return prefix + redacted

    def _follow(self, content: str) -> str:
        """A line after a context rule's: the spans its :class:`Follow` names are redacted."""
        follow = self.carry.follow
        assert follow is not None
        spans, go_on = follow.line(content.rstrip("\r") if content.endswith("\r") else content)
        if not go_on:
            self.carry.follow = None
        if not spans:
            return content
        out: list[str] = []
        pos = 0
        tag = f"[REDACTED:{follow.name}]"
        for start, end in spans:
            out.append(content[pos:start])
            out.append(tag)
            pos = end
        out.append(content[pos:])
        if self.decider.counts is not None:
            self.decider.counts[follow.name] += len(spans)
        return "".join(out)

    def _end_block(self, text: str, stop: int) -> int | None:
        """Inside a PEM block: where its END line ends in ``text[:stop]``, or None."""
        rule = self.carry.block
        assert rule is not None and rule.compiled_end is not None
        end = rule.compiled_end.search(text, 0, stop)
        if end is None:
            return None
        self.carry.block = None
        return end.end()

    def _continue_secret(self, text: str, stop: int) -> tuple[str, int]:
        """A secret cut by the last window's end: its tag and how far it goes on in ``text``."""
        rule = self.carry.continuation
        if rule is None:
            return "", 0
        self.carry.continuation = None
        run = _CONTINUATION.match(text, 0, stop)
        if run is None:
            return "", 0
        return rule.tag, run.end()

    # -- long lines -------------------------------------------------------------------
    def windows(self, line: str) -> tuple[str, int]:
        """Redact whole windows of a long line (no ``\\n`` in it).

        Returns the output and how much of ``line`` it covers; the rest,
        shorter than :data:`WINDOW`, waits for more text or the line's end.
        """
        out: list[str] = []
        pos = 0
        limit = WINDOW - MARGIN
        while len(line) - pos >= WINDOW:
            window = line[pos : pos + WINDOW]
            if self.carry.block is not None:
                skip = self._end_block(window, limit + _END_REACH)
                pos += limit if skip is None else skip
                continue
            rule = self.carry.continuation
            prefix, skip = self._continue_secret(window, limit)
            if skip >= limit:
                self.carry.continuation = rule
                out.append(prefix)
                pos += skip
                continue
            piece = window[skip:]
            redacted, commit = self.decider.decide(piece, self.decider.mask(piece), limit - skip)
            if self.lexer is not None:
                self.lexer.advance(piece, commit)
            out.append(prefix + redacted)
            pos += skip + commit
        return "".join(out), pos


def slices(text: str, size: int) -> list[str]:
    """``text`` cut after line ends into pieces of about ``size`` characters.

    A line longer than ``size`` stays whole: windows bound the work on it.
    """
    pieces: list[str] = []
    pos = 0
    end = len(text)
    while pos < end:
        stop = min(pos + size, end)
        if stop < end:
            cut = text.rfind("\n", pos, stop)
            if cut < 0:
                cut = text.find("\n", stop)
                stop = end if cut < 0 else cut + 1
            else:
                stop = cut + 1
        pieces.append(text[pos:stop])
        pos = stop
    return pieces
