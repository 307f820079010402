"""build_redactor: plugin rules, --redact-pattern, the user's TOML config; the mapping store."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from diagbundle.errors import UsageError
from diagbundle.redaction import Redactor, Rule
from diagbundle.redaction.config import build_redactor, default_config_path
from diagbundle.redaction.mapping import load_mapping, mapping_path, save_mapping


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def write_config(text: str) -> Path:
    path = default_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_no_config_file_means_defaults() -> None:
    redactor = build_redactor(key=b"k" * 32)
    assert redactor.redact("login password=hunter2 mail bob@example.com") == (
        "login password=[REDACTED:password] mail <email-1>"
    )


def test_config_rules_allowlist_and_pii_switches() -> None:
    write_config(
        """
[redaction]
allow = ["keep@example.com"]
allow_patterns = ['10\\.9\\.\\d+\\.\\d+']
username = "zoe"
hostname = false

[redaction.pii]
ip = false
phone = true

[[redaction.rules]]
name = "acme-key"
pattern = 'acme_[0-9a-f]{8}'
trigger = "acme_"

[[redaction.rules]]
name = "ticket"
pattern = 'TICKET-(?P<id>[0-9]+)'
kind = "pii"
group = "id"
ignore_case = true
"""
    )
    redactor = build_redactor()
    out = redactor.redact(
        "acme_deadbeef keep@example.com other@example.com 10.1.2.3 ticket-42 zoe +49 30 1234567"
    )
    assert out == (
        "[REDACTED:acme-key] keep@example.com <email-1> 10.1.2.3 ticket-<ticket-1> <user-1> "
        "<phone-1>"
    )


def test_plugin_rules_and_patterns_are_added() -> None:
    redactor = build_redactor(
        [Rule("plugin-rule", r"PLG-[0-9]{4}")], [r"internal-[a-z]+", r"id=(?P<secret>\w+)"],
        ["allowed-value"],
    )
    out = redactor.redact("PLG-1234 internal-thing id=xyz allowed-value")
    assert out == "[REDACTED:plugin-rule] [REDACTED:custom-1] id=[REDACTED:custom-2] allowed-value"
    assert [r.name for r in redactor.rules[-3:]] == ["plugin-rule", "custom-1", "custom-2"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[redaction\n", "not valid TOML"),
        ("[other]\n", "unknown setting(s): other"),
        ("[redaction]\nalow = []\n", "unknown [redaction] setting(s): alow"),
        ("[redaction]\nallow = 'x'\n", "redaction.allow must be a list of strings"),
        ("[redaction.pii]\ndna = true\n", "[redaction.pii] dna must be one of"),
        ("[[redaction.rules]]\nname = 'x'\n", "rule 1: needs a name and a pattern"),
        ("[[redaction.rules]]\nname = 'x'\npattern = '('\n", "rule 1: rule x: invalid regular"),
        ("[[redaction.rules]]\nname = 'x'\npattern = 'a'\nkind = 'other'\n", "kind must be"),
        ("[[redaction.rules]]\nname = 'x'\npattern = 'a'\ncolour = 1\n", "unknown key(s): colour"),
        ("[redaction]\nusername = 3\n", "redaction.username must be true, false or a name"),
    ],
)
def test_bad_config_is_a_one_line_usage_error(text: str, message: str) -> None:
    path = write_config(text)
    with pytest.raises(UsageError) as info:
        build_redactor()
    assert message in str(info.value)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_bad_pattern_and_missing_explicit_config(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"--redact-pattern '\(': "):
        build_redactor(patterns=["("])
    with pytest.raises(UsageError, match="matches the empty string"):
        build_redactor(patterns=["x*"])
    with pytest.raises(UsageError, match="no such configuration file"):
        build_redactor(config_path=tmp_path / "nope.toml")


def test_explicit_config_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text("[[redaction.rules]]\nname = 'x'\npattern = 'zzz[0-9]'\n")
    assert build_redactor(config_path=path).redact("a zzz1") == "a [REDACTED:x]"


def test_mapping_is_saved_private_and_read_back() -> None:
    redactor = Redactor(key=b"m" * 32, username=False, hostname=False)
    redactor.redact("bob@example.com 203.0.113.5")
    path = save_mapping("0f3c-bundle", redactor)
    assert path == mapping_path("0f3c-bundle")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_mapping("0f3c-bundle") == {"<email-1>": "bob@example.com", "<ipv4-1>": "203.0.113.5"}
    assert [p.name for p in path.parent.iterdir()] == ["0f3c-bundle.json"]  # no temp file left


@pytest.mark.parametrize("bundle_id", ["../etc/passwd", "a/b", "", ".hidden", "x" * 200])
def test_mapping_refuses_odd_bundle_ids(bundle_id: str) -> None:
    with pytest.raises(UsageError, match="invalid bundle id"):
        mapping_path(bundle_id)


def test_missing_or_corrupt_mapping() -> None:
    with pytest.raises(UsageError, match="no pseudonym mapping for bundle nope"):
        load_mapping("nope")
    path = mapping_path("broken")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(UsageError, match="unreadable mapping"):
        load_mapping("broken")
