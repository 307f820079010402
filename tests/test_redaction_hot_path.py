"""The engine's per-match loop: vetoes, tags, pseudonym caches and anchored searches.

A vetoed match (allow list, a ``validate`` that says no, a pseudonym
touching a tag) is searched again from one character later, so a match
starting inside it is still found. A rule with an anchor (the ``@`` of an
e-mail address) is searched from shortly before its next anchor rather than
from where the last match ended; that must find exactly the same matches.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diagbundle.redaction import Redactor
from diagbundle.redaction.rule import derive_anchor
from diagbundle.redaction.rules import personal_email


def _redactor() -> Redactor:
    return Redactor(key=b"k" * 32, allow=["build@example.com"], username=False, hostname=False)


def test_matches_after_a_veto_are_still_found() -> None:
    r = _redactor()
    counts: Counter[str] = Counter()
    line = ("a@example.org icon@2x.png b@example.org build@example.com c@example.org "
            "git@github.com d@example.org")
    out = r.redact(line, counts)
    assert out == ("<email-1> icon@2x.png <email-2> build@example.com <email-3> "
                   "git@github.com <email-4>")
    assert counts == Counter({"email": 4})


def test_a_pseudonym_next_to_a_tag_is_left_and_the_next_one_taken() -> None:
    r = _redactor()
    out = r.redact("x@example.org [REDACTED:x]y@example.org z@example.org")
    assert out == "<email-1> [REDACTED:x]y@example.org <email-2>"


def test_the_same_address_gets_the_same_pseudonym_across_calls_and_cases() -> None:
    r = _redactor()
    first = r.redact("p1@example.org p2@example.org")
    again = r.redact("P2@Example.org p1@example.org")
    assert first == "<email-1> <email-2>"
    assert again == "<email-2> <email-1>"
    assert r.mapping() == {"<email-1>": "p1@example.org", "<email-2>": "p2@example.org"}


def test_personal_email_is_cached_but_still_answers_by_value() -> None:
    assert personal_email("alice@example.com")
    assert not personal_email("icon@2x.png")
    assert not personal_email("noreply@example.com")
    assert personal_email("alice@example.com")  # a cache hit answers the same


@pytest.mark.parametrize(
    ("pattern", "flags", "anchor"),
    [(r"(?<![a-z])[a-z][a-z0-9.]{0,63}@[a-z]+", 0, ("@", 64)), (r"ghp_[A-Za-z0-9]{36}", 0, None),
     (r"[?&]sig=[A-Za-z0-9]{16,}", 0, ("=", 4)), (r"[a-z]+@x", 0, None), (r"[a-z]{2}k=", re.I, ("=", 3)),
     (r"[a-z]{2}k", re.I, None), (r"(?:ab|cde)_x", 0, ("_", 3)), (r"a|b@", 0, None)],
)
def test_derive_anchor(pattern: str, flags: int, anchor: tuple[str, int] | None) -> None:
    """A literal every match holds within bounded reach; none after an unbounded run or in a fold."""
    assert derive_anchor(re.compile(pattern, flags)) == anchor


def _without_anchors(redactor: Redactor) -> Redactor:
    # Copies: the built-in rules are shared by every redactor of the process.
    rules = [dataclasses.replace(rule) for rule in redactor.rules]
    for rule in rules:
        object.__setattr__(rule, "anchor", None)  # the plain search from where the last match ended
    return Redactor(rules, key=b"k" * 32, allow=["build@example.com"], username=False, hostname=False)


_PIECES = ["a@example.org", "@", "@@", " ", "x" * 70, "b.c@d.example.com", "icon@2x.png", "user:pw@host",
           "https://u:p@example.com/", "?sig=" + "A" * 20, "&sig=", "sk_live_" + "a" * 12, "_", "=", "é",
           "git@github.com", "build@example.com", ":", "[REDACTED:x]", "<email-3>", "\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=80))
def test_anchored_search_finds_what_the_plain_search_finds(pieces: list[str]) -> None:
    text = "".join(pieces)
    anchored, plain = _redactor(), _without_anchors(_redactor())
    assert any(rule.anchor for rule in anchored.rules)
    counts_a: Counter[str] = Counter()
    counts_p: Counter[str] = Counter()
    assert anchored.redact(text, counts_a) == plain.redact(text, counts_p)
    assert counts_a == counts_p
    assert anchored.mapping() == plain.mapping()
