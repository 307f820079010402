"""Key/value pairs planted all around the cut points of long lines never keep their value.

A line of 1 MiB or more is redacted in windows (``diagbundle/redaction/lines.py``):
each window commits up to ``WINDOW - MARGIN`` (or the end of a match that
crosses it) and the next window starts there. Issue 10 measured 27 of 2,281
positions where a pair straddling that point kept its value: the window
counted a match by where its *value* starts, so ``password=`` before the cut
with its value after it was dropped, and the next window began without the key.

The broad search runs the real code with the window shrunk (the constants are
module globals that every use reads at call time), so thousands of positions
cost seconds; a smaller one runs at the real 1 MiB size, and every case is also
streamed in chunks of several sizes (the output must be the same).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from diagbundle.redaction import Redactor, engine, lines
from diagbundle.redaction.prefilter import load_hyperscan

ENGINES = ["python"] + (["hyperscan"] if load_hyperscan() is not None else [])
REDACTORS = {e: Redactor(engine=e, key=b"w" * 32, username=False, hostname=False) for e in ENGINES}
GH = "ghp_" + "Q7wE9rT2yU4iO6pA8sD1fG3hJ5kL0zX2cV4b"
#: A value longer than the shrunk margin, with spaces inside its quotes.
SPACED = " ".join(f"W{i}rd{i % 7}X" for i in range(80))
#: (text before the value, the value, text after it). Each value is made of pieces
#: the filler and the tags never hold, so any 8 characters of it surviving is a leak.
SHAPES: list[tuple[str, str, str]] = [
    ("password=", "Hunter2Secret99", " "),
    ('"token": "', "Zq8vL2mN4pR7sT1u", '"'),
    ("Authorization: Bearer ", "AbcDEF123456GhiJKL", " "),
    ("postgres://app:", "S3cr3tPw9Z", "@db.example.com:5432/orders "),
    (" ", GH, " "),
    ("api_key = '", "V4lue w1th SPACES; & C0mmas", "' "),
    ("--password ", "Xy7pQ2wE9rZZ", " "),
    ("DB_PASSWORD: ", "Yk3Lm9Np2Qr5", " "),
    ("client_secret=", "Cs" + "7Hq2Lw9Zp4" * 70, " "),  # longer than the shrunk MARGIN
    ('"password": "', SPACED, '"'),  # longer than the margin, spaces inside
]


def leaked(value: str, out: str) -> str | None:
    """A piece of ``value`` (8 characters, every 4) found in ``out``, if any."""
    pieces = {value[i : i + 8] for i in range(0, max(1, len(value) - 7), 4)}
    for piece in sorted(pieces):
        if piece.strip() and " " not in piece[1:-1] and piece in out:
            return piece
    return None


def planted(shape: tuple[str, str, str], value_at: int, size: int) -> str:
    """A line of ``size`` characters, no line break, with the shape's value starting at ``value_at``."""
    before, value, after = shape
    start = value_at - len(before)
    assert start >= 2
    head = ("q " * (start // 2 + 1))[: start - 1] + " "
    line = head + before + value + after
    tail = size - len(line)
    return line + ("z " * (tail // 2 + 1))[:tail]


def _offsets(shape: tuple[str, str, str]) -> Iterator[int]:
    """Value starts from where the whole pair ends just before a point to just after it."""
    before, value, after = shape
    reach = min(len(value), 48)
    yield from range(-(reach + len(after) + 2), len(before) + 3)


def _points(window: int, margin: int) -> list[int]:
    """The commit points and ends of the first two windows (with no match before them)."""
    cut = window - margin
    return [cut, window, 2 * cut, cut + window]


def _check(redactor: Redactor, line: str, shape: tuple[str, str, str], json: bool, label: str,
           chunks: tuple[int, ...]) -> str:
    wrapped = f'{{"log": "{line}"}}' if json else line
    out = redactor.redact(wrapped, json=json)
    piece = leaked(shape[1], out)
    assert piece is None, f"{label}: {piece!r} of the value survived"
    for size in chunks:
        data = wrapped.encode()
        streamed = b"".join(redactor.stream((data[i : i + size] for i in range(0, len(data), size)),
                                            json=json)).decode()
        assert streamed == out, f"{label}: chunks of {size} changed the output"
    return out


#: The shrunk window: the same code, a four-hundredth of the work per case.
SMALL_WINDOW, SMALL_MARGIN = 2048, 256


@pytest.fixture
def small_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lines, "WINDOW", SMALL_WINDOW)
    monkeypatch.setattr(lines, "MARGIN", SMALL_MARGIN)
    monkeypatch.setattr(engine, "WINDOW", SMALL_WINDOW)


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.usefixtures("small_windows")
def test_no_value_survives_any_position_around_a_cut(engine_name: str) -> None:
    redactor = REDACTORS[engine_name]
    size = 3 * SMALL_WINDOW + 900
    tried = 0
    # The pure-Python prefilter costs some 5 ms a window here: every third position for it.
    step = 1 if engine_name == "hyperscan" else 3
    chunk_sizes = itertools.cycle([(), (), (), (997,), (SMALL_WINDOW - 1,), (SMALL_WINDOW + 13, 4093)])
    for index, shape in enumerate(SHAPES):
        json = '"' not in shape[0] + shape[1] + shape[2] and "'" not in shape[0]
        for point in _points(SMALL_WINDOW, SMALL_MARGIN):
            for offset in itertools.islice(_offsets(shape), 0, None, step):
                line = planted(shape, point + offset, size)
                label = f"{engine_name} shape {index} at {point}{offset:+d}"
                _check(redactor, line, shape, False, label, next(chunk_sizes))
                tried += 1
                if json and offset % 2 == 0:  # the same inside one JSON string, json=True
                    _check(redactor, line, shape, True, label + " json", ())
                    tried += 1
    print(f"\n{engine_name}: {tried} positions around window cuts, no value survived")
    assert tried > 2300 // step


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.usefixtures("small_windows")
def test_pairs_one_after_another_across_many_windows(engine_name: str) -> None:
    """Pairs every few hundred characters: whatever the cuts are, each pair is seen whole."""
    redactor = REDACTORS[engine_name]
    for step in (97, 233, 389):
        parts = []
        for i in range(120):
            before, value, after = SHAPES[i % 8]
            parts.append(("q " * (step // 2))[: step] + before + value + after)
        line = "".join(parts)
        assert len(line) > 4 * SMALL_WINDOW
        out = _check(redactor, line, ("", "", ""), False, f"step {step}", (1009, 4096))
        for _, value, _ in SHAPES[:8]:
            assert leaked(value, out) is None, (step, value)


@pytest.mark.parametrize("engine_name", ENGINES)
def test_real_window_size(engine_name: str) -> None:
    """At the real 1 MiB window: the shapes right across its commit point and its end."""
    redactor = REDACTORS[engine_name]
    window, margin = lines.WINDOW, lines.MARGIN
    size = window + 5000
    tried = 0
    long_value = ("client_secret=", "Cs" + "7Hq2Lw9Zp4" * 7000, " ")  # longer than MARGIN
    # A 1 MiB window costs the pure-Python prefilter about half a second: a few shapes for it.
    shapes = [*SHAPES[:8], long_value] if engine_name == "hyperscan" else [SHAPES[1], long_value]
    for shape in shapes:
        value_len = len(shape[1])
        points = [(window - margin, (-value_len // 2, -1, 0, 1, len(shape[0]) - 1)),
                  (window, (-value_len // 2, -2))]
        for point, offsets in points if engine_name == "hyperscan" else points[:1]:
            for offset in offsets:
                line = planted(shape, point + offset, size + (value_len if point == window else 0))
                _check(redactor, line, shape, False, f"{engine_name} real {point}{offset:+d}",
                       (65536,) if tried % 7 == 0 else ())
                tried += 1
    print(f"\n{engine_name}: {tried} positions at the real window size, no value survived")
