"""Ticket context: through the CLI, the API and a real terminal; vendor fields; the size check."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from core_plugins import harness
from diagbundle_plugins.ticket.when import parse_when

import diagbundle
from diagbundle.testing import build_bundle

EMAIL = "ticket.user@example.com"


def _members(out: Path) -> dict[str, bytes]:
    return harness.members(out)


def test_ticket_fields_through_the_cli(tmp_path: Path) -> None:
    steps = tmp_path / "steps.txt"
    steps.write_text("1. open the app\n2. upload report.pdf\n3. see the error\n")
    log = tmp_path / "app.log"
    log.write_text(f"user {EMAIL}\nPOST /upload -> 413 request_id=req_9fK2mQx7LpV4nB8s\n"
                   "completion chatcmpl-AbCdEfGhIjKlMnOp done\n")
    done = harness.run("collect", "--only", "ticket,attachments", "--attach", str(log),
                       "--problem", "Upload fails with 413", "--steps", f"@{steps}",
                       "--when", "2026-11-30T14:05:00+01:00", "--error", "413 Payload Too Large",
                       "--email", EMAIL, "--case-id", "CASE-0042", "--org-id", "org-77",
                       "--request-id", "req_given123456789", "--network", "corporate", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (bundle,) = [p for p in tmp_path.iterdir() if p.suffix == ".zip"]
    assert bundle.name.startswith("diagbundle-CASE-0042-")  # the case id is in the file name
    members = _members(bundle)
    ticket = json.loads(members["ticket/ticket.json"])
    assert ticket["problem"] == "Upload fails with 413"
    assert ticket["steps"].startswith("1. open the app")
    assert ticket["when"]["utc"] == "2026-11-30T13:05:00Z" and ticket["when"]["zone"]
    assert ticket["email"] == EMAIL and ticket["case-id"] == "CASE-0042" and ticket["org-id"] == "org-77"
    assert ticket["network"] == "corporate"
    assert ticket["request_ids"]["given"] == ["req_given123456789"]
    found = {f["id"]: f["source"] for f in ticket["request_ids"]["found"]}
    assert found == {"req_9fK2mQx7LpV4nB8s": "app.log", "chatcmpl-AbCdEfGhIjKlMnOp": "app.log"}
    summary = members["summary.md"].decode()
    assert summary.index("## ticket") < summary.index("## Collectors")  # at the top
    top = summary.split("## This bundle")[0]
    assert EMAIL in top and "Upload fails with 413" in top and "req_9fK2mQx7LpV4nB8s" in top
    # Readable in the ticket only: pseudonymised in every other file, and in the rest of summary.md.
    assert EMAIL.encode() not in members["attachments/app.log"]
    assert b"<email-1>" in members["attachments/app.log"]
    assert EMAIL not in summary.split("## This bundle")[1]
    manifest = json.loads(members["manifest.json"])
    assert EMAIL not in json.dumps(manifest)
    assert diagbundle.inspect_bundle(bundle).ok


def test_ticket_through_the_api(tmp_path: Path) -> None:
    bundle = build_bundle(tmp_path, only="ticket", problem="It hangs", email=EMAIL,
                          request_id=["req_x123456"])
    ticket = bundle.json("ticket/ticket.json")
    assert ticket["problem"] == "It hangs" and ticket["email"] == EMAIL
    assert ticket["request_ids"]["given"] == ["req_x123456"]


@pytest.mark.parametrize(("text", "minutes"), [("10 minutes ago", 10), ("hace 10 minutos", 10),
                                                ("πριν από 25 λεπτά", 25)])
def test_natural_when_in_several_languages(text: str, minutes: int) -> None:
    now = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    parsed = parse_when(text, now)
    assert parsed["utc"] == (now - dt.timedelta(minutes=minutes)).astimezone(dt.timezone.utc) \
        .isoformat(timespec="seconds").replace("+00:00", "Z")
    assert parsed["utc_offset"] == "+02:00" and parsed["as_given"] == text


def test_today_at_a_time_and_bad_times() -> None:
    now = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.timezone.utc)
    assert parse_when("today 14:05", now)["utc"] == "2026-11-30T14:05:00Z"
    with pytest.raises(diagbundle.UsageError, match="not a time"):
        parse_when("the day the music died", now)
    with pytest.raises(diagbundle.UsageError, match="in the future"):
        parse_when("2030-01-01T00:00", now)


@pytest.mark.parametrize(("args", "needle"), [
    (["--email", "not-an-email"], "not a valid account e-mail"),
    (["--network", "office"], "not a valid network"),
    (["--when", "whenever, really"], "not a time"),
    (["--steps", "@/nonexistent/steps.txt"], "--steps @/nonexistent/steps.txt"),
])
def test_bad_ticket_values_are_one_line_errors(tmp_path: Path, args: list[str], needle: str) -> None:
    done = harness.run("collect", "--only", "ticket", *args, "-o", str(tmp_path / "b.zip"))
    assert done.returncode == 2
    harness.assert_one_line_error(done.stderr, needle)
    assert not (tmp_path / "b.zip").exists()


def test_vendor_fields_are_options_validated_and_required(tmp_path: Path) -> None:
    ok = harness.run("collect", "--only", "ticket", "--gpt-id", "g-AbC123xyz", "--project-id", "p-1",
                     "-y", "-o", str(tmp_path / "ok.zip"), load="vendor")
    assert ok.returncode == 0, ok.stderr
    ticket = json.loads(_members(tmp_path / "ok.zip")["ticket/ticket.json"])
    assert ticket["gpt-id"] == "g-AbC123xyz" and ticket["project-id"] == "p-1"
    assert "Custom GPT ID" in _members(tmp_path / "ok.zip")["summary.md"].decode()
    bad = harness.run("collect", "--only", "ticket", "--gpt-id", "nope", "-o", str(tmp_path / "b.zip"),
                      load="vendor")
    assert bad.returncode == 2
    harness.assert_one_line_error(bad.stderr, "--gpt-id", "not a valid custom gpt id")
    missing = harness.run("collect", "--only", "ticket", "-y", "-o", str(tmp_path / "m.zip"), load="vendor")
    assert missing.returncode == 2
    harness.assert_one_line_error(missing.stderr, "--gpt-id is required")
    assert not (tmp_path / "b.zip").exists() and not (tmp_path / "m.zip").exists()
    listed = json.loads(harness.run("plugins", "--json", load="vendor").stdout)
    assert next(p for p in listed if p["name"] == "vendor")["ticket_fields"] == ["gpt-id", "project-id"]


def test_prompts_ask_for_what_is_missing_on_a_terminal(tmp_path: Path) -> None:
    out = tmp_path / "b.zip"
    with harness.Terminal("collect", "--only", "ticket", "--problem", "Login loops", "-o", str(out),
                          load="vendor") as term:
        term.expect(b"A few details for support")
        term.expect(b"Steps to reproduce:")
        term.send(b"click login twice")
        term.expect(b"When it happened:")
        term.send(b"hace 5 minutos")
        term.expect(b"Account e-mail:")
        term.send(b"nope")
        term.expect(b"not a valid account e-mail")
        term.expect(b"Account e-mail:")
        term.send(EMAIL.encode())
        term.expect(b"Custom GPT ID:")
        term.send(b"g-AbC123xyz")
        assert term.wait() == 0, bytes(term.seen)
    ticket = json.loads(_members(out)["ticket/ticket.json"])
    assert ticket["problem"] == "Login loops" and ticket["steps"] == "click login twice"
    assert ticket["email"] == EMAIL and ticket["gpt-id"] == "g-AbC123xyz"
    assert ticket["when"]["as_given"] == "hace 5 minutos"


# -- the size check ---------------------------------------------------------------------------


def _limits_env(tmp_path: Path, attachment_mb: float, upload_mb: float) -> dict[str, str]:
    config = tmp_path / "config" / "diagbundle"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(
        f"[limits]\nattachment_mb = {attachment_mb}\nupload_mb = {upload_mb}\n")
    return {"XDG_CONFIG_HOME": str(tmp_path / "config")}


def _noise(tmp_path: Path) -> Path:
    log = tmp_path / "big.log"
    import random

    rng = random.Random(1)
    # About 1.3 MB, and hardly compressible.
    log.write_text("".join(f"{rng.getrandbits(128):032x}\n" for _ in range(40_000)))
    return log


def test_size_check_in_json_mode_at_both_limits(tmp_path: Path) -> None:
    log = _noise(tmp_path)
    env = _limits_env(tmp_path, 0.5, 5)  # too big to attach, fine to upload
    done = harness.run("collect", "--only", "attachments", "--attach", str(log), "--json",
                       "-o", str(tmp_path / "a.zip"), env=env)
    assert done.returncode == 0, done.stderr
    check = json.loads(done.stdout)["size_check"]
    assert check["attachment_limit"] == 500_000 and check["upload_limit"] == 5_000_000
    assert not check["fits_attachment"] and check["fits_upload"]
    assert check["size_as_attachment"] > check["size"] * 1.36
    assert any("diagbundle upload" in a for a in check["advice"])
    env = _limits_env(tmp_path / "second", 0.5, 0.4)  # too big for both
    done = harness.run("collect", "--only", "attachments", "--attach", str(log), "--json",
                       "-o", str(tmp_path / "b.zip"), env=env)
    check = json.loads(done.stdout)["size_check"]
    assert not check["fits_upload"]
    assert check["largest"][0]["path"] == "attachments/big.log"
    assert any("attachments/big.log" in a for a in check["advice"])


def test_size_check_on_a_terminal_and_on_a_pipe(tmp_path: Path) -> None:
    log = _noise(tmp_path)
    env = _limits_env(tmp_path, 0.5, 5)
    piped = harness.run("collect", "--only", "attachments", "--attach", str(log),
                        "-o", str(tmp_path / "p.zip"), env=env)
    assert piped.returncode == 0
    assert "diagbundle: size: too big to attach" in piped.stderr
    code, shown = harness.run_with_terminal_stderr("collect", "--only", "attachments", "--attach", str(log),
                                                   "-y", "-o", str(tmp_path / "t.zip"), env=env)
    assert code == 0
    assert "Size: too big to attach" in shown and "diagbundle upload" in shown


def test_size_check_in_the_api(tmp_path: Path) -> None:
    log = _noise(tmp_path)
    small = diagbundle.Limits(attachment=100_000, upload=10_000_000)
    result = diagbundle.BundleBuilder(only="attachments", attach=[str(log)], limits=small,
                                      keep_mapping=False).write(tmp_path)
    assert result.size_check is not None and not result.size_check.fits_attachment
    roomy = diagbundle.BundleBuilder(only="attachments", attach=[str(log)],
                                     keep_mapping=False).write(tmp_path)
    assert roomy.size_check is not None and roomy.size_check.fits_attachment
    assert roomy.size_check.limits == diagbundle.Limits()
    streamed = diagbundle.stream(only="attachments", attach=[str(log)], limits=small, keep_mapping=False)
    size = len(b"".join(streamed))
    assert streamed.size_check is not None and streamed.size_check.size == size
