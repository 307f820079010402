"""One bundle being made: the public builder behind ``collect()``, ``stream()`` and ``plan()``.

As pypa/build's ``ProjectBuilder`` does for builds, :class:`BundleBuilder`
holds everything one bundle needs (plugins, options, redactor, what was
collected) and the three API functions are short wrappers over it. The CLI
reads its defaults from here, so a default lives in one place.

The pipeline, in order: ``check`` each collector (serially) -> ``collect``
(threads, each within its time and size budget; a context only stages) ->
``review`` (a plugin may show and ask) -> the write stage (format steps, the
text pass, hashes and counts) -> ``summary.md`` -> ``manifest.json`` ->
a claimed file, a stream, or both.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diagbundle import archive, clock
from diagbundle.context import Context, Store
from diagbundle.errors import DiagbundleError, UsageError
from diagbundle.manifest import build_manifest, manifest_bytes, redacted_command, render_summary
from diagbundle.naming import bundle_filename
from diagbundle.plugins import PluginManager
from diagbundle.redaction import Redactor
from diagbundle.redaction.config import build_redactor
from diagbundle.redaction.mapping import save_mapping
from diagbundle.redaction.view import RedactionView
from diagbundle.review import Prompt
from diagbundle.runner import CollectorResult, Job, check_jobs, run_jobs
from diagbundle.sizecheck import Limits, SizeCheck, check_size
from diagbundle.writer import WriteProgress, WriteStage

__all__ = ["BundleBuilder", "BundleResult", "BundleStream", "PlannedCollector"]


@dataclass
class BundleResult:
    """What :meth:`BundleBuilder.write` (and :func:`diagbundle.collect`) produced."""

    path: Path
    size: int
    bundle_id: str
    manifest: dict[str, Any]
    collectors: list[CollectorResult]
    #: Where the pseudonym mapping was saved (on this machine, never in the bundle).
    mapping_path: Path | None = None
    #: Will it go through as an attachment or an upload, and what to do if not.
    size_check: SizeCheck | None = None

    @property
    def ok(self) -> bool:
        """True when no collector failed or timed out."""
        return all(c.status in ("ok", "skipped") for c in self.collectors)

    @property
    def complete(self) -> bool:
        """True when nothing failed or timed out and at least one collector ran (exit 0, not 6)."""
        return bool(self.manifest.get("complete", False))


@dataclass
class PlannedCollector:
    """One line of ``--dry-run``: would it run, and what would it read."""

    name: str
    description: str
    plugin: str
    runs: bool
    reason: str | None = None
    sources: list[str] = field(default_factory=list)


class BundleBuilder:
    """Collect, review and write one bundle.

    Keyword arguments mirror the CLI: ``only``/``skip`` choose collectors
    (a comma list or an iterable), ``timeout`` is the per-collector time
    limit, ``offline`` skips collectors that need the network,
    ``redact_patterns`` adds rules, and every option a plugin registers
    (``attach=[...]``, ``har=[...]``, and the ticket's ``case_id=...``) is a
    keyword argument too. ``prompt`` is what review steps ask through
    (default: never asks). ``progress`` hears of each collector as it ends,
    ``write_progress`` of the bytes of each file as the zip is written.
    ``limits`` are the size check's (default: ``[limits]`` in the config
    file, else 25 MB to attach and 20 MB to upload). A ``case_id`` option,
    where a plugin registers one, goes into the default file name.
    ``workers``: a long file's text pass runs in that many processes forked
    from this one, on Linux, with the same bundle (see
    :meth:`Redactor.stream <diagbundle.redaction.engine.Redactor.stream>`);
    the default, 0, never forks.
    """

    #: Seconds each collector may take unless it says otherwise (``--timeout``).
    DEFAULT_TIMEOUT = 30.0
    #: The largest ``--timeout`` accepted (larger values overflow thread waits).
    MAX_TIMEOUT = 86400.0

    def __init__(
        self,
        *,
        only: str | Iterable[str] | None = None,
        skip: str | Iterable[str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        offline: bool = False,
        yes: bool = False,
        redact_patterns: Iterable[str] = (),
        manager: PluginManager | None = None,
        argv: Sequence[str] | None = None,
        progress: Callable[[CollectorResult], None] | None = None,
        write_progress: WriteProgress | None = None,
        prompt: Prompt | None = None,
        keep_mapping: bool = True,
        limits: Limits | None = None,
        workers: int = 0,
        **options: Any,
    ) -> None:
        # "not (0 < t <= max)" also refuses NaN (which would mean no limit at all).
        if not 0 < timeout <= self.MAX_TIMEOUT:
            raise UsageError(f"--timeout must be a positive number of seconds, at most {self.MAX_TIMEOUT:g}")
        if workers < 0:
            raise UsageError("--workers must be 0 or more")
        #: Worker processes for the text pass over a long member (see Redactor.stream).
        self.workers = workers
        self.manager = manager or PluginManager()
        self.manager.gather()
        self.timeout = timeout
        self.redact_patterns = list(redact_patterns)
        self.options = self._options(options, timeout=timeout, offline=offline, yes=yes,
                                     redact_patterns=self.redact_patterns)
        self.named = _names(only)
        self.jobs = self._select(self.named, _names(skip) or [])
        self._check_inputs()
        self.limits = limits or Limits.from_config()
        self.store = Store(_in_background(build_redactor, self.manager.rules, self.redact_patterns),
                           self.manager.formats, self.manager.ticket_fields)
        self.redactor = RedactionView(lambda: self.store.redactor)
        self.bundle_id = str(uuid.uuid4())
        self.created = clock.now()
        case = self.options.get("case_id")
        self.case_id = case if isinstance(case, str) and case else None
        self.argv = list(argv) if argv is not None else ["diagbundle.collect()"]
        self.progress = progress
        self.write_progress = write_progress
        self.prompt = prompt or Prompt()
        self.keep_mapping = keep_mapping
        self.results: list[CollectorResult] = []
        self._contexts: dict[str, Context] = {}
        self._collected = False
        self._written = False

    # -- choosing what runs ----------------------------------------------------
    def _options(self, given: dict[str, Any], **core: Any) -> dict[str, Any]:
        known = {o.dest: o for o in self.manager.options}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise TypeError(
                f"unknown option(s): {', '.join(unknown)} "
                f"(plugin options: {', '.join(sorted(known)) or 'none'})"
            )
        values: dict[str, Any] = {}
        for dest, option in known.items():
            default = option.default
            if default is None and option.action == "append":
                default = []
            elif default is None and option.action == "store_true":
                default = False
            value = given.get(dest)
            if value is None:
                value = default
            if option.action == "append" and isinstance(value, (str, Path)):
                value = [value]
            values[dest] = [str(v) for v in value] if option.action == "append" else value
        values.update(core)
        return values

    def _select(self, only: list[str] | None, skip: list[str]) -> list[Job]:
        collectors = self.manager.collectors
        for name in (only or []) + skip:
            if name not in collectors:
                from diagbundle.suggest import did_you_mean

                raise UsageError(f"unknown collector {name!r}{did_you_mean(name, collectors)}; "
                                 f"known: {', '.join(sorted(collectors))}")
        owner = {c: info for info in self.manager.infos.values() for c in info.collectors}
        return [
            Job(c, owner[name].name, owner[name].version)
            for name, c in collectors.items()
            if (only is None or name in only) and name not in skip
        ]

    def _check_inputs(self) -> None:
        """Input the user named must go in: its collector has to be selected."""
        selected = {job.collector.name for job in self.jobs}
        for option in self.manager.options:
            value = self.options.get(option.dest)
            if option.collector and value not in (None, False, [], "") and option.collector not in selected:
                raise UsageError(f"{option.flags[0]} was given, but the {option.collector} collector "
                                 f"is not selected (see --only/--skip): it would be left out")

    # -- the pipeline ------------------------------------------------------------
    def plan(self) -> list[PlannedCollector]:
        """What :meth:`write` would do, without collecting or writing anything."""
        _, skipped = check_jobs(self.jobs, self.store, self.options)
        reasons = {r.name: r.reason for r in skipped}
        planned = []
        for job in self.jobs:
            c = job.collector
            sources: list[str] = []
            if c.plan is not None and c.name not in reasons:
                sources = c.plan(Context(c.name, self.store, self.options))
            planned.append(PlannedCollector(c.name, c.description, job.plugin, c.name not in reasons,
                                            reasons.get(c.name), sources))
        return planned

    def run(self) -> list[CollectorResult]:
        """Check, collect and review (once); returns how each collector fared."""
        if self._collected:
            return self.results
        runnable, done = check_jobs(self.jobs, self.store, self.options)
        if self.progress is not None:
            for result in done:
                self.progress(result)
        self._contexts = {job.collector.name: ctx for job, ctx in runnable}
        ran = run_jobs(runnable, self.timeout, self.progress)
        order = {job.collector.name: i for i, job in enumerate(self.jobs)}
        self.results = sorted([*done, *ran], key=lambda r: order[r.name])
        self._review()
        self._collected = True
        return self.results

    def _review(self) -> None:
        for job in self.jobs:
            c = job.collector
            ctx = self._contexts.get(c.name)
            result = next(r for r in self.results if r.name == c.name)
            if c.review is None or ctx is None or result.status != "ok":
                continue
            try:
                c.review(ctx, self.prompt)
            except DiagbundleError:
                raise
            except Exception as err:
                result.status, result.reason = "failed", f"review: {type(err).__name__}: {err}"
            result.files = ctx.files()

    def _chunks(self, on_manifest: Callable[[dict[str, Any]], None]) -> Iterator[bytes]:
        """The zip, once: format steps first, then members, summary.md, manifest.json."""
        if self._written:
            raise DiagbundleError("this bundle was already written; build a new one for another copy")
        self._written = True
        order = {job.collector.name: i for i, job in enumerate(self.jobs)}
        # Collector order, and within a collector the order it staged (sort is stable).
        self.store.entries.sort(key=lambda e: order.get(e.collector, len(order)))
        stage = WriteStage(self.store, self.options, self.write_progress, workers=self.workers)
        try:
            stage.prepare()
        except BaseException:
            self.store.close()
            raise
        return self._zip(stage, on_manifest)

    def _zip(self, stage: WriteStage, on_manifest: Callable[[dict[str, Any]], None]) -> Iterator[bytes]:
        redactor = self.redactor
        for result in self.results:
            if result.name in stage.failures and result.status == "ok":
                result.status, result.reason = "failed", stage.failures[result.name]
            if result.name in self._contexts:
                result.files = self._contexts[result.name].files()
            # Failure reasons quote exception messages, which can quote anything: redact them too.
            if result.reason:
                result.reason = redactor.redact(result.reason)
        complete = bool(self.results) and not any(r.status in ("failed", "timed out") for r in self.results) \
            and not all(r.status == "skipped" for r in self.results)
        content = list(self.store.entries)

        def summary() -> list[tuple[str, frozenset[str]]]:
            return render_summary(bundle_id=self.bundle_id, created=self.created, results=self.results,
                                  entries=content, sections=self.store.summaries,
                                  dropped=self.store.dropped, first=self.store.first)

        def manifest(entries: list[Any]) -> bytes:
            data = build_manifest(
                bundle_id=self.bundle_id,
                created=self.created,
                command=redacted_command(redactor, self.argv, self.options),
                plugins=[{**i.as_dict(), "error": redactor.redact(i.error) if i.error else None}
                         for i in self.manager.infos.values()],
                results=self.results,
                entries=entries,
                dropped=self.store.dropped,
                complete=complete,
            )
            on_manifest(data)
            return manifest_bytes(data)

        try:
            yield from stage.zip(summary, manifest)
        finally:
            self.store.close()

    # -- outputs -----------------------------------------------------------------
    def filename(self, *, encrypted: bool = False) -> str:
        """A fresh default file name for this bundle (the one naming function)."""
        when = dt.datetime.fromisoformat(self.created["local"]).replace(tzinfo=None)
        return bundle_filename(when, case_id=self.case_id, encrypted=encrypted)

    def target(self, output: str | Path | None, *, force: bool = False) -> tuple[Path, str | None]:
        """Where :meth:`write` will put the bundle: (folder, file name or None for a fresh one).

        Checked before anything is collected: an existing file is refused
        unless ``force``, a missing folder is a usage error.
        """
        path = Path(output) if output is not None else Path.cwd()
        if path.is_dir():
            return path, None
        if not path.parent.is_dir():
            raise UsageError(f"output folder {path.parent} does not exist")
        if path.exists() and not force:
            raise UsageError(f"{path} already exists; not replaced (use --force to replace it)")
        if path.exists() and not path.is_file():
            raise UsageError(f"{path} exists and is not a regular file")
        return path.parent, path.name

    def write(self, output: str | Path | None = None, *, force: bool = False) -> BundleResult:
        """Collect (if not done yet) and write the bundle; return its path and manifest.

        ``output`` is a file or a folder (default: the current folder, with a
        fresh name). The zip goes to a temporary file and is claimed under
        its name only when complete; an existing file is never replaced
        unless ``force``. Raises :class:`~diagbundle.errors.UsageError` for
        bad input and :class:`~diagbundle.errors.BundleError` when the file
        cannot be written; in both cases no file is left behind.
        """
        folder, name = self.target(output, force=force)
        self.run()
        manifest: dict[str, Any] = {}
        path, size = archive.write_bundle(self._chunks(manifest.update), folder, name or self.filename,
                                          replace=force)
        mapping = save_mapping(self.bundle_id, self.store.redactor) if self.keep_mapping else None
        return BundleResult(path, size, self.bundle_id, manifest, self.results, mapping,
                            check_size(size, manifest.get("files", []), self.limits))

    def stream(self) -> BundleStream:
        """Collect now (format steps included), then return the zip as an iterable of bytes."""
        self.run()
        return BundleStream(self)


class BundleStream:
    """The zip of a bundle as an iterable of bytes, for a web response.

    Collection and every format step have already run when
    :meth:`BundleBuilder.stream` returns, so bad input surfaces before the
    first byte is sent. ``filename`` is the name the CLI would give the
    file; ``manifest`` is filled in once the stream has been consumed. A
    stream can be iterated once.
    """

    def __init__(self, builder: BundleBuilder) -> None:
        self.bundle_id = builder.bundle_id
        self.collectors = builder.results
        self.manifest: dict[str, Any] = {}
        #: Bytes yielded so far (the zip's size once consumed).
        self.size = 0
        self.filename = builder.filename()
        self.mapping_path: Path | None = None
        self._builder = builder
        self._chunks: Iterator[bytes] | None = builder._chunks(self.manifest.update)

    @property
    def complete(self) -> bool:
        """Known once consumed: see :attr:`BundleResult.complete`."""
        return bool(self.manifest.get("complete", False))

    @property
    def size_check(self) -> SizeCheck | None:
        """Known once consumed: see :attr:`BundleResult.size_check`."""
        if not self.manifest:
            return None
        return check_size(self.size, self.manifest.get("files", []), self._builder.limits)

    def __iter__(self) -> Iterator[bytes]:
        chunks, self._chunks = self._chunks, None
        if chunks is None:
            raise DiagbundleError("a BundleStream can be iterated once; build a new one for another copy")
        for chunk in chunks:
            self.size += len(chunk)
            yield chunk
        if self._builder.keep_mapping:
            self.mapping_path = save_mapping(self.bundle_id, self._builder.store.redactor)


def _in_background(build: Callable[..., Redactor], *args: Any) -> Future[Redactor]:
    """Start building the redactor in a thread; the store waits for it on first use."""
    future: Future[Redactor] = Future()

    def work() -> None:
        try:
            future.set_result(build(*args))
        except BaseException as err:
            future.set_exception(err)

    threading.Thread(target=work, name="diagbundle-redactor", daemon=True).start()
    return future


def _names(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    names = [n.strip() for n in items if n.strip()]
    if not names:
        raise UsageError("--only/--skip need at least one collector name")
    return names
