"""How every kept value of unknown content is judged: free text, JSON, URLs, JWTs.

These judgements call each other (a URL in a JSON body in a query value in
a URL), so they live in this one module and take the per-file state
(:class:`~diagbundle_plugins.har.scrubber.Scrubber`) as their first
argument; URL syntax (:mod:`~diagbundle_plugins.har.urls`), the JWT policy
(:mod:`~diagbundle_plugins.har.jwt`) and the whole-document checks
(:mod:`~diagbundle_plugins.har.jsondoc`) know nothing of them.

Unknown fields (browser extensions such as ``_initiator`` or
``_securityDetails``, a tool's custom keys) are walked by :func:`sanitize_any`
rather than copied: values under secret-looking keys are replaced, strings
go through the free-text rules and ``comment`` fields, which hold whatever a
person typed, are dropped. Nothing passes unexamined.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, unquote_plus

from diagbundle_plugins.har import base64json, graphql, jsondoc, urls
from diagbundle_plugins.har.entropy import is_plain_word, looks_like_token
from diagbundle_plugins.har.jwt import JWT_PATTERN, defang, is_jwt
from diagbundle_plugins.har.names import (
    GIT_PATH_WORDS,
    JSON_PATH_KEYS,
    SENSITIVE_PATH_WORDS,
    TRACE_PARAMS,
    is_secret_name,
    json_key_may_be_evidence,
    secret_param,
)
from diagbundle_plugins.har.pairs import pair_fields, secret_tuple

if TYPE_CHECKING:
    from diagbundle_plugins.har.scrubber import Scrubber

MAX_JSON_DEPTH = 64
_URL_OR_JWT = re.compile(
    r"(?P<url>\b[A-Za-z][A-Za-z0-9+.-]{0,31}://[^\s\"'<>`\\{}|^]+)|(?P<jwt>" + JWT_PATTERN.pattern + ")"
)
_TRAILING = ".,;:!?)]}'"
#: A relative URL with a query or fragment inside free text (``next=/cb?code=...``).
_EMBEDDED_PATH = re.compile(r"(?<![\w/:.~%-])/[A-Za-z0-9._~%/-]*[?#][^\s\"'<>()\[\]{}]*")
#: A relative URL as a whole JSON string (``/oauth/cb?code=...``): sanitized as a URL.
_RELATIVE_URL = re.compile(r"/[^\s\\]{0,8191}")
#: ``$token`` after ``token:`` is a variable (GraphQL, shell), not a value: the
#: global rules read it as a placeholder too.
#: A git object name (short or full SHA-1, or SHA-256), possibly ``a...b`` in a compare URL.
_GIT_SHA = re.compile(r"(?:[0-9a-f]{7,40}|[0-9a-f]{64})(?:\.\.\.?(?:[0-9a-f]{7,40}|[0-9a-f]{64}))?")
_VARIABLE = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?")
#: ``name=value``, ``"name": "value"``, ``name: value`` inside free text.
_KEY_VALUE = re.compile(
    r"(?P<name>[A-Za-z_][A-Za-z0-9_.-]{0,63})(?P<sep>[\"']?\s*[:=]\s*[\"']?)"
    r"(?P<value>[^\s\"'&;,<>()\[\]{}]{1,4096})"
)
#: Strings the global pass over a whole document may misjudge or that need
#: more than it does: URLs, JWTs, JSON inside JSON, and anything JSON spells
#: with escapes (quotes, backslashes, control characters) or that is not ASCII.
_INTERESTING = re.compile(r"://|eyJ|^[\[{]|^/\S*$|^[A-Za-z_][\w.%\[\]-]*=[^\s&]*&|[^\x20-\x21\x23-\x5b\x5d-\x7e]")
#: A form or query string as a whole JSON string (``"grant_type=...&code=..."``).
_FORM = re.compile(r"[A-Za-z_][\w.%\[\]-]*=[^\s&]*(?:&[A-Za-z_][\w.%\[\]-]*=[^\s&]*)+")
#: How the walk treats each JSON key (they repeat in every row): see :func:`_key_role`.
_SECRET_NAMES: dict[str, str | None] = {}
_SECRET_NAMES_MAX = 100_000
#: A value that reads as a name, not a credential: ``model_not_found``, ``RUNNING``, ``Bearer``.
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{0,63}")
_LETTERS = re.compile(r"[A-Za-z][A-Za-z_.-]{0,63}")
#: The last segment of a path named by its digest: ``<md5|sha1|sha256>.<extension>``.
_DIGEST_FILE = re.compile(r"(?:^|/)([0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})\.[A-Za-z0-9]{1,8}$")
#: Keys of an object that reads as an error report (so its ``code`` is an error code).
_ERROR_KEYS = frozenset({"message", "error", "errors", "detail", "type", "msg", "description", "title",
                         "status", "error_description", "reason", "errorMessage"})
#: Keys the key classes leave alone that the walk decides by place and value: an OAuth
#: ``state`` or a ``code`` outside an error object is a credential, ``token_type`` evidence.
_BY_PLACE = frozenset({"code", "state", "token_type", "tokentype"})
#: Keys under a secret one whose numbers are lifetimes or sizes, not the secret.
_LIFETIME = re.compile(r"(?i)expir|ttl|max.?age|issued|created|updated|^(?:exp|iat|nbf)$|version|"
                       r"count|length|size")


# -- secrets and values ---------------------------------------------------------------
def secret(scrub: Scrubber, value: str, kind: str) -> str:
    """Replace a secret value: a JWT is defanged, anything else pseudonymized."""
    if not value or jsondoc.MARKER.fullmatch(value):
        return value
    scrub.counts[kind] += 1
    if is_jwt(value):
        return sanitize_jwt(scrub, value)
    return scrub.pseudonym(value)


def value(scrub: Scrubber, text: str, kind: str) -> str:
    """A parameter value whose name is not secret: judged by its content."""
    if not text:
        return text
    if looks_like_token(text):
        return secret(scrub, text, kind)
    if text[0] in "[{":
        nested = json_text(scrub, text)
        if nested is not None:
            return nested
    return free_text(scrub, text)


def sanitize_jwt(scrub: Scrubber, token: str) -> str:
    """A JWT defanged (see :func:`~diagbundle_plugins.har.jwt.defang`), or a pseudonym."""
    defanged = defang(token, lambda claim: free_text(scrub, claim), scrub.identity)
    if defanged is None:
        return scrub.pseudonym(token)
    scrub.counts["har-jwt"] += 1
    return defanged


# -- free text ------------------------------------------------------------------------
def free_text(scrub: Scrubber, text: str) -> str:
    """Free text: URLs and JWTs inside it are scrubbed, ``key=value`` secrets too."""
    if "://" not in text and "eyJ" not in text:
        return _plain(scrub, text)
    out: list[str] = []
    pos = 0
    for m in _URL_OR_JWT.finditer(text):
        start, end = m.span()
        token = m.group()
        if m.group("url"):
            stripped = token.rstrip(_TRAILING)
            end -= len(token) - len(stripped)
            replaced = sanitize_url(scrub, stripped)
        else:
            replaced = sanitize_jwt(scrub, token)
        out.append(_plain(scrub, text[pos:start]))
        out.append(replaced)
        pos = end
    out.append(_plain(scrub, text[pos:]))
    return "".join(out)


def _plain(scrub: Scrubber, text: str) -> str:
    text = scrub.redact(text)
    if "=" not in text and ":" not in text:
        return text

    if "/" in text and ("?" in text or "#" in text):  # "next=/cb?code=...": the one URL rule
        text = _EMBEDDED_PATH.sub(lambda m: sanitize_url(scrub, m.group()), text)

    def key_value(m: re.Match[str]) -> str:
        value = m.group("value")
        if not secret_param(m.group("name")) or _VARIABLE.fullmatch(value):
            return m.group()
        if m.string[m.start() - 1 : m.start()] == "$" and graphql.is_declaration(m.group("sep"), value):
            return m.group()  # "$password: String!": a GraphQL variable declared with its type
        return m.group("name") + m.group("sep") + secret(scrub, value, "har-text")

    return _KEY_VALUE.sub(key_value, text)


# -- JSON -----------------------------------------------------------------------------
def json_text(scrub: Scrubber, text: str) -> str | None:
    """Scrub text holding JSON; ``None`` when it does not parse.

    A document with no escapes, URLs, JWTs, JSON inside strings or secret
    keys (most API responses) needs only the global pass, over the text as
    it is (see :mod:`~diagbundle_plugins.har.jsondoc`). Any other document is
    walked first (secret keys, URLs, JWTs, nested JSON; strings with escapes
    or non-ASCII redacted decoded), written again by ``json.dumps``, which
    spells every printable ASCII character as itself, and then given the
    global pass: a secret hidden behind an escape in the input
    (``\\u0041KIA...``) is plain text by then, and a JWT the walk defanged
    keeps its claims.
    """
    if jsondoc.may_be_plain(text):
        found: Counter[str] = Counter()  # counted only if this attempt is kept
        redacted = scrub.redact(text, counts=found)
        if jsondoc.whole_text_was_enough(text, redacted):
            scrub.counts.update(found)
            return redacted
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, (dict, list)):
        return None
    walked = json_value(scrub, data, "har-body", 0)
    written = json.dumps(walked, ensure_ascii=False, separators=(",", ":"))
    redacted = scrub.redact(written)
    if jsondoc.keys_if_same_strings(written, redacted) is None:
        return scrub.redact(written, json=True)
    return redacted


def json_value(scrub: Scrubber, node: Any, kind: str, depth: int) -> Any:
    """Walk parsed JSON: values under secret keys are replaced, strings checked.

    Plain strings are left to the global pass over the whole document;
    this loop runs once per node of every JSON body, so it is written for
    speed: type dispatch by identity, one regex search per string.
    """
    if depth > MAX_JSON_DEPTH:
        return scrub.pseudonym(json.dumps(node))
    kind_of = type(node)
    if kind_of is str:
        return _json_string(scrub, node, depth)
    if kind_of is dict:
        if ("value" in node or "Value" in node) and (pair := pair_fields(node)) is not None:
            return _pair(scrub, node, pair, kind, depth)
        out = {}
        secret_names = _SECRET_NAMES
        for key, item in node.items():
            role = secret_names.get(key, "?")
            if role == "?":
                role = _key_role(key)
                if len(secret_names) < _SECRET_NAMES_MAX:
                    secret_names[key] = role
            if role == "token":  # a map keyed by session IDs or tokens: the key is a value
                key, role = scrub.pseudonym(key), None
            elif _INTERESTING.search(key):  # written with escapes: the global pass may not see it
                key = free_text(scrub, key)
            item_type = type(item)
            if role == "evidence" and is_evidence(key, item, node):
                out[key] = item
            elif role is not None:
                out[key] = _secret_tree(scrub, item, kind, depth + 1)
            elif item_type is str:
                out[key] = _json_string(scrub, item, depth) if _INTERESTING.search(item) else item
            elif item_type is dict or item_type is list:
                out[key] = json_value(scrub, item, kind, depth + 1)
            else:
                out[key] = item
        return out
    if kind_of is list:
        if len(node) == 2 and secret_tuple(node):  # ["X-Api-Key", "..."]
            return [node[0], secret(scrub, node[1], kind)]
        items = []
        for item in node:
            item_type = type(item)
            if item_type is str:
                items.append(_json_string(scrub, item, depth) if _INTERESTING.search(item) else item)
            elif item_type is dict or item_type is list:
                items.append(json_value(scrub, item, kind, depth + 1))
            else:
                items.append(item)
        return items
    return node


def _pair(scrub: Scrubber, node: dict[str, Any], fields: tuple[str, str, bool], kind: str,
          depth: int) -> Any:
    """A name/value pair (see :mod:`~diagbundle_plugins.har.pairs`): its name kept, its value
    replaced if the name is secret."""
    name_field, value_field, is_secret = fields
    rest = json_value(scrub, {k: v for k, v in node.items() if k != name_field}, kind, depth)
    if is_secret:
        rest[value_field] = _secret_tree(scrub, node[value_field], kind, depth + 1)
    return {k: node[k] if k == name_field else rest[k] for k in node}


def _key_role(key: str) -> str | None:
    """``"evidence"`` (a credential unless place and value say evidence), ``"secret"``, ``"token"``
    (the key itself looks like a credential), or None."""
    if looks_like_token(key):
        return "token"
    if json_key_may_be_evidence(key) and (is_secret_name(key) or key.lower() in _BY_PLACE):
        return "evidence"
    return "secret" if secret_param(key) else None


def is_evidence(key: str, value: Any, node: dict[str, Any]) -> bool:
    """Whether a secret-looking JSON key (:func:`~.names.json_key_may_be_evidence`) holds evidence.

    Decided by place and value: ``code`` in an error object (one with a
    ``message``, ``type``, ``detail`` ...) is an error code, whatever its
    type; elsewhere ``code`` and ``state`` are kept only as numbers or words
    without digits (an MFA code ``"123456"`` or an OAuth ``code`` is not);
    an S3 ``Key`` only as a path or file name; a ``primaryKey`` as one or a
    list of column names.
    """
    if value is None or isinstance(value, bool):
        return True
    lowered = key.lower()
    if lowered in ("code", "state"):
        error_like = lowered == "code" and not _ERROR_KEYS.isdisjoint(node)
        if isinstance(value, (int, float)):
            return error_like or lowered == "state"
        if not isinstance(value, str):
            return False
        if error_like:
            return ((_IDENTIFIER.fullmatch(value) is not None or value.isdigit())
                    and not looks_like_token(value))
        return _LETTERS.fullmatch(value) is not None and not looks_like_token(value)
    if lowered in JSON_PATH_KEYS:
        # a content-addressed file name (uploads/<md5>.png) is a name; any other token part is not
        named = _DIGEST_FILE.search(value) if isinstance(value, str) else None
        return (isinstance(value, str) and ("/" in value or "." in value) and len(value) <= 1024
                and not any(looks_like_token(part) for part in re.split(r"[/.]", value)
                            if named is None or part != named.group(1)))
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, list):
        return bool(value) and all(isinstance(v, str) and _word(v) for v in value)
    # a status, exit or HTTP code written as a string ("statusCode": "403") is still a number
    return isinstance(value, str) and (_word(value) or (value.isdigit() and len(value) <= 5))


def _word(value: str) -> bool:
    return _IDENTIFIER.fullmatch(value) is not None and not looks_like_token(value)


def _secret_tree(scrub: Scrubber, node: Any, kind: str, depth: int) -> Any:
    """Everything under a secret key: every string and number replaced.

    Except, in an object, a lifetime or size (``expiresIn: 3600``) under a
    key that is not secret itself, and a ``token_type``: numbers stay numbers.
    """
    if isinstance(node, str):
        return secret(scrub, node, kind)
    if depth > MAX_JSON_DEPTH:
        return scrub.pseudonym(json.dumps(node))
    if isinstance(node, dict):
        return {(scrub.pseudonym(k) if looks_like_token(k) else k):
                v if _kept_under_secret(k, v, node) else _secret_tree(scrub, v, kind, depth + 1)
                for k, v in node.items()}
    if isinstance(node, list):
        return [_secret_tree(scrub, v, kind, depth + 1) for v in node]
    if node is None or isinstance(node, bool):
        return node
    return secret(scrub, str(node), kind)


def _kept_under_secret(key: str, value: Any, node: dict[str, Any]) -> bool:
    role = _key_role(key)
    if role is not None:
        return role == "evidence" and key.lower() != "code" and is_evidence(key, value, node)
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and _LIFETIME.search(key) is not None)


def _json_string(scrub: Scrubber, text: str, depth: int) -> str:
    """A string inside JSON: nested JSON is walked, anything unusual scrubbed as text."""
    if text[:1] in "[{" and depth < MAX_JSON_DEPTH:
        nested = json_text(scrub, text)
        if nested is not None:
            return nested
    if text[:1] == "/" and _RELATIVE_URL.fullmatch(text):  # "/oauth/cb?code=...", "/reset/<token>"
        return sanitize_url(scrub, text)
    if "&" in text and _FORM.fullmatch(text):  # "grant_type=...&code=...": a form body in a string
        return sanitize_query(scrub, text, "har-body")
    if text[:3] == "eyJ" and depth < MAX_JSON_DEPTH and (inner := base64json.decode(text)) is not None:
        nested = json_text(scrub, inner)  # base64 of {"accessToken": ...}
        return text if nested is None or nested == inner else base64json.encode_like(text, nested)
    if _INTERESTING.search(text):
        return free_text(scrub, text)
    return text


# -- URLs -----------------------------------------------------------------------------
def sanitize_url(scrub: Scrubber, url: str) -> str:
    """Scrub one absolute or relative URL (``:path`` values included); hosts are kept."""
    parts = urls.split(url)
    authority = _authority(scrub, parts.authority) if "@" in parts.authority else parts.authority
    query = None if parts.query is None else sanitize_query(scrub, parts.query, "har-query")
    fragment = None if parts.fragment is None else _fragment(scrub, parts.fragment)
    return urls.join(urls.Url(parts.scheme, authority, sanitize_path(scrub, parts.path), query, fragment))


def _authority(scrub: Scrubber, authority: str) -> str:
    userinfo, _, host = authority[2:].rpartition("@")
    user, colon, password = userinfo.partition(":")
    user = urls.reencode(user, scrub.redact(unquote(user)))
    if colon and password:
        password = urls.encode_tag(secret(scrub, unquote(password), "har-url-password"))
    return f"//{user}{colon}{password}@{host}"


def _fragment(scrub: Scrubber, fragment: str) -> str:
    """``#access_token=...`` is a query; ``#/route?x=1`` a route with one; else a path."""
    route, qmark, query = fragment.partition("?")
    if qmark:
        return sanitize_path(scrub, route) + "?" + sanitize_query(scrub, query, "har-url-fragment")
    if "=" in fragment:
        return sanitize_query(scrub, fragment, "har-url-fragment")
    return sanitize_path(scrub, fragment)


def sanitize_path(scrub: Scrubber, path: str) -> str:
    """Replace credential-looking segments: tokens, and what follows ``/reset/`` & co."""
    if not path:
        return path
    segments = path.split("/")
    previous = ""
    for i, segment in enumerate(segments):
        if not segment:
            continue
        name, semi, params = segment.partition(";")
        decoded = unquote(name)
        if previous in GIT_PATH_WORDS and _GIT_SHA.fullmatch(decoded):  # /commit/<sha>: evidence
            new = name
        elif (previous in SENSITIVE_PATH_WORDS and not is_plain_word(decoded)
                and decoded.lower() not in SENSITIVE_PATH_WORDS) or looks_like_token(decoded):
            new = urls.encode_tag(secret(scrub, decoded, "har-url-path"))
        else:
            new = urls.reencode(name, scrub.redact(decoded))
        if semi:  # matrix parameters: /app;jsessionid=...
            new += ";" + sanitize_query(scrub, params, "har-url-path", sep=";")
        segments[i] = new
        previous = decoded.lower()
    return "/".join(segments)


def sanitize_query(scrub: Scrubber, query: str, kind: str, sep: str = "&") -> str:
    """Scrub ``a=1&b=2`` (a query, a form body or a fragment), keeping its encoding."""
    if not query:
        return query
    pairs = query.split(sep)
    for i, pair in enumerate(pairs):
        raw_name, eq, raw_value = pair.partition("=")
        name = unquote_plus(raw_name)
        judged = name[4:] if name.startswith("amp;") else name  # "&amp;code=": a URL written in HTML
        if not eq:
            # A bare value (``?abc``) is judged by itself.
            new = value(scrub, name, kind)
            pairs[i] = raw_name if new == name else urls.encode(new)
            continue
        decoded = unquote_plus(raw_value)
        if judged.lower() in TRACE_PARAMS:  # a request or trace ID: evidence, global rules only
            cleaned = scrub.redact(decoded)
            new_value = raw_value if cleaned == decoded else urls.encode(cleaned)
        elif decoded and secret_param(judged):
            new_value = urls.encode_tag(secret(scrub, decoded, kind))
        else:
            cleaned = value(scrub, decoded, kind)
            new_value = raw_value if cleaned == decoded else urls.encode(cleaned)
        pairs[i] = f"{urls.reencode(raw_name, scrub.redact(name))}={new_value}"
    return sep.join(pairs)


# -- fields of unknown meaning --------------------------------------------------------
def sanitize_any(scrub: Scrubber, node: Any, is_secret: bool = False, depth: int = 0) -> Any:
    """Sanitize a value of unknown meaning (``is_secret``: it sits under a secret key)."""
    if isinstance(node, str):
        return secret(scrub, node, "har-field") if is_secret else free_text(scrub, node)
    if depth > MAX_JSON_DEPTH:
        return None
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, item in node.items():
            if key == "comment":
                scrub.counts["har-comment"] += 1
                continue
            out[key] = sanitize_any(scrub, item, is_secret or is_secret_name(key), depth + 1)
        return out
    if isinstance(node, list):
        return [sanitize_any(scrub, item, is_secret, depth + 1) for item in node]
    if is_secret and node is not None and not isinstance(node, bool):
        return secret(scrub, str(node), "har-field")
    return node
