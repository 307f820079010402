"""The Python API: ``collect()`` writes a bundle, ``stream()`` yields one.

Keyword arguments mirror the CLI: ``only``/``skip`` choose collectors,
``timeout`` is the per-collector time limit, and every option a plugin
registers (``attach=[...]``, ``har=[...]``) is a keyword argument too.
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
from diagbundle.errors import UsageError
from diagbundle.manifest import build_manifest, manifest_bytes, redacted_command, render_summary
from diagbundle.plugins import PluginManager
from diagbundle.redaction import Redactor
from diagbundle.redaction.config import build_redactor
from diagbundle.redaction.mapping import save_mapping
from diagbundle.runner import CollectorResult, Job, check_jobs, run_jobs

DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 86400.0

__all__ = ["BundleResult", "BundleStream", "CollectorResult", "PlannedCollector", "collect", "plan", "stream"]


@dataclass
class BundleResult:
    """What :func:`collect` produced."""

    path: Path
    size: int
    bundle_id: str
    manifest: dict[str, Any]
    collectors: list[CollectorResult]
    #: Where the pseudonym mapping was saved (on this machine, never in the bundle).
    mapping_path: Path | None = None

    @property
    def ok(self) -> bool:
        """True when no collector failed or timed out."""
        return all(c.status in ("ok", "skipped") for c in self.collectors)


@dataclass
class PlannedCollector:
    """One line of ``--dry-run``: would it run, and what would it read."""

    name: str
    description: str
    plugin: str
    runs: bool
    reason: str | None = None
    sources: list[str] = field(default_factory=list)


class _Run:
    """One bundle being made: plugins, options, redactor and collected content."""

    def __init__(
        self,
        *,
        only: str | Iterable[str] | None,
        skip: str | Iterable[str] | None,
        timeout: float,
        offline: bool,
        yes: bool,
        redact_patterns: Iterable[str],
        manager: PluginManager | None,
        argv: Sequence[str] | None,
        options: dict[str, Any],
    ) -> None:
        # "not (0 < t <= max)" also refuses NaN (which would mean no limit at all) and
        # huge values (which overflow the thread wait).
        if not 0 < timeout <= MAX_TIMEOUT:
            raise UsageError(f"--timeout must be a positive number of seconds, at most {MAX_TIMEOUT:g}")
        self.manager = manager or PluginManager()
        self.manager.gather()
        self.timeout = timeout
        self.options = self._options(options, timeout=timeout, offline=offline, yes=yes)
        self.jobs = self._select(_names(only), _names(skip) or [])
        self.store = Store(_in_background(build_redactor, self.manager.rules, list(redact_patterns)),
                           self.manager.formats)
        self.bundle_id = str(uuid.uuid4())
        self.created = clock.now()
        self.argv = list(argv) if argv is not None else ["diagbundle.collect()"]
        self.results: list[CollectorResult] = []

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
                raise UsageError(f"unknown collector {name!r}; known: {', '.join(sorted(collectors))}")
        owner = {c: info for info in self.manager.infos.values() for c in info.collectors}
        return [
            Job(c, owner[name].name, owner[name].version)
            for name, c in collectors.items()
            if (only is None or name in only) and name not in skip
        ]

    def collect(self, progress: Callable[[CollectorResult], None] | None) -> None:
        runnable, done = check_jobs(self.jobs, self.store, self.options)
        if progress is not None:
            for result in done:
                progress(result)
        ran = run_jobs(runnable, self.timeout, progress)
        order = {job.collector.name: i for i, job in enumerate(self.jobs)}
        self.results = sorted([*done, *ran], key=lambda r: order[r.name])
        # Failure reasons quote exception messages, which can quote anything: redact them too.
        for result in self.results:
            if result.reason:
                result.reason = self.store.redactor.redact(result.reason)

    def chunks(self, on_manifest: Callable[[dict[str, Any]], None]) -> Iterator[bytes]:
        summary = render_summary(
            bundle_id=self.bundle_id,
            created=self.created,
            results=self.results,
            entries=self.store.entries,
            sections=self.store.summaries,
        )

        def manifest(entries: list[Any]) -> bytes:
            data = build_manifest(
                bundle_id=self.bundle_id,
                created=self.created,
                command=redacted_command(self.store.redactor, self.argv, self.options),
                plugins=[
                    {**i.as_dict(), "error": self.store.redactor.redact(i.error) if i.error else None}
                    for i in self.manager.infos.values()
                ],
                results=self.results,
                entries=entries,
            )
            on_manifest(data)
            return manifest_bytes(data)

        try:
            yield from archive.zip_chunks(self.store, summary, manifest)
        finally:
            self.store.close()


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


def default_output(folder: Path | None = None) -> Path:
    """``diagbundle-YYYYMMDD-HHMMSS.zip`` in ``folder``: no host or user name in it."""
    folder = folder or Path.cwd()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"diagbundle-{stamp}.zip"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"diagbundle-{stamp}-{n}.zip"
    return path


def collect(
    output: str | Path | None = None,
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
    keep_mapping: bool = True,
    **options: Any,
) -> BundleResult:
    """Collect, redact and write a bundle; return its path and manifest.

    The zip is written to a temporary file beside ``output`` (default: a
    timestamped name in the current folder) and renamed into place only when
    complete. Raises :class:`~diagbundle.errors.UsageError` for bad input and
    :class:`~diagbundle.errors.BundleError` when the file cannot be written;
    in both cases no file is left behind. With ``keep_mapping`` the
    pseudonym mapping is saved on this machine (``diagbundle mapping ID``
    prints it back); it never goes into the bundle.
    """
    run = _Run(
        only=only,
        skip=skip,
        timeout=timeout,
        offline=offline,
        yes=yes,
        redact_patterns=redact_patterns,
        manager=manager,
        argv=argv,
        options=options,
    )
    target = Path(output) if output is not None else default_output()
    if target.is_dir():
        target = default_output(target)
    if not target.parent.is_dir():
        raise UsageError(f"output folder {target.parent} does not exist")
    run.collect(progress)
    manifest: dict[str, Any] = {}
    size = archive.write_atomically(target, run.chunks(manifest.update))
    mapping = save_mapping(run.bundle_id, run.store.redactor) if keep_mapping else None
    return BundleResult(target, size, run.bundle_id, manifest, run.results, mapping)


class BundleStream:
    """The zip of a bundle as an iterable of bytes, for a web response.

    Collection has already happened when :func:`stream` returns, so errors
    surface before the first byte is sent. ``manifest`` is filled in once the
    stream has been consumed.
    """

    def __init__(self, run: _Run, keep_mapping: bool) -> None:
        self.bundle_id = run.bundle_id
        self.collectors = run.results
        self.manifest: dict[str, Any] = {}
        self.filename = f"diagbundle-{run.created['utc'][:19].replace(':', '').replace('-', '')}.zip"
        self.mapping_path: Path | None = None
        self._run = run
        self._keep_mapping = keep_mapping

    def __iter__(self) -> Iterator[bytes]:
        yield from self._run.chunks(self.manifest.update)
        if self._keep_mapping:
            self.mapping_path = save_mapping(self.bundle_id, self._run.store.redactor)


def stream(
    *,
    only: str | Iterable[str] | None = None,
    skip: str | Iterable[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    offline: bool = False,
    yes: bool = True,
    redact_patterns: Iterable[str] = (),
    manager: PluginManager | None = None,
    progress: Callable[[CollectorResult], None] | None = None,
    keep_mapping: bool = True,
    **options: Any,
) -> BundleStream:
    """Collect now, then return the zip as an iterable of bytes (no temporary file)."""
    run = _Run(
        only=only,
        skip=skip,
        timeout=timeout,
        offline=offline,
        yes=yes,
        redact_patterns=redact_patterns,
        manager=manager,
        argv=None,
        options=options,
    )
    run.collect(progress)
    return BundleStream(run, keep_mapping)


def plan(
    *,
    only: str | Iterable[str] | None = None,
    skip: str | Iterable[str] | None = None,
    offline: bool = False,
    manager: PluginManager | None = None,
    **options: Any,
) -> list[PlannedCollector]:
    """What :func:`collect` would do, without collecting or writing anything."""
    run = _Run(
        only=only,
        skip=skip,
        timeout=DEFAULT_TIMEOUT,
        offline=offline,
        yes=False,
        redact_patterns=(),
        manager=manager,
        argv=None,
        options=options,
    )
    _, skipped = check_jobs(run.jobs, run.store, run.options)
    reasons = {r.name: r.reason for r in skipped}
    planned = []
    for job in run.jobs:
        c = job.collector
        sources: list[str] = []
        if c.plan is not None and c.name not in reasons:
            sources = c.plan(Context(c.name, run.store, run.options))
        planned.append(
            PlannedCollector(
                c.name, c.description, job.plugin, c.name not in reasons, reasons.get(c.name), sources
            )
        )
    return planned
