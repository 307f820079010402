"""``[share]`` in the user's config file: a vendor's default recipients and upload destination.

The same ``config.toml`` as ``[redaction]`` (see
:mod:`diagbundle.redaction.config`); every key is optional and an unknown
key is an error, so a typo never silently turns encryption off::

    [share]
    encrypt_to = ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"]  # every bundle
    upload = "https://uploads.example.com/drop"   # used by --upload / upload with no URL given
    expires = "2d"                                # default link lifetime

``encrypt_to`` applies to every ``collect`` that does not say otherwise
(``--no-encrypt``); ``upload`` is only a default: nothing is sent unless
the user asks (``collect --upload``, ``diagbundle upload BUNDLE``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from diagbundle.errors import UsageError
from diagbundle.redaction.config import default_config_path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["ShareSettings", "share_settings"]

_KEYS = {"encrypt_to", "upload", "expires"}


@dataclass(frozen=True)
class ShareSettings:
    """What ``[share]`` says; empty when the file or the table is absent."""

    encrypt_to: tuple[str, ...] = ()
    upload: str | None = None
    expires: str | None = None


def share_settings(path: Path | None = None) -> ShareSettings:
    """Read ``[share]`` from ``path`` (default: the user's config file, if it exists)."""
    path = path if path is not None else default_config_path()
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ShareSettings()
    except OSError as err:
        raise UsageError(f"{path}: {err.strerror or err}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UsageError(f"{path}: not valid TOML: {err}") from None
    section = data.get("share", {})
    if not isinstance(section, dict):
        raise UsageError(f"{path}: [share] must be a table")
    unknown = set(section) - _KEYS
    if unknown:
        raise UsageError(f"{path}: unknown [share] setting(s): {', '.join(sorted(unknown))}")
    recipients = section.get("encrypt_to", [])
    if isinstance(recipients, str):
        recipients = [recipients]
    if not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
        raise UsageError(f"{path}: share.encrypt_to must be a key or a list of keys")
    for key in ("upload", "expires"):
        if section.get(key) is not None and not isinstance(section[key], str):
            raise UsageError(f"{path}: share.{key} must be a string")
    return ShareSettings(tuple(recipients), section.get("upload"), section.get("expires"))
