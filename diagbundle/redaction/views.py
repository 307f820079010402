"""Decoded views of a line: what a secret looks like behind escapes and encodings.

``{"body":"{\\"password\\":\\"hunter2\\"}"}`` hides ``password":"hunter2`` behind
JSON escapes; Gson writes ``=`` as ``\\u003d``; a query spells it ``%3D``; HTML
``&#61;``; a terminal puts a colour code right before a token. The rules are
written for plain text, so a line holding any such sequence is also decided
in its decoded form, and every match found there is mapped back to the
original characters it came from (never cutting an escape in two). Decoding
repeats up to :data:`_LEVELS` times, for JSON inside JSON inside JSON.
"""

from __future__ import annotations

import bisect
import html.entities
import re

#: The prefilter's trigger for a line worth a decoded view (lower-cased text;
#: see :mod:`~diagbundle.redaction.prefilter`). Percent-encoding counts only
#: for the characters that shape a ``key=value`` pair; the view decodes all.
#: An escaped quote counts only before a key that holds a credential word (or names a
#: host, see :mod:`~diagbundle.redaction.hosts`): HAR
#: output has thousands of ``\"`` per body line, and Hyperscan reports each one.
TRIGGER = (
    r"\\u00[0-7][0-9a-f]|\\[/'\\]|\\x[0-9a-f]{2}|%(?:2[0267]|3[abd]|40|5c)"
    r"|\\\"[a-z0-9_.-]*(?:pass|pwd|secret|token|key|cred|csrf|xsrf|sess|sid|cookie|auth|sig|hmac|bearer"
    r"|otp|pin|conn|code|salt|nonce|ticket|private|host|machine|fqdn|node_?name|computer_?name)"
    r"|&(?:#[0-9]{2,7}|#x[0-9a-f]{2,6}|quot|amp|apos|lt|gt|equals|colon|semi|comma|nbsp);"
    r"|\x1b\[|^\?"
)
#: Longest line decoded (characters): a view costs a copy and an offset table.
VIEW_MAX = 256 << 10
_LEVELS = 3

_SEQUENCE = re.compile(
    r"\x1b\[[0-9;?]*[ -/]*[@-~]"  # ANSI CSI (colours, cursor)
    r"|\ufeff"  # a byte order mark
    r"|\\u(?P<u>[0-9A-Fa-f]{4})|\\x(?P<x>[0-9A-Fa-f]{2})|\\(?P<c>[\"'\\/nrt])"
    r"|%(?P<p>[0-9A-Fa-f]{2})"
    r"|&(?:#(?P<d>[0-9]{1,7})|#[xX](?P<h>[0-9A-Fa-f]{1,6})|(?P<n>[A-Za-z]{2,8}));"
)
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t"}
_ENTITIES = {**{k.rstrip(";"): v for k, v in html.entities.html5.items() if k.endswith(";")}}


def _char(kind: str | None, value: str) -> str | None:
    """What one escape stands for (``kind`` the group that matched, ``value`` its text); None to leave it."""
    if kind is None:
        return ""  # ANSI, BOM: nothing
    if kind == "c":
        return _SIMPLE.get(value, value)
    if kind == "n":
        return _ENTITIES.get(value)
    code = int(value, 10 if kind == "d" else 16)
    if kind == "p" and not 0x20 <= code < 0x7F:  # a byte of a longer UTF-8 sequence: leave it
        return None
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


#: One decoded escape: (view start, view length, original start, original length).
_Piece = tuple[int, int, int, int]


#: Anything but ``\"`` that :data:`_SEQUENCE` might decode (a superset: a false alarm only
#: takes the general path).
_OTHER_THAN_QUOTES = re.compile(r"[\x1b\ufeff]|%[0-9A-Fa-f]{2}|&(?:#|[A-Za-z]{2,8};)")
_ESCAPED_QUOTE = re.compile(r'\\"')


def _quotes_only(text: str) -> tuple[str, list[_Piece]] | None:
    """``text`` decoded when its only escapes are ``\\"`` (escaped JSON in a HAR body); else None.

    Every backslash then starts a ``\\"`` (no backslash is itself escaped),
    so the decoding is a plain replace and escape ``i`` sits ``i``
    characters earlier in the view: no Python call per escape, where a
    HAR body line holds a hundred of them.
    """
    count = text.count('\\"')
    if count == 0 or count != text.count("\\") or _OTHER_THAN_QUOTES.search(text):
        return None
    starts = [m.start() for m in _ESCAPED_QUOTE.finditer(text)]
    return text.replace('\\"', '"'), [(start - i, 1, start, 2) for i, start in enumerate(starts)]


def _decode_once(text: str) -> tuple[str, list[_Piece]] | None:
    """``text`` decoded once, and where each decoded escape sits in both texts."""
    quick = _quotes_only(text)
    return quick if quick is not None else _decode_any(text)


def _decode_any(text: str) -> tuple[str, list[_Piece]] | None:
    """:func:`_decode_once` for every kind of escape, one Python step per escape."""
    out: list[str] = []
    pieces: list[_Piece] = []
    pos = 0
    length = 0
    for m in _SEQUENCE.finditer(text):
        # (lastgroup: which escape it is, without asking each named group in turn; 40% of a
        # HAR body's view was spent asking)
        kind = m.lastgroup
        new = _char(kind, m.group(kind) if kind is not None else "")
        if new is None:
            continue
        start, end = m.span()
        out.append(text[pos:start])
        length += start - pos
        pieces.append((length, len(new), start, end - start))
        out.append(new)
        length += len(new)
        pos = end
    if not pieces:
        return None
    out.append(text[pos:])
    return "".join(out), pieces


class _Level:
    """One level of decoding, searched by bisection."""

    __slots__ = ("pieces", "starts")

    def __init__(self, pieces: list[_Piece]) -> None:
        self.pieces = pieces
        self.starts = [p[0] for p in pieces]

    def back(self, pos: int, closing: bool) -> int:
        """The original position of view position ``pos`` (a span's start, or its end)."""
        probe = pos - 1 if closing else pos
        i = bisect.bisect_right(self.starts, probe) - 1
        if i < 0:
            return pos
        view_start, view_len, orig_start, orig_len = self.pieces[i]
        if probe < view_start + view_len:  # inside a decoded escape: take it whole
            return orig_start + orig_len if closing else orig_start
        return pos - (view_start + view_len) + orig_start + orig_len


class View:
    """A decoded line and the way back to the original's positions."""

    __slots__ = ("_levels", "text")

    def __init__(self, text: str, levels: list[_Level]) -> None:
        self.text = text
        self._levels = levels  # innermost last

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The original span whose decoding is ``text[start:end]`` (escapes whole)."""
        for level in reversed(self._levels):
            start, end = level.back(start, False), level.back(end, True)
        return start, end


def view(content: str) -> View | None:
    """The decoded view of ``content``, or None when nothing in it decodes."""
    if len(content) > VIEW_MAX:
        return None
    levels: list[_Level] = []
    text = content
    for _ in range(_LEVELS):
        decoded = _decode_once(text)
        if decoded is None:
            break
        text, pieces = decoded
        levels.append(_Level(pieces))
    return View(text, levels) if levels else None
