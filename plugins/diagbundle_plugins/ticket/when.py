"""``--when``: when it happened, as the user says it, stored with UTC offset and IANA zone.

ISO 8601 is read by the standard library. Natural forms ("10 minutes ago",
"today 14:05", "hace 10 minutos", "πριν από 10 λεπτά", "오늘 14:05") are read
by ``dateparser`` (the ``[dates]`` extra), which knows some 200 locales: the
support articles this project follows are written in Spanish, Hebrew,
Korean and Greek too, and a hand-written grammar would know English only.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from typing import Any

from diagbundle import UsageError
from diagbundle.clock import local_zone_name


def parse_when(text: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """``{"as_given", "local", "utc", "utc_offset", "zone"}`` for ``text``; UsageError if unreadable."""
    now = now or dt.datetime.now().astimezone()
    when = _iso(text, now) or _natural(text, now)
    if when is None:
        hint = "" if importlib.util.find_spec("dateparser") else \
            " (forms such as '10 minutes ago' need: pip install 'diagbundle[dates]')"
        raise UsageError(f"--when {text!r}: not a time I can read; use ISO 8601 such as "
                         f"2026-11-30T14:05{hint}")
    if when > now + dt.timedelta(minutes=5):
        raise UsageError(f"--when {text!r} is in the future ({when.isoformat(timespec='minutes')})")
    local = when.astimezone(now.tzinfo)
    offset = local.strftime("%z")
    return {
        "as_given": text,
        "local": local.isoformat(timespec="seconds"),
        "utc": when.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "utc_offset": f"{offset[:3]}:{offset[3:]}",
        "zone": local_zone_name(),
    }


def _iso(text: str, now: dt.datetime) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=now.tzinfo)


def _natural(text: str, now: dt.datetime) -> dt.datetime | None:
    if importlib.util.find_spec("dateparser") is None:
        return None
    import dateparser

    settings: Any = {
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "TIMEZONE": now.strftime("%z") or "UTC",
        "TO_TIMEZONE": "UTC",
    }
    value = dateparser.parse(text, settings=settings)
    return value if isinstance(value, dt.datetime) else None
