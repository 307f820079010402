"""Environment variables: every name, values only for an allowlist.

Values of other variables are never read into the bundle: they are where
tokens and passwords live. Allowed values still pass through the redactor;
proxy URLs lose their credentials here first, and paths show ``~``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from diagbundle import strip_userinfo
from diagbundle_plugins.environment.paths import tilde_list

#: Variables whose value is kept as is (after redaction).
PLAIN = frozenset({
    "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LC_NUMERIC", "LC_TIME",
    "LC_COLLATE", "LC_MONETARY", "TZ", "TERM", "TERM_PROGRAM", "TERM_PROGRAM_VERSION",
    "COLORTERM", "DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "XDG_CURRENT_DESKTOP",
    "XDG_SESSION_DESKTOP", "DESKTOP_SESSION", "PYTHONIOENCODING", "PYTHONUTF8",
    "PYTHONDONTWRITEBYTECODE", "PYTHONHASHSEED", "CONDA_DEFAULT_ENV", "PROCESSOR_ARCHITECTURE",
    "PROCESSOR_IDENTIFIER", "NUMBER_OF_PROCESSORS", "OS", "container", "CI",
    "PIP_DISABLE_PIP_VERSION_CHECK", "PIP_DEFAULT_TIMEOUT", "WSL_DISTRO_NAME",
})

#: Variables holding one path or a list of paths: kept with the home folder as ``~``.
PATHS = frozenset({
    "PATH", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CONDA_PREFIX", "SHELL", "COMSPEC",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
    "PIP_CERT", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_DIRS",
    "XDG_DATA_DIRS", "TMPDIR", "TEMP", "TMP",
})

#: Proxy variables (any case): kept with any user:password replaced by
#: ``[REDACTED:userinfo]`` (see :func:`diagbundle.strip_userinfo`).
PROXIES = frozenset({"http_proxy", "https_proxy", "ftp_proxy", "all_proxy", "no_proxy",
                     "socks_proxy"})

def variables(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``environment_variables`` section: all names, allowlisted values."""
    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    credentials_removed: list[str] = []
    for name in sorted(env):
        value = env[name]
        if name in PLAIN:
            values[name] = value
        elif name in PATHS:
            values[name] = tilde_list(value)
        elif name.lower() in PROXIES:
            cleaned = strip_userinfo(value)
            values[name] = cleaned
            if cleaned != value:
                credentials_removed.append(name)
    return {"names": sorted(env), "values": values,
            "proxy_credentials_removed": credentials_removed}
