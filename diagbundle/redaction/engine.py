"""The redactor: consistent pseudonyms, a rule snapshot per stream, chunks to lines.

The output is a function of the content only, never of how it was chunked:
chunks are decoded and cut into lines here, and each input's pass over its
lines (:mod:`~diagbundle.redaction.lines`) decides every line exactly
(:mod:`~diagbundle.redaction.decide`). A prefilter
(:mod:`~diagbundle.redaction.prefilter`) only makes that fast.
"""

from __future__ import annotations

import codecs
import getpass
import re
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from diagbundle.redaction import views
from diagbundle.redaction.lines import MARGIN, WINDOW, Run
from diagbundle.redaction.parallel import Parallel, RunFactory
from diagbundle.redaction.prefilter import Prefilter, make_prefilter
from diagbundle.redaction.pseudonyms import Pseudonyms
from diagbundle.redaction.rule import Rule
from diagbundle.redaction.rules import DEFAULT_PII, PII_KINDS, default_rules, literal_rule

__all__ = ["MARGIN", "WINDOW", "Redactor", "Rule"]

_ENCODE_ERRORS = "diagbundle-surrogates"


def _encode_errors(err: UnicodeError) -> tuple[bytes, int]:
    """Invalid UTF-8 that came in (surrogate escapes) goes out as the same bytes."""
    if not isinstance(err, UnicodeEncodeError):
        raise err
    out = bytearray()
    for ch in err.object[err.start : err.end]:
        code = ord(ch)
        out += bytes([code - 0xDC00]) if 0xDC80 <= code <= 0xDCFF else "\ufffd".encode()
    return bytes(out), err.end


codecs.register_error(_ENCODE_ERRORS, _encode_errors)


def encode(text: str) -> bytes:
    """UTF-8, restoring the original bytes of invalid input."""
    return text.encode("utf-8", _ENCODE_ERRORS)


@dataclass(frozen=True)
class _Compiled:
    """A snapshot of the rule set, so add_rule() never disturbs a running stream."""

    rules: tuple[Rule, ...]
    prefilter: Prefilter
    always: int  # mask of rules without a trigger: tried on every line


class Redactor:
    """Redacts text and byte streams; one instance per bundle.

    The instance holds the per-bundle HMAC key that makes pseudonyms
    consistent; the key and :meth:`mapping` never go into the bundle. It is
    safe to use from several threads at once.

    ``pii`` lists the PII kinds to pseudonymise (``email``, ``ip``, ``mac``,
    ``user``, ``host``, ``phone``; default all). ``username`` and
    ``hostname`` are replaced wherever they appear: ``None`` detects the
    current ones, ``False`` turns this off. ``allow`` values and
    ``allow_patterns`` (full matches) are never replaced. ``engine`` picks
    the prefilter: ``"auto"`` (Hyperscan if installed), ``"hyperscan"`` or
    ``"python"``; the output is the same.
    """

    def __init__(
        self,
        rules: Iterable[Rule] | None = None,
        *,
        key: bytes | None = None,
        pii: Iterable[str] | None = None,
        allow: Iterable[str] = (),
        allow_patterns: Iterable[str] = (),
        username: str | bool | None = None,
        hostname: str | bool | None = None,
        engine: str = "auto",
        extra_rules: Iterable[Rule] = (),
    ) -> None:
        kinds = DEFAULT_PII if pii is None else frozenset(pii)
        unknown = set(kinds) - PII_KINDS
        if unknown:
            raise ValueError(f"unknown PII kind(s): {', '.join(sorted(unknown))}")
        if rules is None:
            self._rules = default_rules(kinds)
        else:
            self._rules = list(rules)
        if "user" in kinds:
            self._add_literal("username", "user", username, rules is None, _current_user)
        if "host" in kinds:
            self._add_literal("hostname", "host", hostname, rules is None, _current_host)
        # Rules from the config, plugins and --redact-pattern join before the one compile: adding
        # them afterwards threw the first compile away (twice 0.5 s of Hyperscan per run).
        self._rules.extend(extra_rules)
        self._allow = frozenset(allow)
        try:
            self._allow_patterns = tuple(re.compile(p) for p in allow_patterns)
        except re.error as err:
            raise ValueError(f"invalid allow pattern: {err}") from err
        self._engine = engine
        self._pseudonyms = Pseudonyms(key, self._personal_kinds())
        self._lock = threading.Lock()
        self._compiled: _Compiled | None = None
        self._snapshot()  # fail now, not in the middle of a bundle

    def _add_literal(
        self, name: str, label: str, value: str | bool | None, default_on: bool,
        detect: Callable[[], str | None],
    ) -> None:
        if value is False or (value is None and not default_on):
            return
        literal = detect() if value is None or value is True else value
        if not literal:
            return
        for part in dict.fromkeys((literal, literal.split(".", 1)[0])):
            rule = literal_rule(name, label, part)
            if rule is not None:
                self._rules.append(rule)

    # -- rules ---------------------------------------------------------------------
    def add_rule(self, rule: Rule) -> None:
        """Add a rule (plugins, configuration); it applies to streams started after."""
        if not isinstance(rule, Rule):
            raise TypeError(f"add_rule() expects a Rule, got {type(rule).__name__}")
        with self._lock:
            self._rules.append(rule)
            self._compiled = None
            self._pseudonyms.personal = self._personal_kinds()

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(self._rules)

    @property
    def engine(self) -> str:
        """Which prefilter runs: ``"hyperscan"`` or ``"python"``."""
        return self._snapshot().prefilter.name

    def _snapshot(self) -> _Compiled:
        with self._lock:
            if self._compiled is None:
                rules = tuple(self._rules)
                always = 0
                for index, rule in enumerate(rules):
                    if not rule.triggers:
                        always |= 1 << index
                # One more trigger after the rules': a line worth a decoded view.
                prefilter = make_prefilter([r.triggers for r in rules] + [(views.TRIGGER,)], self._engine)
                self._compiled = _Compiled(rules, prefilter, always)
            return self._compiled

    def _allowed(self, value: str) -> bool:
        return value in self._allow or any(p.fullmatch(value) for p in self._allow_patterns)

    def _allowed_check(self) -> Callable[[str], bool]:
        """The fastest way to ask :meth:`_allowed` for this configuration."""
        return self._allowed if self._allow_patterns else self._allow.__contains__

    # -- pseudonyms ----------------------------------------------------------------
    def pseudonym(self, kind: str, value: str, *, personal: bool = False) -> str:
        """Return the bundle-wide pseudonym for ``value``, e.g. ``<email-1>``.

        The mapping keeps ``value`` only for PII kinds (those of the PII
        rules) or when ``personal`` says it is personal data; a secret's
        pseudonym maps to nothing.
        """
        return self._pseudonyms.get(kind, value, personal)

    def mapping(self) -> dict[str, str]:
        """Pseudonym to original value, for personal data only; kept on the user's machine only."""
        return self._pseudonyms.mapping()

    def continue_pseudonyms(self, tags: Iterable[str], mapping: Mapping[str, str] = {}) -> None:
        """Number new pseudonyms after ``tags`` and reuse ``mapping``'s (re-cleaning a bundle)."""
        self._pseudonyms.continue_from(tags, mapping)

    def _personal_kinds(self) -> frozenset[str]:
        return frozenset(r.pseudonym_kind for r in self._rules if r.kind == "pii")

    # -- redaction -------------------------------------------------------------------
    def redact(
        self, text: str, counts: Counter[str] | None = None, *, json: bool = False,
        keep: Iterable[str] = (),
    ) -> str:
        """Redact a whole string (any number of lines).

        ``json=True`` keeps JSON valid: a replacement outside a string
        (a card number written as a number) is quoted. ``keep`` values are
        left as they are in this call only (what the user typed into the
        ticket on purpose), and still replaced everywhere else.
        """
        # Straight to a run: a string needs no decoding, and the HAR sanitizer makes some
        # 300,000 of these calls on short values, where the stream's machinery was half the cost.
        return self._runs(json, keep)(self._pseudonyms.get, counts).block(text)

    def stream(
        self,
        chunks: Iterable[bytes | str],
        counts: Counter[str] | None = None,
        *,
        json: bool = False,
        keep: Iterable[str] = (),
        workers: int = 0,
    ) -> Iterator[bytes]:
        """Redact a stream of chunks of any size; yields UTF-8 bytes.

        Invalid UTF-8 is carried through unchanged (surrogateescape).
        ``keep`` is as for :meth:`redact`. ``workers``: on Linux, a long
        stream's lines are redacted in that many processes forked from this
        one (:mod:`~diagbundle.redaction.parallel`), with the same output;
        the default, 0, never forks.
        """
        if workers < 0:
            raise ValueError("workers must be 0 or more")
        for piece in self._pieces(chunks, counts, json, keep, workers):
            yield encode(piece)

    def _pieces(
        self, chunks: Iterable[bytes | str], counts: Counter[str] | None, json: bool,
        keep: Iterable[str] = (), workers: int = 0,
    ) -> Iterator[str]:
        make_run = self._runs(json, keep)
        run = make_run(self._pseudonyms.get, counts)
        if not workers:  # redact() and most streams: no worker machinery at all
            yield from self._lines(chunks, run, None)
            return
        lines = Parallel(run, make_run, workers)
        try:
            yield from self._lines(chunks, run, lines)
        finally:
            lines.close()

    def _runs(self, json: bool, keep: Iterable[str]) -> RunFactory:
        """What makes a run of the current rules for these options (a worker makes its own)."""
        compiled = self._snapshot()
        allowed = self._allowed_check()
        kept = frozenset(keep)
        if kept:
            base = allowed

            def allowed(value: str) -> bool:
                return value in kept or base(value)

        def make_run(pseudonym: Callable[[str, str], str], counts: Counter[str] | None) -> Run:
            return Run(compiled.rules, compiled.prefilter, compiled.always, allowed, pseudonym, counts, json)

        return make_run

    @staticmethod
    def _lines(chunks: Iterable[bytes | str], run: Run, lines: Parallel | None) -> Iterator[str]:
        """The chunks decoded and cut into complete lines, and long lines into windows.

        Complete lines go to ``lines`` (workers) when there are any, else to ``run``.
        """
        decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        pending: list[str] = []
        size = 0
        for chunk in chunks:
            if isinstance(chunk, str):
                text = decoder.decode(b"", final=True) + chunk
                decoder.reset()
            else:
                text = decoder.decode(chunk)
            if not text:
                continue
            newline = text.rfind("\n")
            if newline < 0:
                pending.append(text)
                size += len(text)
                if size >= WINDOW:
                    if lines is not None:  # the windows carry on from the state of the lines before
                        yield from lines.drain()
                    line = "".join(pending)
                    out, used = run.windows(line)
                    run.mid_line = True
                    pending, size = [line[used:]], len(line) - used
                    if out:
                        yield out
                continue
            pending.append(text[: newline + 1])
            if lines is None:
                out = run.block("".join(pending))
                if out:
                    yield out
            else:
                for out in lines.block("".join(pending)):
                    if out:
                        yield out
            rest = text[newline + 1 :]
            pending, size = ([rest], len(rest)) if rest else ([], 0)
        if lines is not None:
            yield from lines.drain()
        tail = "".join(pending) + decoder.decode(b"", final=True)
        if tail:
            yield run.block(tail)


def _current_user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        return None


def _current_host() -> str | None:
    try:
        return socket.gethostname()
    except OSError:
        return None
