"""The user's (or a vendor's) configuration file: one TOML file, one table per concern.

``config.toml`` in platformdirs' user config folder
(``~/.config/diagbundle/config.toml`` on Linux). Every table is optional; an
unknown table or key is an error, so a typo never silently turns a setting
off::

    [redaction]          # what is redacted: see docs/redaction.md
    [limits]             # the size check: attachment_mb = 25, upload_mb = 20
    [share]              # default encryption recipients and upload destination
    [probe]              # default connectivity probe targets
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import platformdirs

from diagbundle.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

APP = "diagbundle"
#: The tables a config file may have.
SECTIONS = frozenset({"redaction", "limits", "share", "probe"})


def default_config_path() -> Path:
    """Where the user's configuration is read from."""
    return platformdirs.user_config_path(APP) / "config.toml"


def read_config(path: Path | None = None) -> dict[str, Any]:
    """The whole document; ``{}`` when no path is given and the default file does not exist.

    An explicit path must exist. Raises :class:`UsageError` (one line) on
    unreadable TOML, an unknown table or a table that is not a table.
    """
    explicit = path is not None
    path = path if path is not None else default_config_path()
    if not explicit and not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such configuration file") from None
    except OSError as err:
        raise UsageError(f"{path}: {err.strerror or err}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UsageError(f"{path}: not valid TOML: {err}") from None
    unknown = set(data) - SECTIONS
    if unknown:
        raise UsageError(f"{path}: unknown setting(s): {', '.join(sorted(unknown))}")
    for name, value in data.items():
        if not isinstance(value, dict):
            raise UsageError(f"{path}: [{name}] must be a table")
    return dict(data)


def config_section(
    name: str, path: Path | None = None, *, keys: frozenset[str] | None = None
) -> dict[str, Any]:
    """One table of the config (``{}`` if absent); ``keys``, if given, are the only ones allowed."""
    table: dict[str, Any] = dict(read_config(path).get(name, {}))
    if keys is not None:
        unknown = set(table) - keys
        if unknown:
            where = path or default_config_path()
            raise UsageError(f"{where}: unknown [{name}] setting(s): {', '.join(sorted(unknown))}")
    return table
