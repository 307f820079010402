"""The per-match fast path of the engine hands over to the exact loop without losing a match.

While every match of a rule is taken as found, the engine walks them with
``finditer``; the first one that is vetoed (allow list, a ``validate`` that
says no, a pseudonym touching a tag) is searched again by the exact loop,
which goes on from one character later. These lines mix the two in every
order, so a match lost or doubled at a hand-over shows.
"""

from __future__ import annotations

from collections import Counter

from diagbundle.redaction import Redactor
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
