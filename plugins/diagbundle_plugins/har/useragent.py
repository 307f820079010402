"""Browser name and version from a ``User-Agent`` header, for the findings.

Only the common desktop and mobile browsers are told apart, in the order
their tokens must be checked (Edge and Opera also say ``Chrome/``, Chrome
also says ``Safari/``). Anything else is reported as the raw (sanitized)
string only.
"""

from __future__ import annotations

import re

_BROWSERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/([\d.]+)")),
    ("Opera", re.compile(r"\bOPR/([\d.]+)")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/([\d.]+)")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/([\d.]+)")),
    ("Chrome", re.compile(r"\b(?:HeadlessChrome|Chrome|CriOS)/([\d.]+)")),
    ("Safari", re.compile(r"\bVersion/([\d.]+).*\bSafari/")),
)
_PLATFORMS = (("Windows", "Windows NT"), ("Android", "Android"), ("iOS", "iPhone"), ("iOS", "iPad"),
              ("macOS", "Macintosh"), ("ChromeOS", "CrOS"), ("Linux", "Linux"))


def browser(user_agent: str) -> str | None:
    """``Chrome 120.0.6099.109 on Linux`` (headless noted), or ``None`` if not a known browser."""
    for name, pattern in _BROWSERS:
        m = pattern.search(user_agent)
        if m is None:
            continue
        label = f"{name} {m.group(1)}"
        if "HeadlessChrome" in user_agent:
            label += " (headless)"
        platform = next((p for p, token in _PLATFORMS if token in user_agent), None)
        return f"{label} on {platform}" if platform else label
    return None
