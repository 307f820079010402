"""URL syntax: a URL cut into its parts and put back together byte for byte.

The URL is split by hand rather than with ``urllib.parse.urlunsplit`` so that
everything not scrubbed comes back byte for byte (no re-encoding, no
normalisation): support sees the same URL minus its secrets. What is secret
in each part is decided in :mod:`~diagbundle_plugins.har.walk`.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import quote, unquote, unquote_plus

_SCHEME_AUTHORITY = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*:)?(//[^/?#]*)?")
#: Characters a re-encoded part keeps as they are (tags' ``<`` and ``>`` included).
SAFE = "<>-_.~!$'()*,;:@/"


class Url(NamedTuple):
    """``scheme + authority + path [+ "?" + query] [+ "#" + fragment]``."""

    scheme: str
    authority: str
    path: str
    query: str | None
    fragment: str | None


def split(url: str) -> Url:
    """Cut an absolute or relative URL (``:path`` values included) into its parts."""
    base, hash_mark, fragment = url.partition("#")
    base, qmark, query = base.partition("?")
    m = _SCHEME_AUTHORITY.match(base)  # every part is optional: it always matches
    assert m is not None
    return Url(m.group(1) or "", m.group(2) or "", base[m.end():],
               query if qmark else None, fragment if hash_mark else None)


def join(url: Url) -> str:
    """The inverse of :func:`split`."""
    out = url.scheme + url.authority + url.path
    if url.query is not None:
        out += "?" + url.query
    if url.fragment is not None:
        out += "#" + url.fragment
    return out


def reencode(raw: str, cleaned_decoded: str) -> str:
    """Keep the original spelling unless redaction changed the decoded text."""
    if cleaned_decoded == unquote(raw) or cleaned_decoded == unquote_plus(raw):
        return raw
    return quote(cleaned_decoded, safe=SAFE)


def encode(text: str) -> str:
    """A scrubbed part written back into a URL."""
    return quote(text, safe=SAFE)


def encode_tag(tag: str) -> str:
    """A replacement written into a URL: only ``<``, ``>`` and ``-`` stay unescaped."""
    return quote(tag, safe="<>-")
