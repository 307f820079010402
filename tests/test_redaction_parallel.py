"""Worker processes give the very bytes, counts and mapping of one process.

Each test compares a stream redacted with two worker processes (and with
one) to the same stream in one process, on text built to reach every path of
:mod:`diagbundle.redaction.parallel`: lines a placeholder could change (cut
out and redone here), a state carried across a segment's end (PEM blocks,
YAML block values), carriage returns, lines longer than a window, text that
looks like a placeholder, a worker that dies. Segments are made small so a
short text crosses many of them; the statistics show which path ran, so a
test of a path that never ran fails.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import random
import subprocess
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_redaction_corpus import BENIGN, CASES
from test_redaction_properties import texts

import diagbundle
from diagbundle.redact import redact_file
from diagbundle.redaction import Redactor, engine, parallel
from diagbundle.redaction.lines import WINDOW
from diagbundle.redaction.prefilter import load_hyperscan
from diagbundle.redaction.rule import Rule

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="workers are forked on Linux only")

#: The real threshold, before the fixture makes it 0.
START_AFTER = parallel.START_AFTER
ENGINES = ["python"] + (["hyperscan"] if load_hyperscan() is not None else [])

#: Every Parallel made while a test runs, for its statistics.
made: list[parallel.Parallel] = []


class Recorded(parallel.Parallel):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        made.append(self)


@pytest.fixture(autouse=True)
def small_segments(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(parallel, "START_AFTER", 0)
    monkeypatch.setattr(parallel, "SEGMENT", 400)
    # The test process may be big by now (a whole suite's modules); the guard has its own test.
    monkeypatch.setattr(parallel, "FORK_RSS_LIMIT", 1 << 40)
    monkeypatch.setattr(engine, "Parallel", Recorded)
    made.clear()
    yield
    assert not multiprocessing.active_children(), "a worker outlived its stream"


def make(engine_name: str = "python", **kwargs: Any) -> Redactor:
    return Redactor(engine=engine_name, key=b"w" * 32, username="zoe", hostname="zoe-box",
                    **kwargs)


def both(text: str, engine_name: str = "python", *, chunk: int = 700, json: bool = False,
         **kwargs: Any) -> tuple[tuple[bytes, Counter[str], dict[str, str]], ...]:
    """The stream's output, counts and mapping in one process, with one worker and with two."""
    results = []
    for workers in (0, 1, 2):
        redactor = make(engine_name, **kwargs)
        counts: Counter[str] = Counter()
        chunks = [text[i : i + chunk] for i in range(0, len(text), chunk)]
        out = b"".join(redactor.stream(chunks, counts, json=json, workers=workers))
        results.append((out, counts, redactor.mapping()))
    return tuple(results)


def stats() -> Counter[str]:
    total: Counter[str] = Counter()
    for p in made:
        total.update(p.stats)
    return total


def corpus_text(seed: int) -> str:
    pieces = [c["text"] for c in CASES if not c.get("json")] + [p.read_text() for p in BENIGN]
    random.Random(seed).shuffle(pieces)
    return "\n".join(pieces)


@pytest.mark.parametrize("engine_name", ENGINES)
@pytest.mark.parametrize("seed", [1, 2])
def test_corpus_gives_the_same_bytes_counts_and_mapping(engine_name: str, seed: int) -> None:
    one, *two = both(corpus_text(seed), engine_name)
    assert two == [one, one]
    seen = stats()
    # The workers did most of it, and lines a placeholder could change were cut out and redone.
    assert seen["adopted"] > seen["redone"] > 0
    assert seen["cut"] > 0


def test_pseudonyms_are_numbered_in_output_order_across_segments() -> None:
    lines = [f"GET https://host-{i % 37}.corp.example/x from 203.0.113.{i % 50 + 1} "
             f"user{i % 23}@example.com" for i in range(600)]
    one, *two = both("\n".join(lines) + "\n")
    assert two == [one, one]
    assert b"<email-23>" in two[1][0] and b"<email-24>" not in two[1][0]
    assert stats()["adopted"] > 10


def test_json_lines_mode() -> None:
    lines = [f'{{"user": "u{i}@example.com", "password": "pw-{i}-secret", "n": {i}, '
             f'"url": "https://db{i % 5}.internal:5432/app", "ip": "10.0.{i % 9}.{i % 200 + 1}"}}'
             for i in range(400)]
    one, *two = both("\n".join(lines) + "\n", json=True)
    assert two == [one, one]
    assert stats()["adopted"] > 0


def test_state_carried_across_segments_is_honoured() -> None:
    key = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(
        "MIIEow" + "A" * 58 for _ in range(40)) + "\n-----END RSA PRIVATE KEY-----\n"
    yaml = "settings:\n  password: |\n" + "".join(f"    line{i}-s3cr3t-{i}\n" for i in range(30))
    filler = "".join(f"2026-12-01 INFO request {i} from 203.0.113.{i % 250 + 1} ok\n" for i in range(200))
    text = filler + key + filler + yaml + "after: 1\n" + filler
    one, *two = both(text)
    assert two == [one, one]
    assert b"s3cr3t" not in two[1][0] and b"MIIEow" not in two[1][0]
    assert stats()["redone"] > 0


def test_carriage_returns_and_long_lines() -> None:
    progress = "".join(f"\r{i}% from 203.0.113.{i + 1}:443 to db.internal:5432" for i in range(60))
    long_line = ("x" * 1000 + " password=hunter2 alice@example.com ") * (WINDOW // 1000 + 20)
    text = ("a\n" * 50) + progress + "\n" + ("b 10.0.0.7:22\n" * 80) + long_line + "\n" + "c\n" * 50
    one, *two = both(text, chunk=64 << 10)
    assert two == [one, one]
    assert b"hunter2" not in two[1][0]


class NextLine:
    """A plugin's context rule: the line after its match is a secret, whole."""

    name = "after-tag"

    def line(self, content: str) -> tuple[list[tuple[int, int]], bool]:
        return ([(0, len(content))] if content else []), False


def test_a_line_redone_here_that_opens_a_state() -> None:
    """A rule that reads the tag a first pass wrote: only this process sees it, then carries it."""
    rule = Rule("tagged", r"^<ipv4-[0-9]+>:$", kind="context", follow=lambda match: NextLine())
    text = "".join(f"line {i} 203.0.113.{i % 50 + 1} ok\n"
                   + ("10.9.8.7:\nSECRET-{i}\n" if i % 40 == 7 else "") for i in range(400))
    one, *two = both(text, extra_rules=[rule])
    assert two == [one, one]
    assert b"SECRET" not in one[0] and one[1]["after-tag"] == 10
    assert stats()["rest"] > 0


def test_text_that_looks_like_a_placeholder_or_a_cut() -> None:
    text = "".join(f"seen {mark}12{parallel.PLACE_END} from 203.0.113.{i % 250 + 1}:8080\n"
                   for i in range(100) for mark in (parallel.PLACE, parallel.CUT, "<ipv4-"))
    one, *two = both(text)
    assert two == [one, one]
    assert b"<ipv4-12\x1f" in one[0]  # an input's tag-like text stays as it was
    assert stats()["redone"] > 0


def test_recleaning_text_that_holds_tags() -> None:
    text = corpus_text(3)
    first = make().redact(text)
    one, *two = both(first)
    assert two == [one, one]


def test_a_dead_worker_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    real = parallel.redact_segment

    def dies(make_run: parallel.RunFactory, text: str) -> parallel.Result:
        if "203.0.113.77" in text:
            os._exit(3)  # the worker, killed mid-stream
        return real(make_run, text)

    monkeypatch.setattr(parallel, "redact_segment", dies)
    text = "".join(f"line {i} from 203.0.113.{i % 100}:80 to a@example.com\n" for i in range(500))
    one, *two = both(text)
    assert two == [one, one]
    assert stats()["lost"] > 0


def test_an_error_in_a_rule_is_the_same_error() -> None:
    def check(match: Any) -> bool:
        raise RuntimeError(f"plugin check failed on {match[0]}")

    rule = Rule("boom", r"BOOM-[0-9]+", check=check)
    text = "".join(f"ok line {i} 203.0.113.{i % 200 + 1}\n" for i in range(300)) + "BOOM-42\n"
    for workers in (0, 2):
        with pytest.raises(RuntimeError, match="plugin check failed on BOOM-42"):
            b"".join(make(extra_rules=[rule]).stream([text], workers=workers))


def test_no_workers_never_forks(monkeypatch: pytest.MonkeyPatch) -> None:
    def no(*args: Any) -> None:
        raise AssertionError("forked")

    monkeypatch.setattr(parallel, "Workers", no)
    text = corpus_text(4)
    assert make().redact(text)
    assert b"".join(make().stream([text]))


def test_an_abandoned_stream_ends_its_workers() -> None:
    text = "".join(f"line {i} from 203.0.113.{i % 100}\n" for i in range(2000))
    stream = make().stream([text[i : i + 500] for i in range(0, len(text), 500)], workers=2)
    next(stream)
    assert multiprocessing.active_children()
    stream.close()  # the fixture checks that no worker is left


def test_a_big_process_does_not_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each worker would count all of this process's pages in its RSS again: one process does it."""
    monkeypatch.setattr(parallel, "FORK_RSS_LIMIT", 1 << 20)
    monkeypatch.setattr(parallel, "Workers", lambda *args: pytest.fail("forked"))
    one, *two = both(corpus_text(7))
    assert two == [one, one]
    assert not stats()["adopted"]


def test_workers_cannot_be_negative() -> None:
    with pytest.raises(ValueError, match="workers"):
        b"".join(make().stream(["x"], workers=-1))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(texts, min_size=1, max_size=30).map("\n".join), st.integers(min_value=1, max_value=300))
def test_any_text_gives_the_same_output(text: str, chunk: int) -> None:
    made.clear()
    one, *two = both(text * 3, chunk=chunk)
    assert two == [one, one]


HARS = [Path(__file__).parent / "har_cases" / name
        for name in ("diagbundle-canary.har", "jfromaniello/example.har")]


@pytest.mark.parametrize("path", HARS, ids=lambda p: p.name)
def test_a_har_redacted_with_workers_is_the_same(path: Path) -> None:
    """The HAR's sanitizer runs here; the text pass behind it goes to the workers."""
    outputs = []
    for workers in (0, 1, 2):
        out = io.BytesIO()
        report = redact_file(path, out, workers=workers)
        outputs.append((out.getvalue(), report.redactions))
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]
    assert stats()["adopted"] > 0


def test_the_command_line_gives_the_same_output_with_workers(tmp_path: Path) -> None:
    """Past the first megabyte (the real threshold, in a real process) workers take the lines."""
    src = tmp_path / "big.log"
    pieces = corpus_text(5)
    with src.open("w") as fh:
        while fh.tell() < START_AFTER * 3:
            fh.write(pieces)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIAGBUNDLE_")}
    env["XDG_CONFIG_HOME"] = env["XDG_DATA_HOME"] = str(tmp_path / "home")
    done = {workers: subprocess.run([sys.executable, "-m", "diagbundle", "redact", "--workers", workers,
                                     str(src)], capture_output=True, env=env, timeout=300, check=True)
            for workers in ("0", "2")}
    assert done["2"].stdout == done["0"].stdout
    assert done["2"].stderr == done["0"].stderr
    assert b"redacted" in done["0"].stderr


@pytest.mark.parametrize("value", ["-1", "two"])
def test_a_bad_number_of_workers_is_one_line(value: str, tmp_path: Path) -> None:
    src = tmp_path / "a.log"
    src.write_text("password=hunter2\n")
    done = subprocess.run([sys.executable, "-m", "diagbundle", "redact", "--workers", value, str(src)],
                          capture_output=True, timeout=60)
    assert done.returncode == 2 and done.stdout == b""
    err = done.stderr.decode()
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "--workers" in err and "0 or more" in err


def test_a_bundle_written_with_workers_has_the_same_members(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """``collect``'s text pass over a long attachment, in workers: every member the same."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    log = tmp_path / "app.log"
    log.write_text(corpus_text(6) * 3)
    members = []
    for workers in (0, 2):
        result = diagbundle.collect(tmp_path / f"b{workers}.zip", only="attachments", attach=[log],
                                    workers=workers, offline=True, keep_mapping=False)
        with zipfile.ZipFile(result.path) as bundle:
            members.append({name: bundle.read(name) for name in bundle.namelist()
                            if name.startswith("attachments/")})
        manifest = result.manifest
        members[-1]["redactions"] = json.dumps(manifest["redactions"], sort_keys=True).encode()
    assert members[1] == members[0]
    assert stats()["adopted"] > 0


def test_a_bundle_refuses_negative_workers(tmp_path: Path) -> None:
    with pytest.raises(diagbundle.UsageError, match="--workers"):
        diagbundle.collect(tmp_path / "b.zip", only="attachments", workers=-1)


@pytest.mark.parametrize("path", HARS, ids=lambda p: p.name)
def test_a_har_in_a_bundle_is_the_same_with_workers(path: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A HAR's text pass runs right behind its sanitizer, in the workers: the same member and counts."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    bundles = []
    for workers in (0, 1):
        result = diagbundle.collect(tmp_path / f"h{workers}.zip", only="har", har=[path], workers=workers,
                                    offline=True, keep_mapping=False)
        with zipfile.ZipFile(result.path) as bundle:
            members = {name: bundle.read(name) for name in bundle.namelist() if name.startswith("har/")}
        bundles.append((members, result.manifest["redactions"]))
    assert bundles[1] == bundles[0]
    assert any(name.endswith(".har") for name in bundles[0][0])
    assert stats()["adopted"] > 0
