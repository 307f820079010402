"""Deciding which recognised lines of a screenshot must be masked.

Each line goes through the bundle's redactor, the same one that handles
every text file: a line the redactor changes holds a secret or PII. OCR
misreads must not let a value through, so the redactor also sees repaired
variants of the line (``sk live 4eC3`` read for ``sk_live_4eC3``, gaps
around ``@`` and ``.``), and looser rules of our own catch what no exact
rule can: a secret keyword read with ``0`` for ``o`` or ``1`` for ``l``,
anything shaped like a JWT or an e-mail address, long random-looking
tokens, and the value beside or under a "Password" label. Every rule masks
the whole line: when in doubt, mask.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class TextRedactor(Protocol):
    """The narrow door collectors get: ``ctx.redactor``."""

    def redact(self, text: str, counts: Counter[str] | None = None) -> str: ...


@dataclass(frozen=True)
class Line:
    """One recognised line: its text, its box (x0, y0, x1, y1) and the engine's confidence."""

    text: str
    box: tuple[int, int, int, int]
    score: float = 1.0


#: OCR look-alikes folded together before keywords are compared (0/O, 1/l/I/|, 5/S ...).
_FOLD = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l", "!": "l", "5": "s", "$": "s", "3": "e",
                       "4": "a", "@": "a", "7": "t", "8": "b", "€": "e"})

#: Matched anywhere in a line once it is folded and its separators removed.
_KEYWORDS = (
    "password", "passwd", "passphrase", "passcode", "secret", "token", "apikey", "accesskey",
    "privatekey", "bearer", "authorization", "credential", "sklive", "sktest", "rklive", "rktest",
    "pklive", "whsec", "xoxb", "xoxp", "githubpat", "beginprivate", "beginrsa", "beginopenssh",
    "connectionstring", "sessionid", "setcookie", "cookie", "signature", "mfacode", "recoverycode",
)
#: Short prefixes that only count at the start of a token (``ghp_...``, ``AKIA...``).
_TOKEN_PREFIXES = ("ghp", "gho", "ghs", "ghu", "ghr", "glpat", "akia", "asia", "aiza", "xox", "sk-", "npm_")
#: Label words after which the next line down is masked too (a form field under its label).
_LABELS = ("password", "passwd", "passphrase", "secret", "token", "apikey", "accesskey", "privatekey",
           "recoverycode", "mfacode", "pin", "pwd", "otp")

_SEPARATORS = re.compile(r"[\s_\-.:=,;'\"`]+")
_TOKEN_SPLIT = re.compile(r"[\s=:,;'\"`()\[\]{}<>/?&|]+")
_EMAIL_LOOSE = re.compile(r"[\w.+-]+\s?[@©®]\s?[\w-]+(?:\s?[.,]\s?[\w-]+)+")
_JWT_LOOSE = re.compile(r"\be[yv][JjIl1|][\w-]{8,}")
_HEXISH = re.compile(r"^[0-9a-fA-F-]+$")


def _fold(text: str) -> str:
    return _SEPARATORS.sub("", text.lower().translate(_FOLD))


_FOLDED_KEYWORDS = tuple((kw, _fold(kw)) for kw in _KEYWORDS)
_FOLDED_PREFIXES = tuple(p.translate(_FOLD) for p in _TOKEN_PREFIXES)
_FOLDED_LABELS = tuple(_fold(w) for w in _LABELS)


def _variants(text: str) -> list[str]:
    """The line as read, plus the repairs that undo common OCR misreads."""
    out = [text]
    tight = re.sub(r"\s*([@.])\s*", r"\1", text)
    for v in (tight, text.replace(" ", "_"), tight.replace(" ", "_"), text.replace(" ", "")):
        if v not in out:
            out.append(v)
    return out


def _random_looking(token: str) -> bool:
    """A long token that switches between letters and digits often: a key, not a word.

    Hex-only tokens (commit SHAs, request IDs, UUIDs) are support's evidence and
    are left to the redactor, which keeps them.
    """
    if len(token) < 20 or _HEXISH.match(token):
        return False
    letters = sum(c.isalpha() for c in token)
    digits = sum(c.isdigit() for c in token)
    if not letters or not digits:
        return False
    switches = sum(1 for a, b in itertools.pairwise(token) if a.isdigit() != b.isdigit())
    return switches >= 4


def line_rules(line: Line, redactor: TextRedactor) -> list[str]:
    """The rule kinds that make ``line`` a hit (empty: keep it visible)."""
    rules: list[str] = []
    for variant in _variants(line.text):
        counts: Counter[str] = Counter()
        if redactor.redact(variant, counts) != variant:
            rules.extend(counts or ["redacted"])
    folded = _fold(line.text)
    rules.extend(f"keyword:{kw}" for kw, fkw in _FOLDED_KEYWORDS if fkw in folded)
    tokens = [t for t in _TOKEN_SPLIT.split(line.text) if t]
    if any(t.lower().translate(_FOLD).startswith(_FOLDED_PREFIXES) and len(t) >= 8 for t in tokens):
        rules.append("token-prefix")
    if _EMAIL_LOOSE.search(line.text):
        rules.append("email-like")
    if _JWT_LOOSE.search(line.text):
        rules.append("jwt-like")
    if any(_random_looking(t) for t in tokens):
        rules.append("random-token")
    elif line.score < 0.6 and any(len(t) >= 12 and any(c.isdigit() for c in t) for t in tokens):
        rules.append("unsure-token")
    return sorted(set(rules))


def _is_label(line: Line) -> bool:
    """A short line that ends with a label word: "Password", "API key:", "Your token"."""
    folded = _fold(line.text)
    return len(line.text.split()) <= 3 and folded.endswith(_FOLDED_LABELS)


def _same_row(a: Line, b: Line) -> bool:
    overlap = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1])
    return overlap > 0.5 * min(a.box[3] - a.box[1], b.box[3] - b.box[1]) and b.box[0] >= a.box[0]


def _just_below(label: Line, b: Line) -> bool:
    height = label.box[3] - label.box[1]
    gap = b.box[1] - label.box[3]
    overlaps = min(label.box[2], b.box[2]) > max(label.box[0], b.box[0])
    return -0.3 * height <= gap <= 2.5 * height and (overlaps or abs(b.box[0] - label.box[0]) < 3 * height)


def classify(lines: Sequence[Line], redactor: TextRedactor) -> list[list[str]]:
    """For each line, the rules that mask it, including those its neighbours trigger.

    A keyword line also masks the rest of its row (``api_key`` and its value
    may be read as two boxes) and, when it is a short label, the line under
    it (a form field).
    """
    result = [line_rules(line, redactor) for line in lines]
    for i, line in enumerate(lines):
        if not any(r.startswith("keyword:") for r in result[i]):
            continue
        label = _is_label(line)
        for j, other in enumerate(lines):
            if j == i:
                continue
            if _same_row(line, other):
                result[j].append("beside-keyword")
            elif label and _just_below(line, other):
                result[j].append("under-label")
    return [sorted(set(r)) for r in result]
