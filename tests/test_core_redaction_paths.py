"""Invariant 1: every text byte a collector adds goes through the redactor, whatever the path.

The ``leaky`` test plugin plants the same secrets in ``add_text``,
``add_json``, ``add_stream`` (bytes cut at every size, and str), ``add_file``,
a file name, a summary line, its failure message and a plugin option; the
command line carries them too. None may appear anywhere in the bundle: not
in a member, not in a member's name, not in the raw zip file.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from core_plugins import harness, leaky

from diagbundle import Collector, Redactor, hookimpl
from diagbundle.api import stream
from diagbundle.testing import build_bundle, make_manager


def assert_no_secret(raw: bytes) -> dict[str, bytes]:
    """Check the zip's own bytes and every decompressed member; return the members."""
    for secret in leaky.SECRETS:
        assert secret.encode() not in raw
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        contents = {name: zf.read(name) for name in zf.namelist()}
    for name, data in contents.items():
        for secret in leaky.SECRETS:
            assert secret not in name, name
            assert secret.encode() not in data, f"{secret} in {name}: {data[:300]!r}"
    return contents


def leaky_file(folder: Path) -> str:
    path = folder / "app.log"
    path.write_text(leaky.LINE * 5)
    return str(path)


def test_every_add_path_is_redacted_in_the_api(tmp_path: Path) -> None:
    secret_folder = tmp_path / "in" / leaky.EMAIL
    secret_folder.mkdir(parents=True)
    bundle = build_bundle(
        tmp_path,
        plugins=[leaky],
        only="leaky,leaky-fail",
        leaky_note=f"password={leaky.PASSWORD}",
        leaky_file=leaky_file(secret_folder),
        argv=["diagbundle", "collect", "--leaky-note", f"password={leaky.PASSWORD}", f"--x={leaky.EMAIL}"],
    )
    contents = assert_no_secret(bundle.result.path.read_bytes())
    names = set(contents)
    for expected in ("text.txt", "data.json", "str.log", "app.log", "option.txt"):
        assert f"leaky/{expected}" in names
    # Chunking never changes the result (invariant 2 seen from the core).
    streamed = {contents[f"leaky/bytes-{n}.log"] for n in (1, 2, 3, 7, 64)}
    assert len(streamed) == 1
    assert contents["leaky/str.log"] == contents["leaky/bytes-64.log"][: len(contents["leaky/str.log"])]
    # Redacted, not dropped: the non-secret text survives, with consistent pseudonyms.
    text = contents["leaky/text.txt"].decode()
    assert text.startswith("user ") and "café" in text
    pseudonym = text.split()[1]
    assert pseudonym in contents["leaky/app.log"].decode()
    assert pseudonym in json.dumps(json.loads(contents["leaky/data.json"]))
    assert bundle.collector("leaky")["status"] == "ok"
    assert bundle.collector("leaky-fail")["status"] == "failed"
    assert bundle.collector("leaky-fail")["reason"].startswith("ValueError: login failed for ")
    for f in bundle.manifest["files"]:
        if f["path"] in ("leaky/text.txt", "leaky/app.log", "leaky/data.json"):
            assert sum(f["redactions"].values()) >= 2, f


def test_every_add_path_is_redacted_from_the_cli(tmp_path: Path) -> None:
    folder = tmp_path / f"home-of-{leaky.EMAIL}"
    folder.mkdir()
    log = folder / f"for-{leaky.EMAIL}.log"
    log.write_text(leaky.LINE)
    out = tmp_path / "b.zip"
    done = harness.run(
        "collect",
        "--only",
        "leaky,leaky-fail,attachments",
        "--leaky-note",
        f"password={leaky.PASSWORD}",
        "--leaky-file",
        leaky_file(folder),
        "--attach",
        str(log),
        "-o",
        str(out),
        "--json",
        load="leaky",
    )
    assert done.returncode == 6, done.stderr  # leaky-fail fails on purpose: incomplete
    contents = assert_no_secret(out.read_bytes())
    manifest = json.loads(contents["manifest.json"])
    assert manifest["command"]["argv"][1] == "collect"
    assert any(p.startswith("attachments/") for p in contents)
    # What the CLI prints about the bundle is redacted too, except the path the user chose.
    printed = json.loads(done.stdout)
    printed.pop("path")
    for secret in leaky.SECRETS:
        assert secret not in json.dumps(printed)


def test_stream_api_is_redacted(tmp_path: Path) -> None:
    manager = make_manager(leaky, builtins=())
    result = stream(
        manager=manager, only="leaky,leaky-fail", leaky_note=leaky.EMAIL, leaky_file=leaky_file(tmp_path)
    )
    assert_no_secret(b"".join(result))
    assert result.manifest["files"]


def test_plugin_redaction_rules_apply_to_the_bundle(tmp_path: Path) -> None:
    from diagbundle import Context, Rule

    def collect(ctx: Context) -> None:
        ctx.add_text("id.txt", "id ACME-123456\n")

    class Plugin:
        @hookimpl
        def diagbundle_register_redaction_rules(self, register: Callable[[Rule], None]) -> None:
            register(Rule("acme-id", r"ACME-\d{6}"))

        @hookimpl
        def diagbundle_register_collectors(self, register: Callable[[Collector], None]) -> None:
            register(Collector("acme", "Writes an id", collect))

    bundle = build_bundle(tmp_path, plugins=[Plugin()], only="acme")
    assert bundle.text("acme/id.txt") == "id [REDACTED:acme-id]\n"
    assert bundle.file("acme/id.txt")["redactions"] == {"acme-id": 1}


def test_user_redact_pattern_applies_everywhere(tmp_path: Path) -> None:
    bundle = build_bundle(
        tmp_path,
        plugins=[leaky],
        only="leaky",
        redact_patterns=[r"logged in"],
        leaky_file=leaky_file(tmp_path),
    )
    assert "logged in" not in bundle.text("leaky/text.txt")
    assert "[REDACTED:custom-1]" in bundle.text("leaky/app.log")


def test_pseudonym_mapping_never_enters_the_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Redactor] = []
    real_init = Redactor.__init__

    def spy(self: Redactor, *args: object, **kwargs: object) -> None:
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]
        seen.append(self)

    monkeypatch.setattr(Redactor, "__init__", spy)
    bundle = build_bundle(tmp_path, plugins=[leaky], only="leaky", leaky_file=leaky_file(tmp_path))
    mapping = seen[-1].mapping()
    assert leaky.EMAIL in mapping.values()
    raw = bundle.result.path.read_bytes()
    contents = assert_no_secret(raw)
    for value in mapping.values():
        assert all(value.encode() not in data for data in contents.values()), value


def test_plugin_errors_in_the_manifest_are_redacted(tmp_path: Path) -> None:
    class Broken:
        @hookimpl
        def diagbundle_register_collectors(self, register: object) -> None:
            raise RuntimeError(f"cannot read /home/x/.netrc: password={leaky.PASSWORD} for {leaky.EMAIL}")

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        manager = make_manager(Broken(), leaky, builtins=())
        bundle = build_bundle(tmp_path, manager=manager, only="leaky", leaky_file=leaky_file(tmp_path))
    assert_no_secret(bundle.result.path.read_bytes())
    (broken,) = [p for p in bundle.manifest["plugins"] if p["status"] == "failed"]
    assert broken["error"].startswith("diagbundle_register_collectors: RuntimeError: cannot read")


def test_format_that_fails_after_some_output_leaves_nothing_behind(tmp_path: Path) -> None:
    """A format step may stream; only a run it finishes reaches the bundle."""
    from collections.abc import Iterator
    from typing import IO

    from diagbundle import Context, Format, FormatError, FormatJob

    def sanitize(source: IO[bytes], job: FormatJob) -> Iterator[bytes]:
        for line in source:
            if line.startswith(b"BAD"):
                raise FormatError("a bad line")
            yield line

    (tmp_path / "good.half").write_bytes(b"line 1\n" * 1000)
    (tmp_path / "bad.half").write_bytes(b"PARTIAL-OUTPUT\n" * 1000 + b"BAD\n")

    def collect(ctx: Context) -> None:
        for name in ("bad.half", "good.half"):
            ctx.add_file(name, tmp_path / name)

    class Plugin:
        @hookimpl
        def diagbundle_register_formats(self, register: Callable[[Format], None]) -> None:
            register(Format("half", "Fails on a BAD line", lambda name, head: name.endswith(".half"),
                            sanitize, media_type="text/plain", text=True))

        @hookimpl
        def diagbundle_register_collectors(self, register: Callable[[Collector], None]) -> None:
            register(Collector("halves", "Adds two files", collect))

    bundle = build_bundle(tmp_path, plugins=[Plugin()], only="halves")
    assert "halves/good.half" in bundle.names()
    assert not [n for n in bundle.names() if "bad" in n]
    with zipfile.ZipFile(bundle.result.path) as zf:
        assert not [n for n in zf.namelist() if b"PARTIAL-OUTPUT" in zf.read(n)]
    # Not named by the user (required=False): left out, said so, and its collector failed.
    assert "`halves/bad.half`: left out (half step failed: a bad line)" in bundle.text("summary.md")
    assert bundle.manifest["dropped"] == [
        {"path": "halves/bad.half", "collector": "halves", "reason": "half step failed: a bad line"}
    ]
    assert bundle.collector("halves")["status"] == "failed"
    assert not bundle.result.complete
