"""``[share]`` in the config file: a vendor's default recipients, upload destination and link lifetime.

Read through :func:`diagbundle.config.config_section`, like every table of
``config.toml``; every key is optional and an unknown key is an error, so a
typo never silently turns encryption off::

    [share]
    encrypt_to = ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"]  # every bundle
    upload = "https://uploads.example.com/drop"   # used by --upload / upload with no URL given
    expires = "2d"                                # default link lifetime

``encrypt_to`` applies to every ``collect`` that does not say otherwise
(``--no-encrypt``); ``upload`` is only a default: nothing is sent unless
the user asks (``collect --upload``, ``diagbundle upload BUNDLE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from diagbundle.config import config_section, default_config_path
from diagbundle.errors import UsageError

__all__ = ["ShareSettings", "share_settings"]

_KEYS = frozenset({"encrypt_to", "upload", "expires"})


@dataclass(frozen=True)
class ShareSettings:
    """What ``[share]`` says; empty when the file or the table is absent."""

    encrypt_to: tuple[str, ...] = ()
    upload: str | None = None
    expires: str | None = None


def share_settings(path: Path | None = None) -> ShareSettings:
    """Read ``[share]`` from ``path`` (default: the user's config file, if it exists)."""
    table = config_section("share", path, keys=_KEYS)
    where = path or default_config_path()
    recipients = table.get("encrypt_to", [])
    if isinstance(recipients, str):
        recipients = [recipients]
    if not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
        raise UsageError(f"{where}: share.encrypt_to must be a key or a list of keys")
    for key in ("upload", "expires"):
        if table.get(key) is not None and not isinstance(table[key], str):
            raise UsageError(f"{where}: share.{key} must be a string")
    return ShareSettings(tuple(recipients), table.get("upload"), table.get("expires"))
