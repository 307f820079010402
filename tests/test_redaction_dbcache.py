"""The on-disk cache of compiled Hyperscan databases: used when sound, never trusted when not.

A database that does not match its rule set would let lines through
unredacted, so each way a cache file can go bad (corrupt, truncated, stale)
must be detected, the databases compiled afresh and the output be the same
as the reference engine's on the secrets corpus.
"""

from __future__ import annotations

import json
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from diagbundle.redaction import Redactor, dbcache, prefilter
from diagbundle.redaction.prefilter import load_hyperscan

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HS = load_hyperscan()
pytestmark = pytest.mark.skipif(HS is None, reason="hyperscan is not installed (diagbundle[fast])")

CORPUS = Path(__file__).parent / "redaction_corpus" / "secrets.toml"
TEXT = "\n".join(case["text"] for case in tomllib.loads(CORPUS.read_text())["case"])


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh cache folder, and no prefilter kept in memory from other tests."""
    monkeypatch.setenv("DIAGBUNDLE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(prefilter, "_cache", {})
    yield tmp_path / "hyperscan"


def build(engine: str, **options: Any) -> Redactor:
    """A redactor whose databases are all built (from the disk cache or not)."""
    prefilter._cache.clear()
    redactor = Redactor(engine=engine, key=b"d" * 32, **options)
    built = redactor._snapshot().prefilter
    if isinstance(built, prefilter.HyperscanPrefilter):
        built._single.result()  # the report-once database, built in a thread
    return redactor


def redact(text: str, engine: str) -> str:
    return build(engine, username="zoe", hostname="zoe-box").redact(text)


def counting_compiles(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record each real Hyperscan compile (the cache's own code runs unchanged)."""
    assert HS is not None
    calls: list[int] = []
    real = HS.Database.compile

    def compile_(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("elements", 0))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(HS, "Database", type("Database", (HS.Database,), {"compile": compile_}))
    return calls


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.db"))


def test_cold_build_writes_private_files_and_warm_build_compiles_nothing(
    cache: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = counting_compiles(monkeypatch)
    expected = redact(TEXT, "exhaustive")
    assert redact(TEXT, "hyperscan") == expected
    assert len(calls) == 2  # the per-line database and the report-once one
    assert len(entries(cache)) == 2
    for path in cache.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert not list(cache.glob(".*")), "a temporary file was left behind"
    calls.clear()
    assert redact(TEXT, "hyperscan") == expected
    assert calls == []


def _damage_corrupt(db: Path) -> None:
    blob = bytearray(db.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    db.write_bytes(bytes(blob))


def _damage_truncated(db: Path) -> None:
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])


def _damage_stale(db: Path) -> None:
    """Another rule set's database and record, put under this key's name."""
    build("hyperscan", pii=["email"], username=False, hostname=False)
    theirs = [p for p in entries(db.parent) if p != db]
    db.write_bytes(theirs[0].read_bytes())
    db.with_suffix(".json").write_bytes(theirs[0].with_suffix(".json").read_bytes())


@pytest.mark.parametrize("damage", [_damage_corrupt, _damage_truncated, _damage_stale],
                         ids=["corrupt", "truncated", "stale"])
def test_a_bad_cache_file_is_detected_and_compiled_afresh(
    cache: Path, monkeypatch: pytest.MonkeyPatch, damage: Any,
) -> None:
    assert HS is not None
    expected = redact(TEXT, "exhaustive")
    assert redact(TEXT, "hyperscan") == expected
    for db in entries(cache):  # both databases, one after the other
        sound = db.read_bytes()
        count = json.loads(db.with_suffix(".json").read_text())["patterns"]
        damage(db)
        assert dbcache._load(HS, cache, db.stem, count) is None
        with monkeypatch.context() as patch:
            calls = counting_compiles(patch)
            assert redact(TEXT, "hyperscan") == expected
            assert calls, "the damaged database was not compiled afresh"
            assert db.read_bytes() == sound  # ...and written again, sound,
            calls.clear()
            assert redact(TEXT, "hyperscan") == expected
            assert calls == []  # so the next build compiles nothing
