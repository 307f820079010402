"""Both cores on one long stream: segments of whole lines redacted in forked workers.

Past the prefilter, redaction is Python deciding lines, so a second core
needs a second process. After the first :data:`START_AFTER` characters of
a stream (a small file is done before a worker could start), its complete
lines go in segments of about :data:`SEGMENT` characters to worker
processes forked from this one: they inherit the rule snapshot and its
prefilter, and nothing goes anywhere but through a pipe to this process.
Results are taken back in order, so the output order is the input's.

The output must be, byte for byte, what one process writes (counts and
mapping too). Three things could make it differ; each is handled here:

* **Pseudonym numbers** follow the order values first appear in the output.
  A worker writes a placeholder (a number between two ASCII separator
  characters) and keeps a journal of each one's kind and value; this
  process replaces the placeholders in output order through the real
  pseudonym table.
* **State across lines** (inside a PEM block, the lines a context rule
  judges, a secret cut at a window's end): a worker starts every segment
  fresh, and a segment in which anything was carried from one line to the
  next is redone here, as is every segment after it until the state is
  fresh again.
* **A changed line decided again** (see :meth:`Decider.decide
  <diagbundle.redaction.decide.Decider.decide>`) sees the first pass's
  tags, and a placeholder is not the tag it stands for. A worker leaves
  such a line as it came, marked, for this process to decide; its count is
  taken out of the worker's.

A segment holding the separator characters these marks use, or that a
worker failed on or could not return (it died), is redone here too.

Workers are forked (Linux only: elsewhere ``fork`` without ``exec`` is not
safe, and the stream stays in one process), and only when the caller asked
for workers: a library embedded in someone's server does not
fork unless told to. The command line asks for one per core, up to four
(:func:`default_workers`).
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import sys
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diagbundle.redaction.decide import Carry
from diagbundle.redaction.lines import WINDOW, Run, slices
from diagbundle.redaction.pseudonyms import check_kind

if TYPE_CHECKING:  # multiprocessing itself is imported when workers start: 20 ms of every start-up
    from multiprocessing.connection import Connection

#: Characters of a stream redacted in this process before workers start.
START_AFTER = 1 << 20
#: About this many characters (whole lines) go to a worker at a time.
SEGMENT = 1 << 20
#: Segments in flight per worker: one being redacted, the others waiting (results come back in order).
DEPTH = 4
#: No workers are forked from a process resident in more than this many bytes: every
#: page it has counts again in each worker's RSS (copy-on-write, but resident), and
#: the budget is 250 MB summed over all processes.
FORK_RSS_LIMIT = 96 << 20
#: Around a placeholder's number in a worker's output: ASCII separators (RS, US),
#: so the text stays one byte a character (private-use characters double it).
PLACE, PLACE_END = "\x1e", "\x1f"
#: Around a line left to the writer, in a worker's output: the line as it came.
CUT, CUT_END = "\x1c", "\x1d"
_MARKS = (PLACE, PLACE_END, CUT, CUT_END)

#: Makes a fresh run that writes pseudonyms through its first argument and counts into its second.
RunFactory = Callable[[Callable[[str, str], str], Counter[str] | None], Run]


@dataclass
class Result:
    """What a worker returns for one segment.

    ``text`` is its redaction with placeholders, and with each line whose
    redaction a placeholder could change left as it came, between
    :data:`CUT` and :data:`CUT_END`, for this process to redact itself.
    """

    text: str = ""
    journal: list[tuple[str, str]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    #: How many lines are cut out.
    cuts: int = 0
    #: The counts of what comes before each cut line (if this process ends up redoing the rest).
    counts_before: list[Counter[str]] = field(default_factory=list)
    #: False: nothing of it can be used; the segment is redone whole.
    exact: bool = False


def redact_segment(make_run: RunFactory, text: str) -> Result:
    """Redact ``text`` (whole lines) from a fresh state, with placeholders for pseudonyms.

    A line decided again with a placeholder in it (see :meth:`Decider.decide
    <diagbundle.redaction.decide.Decider.decide>`) is left to the writer,
    its count taken out of the worker's.
    """
    if any(mark in text for mark in _MARKS):  # the text's own would pass for ours
        return Result()
    one = _Pass(make_run)
    out = one.run.block(text)
    if one.carried.opened or (one.cuts and len(text) >= WINDOW):
        # Something carried from line to line, or a line decided in windows:
        # a piece of a line is no line to cut out.
        return Result()
    return Result(out, one.journal, +one.counts, one.cuts, one.counts_before, True)


class _Watched(Carry):
    """A run's carry that remembers whether anything was ever carried."""

    opened = False

    def __setattr__(self, name: str, value: object) -> None:
        if value is not None:
            object.__setattr__(self, "opened", True)
        object.__setattr__(self, name, value)


class _Pass:
    """A run over a segment in a worker: placeholders, their journal, lines cut out."""

    def __init__(self, make_run: RunFactory) -> None:
        self.journal: list[tuple[str, str]] = []
        self._numbers: dict[tuple[str, str], int] = {}
        self.counts: Counter[str] = Counter()
        self._make_run = make_run
        self.run = make_run(self.placeholder, self.counts)
        self.carried = _Watched()
        self.run.carry = self.run.decider.carry = self.carried
        decider = self.run.decider
        decider.on_repass = self._again
        self._decide = decider.decide
        decider.decide = self.decide  # type: ignore[method-assign]
        self.cuts = 0
        self.counts_before: list[Counter[str]] = []
        self._depth = 0
        self._flagged = False

    def placeholder(self, kind: str, value: str) -> str:
        key = (kind, value)
        number = self._numbers.get(key)
        if number is None:
            check_kind(kind)
            number = self._numbers[key] = len(self.journal)
            self.journal.append(key)
        return f"{PLACE}{number}{PLACE_END}"

    def decide(self, content: str, mask: int, limit: int | None) -> tuple[str, int]:
        """The decider's, but a whole line decided again with a placeholder in it is cut out."""
        if self._depth:  # the pieces of a line with a carriage return
            return self._decide(content, mask, limit)
        self._depth, self._flagged = 1, False
        try:
            new, commit = self._decide(content, mask, limit)
        finally:
            self._depth = 0
        if not self._flagged:
            return new, commit
        # The writer decides this line and counts it: take out what it added here.
        self.cuts += 1
        self._count_out(content, mask)
        self.counts_before.append(+self.counts)
        return f"{CUT}{content}{CUT_END}", commit

    def _again(self, line: str, changed: str) -> None:
        if PLACE in changed:
            self._flagged = True

    def _count_out(self, content: str, mask: int) -> None:
        """Take out what deciding ``content`` counted: decided again alone, with the same numbers."""
        scratch = _Pass(self._make_run)
        scratch.journal, scratch._numbers = list(self.journal), dict(self._numbers)
        scratch._depth = 1  # decided as the line was here, pieces and all
        scratch._decide(content, mask, None)
        self.counts.subtract(scratch.counts)


def fill(text: str, journal: list[tuple[str, str]], pseudonym: Callable[[str, str], str]) -> str:
    """A worker's text with each placeholder replaced by its pseudonym, in output order."""
    if PLACE not in text:
        return text
    pieces = text.split(PLACE)
    out = [pieces[0]]
    for piece in pieces[1:]:
        number, _, rest = piece.partition(PLACE_END)
        out.append(pseudonym(*journal[int(number)]))
        out.append(rest)
    return "".join(out)


def _resident() -> int:
    """This process's resident size in bytes (Linux), 0 if unknown."""
    try:
        return int(Path("/proc/self/statm").read_bytes().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def choose_workers(asked: int | None, *, busy: bool) -> int:
    """``asked`` if given, else :func:`default_workers`."""
    return default_workers(busy) if asked is None else asked


def default_workers(busy: bool) -> int:
    """Workers for the command line: one per core this process may use, up to 4.

    ``busy``: this process has work of its own beside the text (a HAR
    sanitized here), so it takes a core; else it mostly waits for the
    workers. 0 where workers cannot be forked. Past four, this process
    (merging, encoding) becomes the bottleneck.
    """
    if not can_fork():
        return 0
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    cores = min(4, cores)
    if cores < 2:
        return 0
    return cores - 1 if busy else cores


def can_fork() -> bool:
    """Whether workers may be forked here: Linux, and not inside a daemonic worker."""
    if sys.platform != "linux" or not hasattr(os, "fork"):
        return False
    import multiprocessing

    return not multiprocessing.current_process().daemon


class Workers:
    """Forked worker processes, each fed segments through its own pipe."""

    def __init__(self, count: int, make_run: RunFactory) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._conns: list[Connection] = []
        self._procs: list[Any] = []
        try:
            for _ in range(count):
                parent, child = context.Pipe()
                # The child closes the writer's ends it inherits, its own among them:
                # else closing them here would never reach it as the end of its input.
                proc = context.Process(target=_serve, args=(child, make_run, [*self._conns, parent]),
                                       daemon=True, name="diagbundle-redact")
                proc.start()
                child.close()
                self._conns.append(parent)
                self._procs.append(proc)
        except BaseException:
            self.close()
            raise
        self.count = count
        #: Workers that have not died.
        self.alive = set(range(count))

    def send(self, worker: int, text: str) -> bool:
        """Give ``worker`` a segment; False if it cannot take it (gone)."""
        try:
            self._conns[worker].send(text)
        except (OSError, ValueError):
            self.alive.discard(worker)
            return False
        return True

    def receive(self, worker: int) -> Result | None:
        """The next result of ``worker``; None if it died (killed, out of memory)."""
        try:
            result = self._conns[worker].recv()
        except (EOFError, OSError):
            self.alive.discard(worker)
            return None
        return result if isinstance(result, Result) else None

    def close(self) -> None:
        for conn in self._conns:
            with contextlib.suppress(OSError, ValueError):  # gone already
                conn.send(None)
            conn.close()
        for proc in self._procs:
            proc.join(timeout=1.0)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=1.0)
        self._conns, self._procs = [], []


def _serve(conn: Connection, make_run: RunFactory,
           inherited: list[Connection]) -> None:
    """A worker: redact each segment received, in order, until the pipe closes.

    A thread reads requests as they come, so this process never blocks the
    writer: both send big messages, and a pipe holds only 64 KiB. Ctrl-C is
    the writer's to handle; it closes the pipes and the workers end.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for other in inherited:
        other.close()
    inbox: queue.SimpleQueue[str | None] = queue.SimpleQueue()

    def read() -> None:
        try:
            while True:
                inbox.put(conn.recv())
        except BaseException:  # the end of the pipe, or anything else: this worker stops
            inbox.put(None)

    threading.Thread(target=read, daemon=True).start()
    while True:
        text = inbox.get()
        if text is None:
            return
        try:
            result = redact_segment(make_run, text)
        except Exception:  # the writer redoes the segment and meets the error itself
            result = Result()
        try:
            conn.send(result)
        except Exception:  # the writer is gone, or the result would not go: it redoes the segment
            return


class Parallel:
    """A stream's complete lines, redacted in workers once the stream is long enough.

    ``run`` is the stream's own run (real pseudonyms and counts): it redoes
    what a worker's result cannot stand for, and holds the state whenever it
    is not fresh.
    """

    def __init__(self, run: Run, make_run: RunFactory, workers: int) -> None:
        self.run = run
        self._make_run = make_run
        self._wanted = workers
        #: The stream's pseudonym table and counts: its run's.
        self._pseudonym = run.decider.pseudonym
        self._counts = run.decider.counts
        self._seen = 0
        self._workers: Workers | None = None
        self._pending: deque[tuple[str, int, bool]] = deque()  # segment, worker, sent
        self._next = 0
        #: Segments adopted from workers, redone here (whole), lost with a worker; lines cut
        #: out, and the rests of segments redone after one of them.
        self.stats: Counter[str] = Counter()
        #: Complete lines not yet sent, until they make a segment.
        self._buffer: list[str] = []
        self._buffered = 0

    def block(self, text: str) -> Iterator[str]:
        """Redact complete lines; yields what is done, in order (some may still be in flight)."""
        self._seen += len(text)
        workers = self._start() if self._seen > START_AFTER else None
        if workers is None:  # not started (nothing is in flight) or not to be
            out = self.run.block(text)
            if out:
                yield out
            return
        self._buffer.append(text)
        self._buffered += len(text)
        if self._buffered < SEGMENT:
            return
        pieces = slices("".join(self._buffer), SEGMENT)
        last = pieces.pop() if len(pieces[-1]) < SEGMENT else ""
        self._buffer, self._buffered = ([last], len(last)) if last else ([], 0)
        for segment in pieces:
            yield from self._send(workers, segment)

    def drain(self) -> Iterator[str]:
        """Everything still in flight, in order; afterwards :attr:`run` holds the true state."""
        if self._buffer and self._workers is not None:
            segment = "".join(self._buffer)
            self._buffer, self._buffered = [], 0
            yield from self._send(self._workers, segment)
        while self._pending:
            out = self._resolve_one()
            if out:
                yield out

    def _send(self, workers: Workers, segment: str) -> Iterator[str]:
        while len(self._pending) >= workers.count * DEPTH:
            out = self._resolve_one()
            if out:
                yield out
        for _ in range(workers.count):
            worker = self._next
            self._next = (self._next + 1) % workers.count
            if worker in workers.alive:
                self._pending.append((segment, worker, workers.send(worker, segment)))
                return
        self._pending.append((segment, -1, False))  # no worker left: this run does it

    def close(self) -> None:
        if self._workers is not None:
            self._workers.close()
            self._workers = None

    def _start(self) -> Workers | None:
        if self._workers is None and self._wanted > 0 and can_fork():
            if _resident() > FORK_RSS_LIMIT:
                self._wanted = 0
                return None
            self.run.prefilter.settle()  # a thread compiling in it would never finish in a child
            try:
                self._workers = Workers(self._wanted, self._make_run)
            except (OSError, ValueError):  # out of processes or memory: one process will do
                self._wanted = 0
        return self._workers

    def _resolve_one(self) -> str:
        segment, worker, sent = self._pending.popleft()
        assert self._workers is not None
        result = self._workers.receive(worker) if sent else None
        run = self.run
        if result is None:
            self.stats["lost"] += 1
            return run.block(segment)
        if not (result.exact and run.fresh()):
            # Not exact, or a state the worker did not know about: this run does it.
            self.stats["redone"] += 1
            return run.block(segment)
        self.stats["adopted"] += 1
        self.stats["cut"] += result.cuts
        if result.cuts:
            out, counts = self._with_cuts(segment, result)
        else:
            out, counts = fill(result.text, result.journal, self._pseudonym), result.counts
        if self._counts is not None:
            self._counts.update(counts)
        return out

    def _with_cuts(self, segment: str, result: Result) -> tuple[str, Counter[str]]:
        """The worker's text with its cut lines redone by this run, and the counts to add.

        If a line redone here leaves a state behind, this run redoes the rest
        of the segment too, and only the worker's counts before that line
        stand.
        """
        run = self.run
        pieces = result.text.split(CUT)
        out = [fill(pieces[0], result.journal, self._pseudonym)]
        for number, piece in enumerate(pieces[1:]):
            line, _, rest = piece.partition(CUT_END)
            out.append(run.block(line))
            if not run.fresh():
                self.stats["rest"] += 1
                done = "".join(out).count("\n") + 1  # lines so far: output lines are input lines
                out.append(rest[:1])  # the line's own ending, if it had one
                out.append(run.block(segment[_after_lines(segment, done):]))
                return "".join(out), result.counts_before[number]
            out.append(fill(rest, result.journal, self._pseudonym))
        return "".join(out), result.counts


def _after_lines(text: str, count: int) -> int:
    """Where the line after the first ``count`` lines of ``text`` starts."""
    pos = 0
    for _ in range(count):
        pos = text.find("\n", pos) + 1
    return pos
