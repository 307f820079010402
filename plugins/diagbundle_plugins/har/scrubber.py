"""The per-file scrubbing state: pseudonyms, counts, and the text rules.

One :class:`Scrubber` serves one HAR file. Every string the sanitizer keeps
goes through the bundle's global redactor: a header, cookie or URL part
through :meth:`Scrubber.redact` (with a cache, because headers repeat across
thousands of entries), a JSON body once as a whole document (see
:meth:`Scrubber.json_text`). Every secret it replaces goes through
:meth:`Scrubber.secret`, which returns the bundle-wide pseudonym so the same
cookie value gets the same tag in every file.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from diagbundle_plugins.har.entropy import looks_like_token
from diagbundle_plugins.har.jwt import JWT_PATTERN, is_jwt, sanitize_jwt
from diagbundle_plugins.har.names import is_secret_name
from diagbundle_plugins.har.urls import sanitize_url

if TYPE_CHECKING:
    from diagbundle import RedactionView as Redactor

#: The pseudonym kind of every secret value, so a session ID gets one tag
#: whether it is seen in a cookie, a query string or a JSON body.
SECRET_KIND = "secret"  # noqa: S105 - a pseudonym kind, not a password

_URL_OR_JWT = re.compile(
    r"(?P<url>\b(?:https?|wss?|ftp)://[^\s\"'<>`\\{}|^]+)|(?P<jwt>" + JWT_PATTERN.pattern + ")"
)
_TRAILING = ".,;:!?)]}'"
#: ``name=value``, ``"name": "value"``, ``name: value`` inside free text.
_KEY_VALUE = re.compile(
    r"(?P<name>[A-Za-z_][A-Za-z0-9_.-]{0,63})(?P<sep>[\"']?\s*[:=]\s*[\"']?)"
    r"(?P<value>[^\s\"'&;,<>()\[\]{}]{1,4096})"
)
#: Markers left by the redactor or by this sanitizer: never scrubbed twice.
_MARKER = re.compile(r"\[REDACTED[^\]]*\]|<[a-z][a-z0-9-]*-\d+>")
_CACHE_MAX_ITEMS = 50_000
_CACHE_MAX_LEN = 512
MAX_JSON_DEPTH = 64


class Scrubber:
    """Scrubbing rules bound to one redactor, one counts Counter and options."""

    def __init__(self, redactor: Redactor, counts: Counter[str], *, keep_bodies: bool = False) -> None:
        self.redactor = redactor
        self.counts = counts
        self.keep_bodies = keep_bodies
        self.request_ids: list[tuple[str, str]] = []
        self.entries = 0
        self._cache: dict[tuple[str, bool], tuple[str, Counter[str]]] = {}
        self._tags: dict[str, str] = {}
        self._memo: dict[tuple[str, str], tuple[str, Counter[str]]] = {}

    # -- the two primitives ---------------------------------------------------
    def redact(self, text: str, *, json: bool = False, counts: Counter[str] | None = None) -> str:
        """Run the bundle's global redactor over a string that is kept (``json``: a JSON document).

        What it replaces is counted in ``counts``, by default the file's counts.
        """
        if counts is None:
            counts = self.counts
        if not text:
            return text
        if len(text) > _CACHE_MAX_LEN:
            return self.redactor.redact(text, counts, json=json)
        return _remembered(self._cache, (text, json), True, counts, self._redact_into, text, json)

    def _redact_into(self, found: Counter[str], text: str, json: bool) -> str:
        return self.redactor.redact(text, found, json=json)

    def memo(self, key: tuple[str, str], compute: Callable[..., str], *args: Any) -> str:
        """``compute(*args)``, remembered for ``key``; a hit counts again what the first call counted.

        For fields that repeat across thousands of entries (the same
        headers on every request), whose result depends on ``key`` alone:
        pseudonyms are the same for the same value anyway.
        """
        return _remembered(self._memo, key, len(key[1]) <= _CACHE_MAX_LEN, self.counts,
                           self._counted_into, compute, *args)

    def _counted_into(self, found: Counter[str], compute: Callable[..., str], *args: Any) -> str:
        """``compute(*args)`` with everything it counts going to ``found``."""
        outer, self.counts = self.counts, found
        try:
            return compute(*args)
        finally:
            self.counts = outer

    def secret(self, value: str, kind: str) -> str:
        """Replace a secret value: a JWT is defanged, anything else pseudonymized."""
        if not value or _MARKER.fullmatch(value):
            return value
        self.counts[kind] += 1
        if is_jwt(value):
            return sanitize_jwt(value, self)
        return self.pseudonym(value)

    def pseudonym(self, value: str) -> str:
        """The bundle-wide tag of a secret (cached: the keyed hash is the costly part)."""
        tag = self._tags.get(value)
        if tag is None:
            tag = self.redactor.pseudonym(SECRET_KIND, value)
            if len(self._tags) < _CACHE_MAX_ITEMS:
                self._tags[value] = tag
        return tag

    # -- strings of unknown content ----------------------------------------------
    def text(self, text: str) -> str:
        """Free text: URLs and JWTs inside it are scrubbed, ``key=value`` secrets too."""
        if "://" not in text and "eyJ" not in text:
            return self._plain(text)
        out: list[str] = []
        pos = 0
        for m in _URL_OR_JWT.finditer(text):
            start, end = m.span()
            token = m.group()
            if m.group("url"):
                stripped = token.rstrip(_TRAILING)
                end -= len(token) - len(stripped)
                replaced = sanitize_url(stripped, self)
            else:
                replaced = sanitize_jwt(token, self)
            out.append(self._plain(text[pos:start]))
            out.append(replaced)
            pos = end
        out.append(self._plain(text[pos:]))
        return "".join(out)

    def _plain(self, text: str) -> str:
        text = self.redact(text)
        if "=" not in text and ":" not in text:
            return text
        return _KEY_VALUE.sub(self._key_value, text)

    def _key_value(self, m: re.Match[str]) -> str:
        if not is_secret_name(m.group("name")):
            return m.group()
        return m.group("name") + m.group("sep") + self.secret(m.group("value"), "har-text")

    def value(self, value: str, kind: str) -> str:
        """A parameter value whose name is not secret: judged by its content."""
        if not value:
            return value
        if looks_like_token(value):
            return self.secret(value, kind)
        if value[0] in "[{":
            nested = self.json_text(value)
            if nested is not None:
                return nested
        return self.text(value)

    # -- JSON ------------------------------------------------------------------------
    def json_text(self, text: str) -> str | None:
        """Scrub text holding JSON; ``None`` when it does not parse.

        A document with no escapes, URLs, JWTs, JSON inside strings or
        secret keys (most API responses) needs only the global pass, over
        the text as it is, so it keeps its formatting: see
        :func:`_whole_text_was_enough`. Any other document is walked first
        (secret keys, URLs, JWTs, nested JSON; strings with escapes or
        non-ASCII redacted decoded), written again by ``json.dumps``, which
        spells every printable ASCII character as itself, and then given the
        global pass: a secret hidden behind an escape in the input
        (``\\u0041KIA...``) is plain text by then, and a JWT the walk
        defanged keeps its claims.
        """
        if _may_be_plain(text):
            found: Counter[str] = Counter()  # counted only if this attempt is kept
            redacted = self.redact(text, counts=found)
            if _whole_text_was_enough(text, redacted):
                self.counts.update(found)
                return redacted
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, (dict, list)):
            return None
        walked = self.json_value(data, False, "har-body", 0)
        written = json.dumps(walked, ensure_ascii=False, separators=(",", ":"))
        redacted = self.redact(written)
        if _keys_if_same_strings(written, redacted) is None:
            return self.redact(written, json=True)
        return redacted

    def json_value(self, value: Any, secret: bool, kind: str, depth: int) -> Any:
        """Walk parsed JSON: values under secret keys are replaced, strings checked.

        Plain strings are left to the global pass over the whole document;
        this loop runs once per node of every JSON body, so it is written for
        speed: type dispatch by identity, one regex search per string.
        """
        if secret:
            return self._secret_tree(value, kind, depth)
        if depth > MAX_JSON_DEPTH:
            return self.pseudonym(json.dumps(value))
        kind_of = type(value)
        if kind_of is str:
            return self.json_string(value, depth)
        if kind_of is dict:
            out = {}
            secret_names = _SECRET_NAMES
            for key, item in value.items():
                is_secret = secret_names.get(key)
                if is_secret is None:
                    is_secret = is_secret_name(key)
                    if len(secret_names) < _SECRET_NAMES_MAX:
                        secret_names[key] = is_secret
                if _INTERESTING.search(key):  # written with escapes: the global pass may not see it
                    key = self.text(key)
                item_type = type(item)
                if is_secret:
                    out[key] = self._secret_tree(item, kind, depth + 1)
                elif item_type is str:
                    out[key] = self.json_string(item, depth) if _INTERESTING.search(item) else item
                elif item_type is dict or item_type is list:
                    out[key] = self.json_value(item, False, kind, depth + 1)
                else:
                    out[key] = item
            return out
        if kind_of is list:
            items = []
            for item in value:
                item_type = type(item)
                if item_type is str:
                    items.append(self.json_string(item, depth) if _INTERESTING.search(item) else item)
                elif item_type is dict or item_type is list:
                    items.append(self.json_value(item, False, kind, depth + 1))
                else:
                    items.append(item)
            return items
        return value

    def _secret_tree(self, value: Any, kind: str, depth: int) -> Any:
        """Everything under a secret key: every string and number replaced."""
        if isinstance(value, str):
            return self.secret(value, kind)
        if depth > MAX_JSON_DEPTH:
            return self.pseudonym(json.dumps(value))
        if isinstance(value, dict):
            return {k: self._secret_tree(v, kind, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [self._secret_tree(v, kind, depth + 1) for v in value]
        if value is None or isinstance(value, bool):
            return value
        return self.secret(str(value), kind)

    def json_string(self, value: str, depth: int) -> str:
        """A string inside JSON: nested JSON is walked, anything unusual scrubbed as text."""
        if value[:1] in "[{" and depth < MAX_JSON_DEPTH:
            nested = self.json_text(value)
            if nested is not None:
                return nested
        if _INTERESTING.search(value):
            return self.text(value)
        return value


def _remembered(
    table: dict[Any, tuple[str, Counter[str]]], key: Any, cacheable: bool, counts: Counter[str],
    compute: Callable[..., str], *args: Any,
) -> str:
    """``compute(found, *args)`` once per ``key`` (while ``table`` has room); what it counted
    in ``found`` is added to ``counts`` on every call, so a hit counts like the first."""
    hit = table.get(key)
    if hit is None:
        found: Counter[str] = Counter()
        hit = (compute(found, *args), found)
        if cacheable and len(table) < _CACHE_MAX_ITEMS:
            table[key] = hit
    if hit[1]:
        counts.update(hit[1])
    return hit[0]


#: Strings the global pass over a whole document may misjudge or that need
#: more than it does: URLs, JWTs, JSON inside JSON, and anything JSON spells
#: with escapes (quotes, backslashes, control characters) or that is not ASCII.
_INTERESTING = re.compile(r"://|eyJ|^[\[{]|[^\x20-\x21\x23-\x5b\x5d-\x7e]")
#: Cache of :func:`is_secret_name` for JSON keys (they repeat in every row).
_SECRET_NAMES: dict[str, bool] = {}
_SECRET_NAMES_MAX = 100_000


def _may_be_plain(text: str) -> bool:
    """No escapes, URLs, JWTs or JSON inside strings: the whole-text pass may be all it needs.

    The keys of the document's start are looked at too: a listing whose
    rows have a secret key shows one there, and is walked at once rather
    than redacted as text in vain (whether every key is harmless is only
    known after the pass, from :func:`_whole_text_was_enough`).
    """
    if not (text.lstrip()[:1] in ("{", "[") and "\\" not in text and "://" not in text
            and "eyJ" not in text and '"{' not in text and '"[' not in text):
        return False
    return not any(is_secret_name(k) for k in set(_JSON_KEY.findall(text, 0, _KEY_SAMPLE)))


#: A key in JSON text without backslashes (only keys are followed by a colon).
_JSON_KEY = re.compile(r'"([^"]*)"\s*:')
#: How much of a document's start :func:`_may_be_plain` reads keys from.
_KEY_SAMPLE = 1 << 16


def _whole_text_was_enough(original: str, redacted: str) -> bool:
    """True when the global pass over a :func:`_may_be_plain` document covered it fully.

    Its keys must hold no tag (a key the pass changed, whose original cannot
    be judged) and none may name a secret: walking the document would then
    have changed nothing.
    """
    keys = _keys_if_same_strings(original, redacted)
    return keys is not None and bool(keys) and not any(_MARKER.search(k) or is_secret_name(k) for k in keys)


def _keys_if_same_strings(original: str, redacted: str) -> set[str] | None:
    """The keys of ``redacted`` if the text-mode pass left it JSON with the same strings, else None.

    Text mode finds everything JSON mode does (JSON mode only fits each
    match inside its string) and costs far less on a megabyte of JSON with
    a hundred thousand strings, but a match may cross a string's quotes. No
    replacement took a quote (tags never hold one, so the count of quotes
    tells) and none fell outside a string (a tag is never valid JSON there,
    so the parse tells). The parse collects the keys in C (``object_hook``
    is a set's ``update``) and builds nothing else.
    """
    if redacted.count('"') != original.count('"'):
        return None
    keys: set[str] = set()
    try:
        json.loads(redacted, object_hook=keys.update)
    except ValueError:
        return None
    return keys
