"""The one naming function for bundles, shared by the CLI, ``collect()`` and ``stream()``.

``diagbundle-[CASEID-]YYYYmmdd-HHMMSS-XXXX.zip``: no host or user name in
it, the case id first where support gave one (so the file finds its
ticket), and four random characters, so that runs started in the same
second never pick the same name.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def bundle_filename(
    when: dt.datetime | None = None, *, case_id: str | None = None, encrypted: bool = False
) -> str:
    """A fresh bundle file name; ``when`` defaults to now, in local time."""
    stamp = (when or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(4))
    case = _UNSAFE.sub("-", case_id).strip(".-")[:64] if case_id else ""
    prefix = f"diagbundle-{case}-" if case else "diagbundle-"
    return f"{prefix}{stamp}-{suffix}.zip{'.age' if encrypted else ''}"
