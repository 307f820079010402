"""Telling a credential-like token from an ordinary identifier or word.

Tokens in URL paths and unnamed parameters have no name to give them away,
so the only evidence is the value: long, from a token alphabet, mixing
letters and digits, with high character entropy. UUIDs are kept (they are
the usual resource IDs and carry no authority on their own).
"""

from __future__ import annotations

import math
import re
from collections import Counter

_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_\-.~+/=%]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_PLAIN_WORDS = re.compile(r"[a-z]+(?:[-_.][a-z]+)*|[A-Za-z][a-z]+(?:[-_][A-Za-z][a-z]+)*|\d{1,5}")
_FILE_EXT = re.compile(r"\.(?:js|mjs|css|html?|json|png|jpe?g|gif|svg|webp|ico|woff2?|ttf|map|txt|xml)$")

_LETTER = re.compile(r"[A-Za-z]")
_UPPER = re.compile(r"[A-Z]")
_LOWER = re.compile(r"[a-z]")
_DIGIT = re.compile(r"[0-9]")

MIN_TOKEN_LENGTH = 20


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in Counter(value).values())


def looks_like_token(value: str) -> bool:
    """True for a long, random-looking string that could be a credential."""
    if len(value) < MIN_TOKEN_LENGTH or len(value) > 8192:
        return False
    stem = _FILE_EXT.sub("", value)
    if stem != value and _is_asset_name(stem):
        return False
    value = stem
    if len(value) < MIN_TOKEN_LENGTH or not _TOKEN_CHARS.fullmatch(value):
        return False
    if _UUID.fullmatch(value):
        return False
    if not _LETTER.search(value):
        return False
    mixed_case = _UPPER.search(value) is not None and _LOWER.search(value) is not None
    if not (_DIGIT.search(value) or (mixed_case and len(value) >= 32)):
        return False
    return entropy(value) >= 3.3


_ASSET_PART = re.compile(r"[A-Za-z]+|[0-9a-f]{6,32}|[0-9]{1,4}")


def _is_asset_name(stem: str) -> bool:
    """A bundler's file name: words and one content hash (``vendors-react_dom.4f3c2a1b.chunk``)."""
    parts = [p for p in re.split(r"[._~-]+", stem) if p]
    hashes = [p for p in parts if not p.isalpha() and not p.isdigit()]
    return (len(hashes) <= 1 and any(len(p) >= 3 and p.isalpha() for p in parts)
            and all(_ASSET_PART.fullmatch(p) for p in parts))


def is_plain_word(value: str) -> bool:
    """A slug, word or small number: a page name rather than a one-time token."""
    return len(value) <= 32 and bool(_PLAIN_WORDS.fullmatch(value))
