"""Prefilters: find the lines where a rule might match, so only those run in ``re``.

Both prefilters see the same thing, the text lower-cased with every
non-ASCII character replaced by ``?`` (one byte per character, so offsets
are the same as in the text), and run the same trigger expressions. A
trigger is a superset of its rule, so a line no trigger flags cannot change,
and the exact decision is always Python ``re`` on the line: the Hyperscan
path and the pure-Python path give byte-identical output.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from typing import Any, Protocol

from diagbundle.redaction import dbcache

#: line start offset -> bit mask of the rules whose trigger fired in that line
Candidates = dict[int, int]


class Prefilter(Protocol):
    """Finds candidate lines in a projected block."""

    name: str

    def candidates(self, projected: bytes) -> Candidates: ...

    def mask(self, projected: bytes) -> int:
        """The rules whose trigger fires anywhere in ``projected`` (one line, or any text)."""
        ...

    def settle(self) -> None:
        """Wait for work this prefilter does in the background, so the process can fork."""
        ...


def project(text: str) -> bytes:
    """The text as the prefilters see it: lower-case ASCII, ``?`` for the rest."""
    return text.encode("ascii", "replace").lower()


def _group_triggers(triggers: Sequence[tuple[str, ...]]) -> dict[str, int]:
    """Unique trigger expression -> mask of the rules that use it."""
    groups: dict[str, int] = {}
    for index, rule_triggers in enumerate(triggers):
        for trigger in rule_triggers:
            groups[trigger] = groups.get(trigger, 0) | (1 << index)
    return groups


def _structure(pattern: str) -> Iterator[tuple[int, str, int]]:
    """Each character of a regex outside escapes and character classes.

    Yields its index, itself, and how many groups are open before it. A
    ``]`` straight after ``[`` or ``[^`` is a literal inside the class, as
    in ``re``.
    """
    depth = 0
    opened = -1  # where the open character class starts, or -1
    escaped = False
    for index, ch in enumerate(pattern):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif opened >= 0:
            first = opened + (2 if pattern[opened + 1 : opened + 2] == "^" else 1)
            if ch == "]" and index > first:
                opened = -1
        elif ch == "[":
            opened = index
        else:
            yield index, ch, depth
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1


def split_alternatives(pattern: str) -> list[str]:
    """Split a regex at its top-level ``|`` (outside groups, classes and escapes).

    ``re`` scans fast only for an expression that starts with a literal, and
    an alternation has no such start; each alternative alone often has.
    """
    cuts = [index for index, ch, depth in _structure(pattern) if ch == "|" and depth == 0]
    bounds = [-1, *cuts, len(pattern)]
    return [pattern[start + 1 : end] for start, end in itertools.pairwise(bounds)]


_PUNCTUATION = frozenset(":-./\\")


def drop_context(trigger: str) -> str:
    """``trigger`` without a leading ``(?:^...)`` group, for the Python prefilter.

    A trigger may open with context such as ``(?:^|[^0-9a-z])`` (a boundary)
    or ``(?:^[ \\t]*...)`` (a line start): Hyperscan uses it to skip most
    false hits at no cost, while ``re`` scans much faster from a literal.
    Dropping a leading piece of a regex only widens what it matches, so
    both prefilters stay supersets of the rule.
    """
    if not trigger.startswith("(?:^"):
        return trigger
    for index, ch, depth in _structure(trigger):
        if ch == ")" and depth == 1:  # the leading group closes
            return trigger[index + 1 :] or trigger
    return trigger


def _element_end(pattern: str) -> int:
    """Where the first element of ``pattern`` ends (a class, a group, an escape or a character).

    Its quantifier, if any, is part of it. 0 when ``pattern`` is empty, -1
    for an escape longer than two characters (not taken apart).
    """
    if not pattern:
        return 0
    end = 0
    if pattern[0] == "[":
        for index, ch, depth in _structure(pattern):  # noqa: B007 - the first one after the class
            if index > 0:
                end = index
                break
        else:
            end = len(pattern)
    elif pattern[0] == "(":
        for index, ch, depth in _structure(pattern):
            if ch == ")" and depth == 1:
                end = index + 1
                break
        else:
            return len(pattern)
    elif pattern[0] == "\\":
        if pattern[1:2] in _LONG_ESCAPES:
            return -1  # \\x1b, \\u00e9, a back-reference: not worth taking apart
        end = 2
    else:
        end = 1
    if pattern[end : end + 1] in ("?", "*", "+"):
        end += 1
    elif pattern[end : end + 1] == "{":
        close = pattern.find("}", end)
        end = len(pattern) if close < 0 else close + 1
    if pattern[end : end + 1] in ("?", "+") and end > 0 and pattern[end - 1] in "?*+}":
        end += 1  # a lazy or possessive quantifier
    return end


_LONG_ESCAPES = frozenset("xuUN0123456789gk")


def _seekable(part: str, depth: int = 0) -> list[str] | None:
    """``part`` as parts that each start with a literal, for ``re`` to search fast; or None.

    ``re`` searches fast only from a literal start; a part that opens with a
    class (``[a-z0-9_.$@-](?:key|session)...``), a line-start context
    (``^[ \\t]*default``) or a group of alternatives is tried at every
    offset of a block. For a search, dropping a leading element only widens
    what matches (a line where the part matches still matches), and a group
    of alternatives followed by the rest is the same as each alternative
    followed by the rest. So the Python prefilter stays a superset of the
    trigger and the decision stays exact. Only a part with no literal start
    at all is rewritten, and only into parts that start with three literal
    characters; otherwise None (a single ``:`` or ``"`` is in every JSON line,
    and a trigger widened down to one would flag them all).
    """
    literal = _literal_prefix(part)
    if len(literal) >= 3 or (literal and depth == 0):
        return [part]  # (a short literal start is grouped as before: nothing is dropped from it)
    if literal or depth > 4 or not part:
        return None
    if part.startswith("^"):
        return _seekable(part[1:], depth + 1)
    end = _element_end(part)
    if end < 0:
        return None
    head, rest = part[:end], part[end:]
    if head.startswith("(?:") and head.endswith(")"):
        alternatives = split_alternatives(head[3:-1])
        try:
            for alternative in alternatives:
                re.compile(alternative)
        except re.error:
            return None
        out: list[str] = []
        for alternative in alternatives:
            parts = _seekable(alternative + rest, depth + 1)
            if parts is None:
                return None
            out.extend(parts)
        return out
    if head.startswith("(?") or not rest:  # a lookaround or a flag group: leave it
        return None
    return _seekable(rest, depth + 1)


def _literal_prefix(pattern: str) -> str:
    """The literal text a regex starts with ("" if none or unsure)."""
    out = []
    escaped = False
    for ch in pattern:
        if escaped:
            if ch.isalnum():
                break
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ".^$*+?{}[]()|":
            if ch in "*+?{" and out:
                out.pop()  # the last literal is quantified, so not certain
            break
        else:
            out.append(ch)
    return "".join(out)


def _line_start_literal(part: str) -> bytes:
    """For a part that starts ``^`` then a literal, that literal (else ``b""``).

    Only a case-sensitive part qualifies (the literal is searched as is).
    """
    if not part.startswith("^") or any(c.isupper() for c in part):
        return b""
    return _literal_prefix(part[1:]).encode("ascii")


#: Grouped parts: their pattern, their rules, and the literal all of them start with (or None).
_Scans = list[tuple[re.Pattern[bytes], int, bytes | None]]
#: The parts of one scan, each with the rules it flags outright, every rule it can flag, and
#: the rules it flags only where a trigger's own alternative (the part before it was widened
#: to be sought) matches too.
_Parts = list[tuple[re.Pattern[bytes], int, int, list[tuple[re.Pattern[bytes], int]]]]
#: Line-start parts: their literal after the ``^``, the part, its rules.
_LineStarts = list[tuple[bytes, re.Pattern[bytes], int]]
#: Digit-led parts: the part widened (see widen_digits), the part, its rules.
_DigitRuns = list[tuple[re.Pattern[bytes], re.Pattern[bytes], int]]

_DIGIT_CLASS = re.compile(r"\[(?:[0-9]-[0-9]|[0-9])+\]|\\d")
#: Anything left after the digit classes that could match a digit (or a line break).
_MAY_MATCH_DIGIT = re.compile(r"[1-9.]|\[\^|\\[^ts\-\[\]]|\(\?[^:]|\[[^\]]*0|\\s")
#: A class of spaces and punctuation only (``[-. ]``, ``[ .+-]``): it cannot match a digit.
_NO_DIGIT_CLASS = re.compile(r"\[(?:[ .+\-:/_,;]|\\[-.t ])+\]")
_ZERO_COUNT = re.compile(r"0\{([0-9]+)(?:,([0-9]+))?\}")
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")


def widen_digits(part: str) -> str | None:
    """``part`` to run over the text with every digit made ``0``, or None.

    A part that starts with a digit class (a card number:
    ``[2-6][0-9]{3}[ -]?...``) has no literal for ``re`` to search for, so
    ``re`` tries its matcher at every digit of the block. Over the text with
    each digit made ``0`` and each digit class made ``0``, with counts
    written out (``0000[ -]?0000...``), it starts with a literal: a fast
    search. That is a superset of the part only when nothing else in it can
    match a digit, so anything unusual gives None (and ``re`` as before);
    a line it flags is then checked with the part itself.
    """
    if not _DIGIT_CLASS.match(part):
        return None
    widened = _DIGIT_CLASS.sub("0", part)
    checked = _NO_DIGIT_CLASS.sub("", re.sub(r"\{[0-9]+(?:,[0-9]*)?\}", "", widened))
    if _MAY_MATCH_DIGIT.search(checked):
        return None

    def spell(count: re.Match[str]) -> str:
        least = int(count.group(1))
        most = count.group(2)
        return "0" * least + ("" if most is None else f"0{{0,{int(most) - least}}}")

    widened = _ZERO_COUNT.sub(spell, widened)
    return widened if len(_literal_prefix(widened)) >= 3 else None


def _compile_bytes(trigger: str) -> re.Pattern[bytes]:
    # The text is already lower-case; IGNORECASE is only needed (and only
    # costs speed) when the expression itself has upper-case letters.
    # MULTILINE: a block holds many lines, and ^/$ mean a line's start/end.
    flags = re.MULTILINE | (re.IGNORECASE if any(c.isupper() for c in trigger) else 0)
    return re.compile(trigger.encode("ascii"), flags)


class PythonPrefilter:
    """One ``re`` scan per trigger expression; fast where a trigger starts with a literal."""

    name = "python"

    def settle(self) -> None:
        """Nothing runs in the background."""

    def __init__(self, triggers: Sequence[tuple[str, ...]], *, automaton: bool = True) -> None:
        """``automaton=False`` seeks with ``re`` alone even where pyahocorasick is installed (tests)."""
        self._build(_group_triggers(triggers), automaton)

    @classmethod
    def from_groups(cls, groups: dict[str, int]) -> PythonPrefilter:
        self = cls.__new__(cls)
        self._build(groups, True)
        return self

    def _build(self, groups: dict[str, int], automaton: bool) -> None:
        self._scans, self._precise, self._line_starts, self._digit_runs = self._compile(groups)
        self._seeker, self._by_seek = _seeker(self._scans)
        self._automaton = _automaton(self._by_seek) if automaton else None

    @staticmethod
    def _compile(groups: dict[str, int]) -> tuple[_Scans, list[_Parts | None], _LineStarts, _DigitRuns]:
        """One scan per literal start: split alternatives, regroup them by prefix.

        ``re`` factors a shared literal prefix out of an alternation and then
        searches for it fast, so ``token...=|token...\\s`` is one quick scan.
        """
        split: dict[str, int] = {}
        # sought part -> the rules it stands for exactly, and the alternatives it was widened from
        exact: dict[str, int] = {}
        widened_from: dict[str, dict[str, int]] = {}
        for trigger, mask in groups.items():
            parts = split_alternatives(trigger)
            try:
                for part in parts:
                    re.compile(part)
            except re.error:  # not a clean split (a conditional...): keep it whole
                parts = [trigger]
            for original in parts:
                part = drop_context(original)
                seeks = [part] if _line_start_literal(part) else _seekable(part) or [part]
                for sought in seeks:
                    split[sought] = split.get(sought, 0) | mask
                    if sought == original:
                        exact[sought] = exact.get(sought, 0) | mask
                    else:
                        origins = widened_from.setdefault(sought, {})
                        origins[original] = origins.get(original, 0) | mask
        by_prefix: dict[tuple[str, str], tuple[list[str], int]] = {}
        part_masks: dict[tuple[str, str], list[int]] = {}
        # A hit of a widened part (" key=" for "[a-z0-9_.$@-](?:key|...)") flags a rule only
        # where the alternative it came from matches in that line too, as Hyperscan, which
        # runs the alternative itself, would: a widened part is for seeking, not for flagging.
        confirm: dict[str, list[tuple[re.Pattern[bytes], int]]] = {
            part: [(_compile_bytes(original), mask) for original, mask in origins.items()]
            for part, origins in widened_from.items()}
        line_starts: list[tuple[bytes, re.Pattern[bytes], int]] = []
        digit_runs: list[tuple[re.Pattern[bytes], re.Pattern[bytes], int]] = []
        for part, mask in split.items():
            at_line_start = _line_start_literal(part)
            if at_line_start:
                line_starts.append((at_line_start, _compile_bytes(part), mask))
                continue
            literal = _literal_prefix(part)
            # Group by the first three letters, or by a leading punctuation
            # mark (":" starts every IPv6/MAC trigger; one scan serves them).
            # (Case-folded: the text is lower case, and "Key=" must share the scan of "key".)
            key = literal[:1] if literal[:1] in _PUNCTUATION else literal[:3].lower()
            if not key or (len(key) < 3 and key not in _PUNCTUATION):
                widened = widen_digits(part)
                if widened is not None:
                    digit_runs.append((_compile_bytes(widened), _compile_bytes(part), mask))
                    continue
                key = ""  # no literal: a group of its own
            group = (key, part if not key else "")
            parts, masks = by_prefix.get(group, ([], 0))
            by_prefix[group] = ([*parts, part], masks | mask)
            part_masks.setdefault(group, []).append(mask)
        scans: _Scans = []
        precise: list[_Parts | None] = []
        for group, (parts, mask) in by_prefix.items():
            # Three letters every part starts with: bytes.find seeks them several times
            # faster than re's own literal search, then the pattern is matched right there.
            key = group[0]
            seek = key.encode("ascii") if len(key) == 3 else None
            scans.append((_compile_bytes("|".join(parts)), mask, seek))
            # Parts of several rules in one scan: a hit is then narrowed to the rules whose
            # own part matches in that line, so a "key=" line is not tried with every rule
            # that has some part starting "key".
            masks_of = part_masks[group]
            if len(set(masks_of)) == 1 and not any(part in confirm for part in parts):
                precise.append(None)
            else:
                precise.append([(_compile_bytes(part), exact.get(part, 0), split[part], confirm.get(part, []))
                                for part in parts])
        return scans, precise, line_starts, digit_runs

    def mask(self, projected: bytes) -> int:
        mask = 0
        for (pattern, pattern_mask, seek), parts in zip(self._scans, self._precise, strict=True):
            if seek is None and pattern_mask & ~mask:
                at = _first(pattern, projected, 0)
                if at >= 0:
                    mask |= pattern_mask if parts is None else _narrowed(parts, projected, at, 0,
                                                                         len(projected))
        for value in self._sought(projected, {}, whole=True).values():
            mask |= value
        for value in self._digit_led(projected, self._at_line_starts(projected, {})).values():
            mask |= value
        return mask

    def _at_line_starts(self, projected: bytes, found: Candidates) -> Candidates:
        """Parts anchored at a line start (``^``): their literal after a line break, then ``match``.

        ``re`` has no fast search for ``^`` and tries every offset of the
        block; the literal after ``\\n`` is a fast ``bytes.find``.
        """
        find, startswith = projected.find, projected.startswith
        for literal, pattern, mask in self._line_starts:
            marker = b"\n" + literal
            start = 0 if startswith(literal) else find(marker) + 1
            if start == 0 and not startswith(literal):
                continue  # 0 from find(): no such line
            while True:
                if pattern.match(projected, start) is not None:
                    found[start] = found.get(start, 0) | mask
                start = find(marker, start) + 1
                if start == 0:
                    break
        return found

    def _digit_led(self, projected: bytes, found: Candidates) -> Candidates:
        """Digit-led parts: the widened part over the digits-as-``0`` text, then the part on each line."""
        if not self._digit_runs:
            return found
        zeros = projected.translate(_DIGITS_TO_ZERO)
        rfind, find = projected.rfind, projected.find
        for widened, pattern, mask in self._digit_runs:
            match = widened.search(zeros)
            while match is not None:
                start = rfind(b"\n", 0, match.start()) + 1
                end = find(b"\n", match.start())
                if pattern.search(projected, start, len(projected) if end < 0 else end + 1) is not None:
                    found[start] = found.get(start, 0) | mask
                if end < 0:
                    break
                match = widened.search(zeros, end + 1)
        return found

    def _sought(self, projected: bytes, found: Candidates, *, whole: bool = False) -> Candidates:
        """The scans that start with a three-letter literal, all in one pass.

        One search (a trie of every such literal, see :func:`_seeker`) finds
        each place any of them occurs, in order, overlapping ones included;
        there the scan of that literal is matched. A scan that matched in a
        line is done with that line, as in :meth:`candidates`. ``whole``:
        ``projected`` counts as one line (:meth:`mask`).
        """
        seeker = self._seeker
        if seeker is None:
            return found
        scans, precise = self._scans, self._precise
        find = projected.find
        size = len(projected)
        done: dict[int, int] = {}  # scan -> the line start it last flagged
        line_start, line_end = 0, (size if whole else find(b"\n"))
        if line_end < 0:
            line_end = size
        for at, index in self._hits(seeker, projected):
            if at > line_end:  # a later line: where it starts and ends
                line_start = projected.rfind(b"\n", 0, at) + 1
                line_end = find(b"\n", at)
                if line_end < 0:
                    line_end = size
            if done.get(index, -1) != line_start:
                pattern, mask, _ = scans[index]
                if pattern.match(projected, at) is not None:
                    done[index] = line_start
                    parts = precise[index]
                    flagged = mask if parts is None else _narrowed(parts, projected, at, line_start, line_end)
                    if flagged:
                        found[line_start] = found.get(line_start, 0) | flagged
        return found

    def _hits(self, seeker: re.Pattern[bytes], projected: bytes) -> Iterator[tuple[int, int]]:
        """Each place a scan's three-letter literal occurs, in order (overlapping ones too), and its scan.

        Aho-Corasick (pyahocorasick, in C) finds them in one pass; else the trie
        regex is searched again from one past each hit. The literals all have
        three letters, so both give the same places in the same order.
        """
        if self._automaton is not None:
            for end, index in self._automaton.iter(projected.decode("latin-1")):
                yield end - 2, index
            return
        by_seek = self._by_seek
        hit = seeker.search(projected)
        while hit is not None:
            at = hit.start()
            yield at, by_seek[projected[at : at + 3]]
            hit = seeker.search(projected, at + 1)

    def candidates(self, projected: bytes) -> Candidates:
        found = self._sought(projected, self._digit_led(projected, self._at_line_starts(projected, {})))
        rfind, find = projected.rfind, projected.find
        for (pattern, mask, seek), parts in zip(self._scans, self._precise, strict=True):
            if seek is not None:
                continue  # done by _sought
            at = _first(pattern, projected, 0)
            while at >= 0:
                start = rfind(b"\n", 0, at) + 1
                # One hit per line is enough: go on from the next line
                # (a trigger never spans lines).
                end = find(b"\n", at)
                hit = mask if parts is None else _narrowed(parts, projected, at, start,
                                                           len(projected) if end < 0 else end)
                if hit:
                    found[start] = found.get(start, 0) | hit
                if end < 0:
                    break
                at = _first(pattern, projected, end + 1)
        return found


def _seeker(scans: _Scans) -> tuple[re.Pattern[bytes] | None, dict[bytes, int]]:
    """One regex that finds every three-letter literal the scans seek, and which scan each is.

    Written as a trie (``a(?:pi|ut)|d(?:ap|ke)...``): ``re`` tries an
    alternation's branches one after the other at each offset, so 190 flat
    literals cost four times as much as the same literals sharing their
    first letters; both are several times faster than 190 ``bytes.find``.
    """
    by_seek = {seek: index for index, (_, _, seek) in enumerate(scans) if seek is not None}
    if not by_seek:
        return None, by_seek
    return re.compile(_trie(sorted(by_seek))), by_seek


def _automaton(by_seek: dict[bytes, int]) -> Any | None:
    """An Aho-Corasick automaton of the three-letter literals (``by_seek``), if pyahocorasick loads."""
    ahocorasick = load_ahocorasick() if by_seek else None
    if ahocorasick is None:
        return None
    automaton = ahocorasick.Automaton()
    for seek, index in by_seek.items():
        automaton.add_word(seek.decode("latin-1"), index)
    automaton.make_automaton()
    return automaton


def _trie(words: list[bytes]) -> bytes:
    """A regex matching exactly ``words`` (all of the same length), as a trie."""
    if len(words[0]) == 1:
        escaped = [re.escape(word) for word in words]
        return escaped[0] if len(escaped) == 1 else b"[" + b"".join(escaped) + b"]"
    heads: dict[bytes, list[bytes]] = {}
    for word in words:
        heads.setdefault(word[:1], []).append(word[1:])
    branches = []
    for head, tails in heads.items():
        inner = _trie(tails)
        branches.append(re.escape(head) + (inner if len(tails) == 1 else b"(?:" + inner + b")"))
    return b"|".join(branches)


def _narrowed(parts: _Parts, projected: bytes, at: int, start: int, end: int) -> int:
    """The rules of the parts that match in ``projected[at:end]`` (the group's first hit is at ``at``).

    No part can match before ``at``: the group's search found the leftmost
    place any of its parts matches. A widened part's rules also need their
    own alternative to match somewhere in the line, ``projected[start:end]``.
    """
    mask = 0
    for pattern, part_mask, wanted, confirms in parts:
        if wanted & ~mask and pattern.search(projected, at, end) is not None:
            mask |= part_mask
            for original, confirm_mask in confirms:
                if confirm_mask & ~mask and original.search(projected, start, end) is not None:
                    mask |= confirm_mask
    return mask


def _first(pattern: re.Pattern[bytes], projected: bytes, pos: int) -> int:
    """Where ``pattern``'s first match from ``pos`` starts, or -1."""
    match = pattern.search(projected, pos)
    return -1 if match is None else match.start()


class ExhaustivePrefilter:
    """Every line is a candidate for every rule: the reference the others must equal."""

    name = "exhaustive"

    def settle(self) -> None:
        """Nothing runs in the background."""

    def __init__(self, triggers: Sequence[tuple[str, ...]]) -> None:
        self._mask = (1 << len(triggers)) - 1

    def mask(self, projected: bytes) -> int:
        return self._mask

    def candidates(self, projected: bytes) -> Candidates:
        found: Candidates = {0: self._mask}
        start = projected.find(b"\n") + 1
        while 0 < start < len(projected):
            found[start] = self._mask
            start = projected.find(b"\n", start) + 1
        return found


#: Shortest text :meth:`HyperscanPrefilter.mask` scans with its report-once database.
SINGLE_MATCH_MIN = 64 << 10


class HyperscanPrefilter:
    """All triggers in one Hyperscan database, one pass per block.

    A trigger Hyperscan cannot compile (a back-reference, a lookaround) is
    scanned by Python ``re`` instead, so every trigger is always honoured.
    """

    name = "hyperscan"

    def __init__(self, triggers: Sequence[tuple[str, ...]], hyperscan: Any) -> None:
        groups = _group_triggers(triggers)
        self._hs = hyperscan
        self._db: Any = None
        supported, rest = dict(groups), dict[str, int]()
        try:
            self._db = self._compile(supported)
        except hyperscan.error:
            # Only then find out, trigger by trigger, which ones Hyperscan refuses:
            # compiling each alone costs as much again as compiling all together.
            supported, rest = {}, {}
            for trigger, mask in groups.items():
                try:
                    self._compile({trigger: mask}, cache=False)
                except hyperscan.error:
                    rest[trigger] = mask
                else:
                    supported[trigger] = mask
            self._db = self._compile(supported)
        self._masks = list(supported.values())
        # The same triggers, each reported once a scan (see mask()). Hyperscan
        # compiles without the GIL, so a thread builds it beside whatever runs.
        self._single: Future[Any] = Future()
        self._compiling = threading.Thread(target=self._compile_single, args=(supported,), daemon=True,
                                           name="diagbundle-hyperscan")
        self._compiling.start()
        #: The triggers Hyperscan refused, if any (none of the built-in ones).
        self._rest = PythonPrefilter.from_groups(rest) if rest else None
        self._local = threading.local()

    def settle(self) -> None:
        """Wait for the report-once database: a child forked mid-compile would wait for it forever."""
        self._compiling.join()

    def _compile_single(self, triggers: dict[str, int]) -> None:
        try:
            self._single.set_result(self._compile(triggers, self._hs.HS_FLAG_SINGLEMATCH))
        except BaseException as err:  # mask() then falls back to candidates()
            self._single.set_exception(err)

    def _compile(self, triggers: dict[str, int], extra_flags: int = 0, *, cache: bool = True) -> Any:
        """One database for ``triggers`` (None for none); raises ``hyperscan.error``.

        Loaded from the on-disk cache (:mod:`~diagbundle.redaction.dbcache`)
        when a sound copy is there; ``cache=False`` for the throwaway
        one-trigger probes.
        """
        if not triggers:
            return None
        expressions = [t.encode("ascii") for t in triggers]
        flags = self._hs.HS_FLAG_CASELESS | self._hs.HS_FLAG_MULTILINE | extra_flags
        if cache:
            return dbcache.compile_cached(self._hs, expressions, flags)
        db = self._hs.Database()
        db.compile(expressions=expressions, ids=list(range(len(expressions))),
                   elements=len(expressions), flags=flags)
        return db

    def _scratch(self, db: Any, slot: str = "scratch") -> Any:
        # Hyperscan scratch space may not be shared between threads.
        scratch = getattr(self._local, slot, None)
        if scratch is None:
            scratch = self._hs.Scratch(db)
            setattr(self._local, slot, scratch)
        return scratch

    def mask(self, projected: bytes) -> int:
        """One scan of a database in which each trigger reports at most once.

        A long line (a megabyte of JSON with an e-mail address in every
        row) makes the per-line database call back into Python once per
        match; here each trigger calls back once at most. A shorter text is
        scanned as :meth:`candidates` does: that costs less than the call.
        """
        single = self._single_db(projected)
        if single is None:
            mask = 0
            for value in self.candidates(projected).values():
                mask |= value
            return mask
        mask = self._rest.mask(projected) if self._rest is not None else 0
        masks = self._masks
        fired: list[int] = []

        def on_match(ident: int, start: int, end: int, flags: int, context: object) -> None:
            fired.append(masks[ident])

        single.scan(projected, match_event_handler=on_match, scratch=self._scratch(single, "single_scratch"))
        for value in fired:
            mask |= value
        return mask

    def _single_db(self, projected: bytes) -> Any:
        """The report-once database if ``projected`` is long enough to use it (and it compiled)."""
        if self._db is None or len(projected) < SINGLE_MATCH_MIN:
            return None
        try:
            return self._single.result()
        except Exception:  # it did not compile: candidates() gives the same answer, slower
            return None

    def candidates(self, projected: bytes) -> Candidates:
        found = self._rest.candidates(projected) if self._rest is not None else {}
        if self._db is None:
            return found
        masks = self._masks
        rfind = projected.rfind
        # [start of the line of the last match, offset searched up to]: matches
        # come in order of their end, so each one only searches for a line
        # break since the previous one (searching back to the start of a long
        # line for each of its thousands of matches was quadratic).
        last = [0, 0]

        def on_match(ident: int, start: int, end: int, flags: int, context: object) -> None:
            at = max(end - 1, 0)
            line, searched = last
            if at >= searched:
                newline = rfind(b"\n", searched, at)
                if newline >= 0:
                    line = newline + 1
                last[0], last[1] = line, at
            else:  # a match reported out of order: search the whole way back
                line = rfind(b"\n", 0, at) + 1
            found[line] = found.get(line, 0) | masks[ident]

        self._db.scan(projected, match_event_handler=on_match, scratch=self._scratch(self._db))
        return found


def load_ahocorasick() -> Any | None:
    """The ``ahocorasick`` module (pyahocorasick), or None when it is not installed or cannot load."""
    try:
        import ahocorasick
    except Exception:  # not installed (no wheel for this platform), or a broken build
        return None
    return ahocorasick


def load_hyperscan() -> Any | None:
    """The ``hyperscan`` module, or None when it is not installed or cannot load."""
    try:
        import hyperscan
    except Exception:  # ImportError, or a broken native library
        return None
    return hyperscan


_cache: dict[tuple[str, tuple[tuple[str, ...], ...]], Prefilter] = {}
_cache_lock = threading.Lock()


def make_prefilter(triggers: Sequence[tuple[str, ...]], engine: str = "auto") -> Prefilter:
    """A prefilter for these triggers: Hyperscan when available, else Python.

    ``engine`` is ``"auto"``, ``"hyperscan"`` or ``"python"`` (or
    ``"exhaustive"``, every rule on every line: the reference for tests).
    Compiled prefilters are cached: a bundle builds one redactor, tests
    build many.
    """
    if engine == "exhaustive":
        return ExhaustivePrefilter(triggers)
    if engine not in ("auto", "hyperscan", "python"):
        raise ValueError(f"unknown redaction engine {engine!r}")
    hs = load_hyperscan() if engine != "python" else None
    if engine == "hyperscan" and hs is None:
        raise RuntimeError("hyperscan is not installed (pip install 'diagbundle[fast]')")
    key = ("hyperscan" if hs is not None else "python", tuple(triggers))
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
    build: Callable[[], Prefilter]
    if hs is not None:
        build = lambda: HyperscanPrefilter(triggers, hs)  # noqa: E731
    else:
        build = lambda: PythonPrefilter(triggers)  # noqa: E731
    try:
        prefilter = build()
    except Exception:
        if engine == "hyperscan":
            raise
        prefilter = PythonPrefilter(triggers)
    with _cache_lock:
        if len(_cache) > 64:
            _cache.clear()
        _cache[key] = prefilter
    return prefilter
