"""[share] in config.toml: read, validated, and accepted beside [redaction]."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagbundle.errors import UsageError
from diagbundle.redaction.config import build_redactor
from diagbundle.share_config import ShareSettings, share_settings


def test_share_settings_are_read_and_do_not_upset_the_redaction_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[redaction]\nallow = ["build-bot@example.com"]\n\n'
        '[share]\nencrypt_to = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"\n'
        'upload = "https://uploads.example.com/drop"\nexpires = "2d"\n'
    )
    key = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
    assert share_settings(config) == ShareSettings((key,), "https://uploads.example.com/drop", "2d")
    build_redactor(config_path=config)  # [share] is a known table, not an error


def test_no_config_file_means_no_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "empty"))
    assert share_settings() == ShareSettings()


@pytest.mark.parametrize(("body", "message"), [
    ('[share]\nencrypt = ["age1x"]\n', "unknown \\[share\\] setting"),
    ("[share]\nencrypt_to = 3\n", "must be a key or a list"),
    ("[share]\nupload = 1\n", "share.upload must be a string"),
    ("share = 1\n", "must be a table"),
])
def test_bad_share_settings_are_one_line_errors(tmp_path: Path, body: str, message: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(body)
    with pytest.raises(UsageError, match=message):
        share_settings(config)
