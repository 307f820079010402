"""The redactor a bundle uses: built-in rules, plugin rules, the user's config, the CLI.

The user's configuration lives in ``config.toml`` in platformdirs' user
config folder (``~/.config/diagbundle/config.toml`` on Linux). Every key is
optional; an unknown key is an error, so a typo never silently turns a rule
off::

    [redaction]
    allow = ["build-bot@example.com"]        # values never replaced (exact)
    allow_patterns = ['10\\.0\\.0\\.\\d+']      # values never replaced (full-match regex)
    username = true                          # true: the current user; false: off; or a name
    hostname = "build-box.example.com"       # likewise

    [redaction.pii]                          # PII kinds; phone is off by default
    email = true
    ip = true
    mac = true
    user = true
    host = true
    phone = false

    [[redaction.rules]]                      # extra rules, as many as you like
    name = "acme-key"                        # a-z, 0-9, '_', '.', '-'
    pattern = 'acme_[0-9a-f]{32}'            # a Python regular expression
    kind = "secret"                          # "secret" (the default) or "pii"
    group = 0                                # the group to replace (number or name)
    ignore_case = false
    trigger = "acme_"                        # optional: see docs/redaction.md
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from diagbundle.config import default_config_path, read_config
from diagbundle.errors import UsageError
from diagbundle.redaction.engine import Redactor
from diagbundle.redaction.rule import Rule
from diagbundle.redaction.rules import DEFAULT_PII, PII_KINDS

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover - Python 3.10
    pass

_KEYS = {"allow", "allow_patterns", "username", "hostname", "pii", "rules", "mapping_days"}
_RULE_KEYS = {"name", "pattern", "kind", "group", "ignore_case", "trigger", "label"}


def build_redactor(
    extra_rules: Iterable[Rule] = (),
    patterns: Iterable[str] = (),
    allow: Iterable[str] = (),
    *,
    config_path: Path | None = None,
    key: bytes | None = None,
) -> Redactor:
    """The redactor for one bundle.

    ``extra_rules`` come from plugins, ``patterns`` from ``--redact-pattern``
    (a named group ``secret`` is replaced if there is one, else the whole
    match), ``allow`` from the command line; the user's config file adds its
    own. ``config_path=None`` reads the default location if the file exists;
    an explicit path must exist. Raises :class:`UsageError` (one line) on a
    bad config or pattern.
    """
    explicit = config_path is not None
    path = config_path if config_path is not None else default_config_path()
    settings = _read(path) if explicit or path.is_file() else {}
    pii = dict.fromkeys(DEFAULT_PII, True)
    for kind, enabled in _table(settings, "pii", path).items():
        if kind not in PII_KINDS or not isinstance(enabled, bool):
            raise UsageError(f"{path}: [redaction.pii] {kind} must be one of "
                             f"{', '.join(sorted(PII_KINDS))} set to true or false")
        pii[kind] = enabled
    added = [*_config_rules(settings, path), *extra_rules,
             *(pattern_rule(pattern, number) for number, pattern in enumerate(patterns, 1))]
    for rule in added:
        if not isinstance(rule, Rule):
            raise TypeError(f"a redaction rule must be a Rule, got {type(rule).__name__}")
    try:
        return Redactor(
            key=key,
            pii=[kind for kind, enabled in pii.items() if enabled],
            allow=[*_strings(settings, "allow", path), *allow],
            allow_patterns=_strings(settings, "allow_patterns", path),
            username=_name_setting(settings, "username", path),
            hostname=_name_setting(settings, "hostname", path),
            extra_rules=added,
        )
    except ValueError as err:
        raise UsageError(f"{path}: {err}") from err


def pattern_rule(pattern: str, number: int) -> Rule:
    """The rule for one ``--redact-pattern``: ``custom-N``, a secret."""
    try:
        compiled = re.compile(pattern)
    except re.error as err:
        raise UsageError(f"--redact-pattern {pattern!r}: {err}") from err
    if compiled.search("") is not None:
        raise UsageError(f"--redact-pattern {pattern!r}: matches the empty string")
    group: int | str = "secret" if "secret" in compiled.groupindex else 0
    return Rule(f"custom-{number}", pattern, group=group)


def _read(path: Path) -> dict[str, Any]:
    section: dict[str, Any] = dict(read_config(path).get("redaction", {}))
    unknown = set(section) - _KEYS
    if unknown:
        raise UsageError(f"{path}: unknown [redaction] setting(s): {', '.join(sorted(unknown))}")
    return section


def _table(settings: Mapping[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = settings.get(key, {})
    if not isinstance(value, dict):
        raise UsageError(f"{path}: [redaction.{key}] must be a table")
    return value


def _strings(settings: Mapping[str, Any], key: str, path: Path) -> list[str]:
    value = settings.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{path}: redaction.{key} must be a list of strings")
    return value


def _name_setting(settings: Mapping[str, Any], key: str, path: Path) -> str | bool | None:
    value = settings.get(key)
    if value is None or isinstance(value, (bool, str)):
        return value
    raise UsageError(f"{path}: redaction.{key} must be true, false or a name")


def _config_rules(settings: Mapping[str, Any], path: Path) -> list[Rule]:
    rules = settings.get("rules", [])
    if not isinstance(rules, list):
        raise UsageError(f"{path}: [[redaction.rules]] must be an array of tables")
    out = []
    for index, spec in enumerate(rules, 1):
        where = f"{path}: rule {index}"
        if not isinstance(spec, dict):
            raise UsageError(f"{where}: must be a table")
        unknown = set(spec) - _RULE_KEYS
        if unknown:
            raise UsageError(f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
        if not isinstance(spec.get("name"), str) or not isinstance(spec.get("pattern"), str):
            raise UsageError(f"{where}: needs a name and a pattern (strings)")
        try:
            out.append(Rule(
                spec["name"],
                spec["pattern"],
                kind=spec.get("kind", "secret"),
                group=spec.get("group", 0),
                flags=re.IGNORECASE if spec.get("ignore_case") else 0,
                trigger=spec.get("trigger"),
                label=spec.get("label"),
            ))
        except (ValueError, TypeError) as err:
            raise UsageError(f"{where}: {err}") from None
    return out
