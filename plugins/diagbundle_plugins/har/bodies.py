"""Request and response bodies, websocket messages: sanitized by media type.

JSON is parsed and walked, form bodies are scrubbed like query strings,
multipart bodies part by part; other text goes through the free-text rules.
JavaScript, HTML and CSS are dropped unless ``--har-keep-bodies`` is given
(they are large, rarely needed, and full of embedded keys and CSRF tokens);
binary bodies (images, fonts, archives) cannot be scanned and are always
dropped. A dropped body leaves its size and media type, and a comment says why.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from collections.abc import Callable
from typing import Any

from diagbundle_plugins.har import walk
from diagbundle_plugins.har.names import is_secret_name, secret_param
from diagbundle_plugins.har.scrubber import Scrubber

_MARKUP = frozenset({
    "text/html", "application/xhtml+xml", "text/javascript", "application/javascript",
    "application/x-javascript", "application/ecmascript", "text/ecmascript", "text/css",
    "image/svg+xml", "text/jscript", "application/wasm-js",
})
_BINARY_PREFIXES = ("image/", "audio/", "video/", "font/", "application/font", "application/x-font",
                    "model/")
_BINARY = frozenset({
    "application/octet-stream", "application/pdf", "application/zip", "application/gzip",
    "application/x-gzip", "application/wasm", "application/x-protobuf", "application/protobuf",
    "application/vnd.google.protobuf", "application/x-tar", "application/x-7z-compressed",
    "application/vnd.ms-fontobject", "application/msgpack", "application/x-msgpack",
    "application/cbor", "application/x-shockwave-flash", "application/ogg",
})
_HTML_TAG = re.compile(r"<(?:input|meta)\b[^>]{0,2048}>", re.IGNORECASE)
#: A ``<textarea name="api_key">...</textarea>``: its content is its value.
_TEXTAREA = re.compile(r"(?P<open><textarea\b(?P<attrs>[^>]{0,2048})>)(?P<body>[^<]{1,65536})(?=</textarea)",
                       re.IGNORECASE)
_ATTR = re.compile(r"""(?P<name>[\w:-]+)\s*=\s*(?P<q>["']?)(?P<value>(?(q)[^"']*|[^\s>]*))(?P=q)""")
#: A call whose first string argument names the second: ``localStorage.setItem("authToken", "...")``,
#: ``xhr.setRequestHeader("X-Api-Key", "...")``, ``Cookies.set('sid', '...')``, ``form.append(...)``.
_NAMED_ARGUMENT = re.compile(
    r"""\((?P<head>\s*(?P<q>["'`])(?P<name>[A-Za-z_$@:.-][\w$@:.-]{0,99})(?P=q)\s*,\s*)"""
    r"""(?P<q2>["'`])(?P<value>(?:[^"'`\\\r\n]|\\.){1,4096})(?P=q2)"""
)
#: A quoted relative URL in markup or code (``href="/cb?code=..."``, ``fetch('/reset/<token>')``).
_QUOTED_PATH = re.compile(r"""(?P<q>["'`])(?P<url>/[^"'`\s<>\\]{1,4096})(?P=q)""")
_GRAPHQL_ARG = re.compile(r'(?P<name>\w+)(?P<sep>\s*:\s*)"(?P<value>(?:[^"\\]|\\.)*)"')


def media_type(mime: Any) -> str:
    """``Text/HTML; charset=UTF-8`` -> ``text/html``."""
    return mime.split(";", 1)[0].strip().lower() if isinstance(mime, str) else ""


def body_kind(mime: str) -> str:
    """One of ``json``, ``form``, ``multipart``, ``markup``, ``binary``, ``text``."""
    if mime.endswith(("/json", "+json")) or mime in ("application/x-ndjson", "application/jsonl",
                                                      "application/json-seq", "text/json"):
        return "json"
    if mime == "application/x-www-form-urlencoded":
        return "form"
    if mime.startswith("multipart/"):
        return "multipart"
    if mime in _MARKUP:
        return "markup"
    if mime in _BINARY or mime.startswith(_BINARY_PREFIXES) or mime.startswith("application/grpc"):
        return "binary"
    return "text"


def sanitize_body(text: str, mime_raw: Any, scrub: Scrubber) -> str:
    """Scrub a body already known to be kept, by its media type."""
    mime = media_type(mime_raw)
    kind = body_kind(mime)
    if kind == "json" or (kind == "text" and text.lstrip()[:1] in ("{", "[")):
        nested = walk.json_text(scrub, text)
        if nested is not None:
            return nested
        if kind == "json" and "\n" in text.strip():
            return "\n".join(_json_line(line, scrub) for line in text.split("\n"))
    if kind == "form":
        return walk.sanitize_query(scrub, text, "har-body")
    if mime == "text/event-stream":
        return "\n".join(_event_line(line, scrub) for line in text.split("\n"))
    if kind == "multipart":
        return _multipart(text, mime_raw if isinstance(mime_raw, str) else "", scrub)
    if kind in ("markup", "text"):
        if "(" in text:
            text = _NAMED_ARGUMENT.sub(lambda m: _named_argument(m, scrub), text)
        text = _QUOTED_PATH.sub(lambda m: _quoted_path(m, scrub), text)
    if kind == "markup":
        text = _HTML_TAG.sub(lambda m: _html_tag(m.group(), scrub), text)
        text = _TEXTAREA.sub(lambda m: _textarea(m, scrub), text)
    elif "query" in text and "{" in text:
        text = _GRAPHQL_ARG.sub(lambda m: _graphql_arg(m, scrub), text)
    return walk.free_text(scrub, text)


def _event_line(line: str, scrub: Scrubber) -> str:
    """One line of server-sent events: a ``data:`` line's JSON walked like NDJSON."""
    field, colon, data = line.partition(":")
    if field != "data" or not colon:
        return walk.free_text(scrub, line)
    space = " " if data.startswith(" ") else ""
    return f"data:{space}{_json_line(data[len(space):], scrub)}"


def _json_line(line: str, scrub: Scrubber) -> str:
    """One line of newline-delimited JSON."""
    if not line.strip():
        return line
    nested = walk.json_text(scrub, line)
    return nested if nested is not None else walk.free_text(scrub, line)


def _quoted_path(m: re.Match[str], scrub: Scrubber) -> str:
    """A quoted relative URL: the one URL rule (``&amp;`` read as ``&`` in HTML, written back)."""
    url = m.group("url")
    clean = walk.sanitize_url(scrub, url.replace("&amp;", "&"))
    if "&amp;" in url:
        clean = clean.replace("&", "&amp;")
    return m.group("q") + clean + m.group("q")


def _named_argument(m: re.Match[str], scrub: Scrubber) -> str:
    """``setItem("authToken", "<value>")``: the value goes when the name names a credential."""
    if not secret_param(m.group("name")):
        return m.group()
    new = walk.secret(scrub, m.group("value"), "har-body")
    return f"({m.group('head')}{m.group('q2')}{new}{m.group('q2')}"


def _graphql_arg(m: re.Match[str], scrub: Scrubber) -> str:
    if not secret_param(m.group("name")):
        return m.group()
    return f'{m.group("name")}{m.group("sep")}"{walk.secret(scrub, m.group("value"), "har-body")}"'


def _textarea(m: re.Match[str], scrub: Scrubber) -> str:
    """A secret-named ``<textarea>`` loses its content, like an ``<input>`` its value."""
    attrs = {a.group("name").lower(): a.group("value") for a in _ATTR.finditer(m.group("attrs"))}
    if not any(is_secret_name(attrs.get(a, "")) for a in ("name", "id")):
        return m.group()
    return m.group("open") + walk.secret(scrub, m.group("body"), "har-body")


def _html_tag(tag: str, scrub: Scrubber) -> str:
    """Hidden inputs and secret-named inputs or meta tags lose their value."""
    attrs = {m.group("name").lower(): m.group("value") for m in _ATTR.finditer(tag)}
    hidden = attrs.get("type", "").lower() in ("hidden", "password")
    named = any(is_secret_name(attrs.get(a, "")) for a in ("name", "id", "property", "http-equiv"))
    if attrs.get("http-equiv", "").lower() == "refresh":  # content="0; url=/cb?code=...": a redirect
        return _ATTR.sub(_refresh_target(scrub), tag)
    if not (hidden or named):
        return tag

    def replace(m: re.Match[str]) -> str:
        if m.group("name").lower() not in ("value", "content") or not m.group("value"):
            return m.group()
        new = walk.secret(scrub, m.group("value"), "har-body")
        return f"{m.group('name')}={m.group('q') or chr(34)}{new}{m.group('q') or chr(34)}"

    return _ATTR.sub(replace, tag)


def _refresh_target(scrub: Scrubber) -> Callable[[re.Match[str]], str]:
    """A ``<meta http-equiv="refresh">``'s ``content``: its URL gets the one URL rule."""
    def replace(m: re.Match[str]) -> str:
        delay, sep, target = m.group("value").partition("=")
        if m.group("name").lower() != "content" or not sep:
            return m.group()
        clean = walk.sanitize_url(scrub, html.unescape(target).strip())
        quote = m.group("q") or chr(34)
        written = clean.replace("&", "&amp;").replace(quote, "&quot;" if quote == '"' else "&#39;")
        return f"{m.group('name')}={quote}{delay}{sep}{written}{quote}"
    return replace


_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
#: A part's ``name``, quoted or not (``name=password``: some clients leave the quotes out).
_PART_NAME = re.compile(r'(?<![\w*])name="?([^";\r\n]*)"?', re.IGNORECASE)


def _multipart(text: str, mime: str, scrub: Scrubber) -> str:
    """Each part: secret-named fields replaced, file contents dropped, others scrubbed."""
    m = _BOUNDARY.search(mime)
    boundary = m.group(1) if m else None
    if boundary is None or "--" + boundary not in text:  # none declared, or not the one used
        first = text.lstrip().split("\n", 1)[0].strip()
        boundary = first[2:] if first.startswith("--") else None
    if not boundary:  # parts that cannot be told apart: a file's contents may be anywhere
        scrub.counts["har-body-dropped"] += 1
        return "[multipart body without a usable boundary dropped by diagbundle]"
    delimiter = "--" + boundary
    pieces = text.split(delimiter)
    for i, piece in enumerate(pieces):
        if i == 0 or piece.startswith("--"):
            pieces[i] = walk.free_text(scrub, piece) if piece.strip("-\r\n") else piece
            continue
        head, sep, body = piece.partition("\r\n\r\n")
        if not sep:
            head, sep, body = piece.partition("\n\n")
        if not sep:
            pieces[i] = walk.free_text(scrub, piece)
            continue
        ending = body[len(body.rstrip("\r\n")):]
        content = body[: len(body) - len(ending)]
        name_m = _PART_NAME.search(head)
        if re.search(r"\bfilename\*?=", head, re.IGNORECASE):  # filename*= (RFC 5987) too
            scrub.counts["har-body-dropped"] += 1
            content = "[file content dropped by diagbundle]"
        elif name_m and secret_param(name_m.group(1)):
            content = walk.secret(scrub, content, "har-body")
        else:
            type_m = re.search(r"content-type:\s*([^\r\n]+)", head, re.IGNORECASE)
            content = sanitize_body(content, type_m.group(1) if type_m else "text/plain", scrub)
        pieces[i] = walk.free_text(scrub, head) + sep + content + ending
    return delimiter.join(pieces)


def drop_note(what: str) -> str:
    return f"diagbundle: {what} dropped"


def sanitize_content(content: Any, scrub: Scrubber, where: str) -> dict[str, Any]:
    """``response.content``: text (plain or base64) sanitized, or dropped."""
    if not isinstance(content, dict):
        content = {"size": 0, "mimeType": ""}
    out: dict[str, Any] = {}
    text = content.get("text")
    encoding = content.get("encoding")
    mime = media_type(content.get("mimeType"))
    for key, value in content.items():
        if key in ("text", "encoding"):
            continue
        if key == "comment":
            scrub.counts["har-comment"] += 1
            continue
        out[key] = value if key in ("size", "compression", "mimeType") else walk.sanitize_any(scrub, value)
    if "mimeType" in out and not isinstance(out["mimeType"], str):
        out["mimeType"] = ""
    if text is None or text == "":
        if text == "":
            out["text"] = ""
        return out
    if not isinstance(text, str):
        return _drop(out, scrub, f"{where} body (not a string)")
    kind = body_kind(mime)
    if kind == "binary":
        return _drop(out, scrub, f"{where} body ({mime}, binary)")
    if kind == "markup" and not scrub.keep_bodies:
        return _drop(out, scrub, f"{where} body ({mime}; --har-keep-bodies keeps it, redacted)")
    if encoding in (None, ""):
        out["text"] = sanitize_body(text, content.get("mimeType"), scrub)
        if encoding == "":
            out["encoding"] = ""
        return out
    if encoding != "base64":
        return _drop(out, scrub, f"{where} body (unknown encoding)")
    try:
        decoded = base64.b64decode(text, validate=False).decode("utf-8")
    except (binascii.Error, ValueError):
        return _drop(out, scrub, f"{where} body ({mime or 'unknown type'}, binary)")
    if "\x00" in decoded:
        return _drop(out, scrub, f"{where} body ({mime or 'unknown type'}, binary)")
    cleaned = sanitize_body(decoded, content.get("mimeType"), scrub)
    out["text"] = base64.b64encode(cleaned.encode("utf-8")).decode("ascii")
    out["encoding"] = "base64"
    return out


def _drop(out: dict[str, Any], scrub: Scrubber, what: str) -> dict[str, Any]:
    scrub.counts["har-body-dropped"] += 1
    out["comment"] = drop_note(what)
    return out


def sanitize_post_data(post: Any, scrub: Scrubber) -> dict[str, Any] | None:
    """``request.postData``: ``text`` by media type, ``params`` like form fields."""
    if post is None:
        return None
    if not isinstance(post, dict):
        return {"mimeType": "", "text": walk.free_text(scrub, str(post))}
    out: dict[str, Any] = {}
    mime = media_type(post.get("mimeType"))
    kind = body_kind(mime)
    for key, value in post.items():
        if key == "comment":
            scrub.counts["har-comment"] += 1
        elif key == "mimeType":
            out[key] = value if isinstance(value, str) else ""
        elif key == "text":
            if not isinstance(value, str) or kind == "binary":
                scrub.counts["har-body-dropped"] += 1
                out[key] = ""
                out["comment"] = drop_note(f"request body ({mime or 'not text'})")
            else:
                out[key] = sanitize_body(value, post.get("mimeType"), scrub)
        elif key == "params":
            out[key] = [_param(p, scrub) for p in value or []] if isinstance(value, list) else []
        else:
            out[key] = walk.sanitize_any(scrub, value)
    return out


def _param(param: Any, scrub: Scrubber) -> Any:
    if not isinstance(param, dict):
        return walk.sanitize_any(scrub, param)
    name = param.get("name")
    out: dict[str, Any] = {}
    for key, value in param.items():
        if key == "value" and isinstance(value, str):
            judge = walk.secret if isinstance(name, str) and secret_param(name) else walk.value
            out[key] = judge(scrub, value, "har-body")
        elif key == "value" and "fileName" in param:
            out[key] = ""
        elif key == "comment":
            scrub.counts["har-comment"] += 1
        elif key == "name" and isinstance(value, str):
            out[key] = scrub.redact(value)
        else:
            out[key] = walk.sanitize_any(scrub, value)
    return out


def sanitize_websocket(messages: Any, scrub: Scrubber) -> list[Any]:
    """Chrome's ``_webSocketMessages``: text frames scrubbed, binary frames dropped."""
    if not isinstance(messages, list):
        return []
    out: list[Any] = []
    for message in messages:
        if not isinstance(message, dict):
            out.append(walk.sanitize_any(scrub, message))
            continue
        clean: dict[str, Any] = {}
        for key, value in message.items():
            if key == "data" and isinstance(value, str):
                if message.get("opcode") == 2:
                    scrub.counts["har-body-dropped"] += 1
                    clean[key] = ""
                else:
                    clean[key] = sanitize_body(value, "", scrub)
            elif key in ("type", "time", "opcode"):
                clean[key] = value
            else:
                clean[key] = walk.sanitize_any(scrub, value)
        out.append(clean)
    return out
