"""Reading one Windows registry key's values in-process (``winreg``).

Returns None everywhere else, so callers need no platform checks of their own.
"""

from __future__ import annotations

import sys
from typing import Any


def read_values(hive: str, key: str) -> dict[str, Any] | None:
    """All values of ``hive\\key`` (``hive`` is ``HKLM`` or ``HKCU``), or None if absent."""
    if sys.platform != "win32":
        return None
    import winreg

    root = winreg.HKEY_LOCAL_MACHINE if hive == "HKLM" else winreg.HKEY_CURRENT_USER
    try:
        handle = winreg.OpenKey(root, key)
    except OSError:
        return None
    values: dict[str, Any] = {}
    with handle:
        index = 0
        while True:
            try:
                name, data, _kind = winreg.EnumValue(handle, index)
            except OSError:
                break
            values[name] = data
            index += 1
    return values
