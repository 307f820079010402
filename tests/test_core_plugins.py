"""Plugin discovery: a broken plugin is a failed line, never a crash (DESIGN invariant 4).

The test plugins are found through real entry points (see ``core_plugins``):
in child processes via ``PYTHONPATH``, in-process via ``sys.path``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from core_plugins import harness

from diagbundle.plugins import PluginManager, PluginWarning

BROKEN = "broken_import,bad_argname,specless,broken_register"


def plugins_json(load: str | None, **env: str) -> tuple[dict[str, dict[str, Any]], str]:
    done = harness.run("plugins", "--json", load=load, env=env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    infos: dict[str, dict[str, Any]] = {}
    for info in json.loads(done.stdout):
        # The built-ins are listed first: the entry point named "attachments" must not hide them.
        infos.setdefault(info["name"], info)
    return infos, done.stderr


def test_each_broken_plugin_is_a_failed_line_and_the_others_load() -> None:
    infos, stderr = plugins_json(f"good,{BROKEN}")
    assert infos["good"]["status"] == "ok"
    assert infos["good"]["collectors"] == ["good"]
    assert infos["good"]["source"] == "entry point"
    assert infos["good"]["distribution"] == "diagbundle-core-test-plugins"
    assert infos["good"]["version"] == "1.0"
    assert infos["attachments"]["status"] == "ok"
    assert infos["attachments"]["source"] == "built-in"
    for name in BROKEN.split(","):
        assert infos[name]["status"] == "failed", infos[name]
        assert infos[name]["collectors"] == []
        assert "\n" not in infos[name]["error"]
    assert "this plugin fails at import on purpose" in infos["broken_import"]["error"]
    assert "this plugin fails at register on purpose" in infos["broken_register"]["error"]
    assert "diagbundle_register_colectors" in infos["specless"]["error"]
    # The warning on stderr is one line per plugin and says how to get rid of it.
    warned = [line for line in stderr.splitlines() if line.startswith("warning:")]
    assert len(warned) == 4, stderr
    assert all("pip uninstall diagbundle-core-test-plugins" in line for line in warned)


def test_unknown_hook_argument_names_the_argument() -> None:
    infos, _ = plugins_json("bad_argname")
    error = infos["bad_argname"]["error"]
    assert "diagbundle_register_collectors" in error
    assert "colour_scheme" in error, error


def test_plugin_broken_at_register_loses_what_it_registered() -> None:
    infos, _ = plugins_json("broken_register,good")
    assert infos["broken_register"]["collectors"] == []
    done = harness.run("collect", "--only", "half-registered", "--dry-run", load="broken_register,good")
    assert done.returncode == 2
    harness.assert_one_line_error(done.stderr, "half-registered", "good")


def test_broken_plugins_are_listed_in_the_manifest_and_the_bundle_is_written(tmp_path: Path) -> None:
    out = tmp_path / "b.zip"
    done = harness.run("collect", "-o", str(out), "--only", "good", load=f"good,{BROKEN}")
    assert done.returncode == 0, done.stderr
    manifest = json.loads(harness.members(out)["manifest.json"])
    plugins = {p["name"]: p for p in manifest["plugins"]}
    for name in BROKEN.split(","):
        assert plugins[name]["status"] == "failed"
        assert plugins[name]["error"]
    assert [c["status"] for c in manifest["collectors"]] == ["ok"]


def test_plugin_failing_at_collect_is_recorded_and_others_run(tmp_path: Path) -> None:
    out = tmp_path / "b.zip"
    done = harness.run("collect", "-o", str(out), "--json", load="good,broken_collect")
    assert done.returncode == 6, done.stderr  # written, but incomplete
    result = json.loads(done.stdout)
    status = {c["name"]: c for c in result["collectors"]}
    assert status["good"]["status"] == "ok"
    assert status["broken-collect"]["status"] == "failed"
    assert "this collector fails on purpose" in status["broken-collect"]["reason"]
    contents = harness.members(out)
    assert "good/hello.txt" in contents
    summary = contents["summary.md"].decode()
    assert "broken-collect | failed" in summary


@pytest.mark.parametrize("plugin", BROKEN.split(","))
def test_strict_mode_reraises(plugin: str) -> None:
    done = harness.run("plugins", "--json", load=plugin, env={"DIAGBUNDLE_STRICT_PLUGINS": "1"})
    assert done.returncode != 0
    assert "Traceback" in done.stderr  # strict mode is for plugin authors: the real error, in full
    assert not done.stdout


def test_load_plugins_empty_loads_no_third_party_plugin() -> None:
    infos, stderr = plugins_json("")
    assert infos["attachments"]["status"] == "ok"
    third_party = {n: i for n, i in infos.items() if i["source"] == "entry point"}
    assert "good" in third_party
    assert all(i["status"] == "disabled" for i in third_party.values())
    assert not stderr


def test_load_plugins_list_loads_only_those() -> None:
    infos, _ = plugins_json("good, needs_net")
    loaded = sorted(n for n, i in infos.items() if i["source"] == "entry point" and i["status"] == "ok")
    assert loaded == ["good", "needs_net"]
    assert infos["broken_import"]["status"] == "disabled"


def test_without_load_plugins_every_entry_point_is_tried() -> None:
    infos, _ = plugins_json(None)
    assert infos["good"]["status"] == "ok"
    assert infos["broken_import"]["status"] == "failed"


def test_entry_point_named_like_a_builtin_does_not_displace_it(tmp_path: Path) -> None:
    done = harness.run("plugins", "--json", load="attachments,good")
    listed = json.loads(done.stdout)
    named = [p for p in listed if p["name"] == "attachments"]
    assert {p["source"]: p["status"] for p in named} == {"built-in": "ok", "entry point": "failed"}
    assert "already registered" in next(p["error"] for p in named if p["source"] == "entry point")
    log = tmp_path / "app.log"
    log.write_text("hello\n")
    done = harness.run("collect", "--attach", str(log), "-o", str(tmp_path / "b.zip"), load="attachments")
    assert done.returncode == 0, done.stderr
    assert "attachments/app.log" in harness.members(tmp_path / "b.zip")


def test_disabled_entry_point_named_like_a_builtin_does_not_disable_it() -> None:
    done = harness.run("plugins", "--json", load="")
    listed = json.loads(done.stdout)
    named = {p["source"]: p["status"] for p in listed if p["name"] == "attachments"}
    assert named == {"built-in": "ok", "entry point": "disabled"}


def test_plugins_text_listing_shows_the_error() -> None:
    done = harness.run("plugins", load="broken_import")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    failed = [i for i, line in enumerate(lines) if line.startswith("broken_import")]
    assert len(failed) == 1 and "failed" in lines[failed[0]]
    assert "fails at import on purpose" in lines[failed[0] + 1]


# -- in-process: the same entry points, through importlib.metadata on sys.path -------------


@pytest.fixture
def entry_points_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(harness.DIST))
    monkeypatch.delenv("DIAGBUNDLE_STRICT_PLUGINS", raising=False)


def test_manager_warns_per_broken_plugin(entry_points_on_path: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIAGBUNDLE_LOAD_PLUGINS", "good,broken_import,specless")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        manager = PluginManager()
        manager.gather()
    messages = [str(w.message) for w in caught if issubclass(w.category, PluginWarning)]
    assert len(messages) == 2
    assert manager.infos["good"].status == "ok"
    assert "good" in manager.collectors


def test_manager_strict_reraises_the_original_error(
    entry_points_on_path: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIAGBUNDLE_LOAD_PLUGINS", "broken_register")
    monkeypatch.setenv("DIAGBUNDLE_STRICT_PLUGINS", "1")
    manager = PluginManager()
    with pytest.raises(RuntimeError, match="fails at register on purpose"):
        manager.gather()


def test_duplicate_collector_name_is_refused_for_the_second_plugin() -> None:
    import types

    from diagbundle import Collector, hookimpl

    def make(name: str) -> types.SimpleNamespace:
        @hookimpl
        def diagbundle_register_collectors(register: Any) -> None:
            register(Collector("same", f"from {name}", lambda ctx: None))

        return types.SimpleNamespace(diagbundle_register_collectors=diagbundle_register_collectors)

    manager = PluginManager(builtins=(), autoload=False)
    manager.register(make("first"), name="first")
    manager.register(make("second"), name="second")
    with pytest.warns(PluginWarning, match="already registered"):
        manager.gather()
    assert manager.collectors["same"].description == "from first"
    assert manager.infos["second"].status == "failed"
    assert manager.infos["first"].status == "ok"
