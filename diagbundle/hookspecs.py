"""The plugin contract: every hook diagbundle calls, in one place.

Each hook receives a ``register`` callback and calls it once per object it
contributes, so a plugin can add as many collectors, rules, formats or options
as it likes (the ``llm`` pattern). Hooks are called plugin by plugin: an
exception in one plugin's hook marks that plugin as failed and the others go
on. Hook names start with ``diagbundle_`` so they are easy to grep.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from diagbundle.redaction import Rule
    from diagbundle.types import CliOption, Collector, Format, TicketField, Uploader

hookspec = pluggy.HookspecMarker("diagbundle")
hookimpl = pluggy.HookimplMarker("diagbundle")


@hookspec
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    """Register collectors; called once when the plugin manager is built.

    Collector names must be unique across all plugins; a duplicate is
    refused and reported against the plugin that tried to add it.

    Example::

        from diagbundle import Collector, Context, hookimpl

        def collect_motd(ctx: Context) -> None:
            ctx.add_file("motd.txt", "/etc/motd")

        @hookimpl
        def diagbundle_register_collectors(register):
            register(Collector("motd", "The message of the day", collect_motd))
    """


@hookspec
def diagbundle_register_redaction_rules(register: Callable[[Rule], None]) -> None:
    """Register extra redaction rules; called when a bundle's redactor is built.

    Rules apply to every text byte of every bundle, so keep patterns tight.
    A rule of ``kind="keep"`` replaces nothing: it vouches for text the
    plugin's own format step wrote (the HAR plugin's defanged JWTs), so the
    text pass drops any match lying wholly inside it. Its ``validate`` must
    check the value, not trust it: the same text can come from anywhere.

    Example::

        from diagbundle import Rule, hookimpl

        @hookimpl
        def diagbundle_register_redaction_rules(register):
            register(Rule("acme-key", r"\\bacme_[A-Za-z0-9]{32}\\b"))
            register(Rule("acme-sample", r"\\bacme_sample_[0-9]+\\b", kind="keep"))
    """


@hookspec
def diagbundle_register_formats(register: Callable[[Format], None]) -> None:
    """Register format-aware redaction steps (HAR, images, ...).

    ``diagbundle redact`` and attached files are offered to each format's
    ``detect`` in registration order; the first that accepts sanitizes.

    Example::

        from diagbundle import Format, FormatError, hookimpl

        def detect(name, head):
            return name.endswith(".ini")

        def sanitize(source, job):
            for line in source:
                key, sep, value = line.partition(b"=")
                if sep:
                    job.counts["ini-value"] += 1
                yield key + sep + (b"[REDACTED:ini]\\n" if sep else b"")

        @hookimpl
        def diagbundle_register_formats(register):
            register(Format("ini", "INI files, values dropped", detect, sanitize))
    """


@hookspec
def diagbundle_register_options(register: Callable[[CliOption], None]) -> None:
    """Register options for ``diagbundle collect`` and ``diagbundle.collect()``.

    Values reach collectors as ``ctx.options[dest]``.

    Example::

        from diagbundle import CliOption, hookimpl

        @hookimpl
        def diagbundle_register_options(register):
            register(CliOption(("--motd-path",), "motd_path", "where to read the MOTD",
                               default="/etc/motd"))
    """


@hookspec
def diagbundle_register_ticket_fields(register: Callable[[TicketField], None]) -> None:
    """Register fields of the ticket: what support needs the user to say.

    Each field becomes a ``diagbundle collect`` option and a keyword of
    ``diagbundle.collect()``, is asked for on a terminal when it has
    ``prompt=True`` and is missing, is checked against its ``pattern`` and
    ``required``, and is written to ``ticket/ticket.json`` and the top of
    summary.md. Names must be unique across plugins.

    Example::

        from diagbundle import TicketField, hookimpl

        @hookimpl
        def diagbundle_register_ticket_fields(register):
            register(TicketField("gpt-id", "Custom GPT ID", pattern=r"g-[A-Za-z0-9]{9}",
                                 identifying=True, prompt=True))
    """


@hookspec
def diagbundle_register_uploaders(register: Callable[[Uploader], None]) -> None:
    """Register uploaders, each for one or more URL schemes; called when the manager gathers.

    ``diagbundle upload BUNDLE --to URL`` and ``diagbundle.upload()`` pick the
    uploader registered for the URL's scheme (``s3`` for ``s3://...``). A
    scheme taken by an earlier plugin is refused for the later one. The
    uploader only runs when the user asked for an upload and confirmed it.

    Example::

        import shutil
        from pathlib import Path
        from diagbundle import UploadError, UploadJob, UploadResult, Uploader, hookimpl

        def upload(job: UploadJob) -> UploadResult:
            folder = Path("/mnt/acme-drop")
            if not folder.is_dir():
                raise UploadError("the Acme drop folder is not mounted")
            shutil.copyfile(job.path, folder / job.path.name)
            return UploadResult(f"acme-drop:{job.path.name}", None, job.size, job.sha256)

        @hookimpl
        def diagbundle_register_uploaders(register):
            register(Uploader("acme-drop", ("acme-drop",), "Acme's drop folder", upload))
    """
