"""HARs recorded for real (Chromium through Playwright, a scripted session on loopback).

Every planted credential must be gone from the bundle (the HAR, findings.json,
summary.md), with and without ``--har-keep-bodies``, and every piece of
evidence kept as it was (numbers still numbers).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from har_recorder import CREDENTIALS, EVIDENCE, chromium_available, record

CLI = [sys.executable, "-m", "diagbundle"]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    why = chromium_available()
    if why:
        pytest.skip(f"cannot record a HAR here: {why}")
    path = tmp_path_factory.mktemp("recorded") / "session.har"
    record(path)
    return path


@pytest.fixture(scope="module", params=[False, True], ids=["default", "keep-bodies"])
def bundled(request: pytest.FixtureRequest, recorded: Path,
            tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The bundle of the recorded HAR (one per ``--har-keep-bodies`` setting), file name -> text."""
    extra = ["--har-keep-bodies"] if request.param else []
    return _bundle(recorded, tmp_path_factory.mktemp("bundle"), *extra)


def _bundle(har: Path, tmp: Path, *extra: str) -> dict[str, str]:
    env = {**os.environ, "DIAGBUNDLE_LOAD_PLUGINS": ""}
    out = tmp / "out.zip"
    done = subprocess.run([*CLI, "collect", "--only", "har", "--har", str(har), *extra, "-o", str(out)],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out) as zf:
        return {name: zf.read(name).decode() for name in zf.namelist()}


def _strings(node: Any) -> list[str]:
    """Every string in a JSON document, and those of JSON documents inside strings."""
    if isinstance(node, str):
        out = [node]
        if node.lstrip()[:1] in ("{", "["):
            with contextlib.suppress(ValueError):
                out += _strings(json.loads(node))
        return out
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in (k, *_strings(v))]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def _leaks(files: dict[str, str]) -> list[str]:
    text = "\n".join(files.values())
    def views(value: str) -> set[str]:
        return {value, quote(value), quote_plus(value), json.dumps(value)[1:-1]}

    return [name for name, value in CREDENTIALS.items() if any(view in text for view in views(value))]


def test_recorded_session_has_what_the_tests_plant(recorded: Path) -> None:
    """The recording itself holds every credential and every piece of evidence (else the test is void)."""
    raw = recorded.read_text()
    strings = "\n".join(_strings(json.loads(raw)))
    assert [n for n, v in CREDENTIALS.items() if v not in strings and quote(v) not in strings] == []
    assert [n for n, v in EVIDENCE.items() if v not in strings] == []


def test_recorded_session_no_credential_left(bundled: dict[str, str]) -> None:
    assert _leaks(bundled) == []


def test_recorded_session_evidence_kept(bundled: dict[str, str]) -> None:
    har = json.loads(bundled["har/session.har"])
    strings = "\n".join(_strings(har))
    assert [name for name, value in EVIDENCE.items() if value not in strings] == []


def test_recorded_session_findings(bundled: dict[str, str]) -> None:
    files = bundled
    (found,) = json.loads(files["har/findings.json"])["files"]
    failed = {f["path"]: f for f in found["failed"]["requests"]}
    assert failed["/api/limits"]["status"] == 429
    assert failed["/api/limits"]["message"] == "Rate limit exceeded"
    assert failed["/api/limits"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert failed["/api/limits"]["ids"] == [{"name": "x-request-id", "value": EVIDENCE["x-request-id"]}]
    assert failed["/api/models/gpt-9"]["code"] == "model_not_found"
    assert failed["/broken"].get("message") == "502 Bad Gateway", failed["/broken"]
    assert failed["/down"]["reason"] == "failed"
    assert failed["/down"]["browser_error"] == "net::ERR_CONNECTION_REFUSED"
    assert failed["/api/cors"]["reason"] == "cors" and failed["/api/cors"]["host"].startswith("localhost:")
    ids = {i["name"]: i for i in found["ids"]["items"]}
    assert ids["openai-request-id"]["value"] == EVIDENCE["openai-request-id"]
    assert ids["sentry-trace"]["in"] == "request"
    assert found["browser"]["browser"]["name"] == "chromium"
    assert found["browser"]["user_agents"][0]["browser"].startswith("Chrome ")  # version kept, not an IP
    assert found["pages"] and found["pages"][0]["requests"] > 10
    summary = files["summary.md"]
    assert "`GET 127.0.0.1:" in summary and "`Rate limit exceeded`" in summary
