"""The objects plugins register: collectors, formats, CLI options and uploaders.

They are frozen dataclasses so a registered object cannot change under the
runner's feet, and each carries a ``name`` so duplicates can be refused.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from diagbundle.context import Context
    from diagbundle.redaction.view import RedactionView
    from diagbundle.review import Prompt


#: What one collector may produce itself unless it says otherwise (files it
#: adds by path are not staged, so they count only when written).
DEFAULT_MAX_BYTES = 64 << 20


@dataclass(frozen=True)
class Collector:
    """Something that puts files into the bundle.

    ``collect`` receives a :class:`~diagbundle.context.Context`, the only way
    to add bytes. ``check`` runs first, serially, before anything is written:
    it returns a reason to skip (``"no display"``) or ``None`` to run, and may
    raise :class:`~diagbundle.errors.UsageError` to stop the whole run (a
    missing ``--attach`` file); what it finds can go to ``collect`` through
    ``ctx.state``. ``plan`` lists the sources the collector would read, for
    ``--dry-run``. ``review(ctx, prompt)`` runs after every collector is done
    and before anything is written: it may show the user what was found and
    ask (keep or drop each screenshot), through :class:`~diagbundle.review.Prompt`,
    which answers with the defaults when nobody can be asked. ``timeout``
    overrides ``--timeout`` for this collector; ``max_bytes`` is its size
    budget in bytes of content (``None``: unlimited, for collectors that only
    add files the user chose).
    """

    name: str
    description: str
    collect: Callable[[Context], None]
    check: Callable[[Context], str | None] | None = None
    plan: Callable[[Context], list[str]] | None = None
    timeout: float | None = None
    max_bytes: int | None = DEFAULT_MAX_BYTES
    needs_network: bool = False
    review: Callable[[Context, Prompt], None] | None = None


@dataclass
class FormatJob:
    """What a format step receives besides its input.

    ``counts`` is where the step counts what it scrubbed (counts only, never
    values). ``options`` holds the run's option values by ``dest`` (empty
    for ``diagbundle redact``), so a step can honour its plugin's options.
    ``report`` is the step's way back to the collector that asked (passed
    to ``Context.add_file(..., report=...)``): request IDs found, entries
    seen, anything worth a line in summary.md.
    """

    redactor: RedactionView
    counts: Counter[str] = field(default_factory=Counter)
    options: Mapping[str, Any] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Format:
    """A format-aware redaction step (HAR, images, ...).

    ``detect(name, head)`` sees the file name and up to the first 64 KiB.
    ``sanitize(source, job)`` reads the whole input and yields the sanitized
    bytes, as it makes them if it can; it raises
    :class:`~diagbundle.errors.FormatError` to fail closed, even after some
    output: the core keeps a step's output only once the step has finished.
    ``text`` says whether the output is text that still goes through the
    global redactor afterwards (it does for HAR; images are binary and are
    handled entirely by their step).
    """

    name: str
    description: str
    detect: Callable[[str, bytes], bool]
    sanitize: Callable[[IO[bytes], FormatJob], Iterator[bytes]]
    media_type: str = "application/octet-stream"
    text: bool = True


@dataclass(frozen=True)
class CliOption:
    """An option a plugin adds to ``diagbundle collect`` and ``collect()``.

    ``dest`` is the keyword of :func:`diagbundle.collect` and the key in
    ``Context.options``. ``action`` is ``"store"`` (one value), ``"append"``
    (repeatable) or ``"store_true"`` (a flag). ``const`` makes the value of a
    ``"store"`` option optional: ``--capture-screen`` alone gives ``const``,
    ``--capture-screen 2`` gives ``"2"``, and leaving it out gives ``default``.
    ``collector`` names the collector the option feeds: giving the option
    while that collector is not selected (``--only environment --attach x``)
    is a usage error, since the user's input would silently stay out.
    """

    flags: tuple[str, ...]
    dest: str
    help: str
    action: Literal["store", "append", "store_true"] = "store"
    metavar: str | None = None
    default: Any = None
    name: str = ""
    const: Any = None
    collector: str | None = None

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.dest)


@dataclass(frozen=True)
class TicketField:
    """One thing the user tells support, as an option, a prompt and a key of ``ticket/ticket.json``.

    The built-in fields (problem, steps, when, e-mail, case id ...) are
    registered this way, and so are a vendor's own ("custom GPT ID",
    "project ID"). ``name`` gives the option (``--project-id``) and the
    keyword of :func:`diagbundle.collect` (``project_id``). ``pattern`` is a
    full-match regular expression the value must satisfy; ``required``
    fields must be given (or answered at the prompt); ``prompt`` asks for
    the field on a terminal when it is missing; ``identifying`` values (an
    e-mail, a case id: typed on purpose so support can find the account)
    stay readable in the ticket and are pseudonymised everywhere else;
    ``repeatable`` takes the option more than once; ``text_file`` accepts
    ``@FILE`` for a long text.
    """

    name: str
    label: str
    help: str = ""
    pattern: str | None = None
    required: bool = False
    prompt: bool = False
    identifying: bool = False
    repeatable: bool = False
    text_file: bool = False

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")

    def option(self) -> CliOption:
        """The ``diagbundle collect`` option this field gives the user."""
        more = " (TEXT or @FILE)" if self.text_file else ""
        return CliOption((f"--{self.name}",), self.dest, (self.help or self.label) + more,
                         action="append" if self.repeatable else "store",
                         metavar="TEXT" if self.text_file else "VALUE", collector="ticket",
                         name=f"ticket:{self.name}")


@dataclass(frozen=True)
class UploadJob:
    """What an uploader receives: one finished bundle file and where it should go.

    ``url`` is the destination exactly as given (``s3://bucket/key``,
    ``https://...?X-Amz-Signature=...``); ``size`` and ``sha256`` describe
    ``path`` and must be what arrives. ``expires`` is the link lifetime asked
    for, in seconds (``None``: the uploader's default). ``link`` is a view
    link the user already has (``--link``). ``state_path`` is where a
    resumable uploader keeps its state between runs (beside the bundle,
    mode 0600); ``progress(sent, total)`` is called as bytes go out.
    ``options`` holds uploader options by name (``endpoint_url`` ...).
    """

    path: Path
    url: str
    size: int
    sha256: str
    expires: float | None = None
    link: str | None = None
    state_path: Path | None = None
    progress: Callable[[int, int], None] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    timeout: float = 60.0


@dataclass(frozen=True)
class UploadResult:
    """What an upload produced: the view-only link for support and what was sent.

    ``destination`` names where the bytes went without any credential (no
    query string). ``link`` is what the user pastes into the ticket (``None``
    when the destination gives none: then say where it went). ``expires`` is
    when the link stops working, as an aware datetime, or ``None`` if it
    does not. ``revoke`` holds whatever the uploader's ``revoke`` needs later
    (kept in ``BUNDLE.upload.json``, mode 0600; it may be a credential).
    ``notes`` are lines worth telling the user (a shortened expiry ...).
    """

    destination: str
    link: str | None
    size: int
    sha256: str
    expires: dt.datetime | None = None
    revoke: Mapping[str, Any] | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Uploader:
    """Sends a bundle to destinations of some URL schemes (``s3``, ``https``, ``tus+https``).

    ``upload(job)`` sends ``job.path`` and returns an :class:`UploadResult`;
    it raises :class:`~diagbundle.errors.UploadError` with one plain sentence
    when it cannot (never a traceback, never a credential in the message).
    ``revoke(record)``, if the destination allows it, deletes what was
    uploaded; ``record`` is the ``revoke`` mapping of the result. ``options``
    are the uploader's own options (their ``dest`` is the key in
    ``job.options``), offered on ``diagbundle upload``.
    """

    name: str
    schemes: tuple[str, ...]
    description: str
    upload: Callable[[UploadJob], UploadResult]
    revoke: Callable[[Mapping[str, Any]], None] | None = None
    options: tuple[CliOption, ...] = ()
