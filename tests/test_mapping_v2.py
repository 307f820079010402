"""The local pseudonym mapping keeps personal data only, and only for a while."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from test_redaction_corpus import CASES

import diagbundle
from diagbundle.redaction.mapping import load_mapping, mapping_dir, prune, save_mapping

EMAIL = "grace.map@example.com"


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "diagbundle", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "DIAGBUNDLE_LOAD_PLUGINS": "", **(env or {})})


def test_no_secret_value_of_any_rule_reaches_the_mapping(tmp_path: Path) -> None:
    """Plant every secret of the corpus (one per rule and context) and a HAR full of cookies; grep."""
    probe = diagbundle.Redactor(username=False, hostname=False)
    # Secret values only: a value whose own redaction is a pseudonym (<email-1>, <ip-2>) is personal data.
    secrets = sorted({s for case in CASES for s in case.get("secrets", []) if "<" not in probe.redact(s)})
    assert len(secrets) > 50
    log = tmp_path / "planted.log"
    log.write_text("".join(case["text"] + "\n" for case in CASES) + f"contact {EMAIL}\n")
    har = Path(__file__).parent / "har_cases" / "diagbundle-canary.har"
    result = diagbundle.collect(tmp_path / "b.zip", only="attachments,har", attach=[str(log)], har=[str(har)])
    assert result.mapping_path is not None
    saved = result.mapping_path.read_text()
    mapping = json.loads(saved)["mapping"]
    kinds = {tag.strip("<>").rsplit("-", 1)[0] for tag in mapping}
    assert kinds <= {"email", "ipv4", "ipv6", "mac", "user", "host", "phone", "name", "jwt-sub"}, kinds
    # Every value there is under a personal kind (above); no other trace of a secret anywhere in the file.
    leaked = [s for s in secrets if s in saved and not any(s in v for v in mapping.values())]
    assert not leaked, leaked[:5]
    for value in json.loads(har.read_text())["log"]["entries"][0]["request"]["cookies"]:
        assert value["value"] not in saved
    assert EMAIL in mapping.values()  # personal data is what the mapping is for
    assert all(not tag.startswith("<secret-") for tag in mapping)
    with zipfile.ZipFile(result.path) as zf:  # secrets still get consistent pseudonyms in the bundle
        assert b"<secret-" in zf.read("har/diagbundle-canary.har") or result.manifest["redactions"]


def test_a_secret_pseudonym_maps_to_nothing_and_personal_ones_do() -> None:
    r = diagbundle.Redactor(username=False, hostname=False)
    tag = r.pseudonym("secret", "cookie-value-123")
    assert tag == r.pseudonym("secret", "cookie-value-123")  # still consistent
    named = r.pseudonym("name", "Ada Lovelace", personal=True)
    mail = r.redact(f"to {EMAIL}").split()[-1]
    assert r.mapping() == {named: "Ada Lovelace", mail: EMAIL}


def test_mappings_expire_and_prune_and_forget_work_through_the_cli(tmp_path: Path) -> None:
    r = diagbundle.Redactor(username=False, hostname=False)
    r.redact(f"to {EMAIL}")
    fresh = save_mapping("fresh-bundle", r, days=30)
    old = save_mapping("old-bundle", r, days=30)
    document = json.loads(old.read_text())
    document["expires"] = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat(timespec="seconds")
    old.write_text(json.dumps(document))
    shown = _run("mapping", "old-bundle")
    assert shown.returncode == 2 and "has expired and was removed" in shown.stderr
    assert not old.exists()
    assert load_mapping("fresh-bundle") == {"<email-1>": EMAIL}
    save_mapping("old-2", r, days=30)
    legacy = mapping_dir() / "legacy.json"  # written before expiry existed: expired
    legacy.write_text(json.dumps({"bundle_id": "legacy", "mapping": {"<email-1>": EMAIL}}))
    document = json.loads((mapping_dir() / "old-2.json").read_text())
    document["expires"] = "2000-01-01T00:00:00+00:00"
    (mapping_dir() / "old-2.json").write_text(json.dumps(document))
    pruned = _run("mapping", "--prune")
    assert pruned.returncode == 0 and "removed 2 expired mapping(s)" in pruned.stderr
    assert fresh.exists() and not legacy.exists()
    forgot = _run("mapping", "--forget", "fresh-bundle")
    assert forgot.returncode == 0 and not fresh.exists()
    again = _run("mapping", "--forget", "fresh-bundle")
    assert again.returncode == 2 and "no pseudonym mapping" in again.stderr
    assert prune() == []


def test_mapping_days_comes_from_the_config(tmp_path: Path) -> None:
    config = tmp_path / "config" / "diagbundle"
    config.mkdir(parents=True)
    (config / "config.toml").write_text("[redaction]\nmapping_days = 2\n")
    log = tmp_path / "a.log"
    log.write_text(f"{EMAIL}\n")
    done = _run("collect", "--only", "attachments", "--attach", str(log), "-o", str(tmp_path / "b.zip"),
                "--json", env={"XDG_CONFIG_HOME": str(tmp_path / "config")})
    assert done.returncode == 0, done.stderr
    bundle_id = json.loads(done.stdout)["bundle_id"]
    document = json.loads((mapping_dir() / f"{bundle_id}.json").read_text())
    days = datetime.fromisoformat(document["expires"]) - datetime.fromisoformat(document["created"])
    assert days == timedelta(days=2)


def test_version_verbose_says_which_engine_runs() -> None:
    from diagbundle.redaction.prefilter import load_hyperscan

    done = _run("--version", "--verbose")
    assert done.returncode == 0
    expected = "redaction engine: hyperscan" if load_hyperscan() is not None else "redaction engine: python"
    assert expected in done.stdout


# -- re-cleaning a bundle ----------------------------------------------------------------------


def test_a_bundle_is_recleaned_with_new_patterns_and_consistent_pseudonyms(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(f"first {EMAIL}\ninternal code PROJ-ALPHA-7731 leaked\nthen {EMAIL}\n"
                   "and other.person@example.org\n")
    png = tmp_path / "blob.bin"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    first = diagbundle.collect(tmp_path / "first.zip", only="attachments",
                               attach=[str(log), str(png)], attach_binary=True)
    with zipfile.ZipFile(first.path) as zf:
        before = zf.read("attachments/app.log").decode()
    assert "PROJ-ALPHA-7731" in before  # the user spots it after the fact
    new = tmp_path / "clean.zip"
    done = _run("redact", str(first.path), "-o", str(new), "--redact-pattern", r"PROJ-[A-Z]+-\d+")
    assert done.returncode == 0, done.stderr
    assert "diagbundle inspect" in done.stderr
    report = diagbundle.inspect_bundle(new)
    assert report.ok, report.problems
    with zipfile.ZipFile(new) as zf:
        after = zf.read("attachments/app.log").decode()
        manifest = json.loads(zf.read("manifest.json"))
        assert zf.read("attachments/blob.bin") == png.read_bytes()
    assert "PROJ-ALPHA-7731" not in after and "[REDACTED:custom-1]" in after
    assert after.splitlines()[0] == before.splitlines()[0]  # <email-1> is still <email-1>
    assert after.count("<email-1>") == 2 and "<email-2>" in after
    assert manifest["recleaned_from"] == first.bundle_id and manifest["bundle_id"] != first.bundle_id
    assert "PROJ" not in json.dumps(manifest)  # the pattern is counted, never written
    blob = next(f for f in manifest["files"] if f["path"] == "attachments/blob.bin")
    assert blob["scrubbed"] is False
    refused = _run("redact", str(first.path), "-o", str(new))
    assert refused.returncode == 2 and "already exists" in refused.stderr
    no_out = _run("redact", str(first.path))
    assert no_out.returncode == 2 and "give -o NEW.zip" in no_out.stderr


def test_recleaning_leaves_an_already_clean_har_byte_identical(tmp_path: Path) -> None:
    har = Path(__file__).parent / "har_cases" / "diagbundle-canary.har"
    first = diagbundle.collect(tmp_path / "h1.zip", only="har", har=[str(har)])
    done = _run("redact", str(first.path), "-o", str(tmp_path / "h2.zip"))
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(first.path) as a, zipfile.ZipFile(tmp_path / "h2.zip") as b:
        assert a.read("har/diagbundle-canary.har") == b.read("har/diagbundle-canary.har")
