"""Matches as spans: searched by bisection, resolved against each other, replaced.

A match is ``(start, end, index)``: a half-open span of one line (or
window) and the index of the rule that found it. :func:`resolve` turns the
matches of all rules into disjoint spans and :func:`replace` is the one
function that writes tags and pseudonyms in their place.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Iterable

from diagbundle.redaction.rule import Rule

Match = tuple[int, int, int]

#: Characters next to a replacement that cannot have changed whether a
#: neighbouring match matches (see :func:`touches_text`).
_INERT = frozenset(" \t\r\"'`,;=()[]{}<>|")


class Spans:
    """Sorted, non-overlapping, non-empty spans, searched by bisection.

    A long line can hold thousands of matches, tags and JSON strings; a
    linear overlap test per match made such lines quadratic (a 1 MB JSON
    body with 20,000 e-mail addresses took a minute).
    """

    __slots__ = ("ends", "starts")

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for start, end in spans:
            self.starts.append(start)
            self.ends.append(end)

    def __bool__(self) -> bool:
        return bool(self.starts)

    def overlaps(self, start: int, end: int, *, touching: bool = False) -> bool:
        """Does ``[start, end)`` overlap a span (or, ``touching``, share an edge with one)?"""
        # The spans are disjoint and sorted, so their ends are sorted too: the
        # last span starting before ``end`` (at ``end``, if touching counts) is
        # the only one to check.
        if touching:
            i = bisect.bisect_right(self.starts, end)
            return i > 0 and self.ends[i - 1] >= start
        i = bisect.bisect_left(self.starts, end)
        return i > 0 and self.ends[i - 1] > start

    def contains(self, start: int, end: int) -> bool:
        """Does one span hold all of ``[start, end)``?"""
        i = bisect.bisect_right(self.starts, start)
        return i > 0 and self.ends[i - 1] >= end

    def add(self, start: int, end: int) -> None:
        """Insert a span that overlaps none of the others."""
        i = bisect.bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)

    def first_ending_after(self, pos: int) -> tuple[int, int] | None:
        """The first span whose end is after ``pos``, if any."""
        i = bisect.bisect_right(self.ends, pos)
        return (self.starts[i], self.ends[i]) if i < len(self.starts) else None


NO_SPANS = Spans()


def resolve(rules: tuple[Rule, ...], found: list[Match], *, ordered: bool = True) -> list[Match]:
    """Resolve overlapping matches: the spans to replace, in order.

    Overlapping secrets merge into one span named after its longest member
    (ties: the earlier rule), so nothing any secret rule wanted hidden shows.
    PII goes by rule order and never overlaps a secret or earlier PII.
    One rule's matches alone are already in order and never overlap (each
    search goes on from the end of the last): they are returned as they are,
    unless they come from more than one search (``ordered=False``).
    """
    first = found[0][2]
    if ordered and all(index == first for _, _, index in found):
        return found
    groups: list[list[int]] = []  # [start, end, best index, best length]
    pii: list[Match] = []
    for start, end, index in sorted(found):
        if rules[index].kind != "secret":
            pii.append((start, end, index))
        elif groups and start < groups[-1][1]:
            group = groups[-1]
            group[1] = max(group[1], end)
            if (end - start, -index) > (group[3], -group[2]):
                group[2], group[3] = index, end - start
        else:
            groups.append([start, end, index, end - start])
    spans = [(g[0], g[1], g[2]) for g in groups]
    taken = Spans((g[0], g[1]) for g in groups)
    for start, end, index in sorted(pii, key=lambda s: (s[2], s[0])):
        if not taken.overlaps(start, end):
            taken.add(start, end)
            spans.append((start, end, index))
    spans.sort(key=lambda s: s[0])
    return spans


def replace(
    content: str,
    spans: list[Match],
    rules: tuple[Rule, ...],
    commit: int,
    pseudonym: Callable[[str, str], str],
    counts: Counter[str] | None,
    strings: Spans | None = None,
) -> str:
    """``content[:commit]`` with each span replaced by its tag or pseudonym.

    ``strings`` (JSON mode) are the JSON strings of ``content``: a
    replacement outside all of them (a card number written as a number) is
    quoted, so the JSON stays valid.
    """
    out: list[str] = []
    append = out.append
    pos = 0
    for start, end, index in spans:
        rule = rules[index]
        append(content[pos:start])
        if rule.kind == "secret":
            new = rule.tag
        else:
            value = content[start:end]
            new = pseudonym(rule.pseudonym_kind, value.lower() if rule.fold_case else value)
        if strings is not None and not strings.overlaps(start, end):
            new = f'"{new}"'
        append(new)
        if counts is not None:
            counts[rule.name] += 1
        pos = end
    append(content[pos:commit])
    return "".join(out)


def touches_text(content: str, spans: Iterable[Match]) -> bool:
    """Is a replaced span next to anything but a space, quote, bracket or separator?

    Only then can the replacement have changed whether a neighbour matches
    (``10.0.0.1fe80::1``: the IPv6 address stands alone once the IPv4 one is
    a tag), and the line is decided again.
    """
    last = len(content) - 1
    for start, end, _ in spans:
        if (start > 0 and content[start - 1] not in _INERT) or (end <= last and content[end] not in _INERT):
            return True
    return False
