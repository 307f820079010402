"""Timestamps support can read: ISO 8601 with UTC offset and the IANA zone."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict


class Timestamp(TypedDict):
    utc: str
    local: str
    utc_offset: str
    zone: str | None


def local_zone_name() -> str | None:
    """The IANA name of the local time zone (``Europe/Paris``), if knowable.

    tzlocal reads ``TZ``, ``/etc/localtime``, ``/etc/timezone`` and the
    Windows registry (mapping Windows zone names to IANA ones), which is more
    than a hand-written lookup would get right.
    """
    try:
        import tzlocal

        name: str | None = tzlocal.get_localzone_name()
        return name
    except Exception:  # a broken TZ setting must not stop a bundle
        return None


def now() -> Timestamp:
    """The current time in UTC and local time, with offset and zone name."""
    utc = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    local = utc.astimezone()
    offset = local.strftime("%z")
    return {
        "utc": utc.isoformat().replace("+00:00", "Z"),
        "local": local.isoformat(),
        "utc_offset": f"{offset[:3]}:{offset[3:]}",
        "zone": local_zone_name(),
    }
