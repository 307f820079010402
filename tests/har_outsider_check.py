"""How an outside evaluator scores a sanitized HAR: planted values left, evidence changed.

A planted value counts as leaked when any spelling of it is in an output:
as written, URL-encoded, JSON-escaped, or inside something the output
encodes (a base64 body, a ``Basic`` credential, a JWT's header or claims,
JSON inside a JSON string). A piece of evidence counts as changed when it
is in some string of the input and in none of the output; JSON documents are
compared written compactly, so ``"code":403`` must still be a number.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")


def strings(node: Any) -> Iterator[str]:
    """Every string of a JSON document, JSON inside strings too (also written compactly)."""
    if isinstance(node, str):
        yield node
        if node.lstrip()[:1] in ("{", "["):
            try:
                inner = json.loads(node)
            except ValueError:
                return
            yield json.dumps(inner, separators=(",", ":"), ensure_ascii=False)
            yield from strings(inner)
    elif isinstance(node, dict):
        yield json.dumps(node, separators=(",", ":"), ensure_ascii=False)
        for key, value in node.items():
            yield key
            yield from strings(value)
        if isinstance(node.get("name"), str) and isinstance(node.get("value"), str):
            yield f"{node['name']}: {node['value']}"  # a header or a parameter as one line
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def _decoded(text: str) -> Iterator[str]:
    """What base64 runs in ``text`` decode to (bodies, Basic credentials, JWT parts)."""
    for m in _B64_RUN.finditer(text):
        run = m.group()
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            with contextlib.suppress(binascii.Error, ValueError):
                yield decode(run + "=" * (-len(run) % 4)).decode("utf-8", "replace")


def searchable(texts: Iterable[str]) -> str:
    """One haystack: the texts, their URL-decoded forms and what their base64 runs decode to."""
    parts: list[str] = []
    for text in texts:
        parts += [text, unquote(text), unquote_plus(text)]
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        if doc is not None:
            parts += list(strings(doc))
        parts += list(_decoded(text))
    parts += [decoded for part in list(parts) for decoded in _decoded(part)]
    return "\n".join(parts)


def leaks(planted: dict[str, str], texts: Iterable[str]) -> list[str]:
    """The names of planted values found in any spelling in ``texts``."""
    hay = searchable(texts)

    def views(value: str) -> set[str]:
        return {value, quote(value), quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1],
                base64.b64encode(value.encode()).decode().rstrip("=")}

    return [name for name, value in planted.items() if value and any(v in hay for v in views(value))]


def har_strings(har_text: str) -> str:
    return "\n".join(strings(json.loads(har_text)))


def changed_evidence(evidence: dict[str, str], given: str, out: str) -> list[str]:
    """Evidence present in the input HAR's strings and missing from the output's."""
    before, after = har_strings(given), har_strings(out)
    return [name for name, value in evidence.items() if value in before and value not in after]
