"""Runs the selected collectors in parallel, each within its time and size budget.

A collector that raises, hangs or floods is recorded and the others go on:
Python cannot kill a thread, so a hung collector is abandoned (its thread is
a daemon) and its context is stopped, which drops any write it makes later.
The one exception that ends the whole run is :class:`UsageError`: the user's
input is wrong (a ``--har`` file that is not a HAR) and no bundle should be
written until it is fixed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from diagbundle.context import CollectorStopped, Context, Store
from diagbundle.errors import UsageError
from diagbundle.types import Collector

Status = Literal["ok", "skipped", "failed", "timed out"]


@dataclass
class CollectorResult:
    """How one collector fared; one line of the manifest and the summary."""

    name: str
    plugin: str
    version: str | None
    description: str
    status: Status = "ok"
    reason: str | None = None
    duration: float = 0.0
    files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "plugin": self.plugin,
            "version": self.version,
            "description": self.description,
            "status": self.status,
            "reason": self.reason,
            "duration_s": round(self.duration, 3),
            "files": self.files,
        }


@dataclass
class Job:
    """A collector chosen for this run, with where it came from."""

    collector: Collector
    plugin: str
    version: str | None


def check_jobs(
    jobs: list[Job], store: Store, options: Mapping[str, Any]
) -> tuple[list[tuple[Job, Context]], list[CollectorResult]]:
    """Run each collector's ``check`` serially, before anything is written.

    Returns the jobs to run with their contexts, and results for the skipped
    and failed ones. A :class:`UsageError` from a check propagates.
    """
    runnable: list[tuple[Job, Context]] = []
    done: list[CollectorResult] = []
    for job in jobs:
        c = job.collector
        ctx = Context(c.name, store, options, max_bytes=c.max_bytes)
        result = CollectorResult(c.name, job.plugin, job.version, c.description)
        if c.needs_network and options.get("offline"):
            result.status, result.reason = "skipped", "needs the network; --offline given"
            done.append(result)
            continue
        if c.check is not None:
            try:
                reason = c.check(ctx)
            except UsageError:
                raise
            except Exception as err:
                result.status, result.reason = "failed", f"check: {type(err).__name__}: {err}"
                done.append(result)
                continue
            if reason:
                result.status, result.reason = "skipped", reason
                done.append(result)
                continue
        runnable.append((job, ctx))
    return runnable, done


def run_jobs(
    runnable: list[tuple[Job, Context]],
    default_timeout: float,
    progress: Callable[[CollectorResult], None] | None = None,
) -> list[CollectorResult]:
    """Run the collectors in threads; return when all are done or out of time."""
    results: dict[str, CollectorResult] = {}
    finished = threading.Condition()
    fatal: list[UsageError] = []
    pending: dict[str, tuple[Context, float, float]] = {}
    # Collectors whose work() has returned, told under ``finished``: not thread.is_alive(),
    # since a thread is still alive for a moment after it notifies (on Python 3.13 the waiter
    # often sees it so), and the wait would then last until the next collector's deadline.
    done: set[str] = set()

    def work(job: Job, ctx: Context, result: CollectorResult, started: float) -> None:
        # A collector abandoned after its timeout may still raise later: its result
        # ("timed out") is already reported and must not change under the caller.
        try:
            job.collector.collect(ctx)
        except CollectorStopped as err:
            if result.status == "ok":
                result.status, result.reason = "failed", str(err)
        except UsageError as err:
            if result.status == "ok":
                fatal.append(err)
                result.status, result.reason = "failed", str(err)
        except Exception as err:
            if result.status == "ok":
                result.status, result.reason = "failed", f"{type(err).__name__}: {err}"
        finally:
            with finished:
                if result.duration == 0.0:
                    result.duration = time.monotonic() - started
                done.add(job.collector.name)
                finished.notify_all()

    for job, ctx in runnable:
        c = job.collector
        result = CollectorResult(c.name, job.plugin, job.version, c.description)
        results[c.name] = result
        started = time.monotonic()
        thread = threading.Thread(
            target=work, args=(job, ctx, result, started), name=f"diagbundle-{c.name}", daemon=True
        )
        pending[c.name] = (ctx, started, c.timeout or default_timeout)
        thread.start()

    with finished:
        while pending:
            if fatal:  # the run is over: no bundle will be written, stop waiting
                for ctx, _, _ in pending.values():
                    ctx.stop("the run was stopped")
                break
            now = time.monotonic()
            for name, (ctx, started, limit) in list(pending.items()):
                result = results[name]
                if name in done:
                    del pending[name]
                elif now - started >= limit:
                    ctx.stop(f"timed out after {limit:g} s")
                    result.status, result.reason = "timed out", f"no answer within {limit:g} s"
                    result.duration = now - started
                    del pending[name]
                else:
                    continue
                result.files = ctx.files()
                if progress is not None:
                    progress(result)
            if pending:
                next_deadline = min(s + lim for _, s, lim in pending.values())
                finished.wait(timeout=max(0.01, next_deadline - time.monotonic()))
    if fatal:
        raise fatal[0]
    return [results[job.collector.name] for job, _ in runnable]
