"""The error message a failed response carries in its body, for the findings.

APIs put it in a handful of places: ``{"error": {"message": ..., "code": ...}}``
(OpenAI, Google), ``{"detail": ...}`` (FastAPI, RFC 7807 with ``title``),
``{"message": ...}``, ``{"errors": [...]}`` (GraphQL, JSON:API, Rails) and
``error_description`` (OAuth); an XML error (S3, Azure Storage, most SOAP-era
APIs) its ``<Code>`` and ``<Message>``; an HTML error page has its ``<title>``;
a short plain-text body (a proxy's ``upstream connect error ...``) its first line. The
text given here has already been sanitized, so what comes out is as redacted
as the HAR itself.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from typing import Any

#: Longest message kept; an error page can put a stack trace in ``detail``.
MAX_MESSAGE = 300
#: Bodies parsed for a message at most this long (a failed response is small).
MAX_BODY = 256 * 1024
#: A plain-text error body at most this long gives its first line as the message.
MAX_PLAIN = 2000
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")
#: ``<Code>AccessDenied</Code>``, ``<Message>...</Message>`` (any namespace prefix, any case).
_XML_FIELD = re.compile(r"<(?:[\w.-]+:)?(code|message|faultstring|faultcode)>([^<]{1,1000})</", re.IGNORECASE)


def body_text(content: Any) -> str | None:
    """``response.content.text`` as text (base64 decoded), or ``None``."""
    if not isinstance(content, dict):
        return None
    text = content.get("text")
    if not isinstance(text, str) or not text:
        return None
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(text[: MAX_BODY * 2], validate=False).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return None
    return text[:MAX_BODY]


def html_title(text: str) -> str | None:
    """The ``<title>`` of an HTML page, entities decoded and spaces folded."""
    m = _TITLE.search(text[:MAX_BODY])
    if m is None:
        return None
    title = _SPACE.sub(" ", html.unescape(m.group(1))).strip()
    return _short(title) if title else None


def from_body(text: str) -> tuple[str | None, str | None]:
    """``(message, code)`` from a sanitized body: JSON, an HTML title, an XML error, short text."""
    stripped = text.lstrip()
    if stripped[:1] in "{[":
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
        if data is not None:
            return from_json(data)
    if "<" in text:
        title = html_title(text)
        return (title, None) if title is not None else xml_error(text)
    if len(stripped) <= MAX_PLAIN:  # Envoy's "upstream connect error or disconnect/reset ..."
        line = next((line.strip() for line in stripped.splitlines() if line.strip()), "")
        return (_short(line) if line else None), None
    return None, None


#: Keys of an error body that hold the request's ID or trace ID (Anthropic's ``request_id``,
#: RFC 7807 extensions' ``traceId``, S3's ``<RequestId>``): what support looks up.
BODY_ID_KEYS = frozenset({"request_id", "requestid", "trace_id", "traceid", "correlation_id",
                          "correlationid", "x-request-id", "x-amz-request-id", "incident_id", "incidentid",
                          "error_id", "errorid", "support_id", "supportid"})
_XML_ID = re.compile(r"<(?:[\w.-]+:)?(RequestId|TraceId|CorrelationId)>([^<\s]{1,128})</", re.IGNORECASE)
MAX_BODY_IDS = 5


def body_ids(text: str) -> list[tuple[str, str]]:
    """``(key, value)`` of the request and trace IDs an error body states, in its order.

    Read from the top level of a JSON body and its ``error`` object, or from
    an XML error's ``<RequestId>``; a value is a short string or a number.
    """
    stripped = text.lstrip()
    found: list[tuple[str, str]] = []
    if stripped[:1] == "{":
        try:
            data = json.loads(stripped)
        except ValueError:
            return []
        objects = [data] + ([data["error"]] if isinstance(data, dict) and isinstance(data.get("error"), dict)
                            else [])
        for obj in objects:
            if not isinstance(obj, dict):
                continue
            for key, value in obj.items():
                if (key.lower() in BODY_ID_KEYS and isinstance(value, (str, int))
                        and not isinstance(value, bool)):
                    text_value = str(value).strip()
                    if text_value and len(text_value) <= 128 and " " not in text_value:
                        found.append((key, text_value))
    elif stripped[:1] == "<":
        found = [(m.group(1), m.group(2)) for m in _XML_ID.finditer(text[:MAX_BODY])]
    return found[:MAX_BODY_IDS]


def xml_error(text: str) -> tuple[str | None, str | None]:
    """``(message, code)`` of an XML error document: its first ``<Message>`` and ``<Code>``."""
    found: dict[str, str] = {}
    for m in _XML_FIELD.finditer(text[:MAX_BODY]):
        name = m.group(1).lower().replace("fault", "").replace("string", "message")
        found.setdefault(name, html.unescape(m.group(2)).strip())
    message, code = found.get("message"), found.get("code")
    return (_short(message) if message else None), (code if code and len(code) <= 80 else None)


def from_json(data: Any) -> tuple[str | None, str | None]:
    """``(message, code)`` from a parsed JSON error document."""
    if isinstance(data, list):
        return _first_message(data), None
    if not isinstance(data, dict):
        return None, None
    message: str | None = None
    code = _code(data)
    error = data.get("error")
    if isinstance(error, dict):
        message = _text(error.get("message")) or _text(error.get("error_description")) \
            or _text(error.get("description")) or _text(error.get("detail"))
        code = _code(error) or code
        if message is None and isinstance(error.get("errors"), list):
            message = _first_message(error["errors"])
    elif isinstance(error, str):
        description = _text(data.get("error_description"))
        message = f"{error}: {description}" if description else error
    if message is None:
        message = _detail(data.get("detail"), _text(data.get("title")))
    if message is None:
        message = _text(data.get("message")) or _text(data.get("error_description")) \
            or _text(data.get("errorMessage")) or _text(data.get("msg"))
    if message is None and isinstance(data.get("errors"), list):
        message = _first_message(data["errors"])
    return (_short(message) if message else None), code


def _detail(detail: Any, title: str | None) -> str | None:
    """FastAPI's ``detail`` (a string or a list of ``{"msg": ...}``), RFC 7807's ``title``."""
    text = _first_message(detail) if isinstance(detail, list) else _text(detail)
    if title and text:
        return f"{title}: {text}"
    return text or title


def _first_message(items: list[Any]) -> str | None:
    """Up to three messages of an ``errors`` list, joined with ``; ``."""
    found: list[str] = []
    for item in items[:3]:
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            text = _text(item.get("message")) or _text(item.get("msg")) or _text(item.get("detail")) \
                or _text(item.get("title"))
            if text:
                where = item.get("loc") or item.get("path")
                if isinstance(where, list) and where:
                    text = f"{'.'.join(str(p) for p in where)}: {text}"
                found.append(text)
    return "; ".join(found) if found else None


def _code(obj: dict[str, Any]) -> str | None:
    """An API error code (``model_not_found``, ``RATE_LIMIT_EXCEEDED``, ``403``)."""
    for key in ("code", "error_code", "errorCode", "type", "status"):
        value = obj.get(key)
        if isinstance(value, str) and value and len(value) <= 80:
            if key == "type" and ":" in value:  # RFC 7807's type is a URI (or about:blank), not a code
                continue
            return value
        if isinstance(value, int) and not isinstance(value, bool) and key != "status":
            return str(value)  # a numeric status is the HTTP status again
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _short(text: str) -> str:
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"
