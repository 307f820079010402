"""What a redaction rule is: a regular expression, what replaces it, and a trigger.

A rule is data. The engine runs its ``pattern`` with Python :mod:`re` on one
line at a time, so the result never depends on how the input was chunked.
The optional ``trigger`` only makes it fast: it is a cheap regular expression
that must match somewhere in every line the rule can match, so the prefilter
(Hyperscan when installed, Python otherwise) can skip every other line. A
rule without a trigger is simply tried on every line.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

#: What the engine puts in place of a secret and of a PII value. Neither may
#: contain ``"`` or ``\\`` (JSON stays valid) and neither may match any rule
#: again (redacting twice changes nothing more).
TAG = re.compile(r"\[REDACTED:[A-Za-z0-9_.-]+\]|<[a-z0-9_]+(?:-[a-z0-9_]+)*-[0-9]+>")
RULE_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")

_DEFERRED: contextvars.ContextVar[bool] = contextvars.ContextVar("diagbundle_rule_deferred", default=False)


@contextlib.contextmanager
def deferred_compile() -> Iterator[None]:
    """Rules made in this block compile their patterns on first use, not when made.

    For the built-in rules only: compiling some 400 patterns was nearly all
    of a redactor's build (0.13 s per process), and a run uses a few dozen
    of them. Their patterns are checked by the test suite
    (:meth:`Rule.check_pattern` on every built-in rule); a rule from a user
    or a plugin is always checked when made, so a bad pattern fails at
    once, never in the middle of a bundle.
    """
    token = _DEFERRED.set(True)
    try:
        yield
    finally:
        _DEFERRED.reset(token)


class Follow(Protocol):
    """What a context rule's match says about the lines after it (see :class:`Rule`)."""

    #: The name the redacted values are tagged and counted with.
    name: str

    def line(self, content: str) -> tuple[list[tuple[int, int]], bool]:
        """The spans of this line (without its ending) to redact, and whether to go on."""
        ...


@dataclass(frozen=True)
class Rule:
    """One redaction rule.

    ``kind="secret"`` replaces the match (or its ``group``) with
    ``[REDACTED:<name>]``; ``kind="pii"`` replaces it with a pseudonym such
    as ``<email-1>``, the same for the same value everywhere in one bundle
    (``label`` names the pseudonym kind; it defaults to ``name``).
    ``validate(value)`` may veto a match (a Luhn check, a loopback address).

    ``trigger`` is a regular expression over the line lower-cased and with
    every non-ASCII character replaced by ``?`` (``^``/``$`` are a line's
    start/end); it must match in every line where ``pattern`` matches (a
    superset), and it may not span lines. When
    it is omitted, a literal prefix of the pattern is used if there is one,
    otherwise the rule runs on every line (correct, just slower).

    ``fold_case`` gives ``Alice`` and ``alice`` the same pseudonym.

    ``kind="keep"`` replaces nothing: it vouches for what it matches (and
    ``validate`` accepts), and any secret or PII match lying wholly inside
    is dropped. A format step registers one for text it wrote itself and
    knows to be harmless (the HAR plugin's defanged JWTs), so the core needs
    no knowledge of any plugin.

    ``block_end`` makes a rule multi-line (PEM blocks): when a match runs to
    the end of its line without containing ``block_end``, every following
    line is redacted whole until a line containing ``block_end``.

    ``check(match)`` may veto a match by its context (the key a value
    belongs to), after ``validate``.

    ``priority`` breaks a tie between overlapping secrets of the same length
    (then the earlier rule wins): the built-in rules that find a secret by
    its context (``token=...``, a URL's user name) have -1, so a plugin's
    rule for a token format names the tag.

    ``kind="context"`` replaces nothing: when it matches a whole line,
    ``follow(match)`` may return a :class:`Follow` that judges the lines
    after it (a YAML ``password: |`` block, the ``value:`` that belongs to
    ``- name: DB_PASSWORD``).
    """

    name: str
    pattern: str
    kind: Literal["secret", "pii", "keep", "context"] = "secret"
    group: int | str = 0
    flags: int = 0
    validate: Callable[[str], bool] | None = None
    trigger: str | None = field(default=None, kw_only=True)
    label: str | None = field(default=None, kw_only=True)
    block_end: str | None = field(default=None, kw_only=True)
    fold_case: bool = field(default=False, kw_only=True)
    check: Callable[[re.Match[str]], bool] | None = field(default=None, kw_only=True, compare=False)
    priority: int = field(default=0, kw_only=True)
    follow: Callable[[re.Match[str]], Follow | None] | None = field(default=None, kw_only=True,
                                                                     compare=False)
    triggers: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not RULE_NAME.fullmatch(self.name):
            raise ValueError(f"invalid rule name {self.name!r} (use a-z, 0-9, _, . and -)")
        if self.kind not in ("secret", "pii", "keep", "context"):
            raise ValueError(f"rule {self.name}: kind must be 'secret', 'pii', 'keep' or 'context'")
        if self.kind == "context" and self.follow is None:
            raise ValueError(f"rule {self.name}: a context rule needs follow")
        if self.trigger is None or not _DEFERRED.get():
            self.check_pattern()  # (deriving a trigger needs the compiled pattern anyway)
        trig = self._trigger
        object.__setattr__(self, "triggers", () if trig is None else (trig,))

    def check_pattern(self) -> None:
        """Compile the pattern, the block end and the trigger; raise ValueError if any is wrong."""
        try:
            compiled = self.compiled
            _ = self.compiled_end
            trig = self._trigger
            if trig is not None and re.compile(trig.encode("ascii")).fullmatch(b""):
                raise ValueError(f"rule {self.name}: the trigger matches the empty string")
        except (re.error, UnicodeEncodeError) as err:
            self.__dict__.pop("compiled", None)
            self.__dict__.pop("compiled_end", None)
            raise ValueError(f"rule {self.name}: invalid regular expression: {err}") from err
        if isinstance(self.group, int) and not 0 <= self.group <= compiled.groups:
            raise ValueError(f"rule {self.name}: no group {self.group} in the pattern")
        if isinstance(self.group, str) and self.group not in compiled.groupindex:
            raise ValueError(f"rule {self.name}: no group named {self.group!r} in the pattern")

    @functools.cached_property
    def _trigger(self) -> str | None:
        """The trigger given, or one derived from the pattern (worked out once)."""
        return self.trigger if self.trigger is not None else derive_trigger(self.compiled)

    @functools.cached_property
    def compiled(self) -> re.Pattern[str]:
        """The pattern, compiled on first use (see :func:`deferred_compile`)."""
        return re.compile(self.pattern, self.flags)

    @functools.cached_property
    def compiled_end(self) -> re.Pattern[str] | None:
        """The block end, compiled on first use."""
        return re.compile(self.block_end, self.flags) if self.block_end else None

    @property
    def pseudonym_kind(self) -> str:
        return self.label or self.name

    @functools.cached_property
    def tag(self) -> str:
        """What replaces a secret this rule finds."""
        return f"[REDACTED:{self.name}]"

    @functools.cached_property
    def anchor(self) -> tuple[str, int] | None:
        """See :func:`derive_anchor`; worked out on first use, as most rules never run."""
        return _cached_anchor(self.pattern, self.flags)


def _parser() -> Any:
    """The regex parser module (private in CPython; absent is fine)."""
    if sys.version_info >= (3, 11):
        import re._parser as parser  # type: ignore[import-not-found,unused-ignore]
    else:  # pragma: no cover - Python 3.10
        import sre_parse as parser
    return parser


def derive_trigger(compiled: re.Pattern[str]) -> str | None:
    """A trigger from the literal text every match must start with, if any.

    Only a run of at least three ASCII literal characters at the top level of
    a case-sensitive pattern qualifies (after leading anchors and
    lookarounds), so the trigger is a true superset. Anything unusual gives
    ``None``: the rule then runs on every line.
    """
    if compiled.flags & re.IGNORECASE:
        return None
    try:
        parser = _parser()
        tree = parser.parse(compiled.pattern, compiled.flags)
        literal, at, assert_, assert_not = (
            parser.LITERAL, parser.AT, parser.ASSERT, parser.ASSERT_NOT,
        )
    except Exception:  # private API moved: just run the rule on every line
        return None
    chars: list[str] = []
    for op, arg in tree:
        if not chars and op in (at, assert_, assert_not):
            continue
        if op is literal and arg < 128:
            chars.append(chr(arg))
            continue
        break
    if len(chars) < 3:
        return None
    return re.escape("".join(chars).lower())


@functools.lru_cache(maxsize=1024)
def _cached_anchor(pattern: str, flags: int) -> tuple[str, int] | None:
    """:func:`derive_anchor`, once per pattern: every redactor builds the same default rules."""
    return derive_anchor(re.compile(pattern, flags))


#: Longest stretch before an anchor that :func:`derive_anchor` accepts.
MAX_REACH = 256


def derive_anchor(compiled: re.Pattern[str]) -> tuple[str, int] | None:
    """A character every match contains at most ``reach`` characters after its start.

    ``re`` finds a match that starts with a character class by trying each
    position in turn: for the e-mail rule that is most of its cost on a
    listing with an address in every row. Every match of
    ``[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@...`` holds an ``@`` at most 64
    characters in, so no match starts more than 64 characters before the
    next ``@``: the engine finds that ``@`` with ``str.find`` and lets
    ``re`` start there (see ``_Run._decide_once``); the match it finds is
    the same. Only a top-level ASCII literal after items of bounded width
    qualifies, never a letter when case is ignored, and never when the
    pattern starts with a literal (``re`` already searches for that fast).
    Anything unusual gives ``None``.
    """
    try:
        parser = _parser()
        tree = parser.parse(compiled.pattern, compiled.flags)
        zero_width = (parser.AT, parser.ASSERT, parser.ASSERT_NOT)
        literal = parser.LITERAL
        reach = 0
        found: tuple[str, int] | None = None
        for index, (op, arg) in enumerate(tree.data):
            if op in zero_width:
                continue
            if op is literal:
                if reach == 0:
                    return None  # starts with a literal
                char = chr(arg)
                if arg < 128 and not (compiled.flags & re.IGNORECASE and char.isalpha()):
                    if not char.isalnum():
                        return char, reach  # punctuation is rarer than a letter: take it
                    found = found or (char, reach)
            reach += parser.SubPattern(tree.state, [tree.data[index]]).getwidth()[1]
            if reach > MAX_REACH:
                break
    except Exception:  # private API moved: no anchor, the plain search
        return None
    return found
