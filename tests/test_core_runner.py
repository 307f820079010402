"""The runner: one collector's failure, hang or flood never costs the bundle (invariant 4).

Also invariant 7 (``--offline`` skips collectors that need the network) and
choosing collectors by name.
"""

from __future__ import annotations

import json
import threading
import time
import types
from pathlib import Path
from typing import Any

import pytest
from core_plugins import flooding, good, hanging, harness, network

from diagbundle import Collector, UsageError, hookimpl, runner
from diagbundle.api import plan
from diagbundle.testing import build_bundle, make_manager


def plugin_of(*collectors: Collector) -> types.SimpleNamespace:
    @hookimpl
    def diagbundle_register_collectors(register: Any) -> None:
        for c in collectors:
            register(c)

    return types.SimpleNamespace(diagbundle_register_collectors=diagbundle_register_collectors)


@pytest.fixture
def hang(monkeypatch: pytest.MonkeyPatch) -> float:
    hanging.LATE.clear()
    hanging.LATE_DONE.clear()
    monkeypatch.setenv("CORE_TEST_HANG", "1.5")
    return 1.5


def test_hanging_collector_times_out_and_the_bundle_is_written(tmp_path: Path, hang: float) -> None:
    started = time.monotonic()
    bundle = build_bundle(tmp_path, plugins=[hanging, good], only="hanging,good", timeout=0.5)
    took = time.monotonic() - started
    assert took < hang, "the run waited for the hung collector"
    entry = bundle.collector("hanging")
    assert entry["status"] == "timed out"
    assert "0.5" in entry["reason"]
    assert bundle.collector("good")["status"] == "ok"
    names = bundle.names()
    assert "hanging/early.txt" in names  # what it wrote in time is kept
    assert "good/hello.txt" in names
    assert bundle.result.path.exists()
    # The late write is refused once the time is up, and never reaches the bundle.
    assert hanging.LATE_DONE.wait(5)
    assert hanging.LATE and hanging.LATE[0].startswith("CollectorStopped"), hanging.LATE
    assert "hanging/late.txt" not in names


def test_timed_out_status_does_not_change_after_the_run(tmp_path: Path) -> None:
    raised = threading.Event()

    def hang_then_raise(ctx: Any) -> None:
        time.sleep(0.6)
        raised.set()
        raise RuntimeError("woke up after the deadline")

    c = Collector("late-raiser", "Raises after its time is up", hang_then_raise)
    bundle = build_bundle(tmp_path, plugins=[plugin_of(c)], only="late-raiser", timeout=0.2)
    assert bundle.collector("late-raiser")["status"] == "timed out"
    assert raised.wait(5)
    time.sleep(0.2)  # let the abandoned thread finish handling its own error
    assert [c.status for c in bundle.result.collectors] == ["timed out"]
    assert not bundle.result.ok


def test_trickling_stream_is_cut_off_and_dropped(tmp_path: Path) -> None:
    bundle = build_bundle(tmp_path, plugins=[hanging], only="trickling", timeout=0.4)
    assert bundle.collector("trickling")["status"] == "timed out"
    assert not [n for n in bundle.names() if n.startswith("trickling/")]
    assert bundle.manifest["files"][0]["path"] == "summary.md"


def test_per_collector_timeout_overrides_the_default(tmp_path: Path, hang: float) -> None:
    quick = Collector("quick-timeout", "Its own short limit", hanging.collect_hanging, timeout=0.2)
    started = time.monotonic()
    bundle = build_bundle(tmp_path, plugins=[plugin_of(quick)], only="quick-timeout", timeout=30)
    assert time.monotonic() - started < 1.4
    assert bundle.collector("quick-timeout")["status"] == "timed out"


@pytest.mark.parametrize(
    "name", ["flood-stream", "flood-many", "flood-one-line"]
)
def test_flooding_collector_is_stopped_at_its_budget(tmp_path: Path, name: str) -> None:
    flooding.PRODUCED.clear()
    bundle = build_bundle(tmp_path, plugins=[flooding], only=f"{name},small", timeout=5)
    entry = bundle.collector(name)
    assert entry["status"] == "failed", entry  # not "timed out": the budget stops it at once
    assert "budget" in entry["reason"]
    # Stopped near its budget (one redactor line of slack at most), not when it chose to stop.
    assert flooding.PRODUCED[name] <= flooding.BUDGET + (2 << 20), flooding.PRODUCED
    written = [f for f in bundle.manifest["files"] if f["collector"] == name]
    assert sum(f["size"] for f in written) <= flooding.BUDGET
    assert any(f["truncated"] for f in written)
    for f in written:
        assert len(bundle.zip.read(f["path"])) == f["size"]
    assert bundle.collector("small")["status"] == "ok"
    assert bundle.text("small/small.txt") == "within budget\n"


def test_file_added_by_path_is_truncated_at_the_budget(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    log.write_text("a line of log text\n" * 10_000)

    def collect(ctx: Any) -> None:
        ctx.add_file("big.log", log)

    c = Collector("by-path", "Adds a file bigger than its budget", collect, max_bytes=50_000)
    out = tmp_path / "out"
    out.mkdir()
    bundle = build_bundle(out, plugins=[plugin_of(c)], only="by-path")
    entry = bundle.file("by-path/big.log")
    assert entry["truncated"] is True
    kept = bundle.zip.read("by-path/big.log")
    # Cut at the last whole line within the budget: a value cut in half might escape its rule.
    assert entry["size"] == len(kept) == 50_000 - 50_000 % len("a line of log text\n")
    assert kept.endswith(b"\n")


def test_raising_collector_keeps_what_it_wrote_and_others_run(tmp_path: Path) -> None:
    def boom(ctx: Any) -> None:
        ctx.add_text("partial.txt", "before\n")
        raise KeyError("missing thing")

    bundle = build_bundle(
        tmp_path, plugins=[plugin_of(Collector("boom", "Raises", boom)), good], only="boom,good"
    )
    assert bundle.collector("boom")["status"] == "failed"
    assert bundle.collector("boom")["reason"] == "KeyError: 'missing thing'"
    assert bundle.collector("good")["status"] == "ok"
    assert "boom/partial.txt" in bundle.names()


def test_check_that_raises_fails_only_its_collector(tmp_path: Path) -> None:
    def bad_check(ctx: Any) -> str | None:
        raise OSError("probe failed")

    c = Collector("bad-check", "Its check raises", lambda ctx: None, check=bad_check)
    bundle = build_bundle(tmp_path, plugins=[plugin_of(c), good], only="bad-check,good")
    assert bundle.collector("bad-check")["status"] == "failed"
    assert "probe failed" in bundle.collector("bad-check")["reason"]
    assert bundle.collector("good")["status"] == "ok"


def test_check_reason_skips_with_the_reason(tmp_path: Path) -> None:
    c = Collector("no-display", "Needs a display", lambda ctx: None, check=lambda ctx: "no display")
    bundle = build_bundle(tmp_path, plugins=[plugin_of(c)], only="no-display")
    assert bundle.collector("no-display")["status"] == "skipped"
    assert bundle.collector("no-display")["reason"] == "no display"
    assert "no-display | skipped |" in bundle.text("summary.md")


def test_collectors_run_in_parallel(tmp_path: Path) -> None:
    barrier = threading.Barrier(3, timeout=5)

    def wait_for_others(ctx: Any) -> None:
        barrier.wait()  # only returns if all three run at the same time
        ctx.add_text("met.txt", "met\n")

    cs = [Collector(f"par-{i}", "Meets the others", wait_for_others) for i in range(3)]
    bundle = build_bundle(tmp_path, plugins=[plugin_of(*cs)], timeout=10, only="par-0,par-1,par-2")
    assert [bundle.collector(f"par-{i}")["status"] for i in range(3)] == ["ok"] * 3


def test_a_finished_collector_is_not_waited_for_while_its_thread_winds_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A thread is still alive for a moment after its collector has returned (on Python 3.13
    # the runner, woken by it, often sees it so): the run goes by the collector having
    # returned, and never waits on such a thread until the timeout.
    class Lingering(threading.Thread):
        def is_alive(self) -> bool:
            return True  # forever winding down

    lingering = types.SimpleNamespace(Thread=Lingering, Condition=threading.Condition)
    monkeypatch.setattr(runner, "threading", lingering)
    c = Collector("quick", "Returns at once", lambda ctx: ctx.add_text("done.txt", "done\n"))
    started = time.monotonic()
    bundle = build_bundle(tmp_path, plugins=[plugin_of(c)], only="quick", timeout=5)
    assert time.monotonic() - started < 4, "the run waited for a collector that had returned"
    assert bundle.collector("quick")["status"] == "ok"
    assert "quick/done.txt" in bundle.names()


# -- invariant 7: no network when the user opts out ----------------------------------------


def test_offline_skips_collectors_that_need_the_network(tmp_path: Path) -> None:
    bundle = build_bundle(tmp_path, plugins=[network, good], offline=True, only="needs-net,good")
    entry = bundle.collector("needs-net")
    assert entry["status"] == "skipped"
    assert "offline" in entry["reason"]
    assert not [n for n in bundle.names() if n.startswith("needs-net/")]
    assert bundle.collector("good")["status"] == "ok"


def test_network_collector_runs_without_offline(tmp_path: Path) -> None:
    bundle = build_bundle(tmp_path, plugins=[network], only="needs-net")
    assert bundle.collector("needs-net")["status"] == "ok"
    assert "needs-net/reached.txt" in bundle.names()


def test_offline_from_the_cli_and_in_dry_run(tmp_path: Path) -> None:
    done = harness.run("collect", "--offline", "--dry-run", "--only", "needs-net", load="needs_net")
    assert done.returncode == 0, done.stderr
    assert "skip:" in done.stdout and "offline" in done.stdout
    out = tmp_path / "b.zip"
    done = harness.run(
        "collect", "--offline", "--only", "needs-net", "-o", str(out), "--json", load="needs_net"
    )
    # Written, but it holds no collected data: exit 6, and the reason is said.
    assert done.returncode == 6, done.stderr
    assert "every collector was skipped" not in done.stdout  # --json: stdout is the JSON only
    assert json.loads(done.stdout)["complete"] is False
    assert "needs-net/reached.txt" not in harness.members(out)


# -- choosing collectors ---------------------------------------------------------------


@pytest.mark.parametrize("option", ["only", "skip"])
def test_unknown_collector_name_lists_the_known_ones(option: str) -> None:
    manager = make_manager(good, network)
    with pytest.raises(UsageError) as caught:
        plan(manager=manager, **{option: "good,nope"})  # type: ignore[arg-type]
    message = str(caught.value)
    assert "'nope'" in message
    for known in ("attachments", "good", "needs-net"):
        assert known in message
    assert "\n" not in message


def test_only_and_skip_choose_collectors(tmp_path: Path) -> None:
    manager = make_manager(good, network, builtins=("diagbundle_plugins.attachments",))
    bundle = build_bundle(tmp_path, manager=manager, skip=["attachments", "needs-net"])
    assert [c["name"] for c in bundle.manifest["collectors"]] == ["good"]
    (tmp_path / "again").mkdir()
    bundle = build_bundle(tmp_path / "again", manager=manager, only="needs-net,good")
    assert [c["name"] for c in bundle.manifest["collectors"]] == ["good", "needs-net"]


def test_file_gone_before_the_zip_is_written_costs_only_that_file(tmp_path: Path) -> None:
    def add_then_delete(ctx: Any) -> None:
        path = tmp_path / "rotated.log"
        path.write_text("about to be rotated away\n")
        ctx.add_file("rotated.log", path)
        path.unlink()  # files added by path are read later, while the zip is written

    c = Collector("vanishing", "Its file disappears", add_then_delete)
    out = tmp_path / "out"
    out.mkdir()
    bundle = build_bundle(out, plugins=[plugin_of(c), good], only="vanishing,good")
    entry = bundle.file("vanishing/rotated.log")
    assert entry["size"] == 0 and entry["truncated"] is True
    assert "No such file" in entry["error"]
    assert bundle.zip.read("vanishing/rotated.log") == b""
    assert bundle.text("good/hello.txt") == "hello from the good plugin\n"
    assert bundle.file("good/hello.txt")["error"] is None
