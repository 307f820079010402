"""What a support engineer looks for first in a HAR, gathered while it is sanitized.

The sanitizer hands every entry to :meth:`Findings.entry` once it is
sanitized (the HAR is never parsed a second time), and the log's ``pages``,
``creator`` and ``browser`` to :meth:`Findings.log_field`. Everything kept
here comes from the sanitized values; the one thing the sanitized entry can
lack, the ``<title>`` of an HTML error page whose body was dropped, is taken
from the input and run through the same free-text rules first.

Memory stays bounded whatever the HAR's size: the failed requests and the
distinct IDs are kept up to a limit (their totals are always exact), the
slowest requests in a small heap, each page as a few counters.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from diagbundle_plugins.har import messages, urls, walk
from diagbundle_plugins.har.names import TRACE_HEADERS
from diagbundle_plugins.har.useragent import browser

if TYPE_CHECKING:
    from diagbundle_plugins.har.scrubber import Scrubber

#: Failed requests described one by one; the total counts them all.
MAX_FAILED = 200
#: Distinct request and trace IDs listed; the totals count them all.
MAX_IDS = 2000
MAX_SLOWEST = 10
MAX_USER_AGENTS = 10
#: Failed requests shown in a page's timeline.
MAX_TIMELINE_FAILED = 5
#: The phases of ``entry.timings``, in the order they happen (``ssl`` is part of ``connect``).
PHASES = ("blocked", "dns", "connect", "ssl", "send", "wait", "receive")
_CHROME_ERROR = re.compile(r"net::ERR_[A-Z_]+")


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


def _started(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _header(headers: Any, name: str) -> str | None:
    if isinstance(headers, list):
        for item in headers:
            if isinstance(item, dict) and str(item.get("name", "")).lower() == name:
                value = item.get("value")
                return value if isinstance(value, str) else None
    return None


def failure(request: dict[str, Any], response: dict[str, Any], page_url: str | None) -> str | None:
    """Why a request failed (``http 500``, ``blocked``, ``cors``, ...) or ``None``.

    Chrome writes ``response._error`` (``net::ERR_BLOCKED_BY_CLIENT``),
    Playwright ``_failureText`` with status -1, Firefox status 0 alone;
    mixed content shows as an ``http://`` request from an ``https://`` page
    that got no response.
    """
    status = response.get("status")
    error = " ".join(str(response.get(k) or "") for k in ("_error", "_failureText", "_blockedReason"))
    error += " " + str(request.get("_blockedReason") or "")
    lowered = error.lower()
    if isinstance(status, int) and not isinstance(status, bool) and status >= 400:
        return f"http {status}"
    if isinstance(status, int) and status > 0 and not lowered.strip():
        return None
    if "cors" in lowered or ("err_failed" in lowered and _cross_origin(request)):
        return "cors"
    url = request.get("url")
    if "mixed" in lowered or (isinstance(url, str) and url.startswith(("http:", "ws:"))
                              and (page_url or "").startswith("https:")
                              and status in (0, -1, None)):
        return "mixed-content"
    if "blocked" in lowered:
        return "blocked"
    if "abort" in lowered or "cancel" in lowered:
        return "aborted"
    if lowered.strip():
        return "failed"
    return "no response"


def _cross_origin(request: dict[str, Any]) -> bool:
    """A request sent with an ``Origin`` other than its own: a failure without a response is CORS.

    Chrome logs a CORS rejection as a bare ``net::ERR_FAILED`` (status 0 or -1,
    no response headers); the ``Origin`` header is what tells it apart, or the
    ``Referer``'s origin where the HAR kept only the provisional headers
    (Playwright does, for a request that failed).
    """
    url = request.get("url")
    origin = _header(request.get("headers"), "origin")
    if not origin:
        referer = urls.split(_header(request.get("headers"), "referer") or "")
        origin = referer.scheme + referer.authority
    if not origin or origin == "null" or not isinstance(url, str):
        return False
    parts = urls.split(url)
    return origin.rstrip("/") != parts.scheme + parts.authority


@dataclass
class _Page:
    id: str
    title: str = ""
    started: datetime | None = None
    started_text: str = ""
    on_content_load: float | None = None
    on_load: float | None = None
    requests: int = 0
    failed: int = 0
    bytes: int = 0
    first: float | None = None
    last_end: float | None = None
    failures: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Id:
    name: str
    value: str
    count: int = 0
    failed: int = 0
    first_entry: int = 0
    where: str = "response"


class Findings:
    """Failed requests, request and trace IDs, the slowest requests, pages, browser."""

    def __init__(self, scrub: Scrubber) -> None:
        self._scrub = scrub
        self.entries = 0
        self.failed_total = 0
        self.failed: list[dict[str, Any]] = []
        self.reasons: Counter[str] = Counter()
        self._ids: dict[tuple[str, str], _Id] = {}
        self.id_occurrences = 0
        #: Hashes of the distinct IDs past :data:`MAX_IDS`: counted, not listed.
        self._not_listed: set[int] = set()
        self._slowest: list[tuple[float, int, dict[str, Any]]] = []
        self._pages: dict[str, _Page] = {}
        self._agents: Counter[str] = Counter()
        self.creator: dict[str, Any] | None = None
        self.browser: dict[str, Any] | None = None

    # -- fed by the sanitizer --------------------------------------------------------
    def log_field(self, key: str, clean: Any) -> None:
        """A sanitized member of ``log``: ``pages``, ``creator`` or ``browser``."""
        if key in ("creator", "browser") and isinstance(clean, dict):
            setattr(self, key, {k: v for k, v in clean.items() if k in ("name", "version")})
        elif key == "pages" and isinstance(clean, list):
            for page in clean:
                if isinstance(page, dict) and isinstance(page.get("id"), str):
                    self._page_info(page)

    def _page_info(self, page: dict[str, Any]) -> None:
        info = self._page(page["id"])
        title = page.get("title")
        info.title = title if isinstance(title, str) else ""
        info.started = _started(page.get("startedDateTime"))
        info.started_text = str(page.get("startedDateTime") or "")
        timings = page.get("pageTimings")
        if isinstance(timings, dict):
            info.on_content_load = _number(timings.get("onContentLoad"))
            info.on_load = _number(timings.get("onLoad"))

    def _page(self, page_id: str) -> _Page:
        page = self._pages.get(page_id)
        if page is None:
            page = self._pages[page_id] = _Page(page_id)
        return page

    def entry(self, index: int, raw: dict[str, Any], clean: dict[str, Any]) -> None:
        """One entry, sanitized (``raw`` is read only for a dropped HTML body's title)."""
        self.entries += 1
        request = clean.get("request") or {}
        response = clean.get("response") or {}
        pageref = clean.get("pageref") if isinstance(clean.get("pageref"), str) else ""
        page = self._pages.get(pageref) if pageref else None
        reason = failure(request, response, page.title if page else _header(request.get("headers"),
                                                                            "referer"))
        total = _number(clean.get("time"))
        brief = self._brief(index, clean, request, response, total)
        if reason is not None:
            self._failed(brief, reason, raw, response)
        self._collect_ids(index, request, response, reason is not None, brief)
        agent = _header(request.get("headers"), "user-agent")
        if agent and (agent in self._agents or len(self._agents) < MAX_USER_AGENTS):
            self._agents[agent] += 1
        if total is not None:
            item = (total, -index, brief)
            if len(self._slowest) < MAX_SLOWEST:
                heapq.heappush(self._slowest, item)
            elif item > self._slowest[0]:
                heapq.heapreplace(self._slowest, item)
        self._on_page(self._page(pageref or ""), clean, brief, reason, total, response)

    def _brief(self, index: int, clean: dict[str, Any], request: dict[str, Any],
               response: dict[str, Any], total: float | None) -> dict[str, Any]:
        url = request.get("url")
        parts = urls.split(url if isinstance(url, str) else "")
        brief: dict[str, Any] = {
            "entry": index,
            "method": request.get("method"),
            "host": parts.authority[2:].rpartition("@")[2],
            "path": parts.path or "/",
            "status": response.get("status"),
            "time_ms": None if total is None else round(total, 1),
        }
        if isinstance(clean.get("startedDateTime"), str):
            brief["started"] = clean["startedDateTime"]
        timings = clean.get("timings")
        if isinstance(timings, dict):
            spent = {p: round(t, 1) for p in PHASES if (t := _number(timings.get(p))) is not None and t > 0}
            brief["timings_ms"] = spent
            if spent:
                brief["mostly"] = max(spent, key=lambda p: spent[p])
        return brief

    def _failed(self, brief: dict[str, Any], reason: str, raw: dict[str, Any],
                response: dict[str, Any]) -> None:
        self.failed_total += 1
        self.reasons[reason.split(" ")[0]] += 1
        if len(self.failed) >= MAX_FAILED:
            return
        item = dict(brief, reason=reason)
        if isinstance(response.get("statusText"), str) and response["statusText"]:
            item["status_text"] = response["statusText"]
        error = " ".join(str(response.get(k) or "") for k in ("_error", "_failureText")).strip()
        if error:
            item["browser_error"] = error
        message, code = self._message(raw, response)
        if message:
            item["message"] = message
        if code:
            item["code"] = code
        text = messages.body_text(response.get("content"))
        ids = messages.body_ids(text) if text is not None else []
        if ids:  # taken from the sanitized body, like the message
            item["body_ids"] = [{"name": name, "value": value} for name, value in ids]
        self.failed.append(item)

    def _message(self, raw: dict[str, Any], response: dict[str, Any]) -> tuple[str | None, str | None]:
        text = messages.body_text(response.get("content"))
        if text is not None:
            return messages.from_body(text)
        raw_response = raw.get("response")
        raw_text = messages.body_text(raw_response.get("content") if isinstance(raw_response, dict) else None)
        if raw_text is None:
            return None, None
        title = messages.html_title(raw_text)
        if title is None:
            return None, None
        # The body was dropped (HTML without --har-keep-bodies): its title is scrubbed
        # like any kept text, counted apart (it is not part of the HAR's own counts).
        return self._scrub.uncounted(walk.free_text, self._scrub, title), None

    def _collect_ids(self, index: int, request: dict[str, Any], response: dict[str, Any], failed: bool,
                     brief: dict[str, Any]) -> None:
        found: list[tuple[str, str, str]] = []
        for where, part in (("response", response), ("request", request)):
            headers = part.get("headers")
            if not isinstance(headers, list):
                continue
            for item in headers:
                if not isinstance(item, dict):
                    continue
                name = str(item.get("name", "")).lower()
                value = item.get("value")
                if name in TRACE_HEADERS and isinstance(value, str) and value:
                    found.append((where, name, value))
        if failed and found and len(self.failed) and self.failed[-1]["entry"] == index:
            item = self.failed[-1]
            item["ids"] = [{"name": n, "value": v} for _, n, v in found]
            # an ID the body repeats (S3's <RequestId> is its x-amz-request-id) is listed once
            in_body = [i for i in item.get("body_ids", ()) if i["value"] not in {v for _, _, v in found}]
            if in_body:
                item["body_ids"] = in_body
            else:
                item.pop("body_ids", None)
        for where, name, value in found:
            self.id_occurrences += 1
            known = self._ids.get((name, value))
            if known is None:
                # Past the limit an ID is only counted, unless a failed request carries it:
                # those are what support looks up (up to as many again).
                if len(self._ids) >= MAX_IDS and not (failed and len(self._ids) < 2 * MAX_IDS):
                    self._not_listed.add(hash((name, value)))
                    continue
                self._not_listed.discard(hash((name, value)))
                known = self._ids[(name, value)] = _Id(name, value, first_entry=index, where=where)
            known.count += 1
            known.failed += failed

    def _on_page(self, page: _Page, clean: dict[str, Any], brief: dict[str, Any], reason: str | None,
                 total: float | None, response: dict[str, Any]) -> None:
        page.requests += 1
        size = response.get("_transferSize", response.get("bodySize"))
        if isinstance(size, int) and size > 0:
            page.bytes += size
        started = _started(clean.get("startedDateTime"))
        offset = None
        if started is not None:
            if page.started is None:
                page.started = started
            offset = (started - page.started).total_seconds() * 1000
            page.first = offset if page.first is None else min(page.first, offset)
            if total is not None:
                end = offset + total
                page.last_end = end if page.last_end is None else max(page.last_end, end)
        if reason is not None:
            page.failed += 1
            if len(page.failures) < MAX_TIMELINE_FAILED:
                page.failures.append({"at_ms": None if offset is None else round(offset, 1),
                                      "event": f"{brief['method']} {brief['host']}{brief['path']} failed "
                                               f"({reason})", "entry": brief["entry"]})

    # -- read by the collector -------------------------------------------------------
    @property
    def ids(self) -> list[_Id]:
        """Distinct IDs, those seen on failed requests first, then in order of first use."""
        return sorted(self._ids.values(), key=lambda i: (i.failed == 0, i.first_entry))

    @property
    def distinct_ids(self) -> int:
        return len(self._ids) + len(self._not_listed)

    @property
    def slowest(self) -> list[dict[str, Any]]:
        return [brief for _, _, brief in sorted(self._slowest, reverse=True)]

    def user_agents(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for agent, count in self._agents.most_common():
            item: dict[str, Any] = {"value": agent, "requests": count}
            parsed = browser(agent)
            if parsed:
                item["browser"] = parsed
            out.append(item)
        return out

    def timeline(self) -> list[dict[str, Any]]:
        """Per page: when its requests started and ended, its load events, its failures."""
        out: list[dict[str, Any]] = []
        for page in self._pages.values():
            if not page.requests and not page.id:
                continue
            events: list[dict[str, Any]] = []
            if page.first is not None:
                events.append({"at_ms": round(page.first, 1), "event": "first request"})
            if page.on_content_load is not None:
                events.append({"at_ms": round(page.on_content_load, 1), "event": "DOMContentLoaded"})
            if page.on_load is not None:
                events.append({"at_ms": round(page.on_load, 1), "event": "load"})
            events += page.failures
            if page.last_end is not None:
                events.append({"at_ms": round(page.last_end, 1), "event": "last response"})
            events.sort(key=lambda e: (e["at_ms"] is None, e["at_ms"] or 0))
            out.append({"page": page.id or None, "title": page.title, "started": page.started_text or None,
                        "requests": page.requests, "failed": page.failed, "bytes": page.bytes,
                        "events": events})
        return out

    def browser_line(self) -> str | None:
        """``Chrome 120.0 on Linux; HAR by WebInspector 537.36``, from what the HAR says."""
        parts: list[str] = []
        agents = self.user_agents()
        named = next((a["browser"] for a in agents if "browser" in a), None)
        if self.browser and self.browser.get("name"):
            parts.append(f"{self.browser.get('name')} {self.browser.get('version') or ''}".strip())
        elif named:
            parts.append(named)
        if self.creator and self.creator.get("name"):
            parts.append(f"HAR by {self.creator.get('name')} {self.creator.get('version') or ''}".strip())
        return "; ".join(parts) or None

    def as_json(self) -> dict[str, Any]:
        """The ``har/findings.json`` section of this file."""
        ids = self.ids
        return {
            "entries": self.entries,
            "browser": {"creator": self.creator, "browser": self.browser, "user_agents": self.user_agents()},
            "failed": {"total": self.failed_total, "by_reason": dict(self.reasons),
                       "listed": len(self.failed), "requests": self.failed},
            "ids": {
                "occurrences": self.id_occurrences,
                "distinct": self.distinct_ids,
                "on_failed_requests": sum(1 for i in ids if i.failed),
                "listed": len(ids),
                "items": [{"name": i.name, "value": i.value, "count": i.count, "failed": i.failed,
                           "first_entry": i.first_entry, "in": i.where} for i in ids],
            },
            "slowest": self.slowest,
            "pages": self.timeline(),
        }
