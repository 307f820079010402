"""Core v2: nothing clobbered or lost, exit codes a script can trust, a summary that tells the truth.

Each test here failed on the core before the write stage was made one:
files were overwritten, concurrent runs lost bundles, dropped inputs exited
0, summary.md under-reported, budgets were cut short.
"""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import stat
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from core_plugins import good, harness

import diagbundle
from diagbundle import Collector, Context, hookimpl
from diagbundle.testing import build_bundle, make_manager

HAR_CASES = Path(__file__).parent / "har_cases"
NAME = re.compile(r"diagbundle-\d{8}-\d{6}-[a-z0-9]{4}\.zip")


# -- nothing clobbered ---------------------------------------------------------------------------


def test_existing_output_is_refused_and_untouched(tmp_path: Path) -> None:
    target = tmp_path / "important.txt"
    target.write_text("my notes\n")
    target.chmod(0o644)
    done = harness.run("collect", "--only", "good", "-o", str(target), load="good")
    assert done.returncode == 2
    harness.assert_one_line_error(done.stderr, "already exists", "--force")
    assert target.read_text() == "my notes\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # not ours: mode unchanged
    assert harness.files_in(tmp_path) == ["important.txt"]


def test_force_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "b.zip"
    target.write_text("an older bundle\n")
    done = harness.run("collect", "--only", "good", "--force", "-o", str(target), load="good")
    assert done.returncode == 0, done.stderr
    assert zipfile.is_zipfile(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert harness.files_in(tmp_path) == ["b.zip"]


def test_api_refuses_an_existing_file_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "b.zip"
    target.write_text("keep me\n")
    with pytest.raises(diagbundle.UsageError, match="already exists"):
        diagbundle.collect(target, manager=make_manager(good), only="good")
    assert target.read_text() == "keep me\n"
    result = diagbundle.collect(target, manager=make_manager(good), only="good", force=True)
    assert result.path == target and zipfile.is_zipfile(target)


def _spawn(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(harness.command(*args), cwd=cwd, env=harness.child_env("good"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            text=True)


def test_concurrent_runs_with_the_default_name_never_lose_a_bundle(tmp_path: Path) -> None:
    children = [_spawn("collect", "--only", "good", cwd=tmp_path) for _ in range(4)]
    outputs = [c.communicate(timeout=120) for c in children]
    assert [c.returncode for c in children] == [0, 0, 0, 0], outputs
    printed = {Path(out.strip()).name for out, _ in outputs}
    assert len(printed) == 4  # four runs, four names (same second or not)
    assert all(NAME.fullmatch(name) for name in printed), printed
    assert set(harness.files_in(tmp_path)) == printed  # and four files, no .partial
    for name in printed:
        assert diagbundle.inspect_bundle(tmp_path / name).ok


def test_concurrent_runs_with_one_output_one_wins_the_other_fails(tmp_path: Path) -> None:
    target = tmp_path / "same.zip"
    children = [_spawn("collect", "--only", "good", "-o", str(target), cwd=tmp_path) for _ in range(2)]
    outputs = [c.communicate(timeout=120) for c in children]
    codes = sorted(c.returncode for c in children)
    assert codes[0] == 0, outputs
    assert codes[1] in (2, 4), outputs  # refused at the start, or found taken when claiming
    loser = next(err for c, (_, err) in zip(children, outputs, strict=True) if c.returncode != 0)
    harness.assert_one_line_error(loser, str(target))
    assert harness.files_in(tmp_path) == ["same.zip"]
    assert diagbundle.inspect_bundle(target).ok


def test_a_file_that_appears_while_writing_is_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "b.zip"

    def collect(ctx: Context) -> None:
        target.write_text("written by someone else meanwhile\n")
        ctx.add_text("x.txt", "x\n")

    with pytest.raises(diagbundle.BundleError, match="appeared while the bundle was written"):
        diagbundle.collect(target, manager=make_manager(_plugin(Collector("racer", "r", collect))),
                           only="racer")
    assert target.read_text() == "written by someone else meanwhile\n"
    assert harness.files_in(tmp_path) == ["b.zip"]


# -- exit codes a script can trust ----------------------------------------------------------


def test_failed_collector_exits_6_with_the_reason(tmp_path: Path) -> None:
    out = tmp_path / "b.zip"
    done = harness.run("collect", "--only", "good,broken-collect", "-o", str(out), load="good,broken_collect")
    assert done.returncode == 6, done.stderr
    assert "diagbundle: incomplete: broken-collect failed" in done.stderr
    assert "Traceback" not in done.stderr
    assert diagbundle.inspect_bundle(out).ok
    summary = harness.members(out)["summary.md"].decode()
    assert "**Incomplete**: broken-collect failed" in summary


def test_every_collector_skipped_exits_6_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "b.zip"
    done = harness.run("collect", "--only", "har", "-o", str(out))
    assert done.returncode == 6
    assert "every collector was skipped" in done.stderr
    assert "har was asked for with --only but skipped: no --har given" in done.stderr
    assert "every collector was skipped" in harness.members(out)["summary.md"].decode()


def test_named_input_whose_collector_is_not_selected_is_a_usage_error(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text("hello\n")
    done = harness.run("collect", "--only", "environment", "--attach", str(log),
                       "-o", str(tmp_path / "b.zip"))
    assert done.returncode == 2
    harness.assert_one_line_error(done.stderr, "--attach", "attachments collector is not selected")
    assert harness.files_in(tmp_path) == ["x.log"]


def test_attached_truncated_har_fails_the_run_and_writes_nothing(tmp_path: Path) -> None:
    whole = (HAR_CASES / "diagbundle-canary.har").read_bytes()
    cut = tmp_path / "trunc.har"
    cut.write_bytes(whole[: len(whole) // 2])
    done = harness.run("collect", "--only", "attachments", "--attach", str(cut),
                       "-o", str(tmp_path / "b.zip"))
    assert done.returncode == 3, done.stderr
    harness.assert_one_line_error(done.stderr, str(cut))
    assert harness.files_in(tmp_path) == ["trunc.har"]


def test_stream_interrupted_says_the_zip_on_stdout_is_incomplete(tmp_path: Path) -> None:
    big = tmp_path / "big.log"
    with big.open("w") as fh:
        for n in range(600_000):
            fh.write(f"line {n} user{n}@example.com token=abcdefghijklmnop{n}\n")
    child = subprocess.Popen(harness.command("collect", "--only", "attachments", "--attach", str(big),
                                             "-o", "-"),
                             env=harness.child_env(""), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL)
    try:
        assert child.stdout is not None
        first = child.stdout.read(4096)  # bytes have reached stdout
        assert first.startswith(b"PK")
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=30)
    finally:
        child.kill()
    assert child.returncode == 130
    text = err.decode()
    assert "the zip on stdout is incomplete" in text and "nothing was written" not in text
    assert "Traceback" not in text


# -- the summary tells the truth -------------------------------------------------------------


def _summary_tables(text: str) -> tuple[dict[str, int], dict[str, int]]:
    from diagbundle.manifest import summary_totals

    by_collector, by_rule = summary_totals(text)
    return dict(by_collector), dict(by_rule)


def test_summary_totals_equal_the_manifest_for_text_files_and_har(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("".join(f"user{n}@example.com password=pw{n}secret\n" for n in range(2000)))

    def collect(ctx: Context) -> None:
        ctx.add_text("made.txt",
                     "contact carol@example.org with token=ghp_OhbVrpoiVgRV5IfLBcbfnoGMbJmTPSIAoCLr\n")

    manager = make_manager(_plugin(Collector("maker", "m", collect)))
    out = tmp_path / "out"
    out.mkdir()
    bundle = build_bundle(out, manager=manager, only="maker,attachments,har", attach=[str(log)],
                          har=[str(HAR_CASES / "diagbundle-canary.har")])
    files = [f for f in bundle.manifest["files"] if f["path"] != "summary.md"]
    by_rule: dict[str, int] = {}
    by_collector: dict[str, int] = {}
    for f in files:
        for rule, n in f["redactions"].items():
            by_rule[rule] = by_rule.get(rule, 0) + n
            by_collector[f["collector"]] = by_collector.get(f["collector"], 0) + n
    assert by_collector["attachments"] >= 4000
    assert by_collector["maker"] >= 2 and by_collector["har"] > 0
    said_collector, said_rule = _summary_tables(bundle.text("summary.md"))
    assert said_rule == by_rule == bundle.manifest["redactions"]
    assert said_collector == by_collector == bundle.manifest["redactions_by_collector"]
    assert f"{sum(by_rule.values())} values redacted" in bundle.text("summary.md")
    assert diagbundle.inspect_bundle(bundle.result.path).ok


def test_inspect_finds_a_summary_whose_totals_were_changed(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("user alice@example.com\n" * 10)
    bundle = build_bundle(tmp_path, only="attachments", attach=[str(log)])
    members = {n: bundle.zip.read(n) for n in bundle.names()}
    manifest = json.loads(members["manifest.json"])
    summary = members["summary.md"].decode().replace("| email | 10 |", "| email | 1 |")
    members["summary.md"] = summary.encode()
    import hashlib

    for f in manifest["files"]:
        if f["path"] == "summary.md":
            summary = members["summary.md"]
            f["size"], f["sha256"] = len(summary), hashlib.sha256(summary).hexdigest()
    members["manifest.json"] = json.dumps(manifest).encode()
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    report = diagbundle.inspect_bundle(forged)
    assert not report.ok
    assert any("redaction totals per rule" in p for p in report.problems), report.problems
    done = harness.run("inspect", str(forged))
    assert done.returncode == 5


# -- budgets and binary content ---------------------------------------------------------------


def test_size_budget_of_10_mib_is_honoured(tmp_path: Path) -> None:
    budget = 10 << 20
    line = "x" * 99 + "\n"

    def collect(ctx: Context) -> None:
        ctx.add_stream("big.txt", (line * 1000 for _ in range(200)))  # 20 MB offered

    manager = make_manager(_plugin(Collector("big", "b", collect, max_bytes=budget)))
    bundle = build_bundle(tmp_path, manager=manager, only="big")
    kept = bundle.zip.read("big/big.txt")
    assert budget - len(line) < len(kept) <= budget  # all it may keep, cut at a line end
    assert kept.endswith(b"\n")
    assert bundle.file("big/big.txt")["truncated"] is True
    assert "size budget" in (bundle.collector("big")["reason"] or "")


def test_text_that_turns_binary_mid_file_ends_before_it_and_says_so(tmp_path: Path) -> None:
    log = tmp_path / "turns.log"
    head = "".join(f"line {n} of plain text\n" for n in range(5000))  # ~100 KB, past any head check
    log.write_bytes(head.encode() + "user bob@example.com then UTF-16\n".encode("utf-16-le") + b"\x00" * 10)
    bundle = build_bundle(tmp_path, only="attachments", attach=[str(log)])
    kept = bundle.zip.read("attachments/turns.log")
    assert kept == head.encode()  # every line before the binary part, nothing unscanned after
    entry = bundle.file("attachments/turns.log")
    assert entry["truncated"] is True and "binary content at byte" in entry["error"]
    assert entry["scrubbed"] is True
    assert "binary content at byte" in bundle.text("summary.md")


def test_nul_after_9_kb_is_refused_by_the_same_check_that_stages_the_file(tmp_path: Path) -> None:
    """The --attach check and the staging read the same head: no file passes one and drops out later."""
    log = tmp_path / "late-nul.log"
    log.write_bytes(b"ok line\n" * 1200 + b"bad\x00line\n" + b"after\n")
    done = harness.run("collect", "--only", "attachments", "--attach", str(log),
                       "-o", str(tmp_path / "b.zip"))
    assert done.returncode == 2
    harness.assert_one_line_error(done.stderr, "binary file", "--attach-binary")
    assert harness.files_in(tmp_path) == ["late-nul.log"]


# -- the review step, through a real terminal -----------------------------------------------------


def test_review_step_asks_on_a_terminal_and_drops_what_the_user_refuses(tmp_path: Path) -> None:
    out = tmp_path / "b.zip"
    with harness.Terminal("collect", "--only", "reviewing", "-o", str(out), load="reviewing") as term:
        term.expect(b"reviewing found 2 notes")
        term.expect(b"Keep reviewing/first.txt? (Y/n)")
        term.send(b"maybe")
        term.expect(b"Please answer y or n.")
        term.send(b"n")
        term.expect(b"Keep reviewing/second.txt? (Y/n)")
        term.send(b"")  # the default: keep
        assert term.wait() == 0, bytes(term.seen)
    names = harness.members(out)
    assert "reviewing/second.txt" in names and "reviewing/first.txt" not in names
    manifest = json.loads(names["manifest.json"])
    assert manifest["dropped"] == [{"path": "reviewing/first.txt", "collector": "reviewing",
                                    "reason": "dropped by the user at review"}]
    assert "`reviewing/first.txt`: left out (dropped by the user at review)" in names["summary.md"].decode()


@pytest.mark.parametrize("flag", ["--yes", "--json"])
def test_review_step_asks_nothing_with_yes_or_json(tmp_path: Path, flag: str) -> None:
    out = tmp_path / "b.zip"
    leader, follower = pty.openpty()
    try:
        child = subprocess.run(harness.command("collect", "--only", "reviewing", "-o", str(out), flag),
                               stdin=follower, capture_output=True,
                               env=harness.child_env("reviewing"), timeout=60, text=True)
    finally:
        os.close(follower)
        os.close(leader)
    assert child.returncode == 0, child.stderr
    assert "Keep" not in child.stderr
    assert {"reviewing/first.txt", "reviewing/second.txt"} <= set(harness.members(out))


def test_review_api_answers_defaults_when_not_interactive() -> None:
    import io

    quiet = diagbundle.Prompt()
    assert quiet.confirm("Keep?", default=False) is False
    assert quiet.choose("Network?", ["home", "corporate"], "corporate") == "corporate"
    asked = diagbundle.Prompt(interactive=True, input=io.StringIO("cor\n\n"), output=io.StringIO())
    assert asked.choose("Network?", ["home", "corporate"], "home") == "corporate"
    assert asked.text("Problem", "none") == "none"


# -- errors and the API's rough edges -------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["collect", "--atach", "x"], "did you mean '--attach'?"),
        (["collect", "--only", "enviroment"], "did you mean 'environment'?"),
        (["colect"], "did you mean 'collect'?"),
        (["collect", "--timeout"], "expected one argument"),
    ],
)
def test_usage_errors_are_one_line_with_a_suggestion(args: list[str], hint: str, tmp_path: Path) -> None:
    done = harness.run(*args, cwd=tmp_path)
    assert done.returncode == 2
    harness.assert_one_line_error(done.stderr, hint)
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert harness.files_in(tmp_path) == []


def test_stream_is_named_like_the_cli_and_iterates_once(tmp_path: Path) -> None:
    bundle = diagbundle.stream(manager=make_manager(good), only="good", keep_mapping=False)
    assert NAME.fullmatch(bundle.filename), bundle.filename
    data = b"".join(bundle)
    (tmp_path / bundle.filename).write_bytes(data)
    assert diagbundle.inspect_bundle(tmp_path / bundle.filename).ok
    assert bundle.complete and bundle.manifest["bundle_id"] == bundle.bundle_id
    with pytest.raises(diagbundle.DiagbundleError, match="iterated once"):
        list(bundle)


def test_case_id_goes_into_the_default_name(tmp_path: Path) -> None:
    builder = diagbundle.BundleBuilder(manager=make_manager(good), only="good,ticket", case_id="CASE 0042/x")
    result = builder.write(tmp_path)
    assert re.fullmatch(r"diagbundle-CASE-0042-x-\d{8}-\d{6}-[a-z0-9]{4}\.zip", result.path.name)
    assert diagbundle.bundle_filename(case_id="A1", encrypted=True).endswith(".zip.age")


def test_public_names_are_importable() -> None:
    from diagbundle import BundleBuilder, inspect_bundle, plan, redact_file, redact_stream

    assert callable(plan) and callable(inspect_bundle) and callable(redact_file) and callable(redact_stream)
    assert BundleBuilder.DEFAULT_TIMEOUT == 30.0


def test_collectors_get_a_narrow_door_to_the_redactor(tmp_path: Path) -> None:
    seen: dict[str, Any] = {}

    def collect(ctx: Context) -> None:
        seen["redacted"] = ctx.redactor.redact("mail dave@example.com")
        seen["pseudonym"] = ctx.redactor.pseudonym("email", "dave@example.com")
        seen["attrs"] = [a for a in ("mapping", "add_rule", "rules", "_redactor") if hasattr(ctx.redactor, a)]
        ctx.add_text("x.txt", "x\n")

    build_bundle(tmp_path, manager=make_manager(_plugin(Collector("door", "d", collect))), only="door")
    assert seen["redacted"] == f"mail {seen['pseudonym']}"
    assert seen["attrs"] == []


def test_check_hands_a_value_to_collect_through_state(tmp_path: Path) -> None:
    def check(ctx: Context) -> str | None:
        ctx.state["chosen"] = ["a", "b"]
        return None

    def collect(ctx: Context) -> None:
        ctx.add_text("chosen.txt", ",".join(ctx.state["chosen"]) + "\n")

    bundle = build_bundle(tmp_path, manager=make_manager(_plugin(Collector("st", "s", collect, check=check))),
                          only="st")
    assert bundle.text("st/chosen.txt") == "a,b\n"


def test_redact_file_api_does_what_the_command_does(tmp_path: Path) -> None:
    import io

    source = tmp_path / "in.log"
    source.write_text("password=hunter2hunter2\nmail erin@example.com\n")
    out = io.BytesIO()
    report = diagbundle.redact_file(source, out)
    assert b"hunter2hunter2" not in out.getvalue() and b"erin@example.com" not in out.getvalue()
    assert report.format == "text" and sum(report.redactions.values()) == 2
    done = harness.run("redact", str(source))
    assert done.stdout.encode() == out.getvalue()


def _plugin(*collectors: Collector) -> object:
    class Plugin:
        @hookimpl
        def diagbundle_register_collectors(self, register: Callable[[Collector], None]) -> None:
            for c in collectors:
                register(c)

    return Plugin()


def test_write_progress_shows_on_a_terminal_and_not_on_a_pipe(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    log.write_text("".join(f"line {n} user{n}@example.com\n" for n in range(200_000)))
    code, text = harness.run_with_terminal_stderr("collect", "--only", "attachments", "--attach", str(log),
                                                  "-y", "-o", str(tmp_path / "t.zip"))
    assert code == 0
    assert "writing attachments/big.log:" in text and "MB" in text  # bytes of the file being written
    piped = harness.run("collect", "--only", "attachments", "--attach", str(log),
                        "-o", str(tmp_path / "p.zip"))
    assert piped.returncode == 0 and "writing" not in piped.stderr and piped.stderr == ""


def test_a_format_step_that_crashes_fails_closed_without_a_traceback(tmp_path: Path) -> None:
    from collections.abc import Iterator
    from typing import IO

    from diagbundle import Format, FormatJob

    def sanitize(source: IO[bytes], job: FormatJob) -> Iterator[bytes]:
        yield b"half of it\n"
        raise AttributeError("'NoneType' object has no attribute 'walk'")

    def collect(ctx: Context) -> None:
        ctx.add_file("one.crash", named, required=True)

    class Plugin:
        @hookimpl
        def diagbundle_register_formats(self, register: Callable[[Format], None]) -> None:
            register(Format("crash", "A buggy step", lambda name, head: name.endswith(".crash"), sanitize))

        @hookimpl
        def diagbundle_register_collectors(self, register: Callable[[Collector], None]) -> None:
            register(Collector("crasher", "c", collect))

    named = tmp_path / "in.crash"
    named.write_text("secret stuff\n")
    with pytest.raises(diagbundle.FormatError, match="the crash step failed \\(AttributeError"):
        diagbundle.collect(tmp_path / "b.zip", manager=make_manager(Plugin()), only="crasher")
    assert not (tmp_path / "b.zip").exists()
