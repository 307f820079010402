"""Streaming, boundary-safe redaction with consistent pseudonyms.

The output is a function of the content only, never of how it was chunked:

* Text is redacted line by line (a line ends at ``\\n``); no rule sees a
  line break. Each rule runs with Python ``re`` on the line alone, and the
  matches of all rules are resolved together (overlapping secrets merge,
  PII never overlaps a secret), then replaced in one go.
* A prefilter (:mod:`diagbundle.redaction.prefilter`) picks the lines where
  some rule might match; every other line is copied untouched. It only
  makes things fast: the decision is always the exact ``re`` one.
* A line longer than :data:`WINDOW` characters (a 100 MB minified JSON) is
  cut into windows at positions that depend only on its content: a window
  commits its text up to ``WINDOW - MARGIN`` (or the end of a match that
  crosses that point) and the next window starts there. Memory stays
  bounded; a secret longer than ``MARGIN`` that touches a window's end is
  continued into the next window rather than let through.
* Multi-line PEM blocks are the one thing that spans lines: a state carried
  from line to line, again independent of chunking.
"""

from __future__ import annotations

import bisect
import codecs
import getpass
import re
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from diagbundle.redaction.prefilter import Prefilter, make_prefilter, project
from diagbundle.redaction.pseudonyms import Pseudonyms
from diagbundle.redaction.rule import TAG, Rule
from diagbundle.redaction.rules import DEFAULT_PII, PII_KINDS, default_rules, literal_rule

__all__ = ["MARGIN", "WINDOW", "Redactor", "Rule"]

#: Longest piece of a single line redacted at once (characters).
WINDOW = 1 << 20
#: How much of a window's end is left to the next window, so a match that
#: starts near a cut is seen whole (any match shorter than this is exact).
MARGIN = 64 << 10
#: Lines are batched up to about this many characters per prefilter pass.
BLOCK = 1 << 20
#: How much of a long line JSON mode may leave unlexed until a match needs it.
JSON_PENDING = 8 << 20

#: Characters next to a replacement that cannot have changed whether a
#: neighbouring match matches (see ``_Run._decide``).
_INERT = frozenset(" \t\r\"'`,;=()[]{}<>|")
#: How many times a changed line is decided again (see ``_Run._decide``).
_MAX_PASSES = 4
#: What a secret cut by a window's end continues with in the next window.
_CONTINUATION = re.compile(r"[^\s\"'\\,;&<>]+")
#: The rest of a JSON string's body: up to its closing quote, escapes included.
_JSON_STRING_BODY = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)
#: A whole JSON string; group 1 is its closing quote (empty if cut off).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*("?)', re.DOTALL)
_ENCODE_ERRORS = "diagbundle-surrogates"


def _encode_errors(err: UnicodeError) -> tuple[bytes, int]:
    """Invalid UTF-8 that came in (surrogate escapes) goes out as the same bytes."""
    if not isinstance(err, UnicodeEncodeError):
        raise err
    out = bytearray()
    for ch in err.object[err.start : err.end]:
        code = ord(ch)
        out += bytes([code - 0xDC00]) if 0xDC80 <= code <= 0xDCFF else "\ufffd".encode()
    return bytes(out), err.end


codecs.register_error(_ENCODE_ERRORS, _encode_errors)


def encode(text: str) -> bytes:
    """UTF-8, restoring the original bytes of invalid input."""
    return text.encode("utf-8", _ENCODE_ERRORS)


@dataclass
class _State:
    """What one stream carries from line to line."""

    block: Rule | None = None  # inside a multi-line block (PEM) of this rule
    continuation: Rule | None = None  # a secret ran into the previous window's end


@dataclass(frozen=True)
class _Compiled:
    """A snapshot of the rule set, so add_rule() never disturbs a running stream."""

    rules: tuple[Rule, ...]
    prefilter: Prefilter
    always: int  # mask of rules without a trigger: tried on every line


class Redactor:
    """Redacts text and byte streams; one instance per bundle.

    The instance holds the per-bundle HMAC key that makes pseudonyms
    consistent; the key and :meth:`mapping` never go into the bundle. It is
    safe to use from several threads at once.

    ``pii`` lists the PII kinds to pseudonymise (``email``, ``ip``, ``mac``,
    ``user``, ``host``, ``phone``; default all but ``phone``). ``username`` and
    ``hostname`` are replaced wherever they appear: ``None`` detects the
    current ones, ``False`` turns this off. ``allow`` values and
    ``allow_patterns`` (full matches) are never replaced. ``engine`` picks
    the prefilter: ``"auto"`` (Hyperscan if installed), ``"hyperscan"`` or
    ``"python"``; the output is the same.
    """

    def __init__(
        self,
        rules: Iterable[Rule] | None = None,
        *,
        key: bytes | None = None,
        pii: Iterable[str] | None = None,
        allow: Iterable[str] = (),
        allow_patterns: Iterable[str] = (),
        username: str | bool | None = None,
        hostname: str | bool | None = None,
        engine: str = "auto",
    ) -> None:
        kinds = DEFAULT_PII if pii is None else frozenset(pii)
        unknown = set(kinds) - PII_KINDS
        if unknown:
            raise ValueError(f"unknown PII kind(s): {', '.join(sorted(unknown))}")
        if rules is None:
            self._rules = default_rules(kinds)
        else:
            self._rules = list(rules)
        if "user" in kinds:
            self._add_literal("username", "user", username, rules is None, _current_user)
        if "host" in kinds:
            self._add_literal("hostname", "host", hostname, rules is None, _current_host)
        self._allow = frozenset(allow)
        try:
            self._allow_patterns = tuple(re.compile(p) for p in allow_patterns)
        except re.error as err:
            raise ValueError(f"invalid allow pattern: {err}") from err
        self._engine = engine
        self._pseudonyms = Pseudonyms(key)
        self._lock = threading.Lock()
        self._compiled: _Compiled | None = None
        self._snapshot()  # fail now, not in the middle of a bundle

    def _add_literal(
        self, name: str, label: str, value: str | bool | None, default_on: bool,
        detect: Callable[[], str | None],
    ) -> None:
        if value is False or (value is None and not default_on):
            return
        literal = detect() if value is None or value is True else value
        if not literal:
            return
        for part in dict.fromkeys((literal, literal.split(".", 1)[0])):
            rule = literal_rule(name, label, part)
            if rule is not None:
                self._rules.append(rule)

    # -- rules ---------------------------------------------------------------------
    def add_rule(self, rule: Rule) -> None:
        """Add a rule (plugins, configuration); it applies to streams started after."""
        if not isinstance(rule, Rule):
            raise TypeError(f"add_rule() expects a Rule, got {type(rule).__name__}")
        with self._lock:
            self._rules.append(rule)
            self._compiled = None

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(self._rules)

    @property
    def engine(self) -> str:
        """Which prefilter runs: ``"hyperscan"`` or ``"python"``."""
        return self._snapshot().prefilter.name

    def _snapshot(self) -> _Compiled:
        with self._lock:
            if self._compiled is None:
                rules = tuple(self._rules)
                always = 0
                for index, rule in enumerate(rules):
                    if not rule.triggers:
                        always |= 1 << index
                prefilter = make_prefilter([r.triggers for r in rules], self._engine)
                self._compiled = _Compiled(rules, prefilter, always)
            return self._compiled

    def _allowed(self, value: str) -> bool:
        return value in self._allow or any(p.fullmatch(value) for p in self._allow_patterns)

    def _allowed_check(self) -> Callable[[str], bool]:
        """The fastest way to ask :meth:`_allowed` for this configuration."""
        return self._allowed if self._allow_patterns else self._allow.__contains__

    # -- pseudonyms ----------------------------------------------------------------
    def pseudonym(self, kind: str, value: str) -> str:
        """Return the bundle-wide pseudonym for ``value``, e.g. ``<email-1>``."""
        return self._pseudonyms.get(kind, value)

    def mapping(self) -> dict[str, str]:
        """Pseudonym to original value; kept on the user's machine only."""
        return self._pseudonyms.mapping()

    # -- redaction -------------------------------------------------------------------
    def redact(self, text: str, counts: Counter[str] | None = None, *, json: bool = False) -> str:
        """Redact a whole string (any number of lines).

        ``json=True`` keeps JSON valid: a replacement outside a string
        (a card number written as a number) is quoted.
        """
        return "".join(self._pieces([text], counts, json))

    def stream(
        self,
        chunks: Iterable[bytes | str],
        counts: Counter[str] | None = None,
        *,
        json: bool = False,
    ) -> Iterator[bytes]:
        """Redact a stream of chunks of any size; yields UTF-8 bytes.

        Invalid UTF-8 is carried through unchanged (surrogateescape).
        """
        for piece in self._pieces(chunks, counts, json):
            yield encode(piece)

    def _pieces(
        self, chunks: Iterable[bytes | str], counts: Counter[str] | None, json: bool
    ) -> Iterator[str]:
        run = _Run(self, self._snapshot(), counts, json)
        decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        pending: list[str] = []
        size = 0
        for chunk in chunks:
            if isinstance(chunk, str):
                text = decoder.decode(b"", final=True) + chunk
                decoder.reset()
            else:
                text = decoder.decode(chunk)
            if not text:
                continue
            newline = text.rfind("\n")
            if newline < 0:
                pending.append(text)
                size += len(text)
                if size >= WINDOW:
                    line = "".join(pending)
                    out, used = run.windows(line)
                    run.mid_line = True
                    pending, size = [line[used:]], len(line) - used
                    if out:
                        yield out
                continue
            pending.append(text[: newline + 1])
            out = run.block("".join(pending))
            rest = text[newline + 1 :]
            pending, size = ([rest], len(rest)) if rest else ([], 0)
            if out:
                yield out
        tail = "".join(pending) + decoder.decode(b"", final=True)
        if tail:
            yield run.block(tail)


def _current_user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        return None


def _current_host() -> str | None:
    try:
        return socket.gethostname()
    except OSError:
        return None


class _Run:
    """One redaction pass over one input: the rule snapshot plus per-stream state."""

    def __init__(
        self, owner: Redactor, compiled: _Compiled, counts: Counter[str] | None, json: bool
    ) -> None:
        self.owner = owner
        self.rules = compiled.rules
        self.prefilter = compiled.prefilter
        self.always = compiled.always
        self.counts = counts
        self.json = json
        self.state = _State()
        self.allowed = owner._allowed_check()
        self.pseudonym = owner._pseudonyms.get  # what owner.pseudonym calls, one call fewer per match
        #: Part of the current line was already redacted in windows.
        self.mid_line = False
        #: A replacement touched a character that may change its neighbours.
        self.unsettled = False
        #: JSON lexer state at the current position of a long line:
        #: 0 outside a string, 1 inside, 2 inside right after a backslash.
        self.json_state = 0
        #: Windows the lexer has not been run over yet (see ``_json_state``).
        self.json_pending: list[tuple[str, int]] = []
        self.json_pending_size = 0

    # -- blocks of complete lines ------------------------------------------------------
    def block(self, text: str) -> str:
        """Redact ``text``: complete lines (the last one may lack its ``\\n`` at the end)."""
        out: list[str] = []
        pos = 0
        end = len(text)
        while pos < end:
            stop = min(pos + BLOCK, end)
            if stop < end:
                cut = text.rfind("\n", pos, stop)
                if cut < 0:  # one long line: take it whole, windows bound the work
                    cut = text.find("\n", stop)
                    stop = end if cut < 0 else cut + 1
                else:
                    stop = cut + 1
            self._slice(text[pos:stop], out)
            pos = stop
        return "".join(out)

    def _slice(self, text: str, out: list[str]) -> None:
        pos = 0
        end = len(text)
        # The rest of a line begun in windows, or lines inside a PEM block.
        while pos < end and (
            self.mid_line or self.state.block is not None or self.state.continuation is not None
        ):
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
        decide = self._decide
        for start in sorted(found):
            if start < pos:
                continue
            newline = find("\n", start)
            stop = end if newline < 0 else newline
            if stop - start >= WINDOW or self.json:
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
            while self.state.block is not None and pos < end:
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
        content, ending = _split_ending(line)
        out = ""
        if len(content) >= WINDOW:
            out, used = self.windows(content)
            content, mask = content[used:], None
        out += self._tail(content, mask) + ending
        self.mid_line = False
        self.json_state = 0
        self.json_pending.clear()
        self.json_pending_size = 0
        return out

    def _json_state(self) -> int:
        """The JSON lexer state here, once the windows it has not seen are lexed.

        Only a match in JSON mode needs it. Lexing a window of a long JSON
        line costs milliseconds (a body of escaped JSON has an escape every
        few characters), and most windows have no match: the lines of a
        sanitized HAR end before anything needs the state. Windows wait,
        up to :data:`JSON_PENDING` characters, then are lexed in order.
        """
        for piece, stop in self.json_pending:
            self.json_state = _json_scan(piece, self.json_state, stop)[1]
        self.json_pending.clear()
        self.json_pending_size = 0
        return self.json_state

    def _tail(self, content: str, mask: int | None) -> str:
        """Redact the (last) piece of a line, up to its real end."""
        prefix = ""
        if self.state.block is not None:
            rule = self.state.block
            assert rule.compiled_end is not None
            end = rule.compiled_end.search(content)
            if end is None:
                return ""
            self.state.block = None
            content = content[end.end() :]
            mask = None
        if self.state.continuation is not None:
            rule, self.state.continuation = self.state.continuation, None
            run = _CONTINUATION.match(content)
            if run is not None:
                prefix = f"[REDACTED:{rule.name}]"
                content = content[run.end() :]
            mask = None
        if mask is None:
            mask = self._mask(content)
        if not mask or not content:
            return prefix + content
        redacted, _ = self._decide(content, mask, None)
        return prefix + redacted

    def _mask(self, piece: str) -> int:
        """The rules to try on ``piece``, one line or part of one."""
        return self.always | self.prefilter.mask(project(piece))

    # -- long lines -------------------------------------------------------------------
    def windows(self, line: str) -> tuple[str, int]:
        """Redact whole windows of a long line (no ``\\n`` in it).

        Returns the output and how much of ``line`` it covers; the rest,
        shorter than :data:`WINDOW`, waits for more text or the line's end.
        """
        out: list[str] = []
        pos = 0
        while len(line) - pos >= WINDOW:
            window = line[pos : pos + WINDOW]
            limit = WINDOW - MARGIN
            if self.state.block is not None:
                rule = self.state.block
                assert rule.compiled_end is not None
                end = rule.compiled_end.search(window, 0, limit + 128)
                if end is None:
                    pos += limit
                    continue
                self.state.block = None
                pos += end.end()
                continue
            prefix = ""
            skip = 0
            if self.state.continuation is not None:
                rule, self.state.continuation = self.state.continuation, None
                run = _CONTINUATION.match(window, 0, limit)
                if run is not None:
                    prefix, skip = f"[REDACTED:{rule.name}]", run.end()
            if skip >= limit:
                self.state.continuation = rule
                out.append(prefix)
                pos += skip
                continue
            piece = window[skip:]
            redacted, commit = self._decide(piece, self._mask(piece), limit - skip)
            if self.json:
                self.json_pending.append((piece, commit))
                self.json_pending_size += commit
                if self.json_pending_size > JSON_PENDING:
                    self._json_state()
            out.append(prefix + redacted)
            pos += skip + commit
        return "".join(out), pos

    # -- the exact decision ---------------------------------------------------------------
    def _decide(self, content: str, mask: int, limit: int | None) -> tuple[str, int]:
        """Redact one line (or window), to a fixed point.

        A replacement changes its neighbours' context (``10.0.0.1fe80::1``:
        the IPv6 address only stands alone once the IPv4 one is a tag), so a
        line changed next to anything but a space, quote, bracket or
        separator is decided again, triggers included, until it no longer
        changes: redacting twice then changes nothing more. Windows of long
        lines are decided once.
        """
        self.unsettled = False
        new, commit = self._decide_once(content, mask, limit)
        if limit is not None:
            return new, commit
        for _ in range(_MAX_PASSES):
            if new is content or not self.unsettled:
                break
            content = new
            self.unsettled = False
            # The triggers see the new line: a replacement may have made room
            # for a match whose trigger needed a boundary the old text lacked.
            new, commit = self._decide_once(content, self._mask(content), None)
        return new, commit

    def _decide_once(self, content: str, mask: int, limit: int | None) -> tuple[str, int]:
        """Find, resolve and apply every match in ``content`` (one line or window).

        With a ``limit`` (a window), only matches starting before it count and
        the text is committed up to the limit or the end of a match that
        crosses it; returns the redacted committed text and its length. An
        unchanged line is returned as the very same object.
        """
        rules = self.rules
        found: list[tuple[int, int, int]] = []
        protected: _Spans | None = None
        has_tags = False
        strings: _Spans | None = None
        allowed = self.allowed
        size = len(content)
        json = self.json
        while mask:
            low = mask & -mask
            mask ^= low
            index = low.bit_length() - 1
            rule = rules[index]
            search = rule.compiled.search
            anchor = rule.anchor
            if anchor is None:
                match = search(content)
            else:  # no match starts more than ``reach`` before the next anchor
                at = content.find(anchor[0])
                match = None if at < 0 else search(content, max(0, at - anchor[1]))
            if match is None:  # the usual case: the trigger was a false alarm
                continue
            group = rule.group
            validate = rule.validate
            # A pseudonym right next to an earlier tag would not have matched
            # before that tag replaced its neighbour: leave it, so that
            # redacting twice changes nothing more.
            pii = rule.kind == "pii"
            if protected is None:
                protected = _Spans(m.span() for m in TAG.finditer(content)) \
                    if _has_tag(content) else _NO_SPANS
                has_tags = bool(protected)
            while match is not None:
                start, end = match.span(group)
                if limit is not None and start >= limit:
                    break
                value = content[start:end]
                if (
                    start < 0
                    or start == end
                    or (has_tags and protected.overlaps(start, end, touching=pii))
                    or allowed(value)
                    or (validate is not None and not validate(value))
                ):
                    pos = match.start() + 1
                elif json:
                    # Fit the match to the JSON around it before anything is
                    # merged, so no replacement spans a string's quote; go on
                    # from where the fitted match ends.
                    if strings is None:
                        strings = _Spans(_json_scan(content, self._json_state(), len(content))[0])
                    fitted = _json_clip(content, start, end, strings)
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
                if anchor is None:
                    match = search(content, pos)
                else:
                    at = content.find(anchor[0], pos)
                    match = None if at < 0 else search(content, max(pos, at - anchor[1]))
        if not found:
            if limit is None:
                return content, len(content)
            return content[:limit], limit
        return self._apply(content, found, limit, strings)

    def _apply(
        self,
        content: str,
        found: list[tuple[int, int, int]],
        limit: int | None,
        strings: _Spans | None,
    ) -> tuple[str, int]:
        rules = self.rules
        first = found[0][2]
        if all(index == first for _, _, index in found):
            # One rule's matches are already in order and never overlap (each
            # search goes on from the end of the last): nothing to resolve.
            rule = rules[first]
            if strings is None and rule.block_end is None:
                return self._apply_one(content, found, rule, limit)
            spans = [(start, end, rule) for start, end, _ in found]
        else:
            spans = _resolve(rules, found)
        commit = len(content) if limit is None else limit
        if limit is not None:
            for start, end, _ in spans:
                if start < limit and end > commit:
                    commit = end
        out: list[str] = []
        pos = 0
        counts = self.counts
        for start, end, rule in spans:
            if start >= commit:
                break
            quote = strings is not None and not strings.overlaps(start, end)
            out.append(content[pos:start])
            value = content[start:end]
            if rule.kind == "secret":
                new = f"[REDACTED:{rule.name}]"
            else:
                key = value.lower() if rule.fold_case else value
                new = self.pseudonym(rule.pseudonym_kind, key)
            if quote:
                new = f'"{new}"'
            out.append(new)
            if counts is not None:
                counts[rule.name] += 1
            pos = end
            if limit is None and rule.block_end is not None:
                self._maybe_open_block(rule, value, content[end:])
            elif limit is not None and end == len(content) and rule.kind == "secret":
                self.state.continuation = rule
        out.append(content[pos:commit])
        if not self.unsettled:
            self.unsettled = _touches_text(content, spans)
        return "".join(out), commit

    def _apply_one(
        self, content: str, found: list[tuple[int, int, int]], rule: Rule, limit: int | None
    ) -> tuple[str, int]:
        """:meth:`_apply` for its common dense case: one single-line rule, in text mode.

        A megabyte of JSON with an address in every row has a hundred
        thousand matches of one rule; everything that does not change from
        one match to the next is looked up once here.
        """
        out: list[str] = []
        append = out.append
        pos = 0
        if rule.kind == "secret":
            tag = f"[REDACTED:{rule.name}]"
            for start, end, _ in found:
                append(content[pos:start])
                append(tag)
                pos = end
        else:
            kind = rule.pseudonym_kind
            pseudonym = self.pseudonym
            fold = rule.fold_case
            for start, end, _ in found:
                append(content[pos:start])
                value = content[start:end]
                append(pseudonym(kind, value.lower() if fold else value))
                pos = end
        # Every match starts before the limit; only the last can cross it.
        commit = len(content) if limit is None else max(limit, pos)
        out.append(content[pos:commit])
        if self.counts is not None:
            self.counts[rule.name] += len(found)
        if limit is not None and pos == len(content) and rule.kind == "secret":
            self.state.continuation = rule
        if not self.unsettled:
            self.unsettled = _touches_text(content, found)
        return "".join(out), commit

    def _maybe_open_block(self, rule: Rule, value: str, rest: str) -> None:
        assert rule.compiled_end is not None
        if not rest.strip() and rule.compiled_end.search(value) is None:
            self.state.block = rule


# -- helpers ---------------------------------------------------------------------------


def _resolve(
    rules: tuple[Rule, ...], found: list[tuple[int, int, int]]
) -> list[tuple[int, int, Rule]]:
    """Resolve overlapping matches: the spans to replace, in order.

    Overlapping secrets merge into one span named after its longest member
    (ties: the earlier rule), so nothing any secret rule wanted hidden shows.
    PII goes by rule order and never overlaps a secret or earlier PII.
    """
    groups: list[list[int]] = []  # [start, end, best index, best length]
    pii: list[tuple[int, int, int]] = []
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
    spans = [(g[0], g[1], rules[g[2]]) for g in groups]
    taken = _Spans((g[0], g[1]) for g in groups)
    for start, end, index in sorted(pii, key=lambda s: (s[2], s[0])):
        if not taken.overlaps(start, end):
            taken.add(start, end)
            spans.append((start, end, rules[index]))
    spans.sort(key=lambda s: s[0])
    return spans


_JSON_STRUCTURE = " \t\r{}[],:"
_JSON_ESCAPE = re.compile(r"\\(?:u[0-9A-Fa-f]{4}|.)")
_JSON_LITERALS = frozenset({"true", "false", "null"})


def _json_clip(content: str, start: int, end: int, strings: _Spans) -> tuple[int, int] | None:
    """Fit a match to the JSON around it, or drop it.

    Inside a string it stops before the closing quote and never cuts an
    escape (``\\n``, ``\\u00e9``) in two. Outside strings it is cut to one
    token (a card number written as a number, an unquoted value in JSON-like
    text), which the caller quotes; a bare ``true``/``false``/``null`` or
    punctuation hides nothing and is left alone.
    """
    # Only the first string that ends after ``start`` can hold or cut the match.
    found = strings.first_ending_after(start)
    if found is not None:
        opened, closed = found
        if opened <= start:  # in this string (or on its opening quote)
            terminated = closed - opened >= 2 and content[closed - 1] == '"'
            start = max(start, opened + 1)
            end = min(end, closed - 1 if terminated else closed)
            for escape in _JSON_ESCAPE.finditer(content, opened + 1, end + 6):
                if escape.start() >= end:
                    break
                if escape.start() < start < escape.end():
                    start = escape.end()
                if escape.start() < end < escape.end():
                    end = escape.start()
            return (start, end) if start < end else None
        if opened < end:
            end = opened
    while start < end and content[start] in _JSON_STRUCTURE:
        start += 1
    stop = start
    while stop < end and content[stop] not in _JSON_STRUCTURE:
        stop += 1
    if stop <= start or content[start:stop] in _JSON_LITERALS:
        return None
    return start, stop


def _touches_text(content: str, spans: Iterable[tuple[int, int, object]]) -> bool:
    """Is a replaced span next to anything but a space, quote, bracket or separator?"""
    last = len(content) - 1
    for start, end, _ in spans:
        if (start > 0 and content[start - 1] not in _INERT) or (end <= last and content[end] not in _INERT):
            return True
    return False


def _split_ending(line: str) -> tuple[str, str]:
    if line.endswith("\n"):
        return line[:-1], "\n"
    return line, ""


def _has_tag(content: str) -> bool:
    return "[REDACTED:" in content or ("<" in content and ">" in content)


class _Spans:
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

    def add(self, start: int, end: int) -> None:
        """Insert a span that overlaps none of the others."""
        i = bisect.bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)

    def first_ending_after(self, pos: int) -> tuple[int, int] | None:
        """The first span whose end is after ``pos``, if any."""
        i = bisect.bisect_right(self.ends, pos)
        return (self.starts[i], self.ends[i]) if i < len(self.starts) else None


_NO_SPANS = _Spans()


def _json_scan(content: str, state: int, stop: int) -> tuple[list[tuple[int, int]], int]:
    """The JSON strings in ``content[:stop]`` and the lexer state at ``stop``.

    ``state`` is the state at the start (0 outside a string, 1 inside, 2
    inside right after a backslash): a JSON line never starts inside a
    string, but a window of a long line may. Whole strings are found by one
    regex scan in C (a megabyte of JSON holds a hundred thousand of them);
    only a string still open at ``stop`` needs a closer look.
    """
    spans: list[tuple[int, int]] = []
    pos = 1 if state == 2 else 0
    if state != 0:  # finish the string the window starts in
        end = _JSON_STRING_BODY.match(content, min(pos, stop), stop).end()  # type: ignore[union-attr]
        if end >= stop or content[end] != '"':
            spans.append((0, stop))
            return spans, 2 if (end < stop or (state == 2 and stop == 0)) else 1
        spans.append((0, end + 1))
        pos = end + 1
    found = list(_JSON_STRING.finditer(content, pos, stop))
    spans += [m.span() for m in found]
    if not found or found[-1].group(1):  # the last string is closed: outside one at ``stop``
        return spans, 0
    opened, end = spans[-1]
    spans[-1] = (opened, stop)
    # The body stopped short of ``stop`` only at a backslash whose character lies beyond.
    return spans, 2 if end < stop else 1
