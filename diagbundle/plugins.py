"""The plugin manager: built-in plugins from a list, others from entry points.

pluggy stops a hook call at the first exception, and its own entry-point
loader gives up at the first broken plugin; both are avoided here. Entry
points are loaded one by one and each plugin's hooks are called one by one,
so a broken plugin becomes a line in ``diagbundle plugins`` and the manifest,
never a crash. ``DIAGBUNDLE_STRICT_PLUGINS=1`` re-raises instead, for plugin
authors. ``DIAGBUNDLE_LOAD_PLUGINS`` chooses which third-party plugins load:
empty for none, or a comma-separated list of entry-point names.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import Any, Literal

import pluggy

from diagbundle import hookspecs
from diagbundle.names import COLLECTOR_NAME
from diagbundle.redaction import Rule
from diagbundle.types import CliOption, Collector, Format, TicketField, Uploader

ENTRY_POINT_GROUP = "diagbundle"

#: Built-in plugins, loaded by the same path as third-party ones.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "diagbundle_plugins.environment",
    "diagbundle_plugins.browsers",
    "diagbundle_plugins.network",
    "diagbundle_plugins.connectivity",
    "diagbundle_plugins.har",
    "diagbundle_plugins.attachments",
    "diagbundle_plugins.ticket",
    "diagbundle_plugins.screenshots",
    "diagbundle_plugins.uploaders",
)


class PluginWarning(UserWarning):
    """A plugin failed to load or register; the rest carry on."""


@dataclass
class PluginInfo:
    """What ``diagbundle plugins`` shows for one plugin."""

    name: str
    source: Literal["built-in", "entry point", "registered"]
    version: str | None = None
    distribution: str | None = None
    status: Literal["ok", "failed", "disabled"] = "ok"
    error: str | None = None
    collectors: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    ticket_fields: list[str] = field(default_factory=list)
    uploaders: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "distribution": self.distribution,
            "source": self.source,
            "status": self.status,
            "error": self.error,
            "collectors": self.collectors,
            "formats": self.formats,
            "options": self.options,
            "rules": self.rules,
            "ticket_fields": self.ticket_fields,
            "uploaders": self.uploaders,
        }


def strict() -> bool:
    return os.environ.get("DIAGBUNDLE_STRICT_PLUGINS", "") not in ("", "0")


class PluginManager:
    """Loads plugins and gathers what they register, isolating each one."""

    def __init__(self, *, builtins: Iterable[str] = DEFAULT_PLUGINS, autoload: bool = True) -> None:
        self.pm = pluggy.PluginManager("diagbundle")
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        self._gathered = False
        self.collectors: dict[str, Collector] = {}
        self.formats: list[Format] = []
        self.options: list[CliOption] = []
        self.rules: list[Rule] = []
        self.ticket_fields: list[TicketField] = []
        #: Uploaders by URL scheme (one uploader may serve several schemes).
        self.uploaders: dict[str, Uploader] = {}
        for module_name in builtins:
            short = module_name.rpartition(".")[2]
            self._load(short, "built-in", functools.partial(importlib.import_module, module_name))
        if autoload:
            self._load_entry_points()

    # -- loading ------------------------------------------------------------
    def register(self, plugin: object, name: str | None = None) -> PluginInfo:
        """Register a plugin object (a module or any object with hookimpls)."""
        name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
        return self._load(name, "registered", lambda: plugin)

    def _load_entry_points(self) -> None:
        wanted_env = os.environ.get("DIAGBUNDLE_LOAD_PLUGINS")
        wanted = None if wanted_env is None else {n.strip() for n in wanted_env.split(",") if n.strip()}
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            dist = getattr(ep, "dist", None)
            if wanted is not None and ep.name not in wanted:
                self._record(
                    PluginInfo(
                        ep.name,
                        "entry point",
                        _version(dist),
                        _dist_name(dist),
                        status="disabled",
                        error="not listed in DIAGBUNDLE_LOAD_PLUGINS",
                    )
                )
                continue
            self._load(ep.name, "entry point", ep.load, dist)

    def _load(
        self,
        name: str,
        source: Literal["built-in", "entry point", "registered"],
        loader: Callable[[], object],
        dist: metadata.Distribution | None = None,
    ) -> PluginInfo:
        info = PluginInfo(name, source, _version(dist), _dist_name(dist))
        if source == "built-in":
            from diagbundle import __version__

            info.version, info.distribution = __version__, "diagbundle"
        self._record(info)
        if self.pm.has_plugin(name):
            return self._fail(info, f"a plugin named {name!r} is already registered")
        try:
            plugin = loader()
            self.pm.register(plugin, name=name)
            self.pm.check_pending()
        except Exception as err:
            if self.pm.has_plugin(name):
                self.pm.unregister(name=name)
            return self._fail(info, f"{type(err).__name__}: {err}", err)
        if isinstance(plugin, ModuleType) and info.version is None:
            info.version = getattr(plugin, "__version__", None)
        self._gathered = False
        return info

    def _record(self, info: PluginInfo) -> None:
        """Keep ``info`` for ``diagbundle plugins`` without displacing a plugin of the same name.

        The key is the pluggy name for a plugin that loads; a second plugin
        claiming a taken name (an entry point called like a built-in) is kept
        under a suffixed key, so it is listed as failed or disabled while the
        first one keeps working.
        """
        key, n = info.name, 1
        while key in self.infos:
            n += 1
            key = f"{info.name}#{n}"
        self.infos[key] = info

    def _fail(self, info: PluginInfo, message: str, err: Exception | None = None) -> PluginInfo:
        # pluggy's messages span lines (the useful part is on the last ones): keep them all, on one line.
        info.status, info.error = "failed", " ".join(message.split()) or "failed"
        if strict():
            raise err or RuntimeError(message)
        hint = ""
        if info.distribution:
            hint = f" (to remove it: pip uninstall {info.distribution})"
        warnings.warn(
            f"diagbundle plugin {info.name!r} failed: {info.error}{hint}", PluginWarning, stacklevel=3
        )
        return info

    # -- gathering -----------------------------------------------------------
    def gather(self) -> None:
        """Call every registration hook, plugin by plugin."""
        if self._gathered:
            return
        self.collectors, self.formats, self.options, self.rules = {}, [], [], []
        self.ticket_fields = []
        self.uploaders = {}
        for info in self.infos.values():
            info.collectors, info.formats, info.options, info.rules = [], [], [], []
            info.ticket_fields = []
            info.uploaders = []
        self._call("diagbundle_register_collectors", self._add_collector)
        self._call("diagbundle_register_formats", self._add_format)
        self._call("diagbundle_register_options", self._add_option)
        self._call("diagbundle_register_redaction_rules", self._add_rule)
        self._call("diagbundle_register_ticket_fields", self._add_ticket_field)
        self._call("diagbundle_register_uploaders", self._add_uploader)
        self._gathered = True

    def _call(self, hook_name: str, add: Callable[[PluginInfo, Any], None]) -> None:
        caller = getattr(self.pm.hook, hook_name)
        # get_hookimpls() lists implementations in registration order.
        for impl in caller.get_hookimpls():
            info = self.infos.get(impl.plugin_name)
            if info is None or info.status != "ok":
                continue
            try:
                impl.function(register=lambda obj, i=info: add(i, obj))
            except Exception as err:
                self._fail(info, f"{hook_name}: {type(err).__name__}: {err}", err)
                self._drop(info)

    def _drop(self, info: PluginInfo) -> None:
        """Forget everything a plugin registered before it failed."""
        for name in info.collectors:
            self.collectors.pop(name, None)
        self.formats = [f for f in self.formats if f.name not in info.formats]
        self.options = [o for o in self.options if o.name not in info.options]
        self.rules = [r for r in self.rules if r.name not in info.rules]
        self.uploaders = {s: u for s, u in self.uploaders.items() if u.name not in info.uploaders}
        dropped = {f"ticket:{n}" for n in info.ticket_fields}
        self.options = [o for o in self.options if o.name not in dropped]
        self.ticket_fields = [f for f in self.ticket_fields if f.name not in info.ticket_fields]
        info.collectors, info.formats, info.options, info.rules = [], [], [], []
        info.ticket_fields = []
        info.uploaders = []

    def _add_collector(self, info: PluginInfo, collector: Collector) -> None:
        if not isinstance(collector, Collector):
            raise TypeError(f"register() expects a Collector, got {type(collector).__name__}")
        if not COLLECTOR_NAME.match(collector.name):
            raise ValueError(f"invalid collector name {collector.name!r} (use a-z, 0-9, - and _)")
        if collector.name in self.collectors:
            raise ValueError(f"collector {collector.name!r} is already registered")
        self.collectors[collector.name] = collector
        info.collectors.append(collector.name)

    def _add_format(self, info: PluginInfo, fmt: Format) -> None:
        if not isinstance(fmt, Format):
            raise TypeError(f"register() expects a Format, got {type(fmt).__name__}")
        if any(f.name == fmt.name for f in self.formats):
            raise ValueError(f"format {fmt.name!r} is already registered")
        self.formats.append(fmt)
        info.formats.append(fmt.name)

    def _add_option(self, info: PluginInfo, option: CliOption) -> None:
        if not isinstance(option, CliOption):
            raise TypeError(f"register() expects a CliOption, got {type(option).__name__}")
        taken = {f for o in self.options for f in o.flags} | {o.dest for o in self.options}
        if taken & (set(option.flags) | {option.dest}) or option.dest in RESERVED_DESTS:
            raise ValueError(f"option {option.flags[0]} clashes with an existing option")
        self.options.append(option)
        info.options.append(option.name)

    def _add_ticket_field(self, info: PluginInfo, ticket_field: TicketField) -> None:
        """A ticket field, and the option that gives it (refused on a clash, like any option)."""
        if not isinstance(ticket_field, TicketField):
            raise TypeError(f"register() expects a TicketField, got {type(ticket_field).__name__}")
        if not COLLECTOR_NAME.match(ticket_field.name):
            raise ValueError(f"invalid ticket field name {ticket_field.name!r} (use a-z, 0-9, - and _)")
        if ticket_field.pattern is not None:
            re.compile(ticket_field.pattern)
        self._add_option(info, ticket_field.option())
        info.options.remove(ticket_field.option().name)
        self.ticket_fields.append(ticket_field)
        info.ticket_fields.append(ticket_field.name)

    def _add_rule(self, info: PluginInfo, rule: Rule) -> None:
        if not isinstance(rule, Rule):
            raise TypeError(f"register() expects a Rule, got {type(rule).__name__}")
        self.rules.append(rule)
        info.rules.append(rule.name)

    def _add_uploader(self, info: PluginInfo, uploader: Uploader) -> None:
        if not isinstance(uploader, Uploader):
            raise TypeError(f"register() expects an Uploader, got {type(uploader).__name__}")
        if not uploader.schemes:
            raise ValueError(f"uploader {uploader.name!r} names no URL scheme")
        for scheme in uploader.schemes:
            if not URL_SCHEME.match(scheme):
                raise ValueError(f"uploader {uploader.name!r}: invalid URL scheme {scheme!r}")
            if scheme.lower() in self.uploaders:
                raise ValueError(f"URL scheme {scheme!r} already has an uploader "
                                 f"({self.uploaders[scheme.lower()].name})")
        if any(u.name == uploader.name for u in self.uploaders.values()):
            raise ValueError(f"uploader {uploader.name!r} is already registered")
        for scheme in uploader.schemes:
            self.uploaders[scheme.lower()] = uploader
        info.uploaders.append(uploader.name)


#: RFC 3986 scheme syntax (``tus+https`` included).
URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")

#: Keyword arguments of diagbundle.collect() that plugin options may not take.
RESERVED_DESTS = frozenset(
    {
        "output", "only", "skip", "timeout", "yes", "json", "dry_run", "offline", "manager",
        "keep_mapping", "progress", "redact_patterns", "argv",
    }
)


def _version(dist: metadata.Distribution | None) -> str | None:
    return dist.version if dist is not None else None


def _dist_name(dist: metadata.Distribution | None) -> str | None:
    return dist.metadata["Name"] if dist is not None else None


def load_plugins_for_cli() -> PluginManager:
    """A gathered manager whose plugin failures are printed as one-line warnings.

    Commands use this so a broken plugin is a ``warning:`` line on stderr
    (with an uninstall hint), never a traceback.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PluginWarning)
        manager = PluginManager()
        manager.gather()
    for warning in caught:
        if issubclass(warning.category, PluginWarning):
            sys.stderr.write(f"warning: {warning.message}\n")
    return manager
