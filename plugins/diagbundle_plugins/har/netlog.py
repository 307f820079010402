"""Chrome's NetLog export (chrome://net-export, JSON): sanitized, with its proxy and error events.

A NetLog is ``{"constants": {...}, "events": [...], "polledData": {...}}``;
each event has a numeric ``type`` and ``phase`` (named in ``constants``), a
``source`` (the request, socket or job it belongs to), a ``time`` and
``params``. What its capture mode leaves in the params is sanitized with the
HAR rules, by place: header lists (``"Cookie: ..."``, HTTP/2 ``":path: ..."``)
value by value like HAR headers, URLs with the one URL rule, raw socket bytes
(the "include raw bytes" mode) dropped, anything else walked like an unknown
HAR field. Events are read and written one at a time, like HAR entries.

While it streams, :class:`NetlogFindings` keeps what support asks a NetLog
for: the proxy configuration and proxy events, and every error event
(``net_error``) by error name, with the URL of its request where the log has it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import IO, Any

from diagbundle import FormatError
from diagbundle_plugins.har import walk
from diagbundle_plugins.har.entry import header_value
from diagbundle_plugins.har.jsonreader import JsonReader
from diagbundle_plugins.har.names import is_secret_name
from diagbundle_plugins.har.scrubber import Scrubber
from diagbundle_plugins.har.stream import chunks, dumps, open_source

#: Params holding raw bytes of a socket or a body: never kept (they cannot be scrubbed by place).
_RAW = frozenset({"bytes", "hex_encoded_bytes", "raw_bytes"})
#: Params that are URLs besides those named ``*url*``.
_URL_PARAMS = frozenset({"location", "referrer", "initiator", "origin", "redirect", "target",
                         "request_initiator", "site_for_cookies", "top_frame_origin"})
#: A constant's name in an enum table (``ERR_NAME_NOT_RESOLVED``, ``PHASE_BEGIN``, ``Bad Proxies``).
_ENUM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_ .:-]{0,95}")
MAX_EVENTS_LISTED = 100
MAX_ERRORS_LISTED = 200


def _is_url_param(key: str) -> bool:
    lowered = key.lower()
    return "url" in lowered or lowered in _URL_PARAMS


def _header_line(line: str, scrub: Scrubber) -> str:
    """``Name: value`` (HTTP/2 ``:path: /x``), or a status/request line."""
    head = 1 if line.startswith(":") else 0
    colon = line.find(":", head)
    if colon <= 0 or " " in line[:colon]:
        return _request_line(line, scrub)
    name, value = line[:colon], line[colon + 1:]
    space = " " if value.startswith(" ") else ""
    return f"{name}:{space}{header_value(name, value[len(space):], scrub)}"


def _request_line(line: str, scrub: Scrubber) -> str:
    """``GET /path?query HTTP/1.1`` or ``HTTP/1.1 200 OK``: the target is a URL."""
    parts = line.split(" ")
    if len(parts) >= 3 and parts[-1].startswith("HTTP/"):
        parts[1:-1] = [walk.sanitize_url(scrub, " ".join(parts[1:-1]))]
        return " ".join(parts)
    return walk.free_text(scrub, line)


def sanitize_params(params: Any, scrub: Scrubber, *, cookie: bool = False) -> Any:
    """One event's params, by place (``cookie``: a cookie store event, whose ``value`` is a cookie's)."""
    if not isinstance(params, dict):
        return walk.sanitize_any(scrub, params)
    name = params.get("name")
    paired = cookie or (isinstance(name, str) and is_secret_name(name))  # {"name": ..., "value": ...}
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key == "value" and paired and isinstance(value, str):
            out[key] = walk.secret(scrub, value, "har-cookie" if cookie else "har-field")
        elif key in _RAW:
            scrub.counts["netlog-bytes-dropped"] += 1
        elif key == "headers" and isinstance(value, list):
            out[key] = [_header_line(v, scrub) if isinstance(v, str) else walk.sanitize_any(scrub, v)
                        for v in value]
        elif key == "headers" and isinstance(value, dict):  # some events use {name: value}
            out[key] = {k: header_value(k, v, scrub) if isinstance(v, str) else walk.sanitize_any(scrub, v)
                        for k, v in value.items()}
        elif key == "line" and isinstance(value, str):
            out[key] = _request_line(value.rstrip("\r\n"), scrub) + value[len(value.rstrip("\r\n")):]
        elif isinstance(value, str) and _is_url_param(key):
            out[key] = walk.sanitize_url(scrub, value)
        elif isinstance(value, dict):
            out[key] = sanitize_params(value, scrub, cookie=cookie)
        elif key == "comment":
            scrub.counts["har-comment"] += 1
        else:
            out[key] = walk.sanitize_any(scrub, value, is_secret_name(key))
    return out


class NetlogFindings:
    """Proxy configuration and events, and error events, from one sanitized NetLog."""

    def __init__(self) -> None:
        self.events = 0
        self.event_names: dict[int, str] = {}
        self.phase_names: dict[int, str] = {}
        self.error_names: dict[int, str] = {}
        self.proxy_events: list[dict[str, Any]] = []
        self.proxy_total = 0
        self.errors: Counter[tuple[str, str]] = Counter()
        self.error_events: list[dict[str, Any]] = []
        self.proxy_settings: Any = None
        self.capture_mode: str | None = None
        self.client: dict[str, Any] = {}
        self._urls: dict[int, str] = {}

    def constants(self, clean: Any) -> None:
        if not isinstance(clean, dict):
            return
        for key, table in (("logEventTypes", self.event_names), ("logEventPhase", self.phase_names),
                           ("netError", self.error_names)):
            names = clean.get(key)
            if isinstance(names, dict):
                table.update({v: k for k, v in names.items() if isinstance(v, int)})
        mode = clean.get("logCaptureMode")
        self.capture_mode = mode if isinstance(mode, str) else None
        info = clean.get("clientInfo")
        if isinstance(info, dict):
            self.client = {k: info[k] for k in ("name", "version", "os_type", "official") if k in info}

    def polled(self, clean: Any) -> None:
        if isinstance(clean, dict):
            self.proxy_settings = clean.get("proxySettings")

    def event(self, clean: dict[str, Any]) -> None:
        self.events += 1
        kind = clean.get("type")
        name = self.event_names.get(kind, str(kind)) if isinstance(kind, int) else str(kind)
        given_params, given_source = clean.get("params"), clean.get("source")
        params: dict[str, Any] = given_params if isinstance(given_params, dict) else {}
        source: dict[str, Any] = given_source if isinstance(given_source, dict) else {}
        source_id = source.get("id") if isinstance(source.get("id"), int) else None
        url = params.get("url")
        if source_id is not None and isinstance(url, str) and source_id not in self._urls \
                and len(self._urls) < 100_000:
            self._urls[source_id] = url
        brief = {"time": clean.get("time"), "event": name, "source": source_id}
        if "PROXY" in name or name.startswith("PAC_"):
            self.proxy_total += 1
            if len(self.proxy_events) < MAX_EVENTS_LISTED:
                phase = clean.get("phase")
                named = self.phase_names.get(phase) if isinstance(phase, int) else None
                self.proxy_events.append({**brief, "phase": named, "params": params})
        error = params.get("net_error")
        if isinstance(error, int) and not isinstance(error, bool) and error < 0:
            error_name = self.error_names.get(error, str(error))
            self.errors[(name, error_name)] += 1
            if len(self.error_events) < MAX_ERRORS_LISTED:
                item = {**brief, "error": f"net::{error_name}" if not error_name.startswith("-") else error}
                if source_id in self._urls:
                    item["url"] = self._urls[source_id]
                self.error_events.append(item)

    def as_json(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "capture_mode": self.capture_mode,
            "client": self.client,
            "proxy": {"settings": self.proxy_settings, "events_total": self.proxy_total,
                      "events": self.proxy_events},
            "errors": {"total": sum(self.errors.values()),
                       "by_event": [{"event": e, "error": err, "count": n}
                                    for (e, err), n in self.errors.most_common()],
                       "events": self.error_events},
        }

    def summary_lines(self) -> list[str]:
        lines = [f"  - capture mode: {self.capture_mode or 'unknown'}; {self.events} events"]
        if self.proxy_settings:
            settings = self.proxy_settings
            effective = settings.get("effective") if isinstance(settings, dict) else None
            shown = json.dumps(effective or settings).replace("`", "'")
            lines.append(f"  - proxy settings: `{shown}`")
        lines.append(f"  - proxy events: {self.proxy_total}")
        if self.errors:
            shown = ", ".join(f"{err} x{n} ({e})" for (e, err), n in self.errors.most_common(8))
            lines.append(f"  - errors: {sum(self.errors.values())}: {shown}")
        else:
            lines.append("  - errors: none")
        return lines


def sanitize_netlog(source: IO[bytes], scrub: Scrubber, found: NetlogFindings) -> Iterator[bytes]:
    """Yield the sanitized NetLog as it is made; :class:`FormatError` on input that is not one."""
    yield from chunks(_document(JsonReader(open_source(source)), scrub, found), "NetLog")


def _document(reader: JsonReader, scrub: Scrubber, found: NetlogFindings) -> Iterator[bytes]:
    if reader.peek() != "{":
        raise FormatError("not a NetLog file: the top level is not a JSON object")
    reader.expect("{", "an object")
    yield b"{"
    first = True
    seen_events = False
    for key in reader.members():
        yield (b"" if first else b",\n") + dumps(key) + b":"
        first = False
        if key == "events":
            seen_events = True
            yield from _events(reader, scrub, found)
            continue
        value = reader.value()
        if key == "constants":
            clean = _constants(value, scrub)
            found.constants(clean)
        elif key == "polledData":
            clean = sanitize_params(value, scrub)
            found.polled(clean)
        else:
            clean = walk.sanitize_any(scrub, value)
        yield dumps(clean)
    reader.end()
    if not seen_events:
        raise FormatError('not a NetLog file: no "events" list')
    yield b"}\n"


def _constants(value: Any, scrub: Scrubber) -> Any:
    """Chrome's name -> number tables stay as they are (``ERR_PROXY_AUTH_REQUESTED`` names an
    error, not a secret); the rest (``clientInfo``'s command line ...) is walked."""
    if not isinstance(value, dict):
        return walk.sanitize_any(scrub, value)
    return {key: table if _is_enum_table(table) else walk.sanitize_any(scrub, table)
            for key, table in value.items()}


def _is_enum_table(table: Any) -> bool:
    return isinstance(table, dict) and all(
        isinstance(v, int) and not isinstance(v, bool) and _ENUM_NAME.fullmatch(k) for k, v in table.items())


def _events(reader: JsonReader, scrub: Scrubber, found: NetlogFindings) -> Iterator[bytes]:
    if reader.peek() != "[":
        raise FormatError('not a NetLog file: "events" is not a list')
    reader.expect("[", "a list")
    yield b"["
    for index, _ in enumerate(reader.items()):
        event = reader.value()
        if not isinstance(event, dict):
            raise FormatError(f"not a NetLog file: event {index} is not an object")
        clean: dict[str, Any] = {}
        for key, value in event.items():
            if key in ("type", "phase") and isinstance(value, int):
                clean[key] = value
            elif key in ("time", "source"):  # a tick count; {"id", "type", "start_time"}
                clean[key] = walk.sanitize_any(scrub, value)
            elif key == "params":
                kind = event.get("type")
                named = found.event_names.get(kind, "") if isinstance(kind, int) else ""
                clean[key] = sanitize_params(value, scrub, cookie="COOKIE" in named)
            else:
                clean[key] = walk.sanitize_any(scrub, value)
        found.event(clean)
        yield (b"\n" if index == 0 else b",\n") + dumps(clean)
    yield b"\n]"
