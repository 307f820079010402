"""The exact decision for one line (or one window of a long line).

Every rule the prefilter picked is searched with Python ``re``; its matches
are checked (allow list, validator, tags already there, JSON strings), all
rules' matches are resolved together and replaced in one go by
:func:`~diagbundle.redaction.spans.replace`. A rule of kind ``keep`` marks
text a format step wrote and vouches for (a defanged JWT): secret and PII
matches that lie wholly inside it are dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from diagbundle.redaction import jsonfit, views
from diagbundle.redaction.prefilter import Prefilter, project
from diagbundle.redaction.rule import TAG, Follow, Rule
from diagbundle.redaction.spans import NO_SPANS, Match, Spans, replace, resolve, touches_text

#: How many times a changed line is decided again (see :meth:`Decider.decide`).
_MAX_PASSES = 4
#: The prefilter's view trigger, asked again on its own: the exhaustive
#: reference engine sets every bit, and a view must not depend on the engine.
_VIEW_TRIGGER = re.compile(views.TRIGGER.encode("ascii"))


@dataclass
class Carry:
    """What one stream carries from one line or window to the next."""

    block: Rule | None = None  # inside a multi-line block (PEM) of this rule
    continuation: Rule | None = None  # a secret ran into the previous window's end
    follow: Follow | None = None  # a context rule judges the lines after its own


class Decider:
    """Decides lines for one stream: the rule snapshot, the counts, where output goes."""

    def __init__(
        self,
        rules: tuple[Rule, ...],
        prefilter: Prefilter,
        always: int,
        allowed: Callable[[str], bool],
        pseudonym: Callable[[str, str], str],
        counts: Counter[str] | None,
        lexer: jsonfit.Lexer | None,
        carry: Carry,
    ) -> None:
        self.rules = rules
        self.prefilter = prefilter
        self.always = always
        self.allowed = allowed
        self.pseudonym = pseudonym
        self.counts = counts
        self.lexer = lexer
        self.carry = carry
        #: A replacement touched a character that may change its neighbours.
        self.unsettled = False
        #: The prefilter's bit for "this line is worth a decoded view".
        self.view_bit = 1 << len(rules)
        # The JSON strings of the line being decided, worked out on first need.
        self._strings: Spans | None = None
        self._tag_cache: tuple[str, Spans] | None = None
        #: The last :meth:`find` added matches from a decoded view.
        self._viewed = False
        #: What a context rule in the last :meth:`find` says of the lines after it.
        self._opened: Follow | None = None
        #: Called with a line as it came and as changed, before it is decided again
        #: (see :mod:`~diagbundle.redaction.parallel`).
        self.on_repass: Callable[[str, str], None] | None = None

    def mask(self, piece: str) -> int:
        """The rules to try on ``piece``, one line or part of one."""
        return self.always | self.prefilter.mask(project(piece))

    def decide(self, content: str, mask: int, limit: int | None) -> tuple[str, int]:
        """Redact one line (or window), to a fixed point.

        A line changed next to anything but a space, quote, bracket or
        separator (see :func:`~diagbundle.redaction.spans.touches_text`) is
        decided again, triggers included, until it no longer changes:
        redacting twice then changes nothing more. Windows of long lines are
        decided once.
        """
        if limit is None and "\r" in content[:-1]:
            return self._by_carriage_return(content)
        self.unsettled = False
        new, commit = self.once(content, mask, limit)
        if limit is not None:
            return new, commit
        line = content
        for _ in range(_MAX_PASSES):
            if new is content or not self.unsettled:
                break
            if self.on_repass is not None:
                self.on_repass(line, new)
            content = new
            self.unsettled = False
            # The triggers see the new line: a replacement may have made room
            # for a match whose trigger needed a boundary the old text lacked.
            new, commit = self.once(content, self.mask(content), None)
        return new, commit

    def _by_carriage_return(self, content: str) -> tuple[str, int]:
        """A line with a bare ``\r`` inside (old Mac files, progress bars): each piece a line.

        The rules anchored at a line's start then see every piece's start,
        and no value runs on across the ``\r``.
        """
        pieces = content.split("\r")
        out = [piece if not piece else self.decide(piece, self.mask(piece), None)[0] for piece in pieces]
        new = "\r".join(out)
        return (content if new == content else new), len(content)

    def once(self, content: str, mask: int, limit: int | None) -> tuple[str, int]:
        """Find, resolve and replace every match in ``content``, one pass.

        With a ``limit`` (a window), only matches starting before it count and
        the text is committed up to the limit or the end of a match that
        crosses it; returns the redacted committed text and its length. An
        unchanged line is returned as the very same object.
        """
        found = self.find(content, mask, limit)
        if self._opened is not None and limit is None:
            self.carry.follow = self._opened
        if not found:
            if limit is None:
                return content, len(content)
            return content[:limit], limit
        spans = resolve(self.rules, found, ordered=not self._viewed)
        # Every match starts before the limit and the spans are disjoint: the last ends furthest.
        commit = len(content) if limit is None else max(limit, spans[-1][1])
        text = replace(content, spans, self.rules, commit, self.pseudonym, self.counts, self._strings)
        start, end, index = spans[-1]
        rule = self.rules[index]
        if limit is None and rule.compiled_end is not None:
            if not content[end:].strip() and rule.compiled_end.search(content, start, end) is None:
                self.carry.block = rule
        elif limit is not None and end == len(content) and rule.kind == "secret":
            self.carry.continuation = rule
        if not self.unsettled:
            self.unsettled = touches_text(content, spans)
        return text, commit

    def find(self, content: str, mask: int, limit: int | None) -> list[Match]:
        """Every accepted match of the rules in ``mask``, minus what a keep rule vouches for.

        A whole line whose view trigger fired is also decided decoded
        (:mod:`~diagbundle.redaction.views`), its matches mapped back.
        """
        found: list[Match] = []
        kept: list[Match] = []
        self._strings = None
        self._viewed = False
        self._opened = None
        viewed = mask & self.view_bit
        self._search_all(content, mask & ~self.view_bit, limit, found, kept, self.lexer is not None)
        if viewed and limit is None and _VIEW_TRIGGER.search(project(content)):
            self._view(content, found, kept)
        if kept and found:
            vouched = Spans(_merged(kept))
            found = [m for m in found if not vouched.contains(m[0], m[1])]
        return found

    def _search_all(
        self, content: str, mask: int, limit: int | None, found: list[Match], kept: list[Match], fit: bool,
        *, line: bool = True,
    ) -> None:
        """Add the matches of every rule in ``mask`` (keep rules' to ``kept``).

        ``line``: ``content`` is the line itself (not a view), where context rules apply.
        """
        rules = self.rules
        while mask:
            low = mask & -mask
            mask ^= low
            index = low.bit_length() - 1
            rule = rules[index]
            match = _search(rule, content, 0)
            if match is None:  # the usual case: the trigger was a false alarm
                continue
            if rule.kind == "context":
                if line and limit is None and rule.follow is not None and (
                        rule.check is None or rule.check(match)):
                    self._opened = rule.follow(match) or self._opened
                continue
            self._collect(rule, index, match, content, limit, kept if rule.kind == "keep" else found, fit)

    def _view(self, content: str, found: list[Match], kept: list[Match]) -> None:
        """Add the matches of the decoded view of ``content``, mapped back to it."""
        decoded = views.view(content)
        if decoded is None:
            return
        text = decoded.text
        in_view: list[Match] = []
        kept_in_view: list[Match] = []
        self._search_all(text, self.mask(text) & ~self.view_bit, None, in_view, kept_in_view, False,
                         line=False)
        for target, matches in ((found, in_view), (kept, kept_in_view)):
            for start, end, index in matches:
                if '"' in text[start:end]:
                    # A decoded quote joins strings that are apart in the line
                    # (its structure is the line's, not the view's): a value
                    # running over one is not the view's to judge.
                    continue
                start, end = decoded.original(start, end)
                if self.lexer is not None:
                    if self._strings is None:
                        self._strings = self.lexer.strings(content)
                    fitted = jsonfit.clip(content, start, end, self._strings)
                    if fitted is None:
                        continue
                    start, end = fitted
                target.append((start, end, index))
                self._viewed = True

    def _tags_of(self, content: str) -> Spans:
        """The tags already in ``content`` (asked for the same text by each rule that matches)."""
        cached = self._tag_cache
        if cached is not None and cached[0] is content:
            return cached[1]
        tags = Spans(m.span() for m in TAG.finditer(content)) if _has_tag(content) else NO_SPANS
        self._tag_cache = (content, tags)
        return tags

    def _collect(
        self, rule: Rule, index: int, match: re.Match[str] | None, content: str, limit: int | None,
        found: list[Match], fit: bool,
    ) -> None:
        """Add the accepted matches of one rule, from its first ``match`` on.

        ``fit``: JSON mode, each match is fitted to the JSON strings of ``content``.
        """
        group = rule.group
        validate = rule.validate
        check = rule.check
        allowed = self.allowed
        size = len(content)
        # A pseudonym right next to an earlier tag would not have matched
        # before that tag replaced its neighbour: leave it, so that
        # redacting twice changes nothing more.
        pii = rule.kind == "pii"
        tags = self._tags_of(content)
        while match is not None:
            start, end = match.span(group)
            # A window counts a match by where the whole match starts, not its value: a key
            # before the cut with its value after it would otherwise be cut off from its value.
            if limit is not None and match.start() >= limit:
                break
            value = content[start:end]
            if (
                start < 0
                or start == end
                or (tags and tags.overlaps(start, end, touching=pii))
                or allowed(value)
                or (validate is not None and not validate(value))
                or (check is not None and not check(match))
            ):
                pos = match.start() + 1
            elif fit and self.lexer is not None:
                # Fit the match to the JSON around it before anything is
                # merged, so no replacement spans a string's quote; go on
                # from where the fitted match ends.
                if self._strings is None:
                    self._strings = self.lexer.strings(content)
                fitted = jsonfit.clip(content, start, end, self._strings)
                if fitted is None:
                    pos = match.start() + 1
                else:
                    found.append((fitted[0], fitted[1], index))
                    pos = max(fitted[1], match.start() + 1)
            else:
                found.append((start, end, index))
                if group != 0:
                    start, end = match.span()
                pos = end if end > start else start + 1
            if pos > size:
                break
            match = _search(rule, content, pos)


def _search(rule: Rule, content: str, pos: int) -> re.Match[str] | None:
    """The rule's next match from ``pos``; with an anchor, ``re`` starts near it.

    No match starts more than ``reach`` before the next anchor character
    (see :func:`~diagbundle.redaction.rule.derive_anchor`).
    """
    anchor = rule.anchor
    if anchor is None:
        return rule.compiled.search(content, pos)
    at = content.find(anchor[0], pos)
    return None if at < 0 else rule.compiled.search(content, max(pos, at - anchor[1]))


def _merged(spans: list[Match]) -> list[tuple[int, int]]:
    """Overlapping spans joined, in order."""
    out: list[list[int]] = []
    for start, end, _ in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


def _has_tag(content: str) -> bool:
    return "[REDACTED:" in content or ("<" in content and ">" in content)
