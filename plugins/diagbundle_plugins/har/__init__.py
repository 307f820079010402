"""The built-in ``har`` plugin: HAR files sanitized so no secret gets through.

``--har PATH`` (repeatable) adds each file as ``har/<name>.har``; the ``har``
format step is also what ``diagbundle redact file.har`` uses. See docs/har.md
for what is scrubbed, what is kept and why.
"""

from __future__ import annotations

from collections.abc import Callable

from diagbundle import CliOption, Collector, Format, Rule, hookimpl
from diagbundle_plugins.har import netlog_collector
from diagbundle_plugins.har.collector import check, collect, plan
from diagbundle_plugins.har.format import HAR_FORMAT
from diagbundle_plugins.har.graphql import GRAPHQL_SYNTAX
from diagbundle_plugins.har.jwt import DEFANGED_JWT
from diagbundle_plugins.har.netlog_collector import NETLOG_FORMAT
from diagbundle_plugins.har.ratelimit import RATE_LIMIT_PAIR
from diagbundle_plugins.har.stream import sanitize_har

__all__ = ["DEFANGED_JWT", "GRAPHQL_SYNTAX", "HAR_FORMAT", "NETLOG_FORMAT", "RATE_LIMIT_PAIR", "sanitize_har"]


@hookimpl
def diagbundle_register_formats(register: Callable[[Format], None]) -> None:
    register(HAR_FORMAT)
    register(NETLOG_FORMAT)


@hookimpl
def diagbundle_register_redaction_rules(register: Callable[[Rule], None]) -> None:
    # The JWTs this plugin defangs are kept by the bundle's text pass (and no other JWT).
    register(DEFANGED_JWT)
    # GraphQL variable declarations and references are kept as syntax (see graphql.py).
    # So are rate-limit counts and durations (see ratelimit.py).
    for rule in (*GRAPHQL_SYNTAX, RATE_LIMIT_PAIR):
        register(rule)


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("har", "HAR files given with --har, sanitized", collect, check=check,
                       plan=plan, max_bytes=None, timeout=600))
    register(Collector("netlog", "Chrome NetLog exports given with --netlog, sanitized",
                       netlog_collector.collect, check=netlog_collector.check, plan=netlog_collector.plan,
                       max_bytes=None, timeout=600))


@hookimpl
def diagbundle_register_options(register: Callable[[CliOption], None]) -> None:
    register(CliOption(("--har",), "har", "include a HAR file, sanitized; repeatable",
                       action="append", metavar="PATH", collector="har"))
    register(CliOption(("--har-keep-bodies",), "har_keep_bodies",
                       "keep JavaScript, HTML and CSS bodies in HAR files (still redacted)",
                       action="store_true"))
    register(CliOption(("--netlog",), "netlog",
                       "include a Chrome NetLog export (chrome://net-export), sanitized; repeatable",
                       action="append", metavar="FILE", collector="netlog"))
    register(CliOption(("--har-discover",), "har_discover",
                       "offer HAR files from the last 24 hours in Downloads, each confirmed",
                       action="store_true"))
