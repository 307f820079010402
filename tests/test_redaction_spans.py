"""Lines with thousands of matches: the bisected span index agrees with the plain overlap test.

The engine once tested each match against every earlier one (quadratic in
matches per line); a 1 MB JSON body full of e-mail addresses took a minute.
These tests pin that the faster index gives the same answers, and that a
line full of matches comes out exactly as its pieces do one by one.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diagbundle.redaction import Redactor
from diagbundle.redaction.jsonfit import scan as _json_scan
from diagbundle.redaction.prefilter import SINGLE_MATCH_MIN, load_hyperscan, project
from diagbundle.redaction.spans import Spans as _Spans


def _disjoint(cuts: list[int]) -> list[tuple[int, int]]:
    """Sorted, disjoint, non-empty spans from a list of cut points (every other gap)."""
    points = sorted(set(cuts))
    return [(points[i], points[i + 1]) for i in range(0, len(points) - 1, 2)]


def _naive(start: int, end: int, spans: list[tuple[int, int]], touching: bool) -> bool:
    if touching:
        return any(start <= e and s <= end for s, e in spans)
    return any(start < e and s < end for s, e in spans)


points = st.lists(st.integers(min_value=0, max_value=200), max_size=40)


@settings(max_examples=500, deadline=None)
@given(points, st.integers(0, 210), st.integers(0, 20), st.booleans())
def test_overlaps_agrees_with_the_plain_test(cuts: list[int], start: int, width: int,
                                             touching: bool) -> None:
    spans = _disjoint(cuts)
    index = _Spans(spans)
    end = start + width
    assert index.overlaps(start, end, touching=touching) == _naive(start, end, spans, touching)
    assert bool(index) == bool(spans)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300), st.integers(1, 9)), max_size=60))
def test_add_keeps_the_index_sorted_and_exact(candidates: list[tuple[int, int]]) -> None:
    index = _Spans()
    taken: list[tuple[int, int]] = []
    for start, width in candidates:
        end = start + width
        assert index.overlaps(start, end) == _naive(start, end, taken, False)
        if not index.overlaps(start, end):
            index.add(start, end)
            taken.append((start, end))
    assert list(zip(index.starts, index.ends, strict=True)) == sorted(taken)


@settings(max_examples=300, deadline=None)
@given(points, st.integers(0, 210))
def test_first_ending_after(cuts: list[int], pos: int) -> None:
    spans = _disjoint(cuts)
    expected = next(((s, e) for s, e in spans if e > pos), None)
    assert _Spans(spans).first_ending_after(pos) == expected


def _redactor() -> Redactor:
    return Redactor(key=b"s" * 32, username=False, hostname=False)


def test_a_line_of_thousands_of_matches_equals_its_pieces() -> None:
    """Secrets and PII interleaved on one line: the same result as one piece at a time."""
    pieces = [f"user{i}@example.org token={i:08d}x ghp_{'A' * 30}{i:06d} 10.1.{i % 250}.{i % 200 + 1}"
              for i in range(3000)]
    redactor = _redactor()
    whole = redactor.redact(" ; ".join(pieces))
    assert whole == " ; ".join(redactor.redact(p) for p in pieces)
    assert "@example.org" not in whole and "ghp_" not in whole


def test_a_json_line_of_thousands_of_strings_equals_its_pieces() -> None:
    """JSON mode: every match is fitted to its own string among thousands."""
    rows = [{"id": i, "email": f"p{i}@example.org", "token": f"tok{i:08d}", "n": 4111111111111111}
            for i in range(3000)]
    redactor = _redactor()
    whole = redactor.redact(json.dumps(rows, separators=(",", ":")), json=True)
    parts = [redactor.redact(json.dumps(r, separators=(",", ":")), json=True) for r in rows]
    assert whole == "[" + ",".join(parts) + "]"
    decoded = json.loads(whole)
    assert all("@example.org" not in row["email"] and row["token"] != f"tok{i:08d}"
               and row["n"] == "[REDACTED:credit-card]" for i, row in enumerate(decoded))


@pytest.mark.skipif(load_hyperscan() is None, reason="Hyperscan is not installed")
def test_hyperscan_candidates_of_a_block_equal_those_of_its_lines() -> None:
    """Many lines, some long with thousands of hits: each hit is put on its own line."""
    redactor = Redactor(key=b"s" * 32, username=False, hostname=False, engine="hyperscan")
    prefilter = redactor._snapshot().prefilter
    lines = ["plain words only", "a@example.org " * 2000, "", "token=1 10.0.0.1 " * 500,
             "nothing", "x" * 5000 + " ghp_" + "A" * 36, "\tpassword: x"]
    block = "\n".join(lines * 3)
    expected: dict[int, int] = {}
    offset = 0
    for line in block.split("\n"):
        for start, mask in prefilter.candidates(project(line)).items():
            expected[offset + start] = expected.get(offset + start, 0) | mask
        offset += len(line) + 1
    assert prefilter.candidates(project(block)) == expected


_LINE_PIECES = st.sampled_from(["a@example.org", " ", "token=", "10.0.0.1", "ghp_" + "A" * 36, "x",
                                 "password: ", "AKIA" + "B" * 16, ":", "::1", "\u00e9", "Bearer "])


@pytest.mark.parametrize("engine", ["python", "hyperscan"])
@settings(max_examples=150, deadline=None)
@given(st.lists(_LINE_PIECES, max_size=60), st.booleans())
def test_mask_of_a_line_is_the_union_of_its_candidates(engine: str, pieces: list[str], long: bool) -> None:
    """``mask`` (a long line: each trigger reported once) and ``candidates`` agree."""
    if engine == "hyperscan" and load_hyperscan() is None:
        pytest.skip("Hyperscan is not installed")
    prefilter = Redactor(key=b"s" * 32, username=False, hostname=False, engine=engine)._snapshot().prefilter
    line = "".join(pieces)
    if long:  # past the length where Hyperscan switches to its report-once database
        line = "y" * SINGLE_MATCH_MIN + line
    projected = project(line)
    union = 0
    for mask in prefilter.candidates(projected).values():
        union |= mask
    assert prefilter.mask(projected) == union


def _json_scan_reference(content: str, state: int, stop: int) -> tuple[list[tuple[int, int]], int]:
    """The lexer as first written: one step per quote and backslash (slow, plainly right)."""
    spans: list[tuple[int, int]] = []
    inside = state != 0
    opened = 0
    pos = 1 if state == 2 else 0
    escaped = False
    while pos < stop:
        at = next((i for i in range(pos, stop) if content[i] in '"\\'), None)
        if at is None:
            break
        if content[at] == "\\":
            if inside and at + 1 >= stop:
                escaped = True
            pos = at + 2 if inside else at + 1
            continue
        if inside:
            spans.append((opened, at + 1))
        else:
            opened = at
        inside = not inside
        pos = at + 1
    if state == 2 and stop == 0:
        escaped = True
    if inside:
        spans.append((opened, stop))
    return spans, (2 if escaped else 1) if inside else 0


@settings(max_examples=1000, deadline=None)
@given(st.text('ab"\\u0 :,{}', max_size=40), st.integers(0, 2), st.integers(0, 45))
def test_json_scan_agrees_with_the_step_by_step_lexer(content: str, state: int, stop: int) -> None:
    stop = min(stop, len(content))
    assert _json_scan(content, state, stop) == _json_scan_reference(content, state, stop)


@pytest.mark.parametrize("mode", [False, True])
def test_one_rule_matching_thousands_of_times_equals_its_pieces(mode: bool) -> None:
    """Only one rule matches (the path that skips resolving overlaps): same result."""
    rows = [{"id": i, "email": f"p{i}@example.org", "name": f"item {i}"} for i in range(2000)]
    redactor = _redactor()
    whole = redactor.redact(json.dumps(rows, separators=(",", ":")), json=mode)
    parts = [redactor.redact(json.dumps(r, separators=(",", ":")), json=mode) for r in rows]
    assert whole == "[" + ",".join(parts) + "]"
    assert "@example.org" not in whole and whole.count("<email-") == 2000


@pytest.mark.parametrize("seed", range(2))
def test_json_windows_lexed_late_give_what_lexing_each_gives(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """JSON mode leaves the windows of a long line unlexed until a match needs the state."""
    import random

    from diagbundle.redaction import engine, jsonfit

    rnd = random.Random(seed)
    words = ['pad "quoted" \\\\ back', "x" * 40, "a@example.org", "token=ghp_" + "B" * 36, "\\n", "é",
             "plain"]
    rows = []
    for i in range(40_000):
        rows.append({"id": i, "note": " ".join(rnd.choice(words) for _ in range(rnd.randrange(1, 6)))})
        if i % 9_000 == 0:  # one string that runs across several windows
            rows.append({"blob": 'q"x\\ ' * 200_000})
    text = json.dumps(rows)
    assert len(text) > 4 * engine.WINDOW and "\n" not in text

    def redact() -> bytes:
        data = text.encode()
        chunks = [data[i : i + 65_536] for i in range(0, len(data), 65_536)]
        return b"".join(Redactor(key=b"j" * 32, username=False, hostname=False).stream(chunks, json=True))

    late = redact()
    monkeypatch.setattr(jsonfit, "JSON_PENDING", 0)
    assert redact() == late
    parsed = json.loads(late)
    assert len(parsed) == len(rows) and "ghp_" + "B" * 36 not in late.decode()
