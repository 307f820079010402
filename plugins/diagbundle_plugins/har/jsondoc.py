"""Whole JSON documents: when the text pass over them as they are is enough.

Most API responses hold no escapes, URLs, JWTs, JSON inside strings or
secret keys; for them the bundle's text pass over the document as written
is all it takes, and the document keeps its formatting. These checks tell
such a document apart, cheaply and without building it.
"""

from __future__ import annotations

import json
import re

from diagbundle_plugins.har.names import SENSITIVE_PATH_WORDS, walked_key
from diagbundle_plugins.har.pairs import may_hold_secret_pair

#: Markers left by the redactor or by this sanitizer: never scrubbed twice.
MARKER = re.compile(r"\[REDACTED[^\]]*\]|<[a-z][a-z0-9-]*-\d+>")
#: A key in JSON text without backslashes (only keys are followed by a colon).
_JSON_KEY = re.compile(r'"([^"]*)"\s*:')
#: Strings the walk judges by place: a relative URL with a query, fragment, matrix
#: parameter, a token-long segment or a segment after ``/reset/`` & co; a form string.
_BY_PLACE = re.compile(
    r'"/[^"\s]*?(?:[?#;]|[A-Za-z0-9_~.+%=-]{20}|(?<=/)(?:' + "|".join(sorted(SENSITIVE_PATH_WORDS)) + r')/)'
    r'|"[A-Za-z_][\w.%\[\]-]*=[^"\s&]*&'
)
#: How much of a document's start :func:`may_be_plain` reads keys from.
_KEY_SAMPLE = 1 << 16


def may_be_plain(text: str) -> bool:
    """No escapes, URLs, JWTs or JSON inside strings: the whole-text pass may be all it needs.

    The keys of the document's start are looked at too: a listing whose
    rows have a secret key shows one there, and is walked at once rather
    than redacted as text in vain (whether every key is harmless is only
    known after the pass, from :func:`whole_text_was_enough`). So are, in the
    whole text, the strings the walk judges by place though no key names
    them: relative URLs that may hold a credential, form strings, and
    name/value pairs naming a credential (:mod:`.pairs`).
    """
    if not (text.lstrip()[:1] in ("{", "[") and "\\" not in text and "://" not in text
            and "eyJ" not in text and '"{' not in text and '"[' not in text):
        return False
    if any(walked_key(k) for k in set(_JSON_KEY.findall(text, 0, _KEY_SAMPLE))):
        return False
    if _BY_PLACE.search(text):
        return False
    return not may_hold_secret_pair(text)  # {"name": "X-Api-Key", "value": ...}: walked


def whole_text_was_enough(original: str, redacted: str) -> bool:
    """True when the global pass over a :func:`may_be_plain` document covered it fully.

    Its keys must hold no tag (a key the pass changed, whose original cannot
    be judged) and none may name a secret: walking the document would then
    have changed nothing.
    """
    keys = keys_if_same_strings(original, redacted)
    return keys is not None and bool(keys) and not any(MARKER.search(k) or walked_key(k) for k in keys)


def keys_if_same_strings(original: str, redacted: str) -> set[str] | None:
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
