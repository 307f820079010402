"""The Python API (``collect``, ``stream``, ``plan``), the lazy package, and ``diagbundle.testing``."""

from __future__ import annotations

import getpass
import io
import json
import os
import socket
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from core_plugins import good, harness, network

import diagbundle
from diagbundle.api import plan
from diagbundle.testing import build_bundle, make_manager


def test_collect_returns_path_manifest_and_statuses(tmp_path: Path) -> None:
    manager = make_manager(good, network, builtins=())
    result = diagbundle.collect(tmp_path / "b.zip", manager=manager, offline=True)
    assert result.path == tmp_path / "b.zip"
    assert result.size == result.path.stat().st_size
    with zipfile.ZipFile(result.path) as zf:
        assert json.loads(zf.read("manifest.json")) == result.manifest
    assert result.manifest["bundle_id"] == result.bundle_id
    assert {c.name: c.status for c in result.collectors} == {"good": "ok", "needs-net": "skipped"}
    assert result.ok
    assert result.manifest["command"]["argv"] == ["diagbundle.collect()"]
    assert result.manifest["command"]["options"]["offline"] is True


def test_collect_into_a_folder_uses_a_timestamped_name(tmp_path: Path) -> None:
    result = diagbundle.collect(tmp_path, manager=make_manager(good, builtins=()))
    assert result.path.parent == tmp_path
    assert result.path.name.startswith("diagbundle-") and result.path.suffix == ".zip"
    for private in {socket.gethostname(), getpass.getuser()}:
        assert private not in result.path.name


def test_collect_bad_input_raises_and_writes_nothing(tmp_path: Path) -> None:
    manager = make_manager(good)
    with pytest.raises(diagbundle.UsageError, match="does not exist"):
        diagbundle.collect(tmp_path / "no" / "b.zip", manager=manager)
    with pytest.raises(diagbundle.UsageError, match="no such file"):
        diagbundle.collect(tmp_path / "b.zip", manager=manager, attach=[tmp_path / "missing.log"])
    with pytest.raises(TypeError, match=r"unknown option.*colour.*attach"):
        diagbundle.collect(tmp_path / "b.zip", manager=manager, colour="red")
    assert list(tmp_path.iterdir()) == []


def test_attach_accepts_one_path_or_several(tmp_path: Path) -> None:
    log = tmp_path / "one.log"
    log.write_text("one\n")
    out = tmp_path / "out"
    out.mkdir()
    bundle = build_bundle(out, manager=make_manager(), only="attachments", attach=log)
    assert bundle.text("attachments/one.log") == "one\n"


def test_stream_yields_a_valid_zip_without_touching_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = diagbundle.stream(manager=make_manager(good, builtins=()))
    assert [c.status for c in result.collectors] == ["ok"]
    assert result.manifest == {}  # filled in once the stream is consumed
    data = b"".join(result)
    assert list(tmp_path.iterdir()) == []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        assert json.loads(zf.read("manifest.json")) == result.manifest
        assert zf.read("good/hello.txt") == b"hello from the good plugin\n"
    assert result.manifest["bundle_id"] == result.bundle_id
    assert result.filename.startswith("diagbundle-") and result.filename.endswith(".zip")
    for private in {socket.gethostname(), getpass.getuser()}:
        assert private not in result.filename


def test_stream_reports_bad_input_before_the_first_byte(tmp_path: Path) -> None:
    with pytest.raises(diagbundle.UsageError, match="no such file"):
        diagbundle.stream(manager=make_manager(), attach=[str(tmp_path / "missing")])


def test_plan_collects_nothing(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("x\n")
    planned = {p.name: p for p in plan(manager=make_manager(good, network), attach=[log], offline=True)}
    assert planned["attachments"].runs and planned["attachments"].sources == [str(log)]
    assert not planned["needs-net"].runs and "offline" in (planned["needs-net"].reason or "")
    assert planned["good"].runs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.log"]


# -- the package itself ----------------------------------------------------------------------


def test_every_public_name_resolves() -> None:
    for name in diagbundle.__all__:
        assert getattr(diagbundle, name) is not None
    with pytest.raises(AttributeError):
        diagbundle.no_such_thing  # noqa: B018


def test_import_and_version_stay_lazy() -> None:
    code = textwrap.dedent(
        """
        import sys
        import diagbundle
        from diagbundle.cli import main
        main(["--version"])
        heavy = {"pluggy", "zipstream", "diagbundle.api", "diagbundle.redaction", "diagbundle_plugins"}
        print(sorted(heavy & set(sys.modules)))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [f"diagbundle {diagbundle.__version__}", "[]"]


# -- diagbundle.testing ------------------------------------------------------------------------


def test_make_manager_does_not_autoload(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(harness.DIST))
    monkeypatch.delenv("DIAGBUNDLE_LOAD_PLUGINS", raising=False)
    manager = make_manager(network)
    manager.gather()
    assert "good" not in manager.infos
    assert "needs-net" in manager.collectors
    assert "attachments" in manager.collectors
    assert make_manager(builtins=()).infos == {}


def test_bundle_helpers(tmp_path: Path) -> None:
    bundle = build_bundle(tmp_path, plugins=[good], only="good")
    assert bundle.names()[-2] == "summary.md"
    assert bundle.text("good/hello.txt").startswith("hello")
    assert bundle.json("manifest.json") == bundle.manifest
    assert bundle.collector("good")["status"] == "ok"
    assert bundle.file("good/hello.txt")["collector"] == "good"
    with pytest.raises(KeyError, match="nope"):
        bundle.collector("nope")
    with pytest.raises(KeyError, match="nope"):
        bundle.file("nope")


def test_fixtures_work_in_a_plugin_authors_test_suite(tmp_path: Path) -> None:
    (tmp_path / "test_mine.py").write_text(
        textwrap.dedent(
            """
            from diagbundle import Collector, hookimpl

            def collect(ctx):
                ctx.add_text("out.txt", "a@b.example.org\\n")

            class Mine:
                @hookimpl
                def diagbundle_register_collectors(self, register):
                    register(Collector("mine", "Mine", collect))

            def test_manager(diagbundle_manager):
                diagbundle_manager.gather()
                assert "attachments" in diagbundle_manager.collectors

            def test_bundle(diagbundle_bundle):
                first = diagbundle_bundle(plugins=[Mine()], only="mine")
                second = diagbundle_bundle(plugins=[Mine()], only="mine")
                assert first.collector("mine")["status"] == "ok"
                assert "a@b.example.org" not in first.text("mine/out.txt")
                assert first.result.path != second.result.path
            """
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DIAGBUNDLE_"))}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "diagbundle.testing",
            "-p",
            "no:cacheprovider",
            "test_mine.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
