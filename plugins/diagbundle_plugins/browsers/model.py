"""What the browsers collector reports: installs, the default browser, policy proxies.

Every answer says which of four states it is in (found, not found, not
applicable, error), so "not installed" is never confused with "could not
tell".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["found", "not found", "not applicable", "error"]


@dataclass
class Install:
    """One installed copy of a browser.

    ``status`` is ``found`` (version read) or ``error`` (the copy exists
    but its version could not be read: ``error`` says why).
    """

    browser: str
    channel: str
    version: str | None
    path: str | None
    source: str
    status: Literal["found", "error"] = "found"
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["browser"]
        return data


@dataclass
class DefaultBrowser:
    """The default browser for http(s) links, and where that answer came from."""

    status: Status
    browser: str | None = None
    channel: str | None = None
    id: str | None = None
    source: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PolicyProxy:
    """Proxy settings a browser policy imposes (administrator-managed)."""

    browser: str
    source: str
    settings: dict[str, Any] | None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Detection:
    """What one platform module found."""

    installs: list[Install] = field(default_factory=list)
    default: DefaultBrowser = field(default_factory=lambda: DefaultBrowser("not found"))
    policies: list[PolicyProxy] = field(default_factory=list)
    #: Problems not tied to one install (an unreadable key, a failed Spotlight query).
    errors: list[str] = field(default_factory=list)
