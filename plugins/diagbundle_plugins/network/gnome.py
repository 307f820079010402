"""GNOME's proxy settings (``org.gnome.system.proxy``), read through ``gsettings``.

GNOME keeps them in dconf's binary database (or, with
``GSETTINGS_BACKEND=keyfile``, in a key file), and the schema supplies every
default; ``gsettings list-recursively`` is the one reader that merges both
the way GNOME applications do. It is run only where GNOME settings can
exist (a dconf database, or a backend chosen in the environment), so other
machines pay no subprocess. ``authentication-password`` lines are dropped
before their value is parsed: the password is never part of the result, so
it cannot reach the redactor, let alone the bundle.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from diagbundle_plugins.network.proxy import Mode, ProxySource, clean, proxy_url

SCHEMA = "org.gnome.system.proxy"
#: Keys never kept, whatever their value.
DROPPED = frozenset({"authentication-password"})
TIMEOUT = 3.0


def available(environ: Mapping[str, str] | None = None) -> bool:
    """Whether GNOME proxy settings can exist here, without running anything."""
    env = os.environ if environ is None else environ
    if shutil.which("gsettings", path=env.get("PATH")) is None:
        return False
    if env.get("GSETTINGS_BACKEND"):
        return True
    config = Path(env.get("XDG_CONFIG_HOME") or Path(env.get("HOME", "~"), ".config")).expanduser()
    return (config / "dconf" / "user").exists()


def parse_value(text: str) -> Any:
    """A GVariant text value (``'proxy.corp'``, ``3128``, ``true``, ``['a', 'b']``, ``@as []``)."""
    text = text.strip()
    if text.startswith("@"):  # a type annotation: "@as []"
        text = text.split(" ", 1)[1] if " " in text else ""
    if text in ("true", "false"):
        return text == "true"
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse(output: str) -> dict[str, dict[str, Any]]:
    """``gsettings list-recursively`` output as ``{schema: {key: value}}``, secrets dropped."""
    settings: dict[str, dict[str, Any]] = {}
    for line in output.splitlines():
        schema, _, rest = line.partition(" ")
        key, _, value = rest.partition(" ")
        if not schema.startswith(SCHEMA) or not key or key in DROPPED:
            continue
        settings.setdefault(schema, {})[key] = parse_value(value)
    return settings


def to_source(settings: Mapping[str, Mapping[str, Any]]) -> ProxySource:
    """The GNOME settings as a :class:`ProxySource` (GNOME's own meaning of each key)."""
    top = settings.get(SCHEMA, {})
    mode_name = str(top.get("mode", "none"))
    proxies: dict[str, str] = {}
    credentials = False
    for scheme in ("http", "https", "ftp", "socks"):
        sub = settings.get(f"{SCHEMA}.{scheme}", {})
        host = str(sub.get("host") or "")
        if not host:
            continue
        host, had = clean(host)
        credentials |= had
        port = sub.get("port") or 0
        proxies[scheme] = proxy_url(scheme, host, port)
    http = settings.get(f"{SCHEMA}.http", {})
    if http.get("use-authentication") or http.get("authentication-user"):
        credentials = True
    pac, had = clean(str(top.get("autoconfig-url") or ""))
    credentials |= had
    ignore = top.get("ignore-hosts") or []
    mode: Mode = ("manual" if mode_name == "manual" else
                  ("pac" if pac else "auto-detect") if mode_name == "auto" else "none")
    return ProxySource(
        "gnome", f"gsettings {SCHEMA}", mode,
        proxies if mode == "manual" else {},
        [str(h) for h in ignore] if isinstance(ignore, list) else [],
        pac_url=pac or None, auto_detect=mode == "auto-detect", credentials=credentials,
        details={"mode": mode_name, "configured_but_unused": proxies if mode != "manual" else {}})


def read(environ: Mapping[str, str] | None = None, timeout: float = TIMEOUT) -> ProxySource | None:
    """GNOME's proxy settings, or None where GNOME settings cannot exist."""
    if not available(environ):
        return None
    env = dict(os.environ if environ is None else environ)
    try:
        done = subprocess.run(["gsettings", "list-recursively", SCHEMA], capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=timeout, env=env, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        return ProxySource("gnome", f"gsettings {SCHEMA}", "error", error=f"gsettings: {err}")
    if done.returncode != 0:
        first = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
        if first and "No such schema" in first[0]:
            return None
        return ProxySource("gnome", f"gsettings {SCHEMA}", "error",
                           error=f"gsettings exited {done.returncode}: {' '.join(first)}")
    return to_source(parse(done.stdout.decode("utf-8", "replace")))
