"""The pure-Python prefilter's fast passes flag exactly the lines one ``re.search`` per trigger does.

The prefilter scans line-start triggers (``^...``) with ``bytes.find`` for
their literal after a line break instead of letting ``re`` try every
offset, and digit-led triggers (card numbers) widened over the text with
every digit made ``0``. Whatever the text, the candidates (line -> rules)
must be the same as searching each of its scans from each line's start.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from diagbundle.redaction import Redactor, views
from diagbundle.redaction.prefilter import Candidates, PythonPrefilter, project

DEFAULT = [rule.triggers for rule in Redactor(key=b"p" * 32, username="zoe", hostname="box").rules]
TRIGGERS = [
    *DEFAULT,
    (views.TRIGGER,),
    ("^#[ \t]*secret",),
    ("^ab[0-9]",),
    ("^ab",),  # the same literal as the one above, another rule
    ("^[0-9]{3}x",),  # no literal after ^: scanned as before
    ("^Key=",),  # upper case: compiled case-blind, scanned as before
    ("[0-9]{3}[ -][0-9]",),  # digit-led: widened
    ("[1-9][0-9]{2}[0-9a-f]",),  # digit-led, but a class mixes digits: scanned as before
    ("q+",),  # no literal at all, and as short as a three-letter one
]
#: Pieces that make triggers fire, almost fire, or sit at a line start.
PIECES = st.sampled_from([
    "\n", "\n", "?", "#", " secret", "ab", "ab7", "123x", "key=", "token=", "pass", "pwd:",
    "-----begin ", "sk-", "@", "1.2.3.4", "::", ":ab:cd:", "4111 1111 1111 1111", "\\u00e9",
    "%2f", "&amp;", "5500-0000-0000-0004", "1111 1111 1111 1111", "7000-0000-0000-0000",
    "2024", "1234567", "3456 789", "9", "\x1b[", "\u00e9", "x", " ", "-", "0", "zoe", "bearer abc123",
])
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=3)), max_size=60).map("".join)


def per_trigger(prefilter: PythonPrefilter, projected: bytes) -> Candidates:
    """The reference: every scan searched from every line's start, kept if it matches in that line."""
    scans: list[tuple[re.Pattern[bytes], int]] = [
        *((pattern, mask) for (pattern, mask, _), parts in zip(prefilter._scans, prefilter._precise,
                                                               strict=True)
          if parts is None),
        *((pattern, mask) for _, pattern, mask in prefilter._line_starts),
        *((pattern, mask) for _, pattern, mask in prefilter._digit_runs),
    ]
    # A scan that serves several rules' parts flags a line for the rules whose own part matches in it
    # (and, for a part widened from an alternative, where that alternative matches too).
    parts = [part for group in prefilter._precise if group is not None for part in group]
    starts = [0] + [m.end() for m in re.finditer(b"\n", projected) if m.end() < len(projected)]
    found: Candidates = {}
    for index, start in enumerate(starts):
        stop = starts[index + 1] if index + 1 < len(starts) else len(projected) + 1
        for pattern, mask in scans:
            match = pattern.search(projected, start)
            if match is not None and match.start() < stop:
                found[start] = found.get(start, 0) | mask
        line_end = min(stop - 1, len(projected))
        for pattern, mask, _, confirms in parts:
            if pattern.search(projected, start, line_end) is not None:
                if mask:
                    found[start] = found.get(start, 0) | mask
                # A part widened to be sought flags its rules only where its own alternative matches.
                for original, confirm_mask in confirms:
                    if original.search(projected, start, line_end) is not None:
                        found[start] = found.get(start, 0) | confirm_mask
    return found


PREFILTER = PythonPrefilter(TRIGGERS)


def test_digit_led_triggers_take_the_widened_pass() -> None:
    widened = {pattern.pattern for _, pattern, _ in PREFILTER._digit_runs}
    assert b"[0-9]{3}[ -][0-9]" in widened
    assert b"[1-9][0-9]{2}[0-9a-f]" not in widened
    # Every widened pattern starts with a digit class (the card trigger no longer does: it now
    # needs a non-word character or a line start before the issuer digit).
    assert widened and all(p.startswith((b"[0-9]", b"[1-9]", b"[2-6]", b"\\d")) for p in widened)


def test_line_start_triggers_take_the_fast_pass() -> None:
    literals = {literal for literal, _, _ in PREFILTER._line_starts}
    assert {b"?", b"#", b"ab"} <= literals
    assert b"^\\?" not in [pattern.pattern for pattern, _, _ in PREFILTER._scans]


@settings(max_examples=400, deadline=None)
@given(TEXT)
@example("a 1111 1111 1111 1111 b\n7000-0000-0000-0000\n4111 1111 1111 1111")  # widened hits, card misses
def test_candidates_equal_one_search_per_trigger(text: str) -> None:
    projected = project(text)
    assert PREFILTER.candidates(projected) == per_trigger(PREFILTER, projected)


def test_parts_without_a_literal_start_are_rewritten_to_have_one() -> None:
    """A class, a line-start context or a group of alternatives in front is dropped or spread."""
    from diagbundle.redaction.prefilter import _seekable

    assert _seekable("[a-z0-9_.$@-](?:key|session)[a-z]*=") == ["key[a-z]*=", "session[a-z]*="]
    assert _seekable("^[ \t]*(?:env|arg)[ \t]") == ["env[ \t]", "arg[ \t]"]
    assert _seekable("[0-9]:aa") == [":aa"]
    assert _seekable("[0-9]{3}[-. ][0-9]{4}") is None  # nothing distinctive left: widened digits instead
    seeks = [seek for _, _, seek in PREFILTER._scans]
    assert b"key" in seeks and b"ses" in seeks


@settings(max_examples=400, deadline=None)
@given(TEXT)
@example("x session=1\n  env FOO\n9:aa")
@example("aq\nb")
def test_rewritten_scans_flag_every_line_a_trigger_matches(text: str) -> None:
    """The rewriting only widens: each line where a trigger itself matches is flagged for its rule."""
    projected = project(text)
    found = PREFILTER.candidates(projected)
    starts = [0] + [m.end() for m in re.finditer(b"\n", projected) if m.end() < len(projected)]
    for index, rule_triggers in enumerate(TRIGGERS):
        for trigger in rule_triggers:
            pattern = re.compile(trigger.encode("ascii"), re.MULTILINE | re.IGNORECASE)
            for match in pattern.finditer(projected):
                # The line of its last character: a context class such as [^a-z] may take the
                # line break before the line (Hyperscan reports a match by its end, too).
                line = max(s for s in starts if s <= max(match.end() - 1, 0))
                assert found.get(line, 0) >> index & 1, (trigger, text)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_mask_is_the_union_of_the_candidates(text: str) -> None:
    projected = project(text)
    union = 0
    for mask in per_trigger(PREFILTER, projected).values():
        union |= mask
    assert PREFILTER.mask(projected) == union


def test_a_widened_part_flags_only_where_its_alternative_matches() -> None:
    """``[a-z0-9_.$@-](?:key|...)...[:=]`` is sought as ``key...[:=]``: ``cache hit key=`` is no hit."""
    prefilter = PythonPrefilter([("[a-z0-9_.$@-](?:key|session)[a-z0-9_.-]*[ \t]*[:=]",)])
    assert prefilter.candidates(project("2024 cache hit key=user:42\n")) == {}
    assert prefilter.candidates(project("ok\napi_key=abc\n")) == {3: 1}
    assert prefilter.mask(project("x cache hit key=1")) == 0
    assert prefilter.mask(project("x my.session=1")) == 1


#: The same triggers, seeking their three-letter literals with the trie regex instead of Aho-Corasick.
BY_RE = PythonPrefilter(TRIGGERS, automaton=False)


def test_the_automaton_is_used_where_pyahocorasick_is_installed() -> None:
    try:
        import ahocorasick  # noqa: F401
    except ImportError:
        pytest.skip("pyahocorasick is not installed here: the trie regex alone seeks")
    assert PREFILTER._automaton is not None and BY_RE._automaton is None


@settings(max_examples=400, deadline=None)
@given(TEXT)
@example("keykey=tokentok\nses session=")  # overlapping literals
def test_both_seeks_flag_the_same_lines(text: str) -> None:
    """Aho-Corasick and the trie regex find the same literals in the same order: the same candidates."""
    projected = project(text)
    assert PREFILTER.candidates(projected) == BY_RE.candidates(projected)
    assert PREFILTER.mask(projected) == BY_RE.mask(projected)
