"""An outsider's scenarios, recorded for real: no planted value survives, no evidence changes.

:mod:`har_outsider_app` runs a shop-like session in Chromium twice (HAR with
bodies embedded, and without content); each HAR goes through ``diagbundle
redact`` and ``diagbundle collect --only har`` (with and without
``--har-keep-bodies``). Every output file is searched for every planted
value in every spelling (:mod:`har_outsider_check`), every piece of evidence
in the input must be in the output as it was, and ``har/findings.json`` and
``summary.md`` must tell support what failed, with which IDs and how long
things took.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from har_outsider_app import CHUNK, CREDENTIALS, EVIDENCE, MARKUP_EVIDENCE, record
from har_outsider_check import changed_evidence, har_strings, leaks
from har_recorder import chromium_available

pytestmark = pytest.mark.slow
CLI = [sys.executable, "-m", "diagbundle"]
ENV = {**os.environ, "DIAGBUNDLE_LOAD_PLUGINS": ""}
MODES = ("embed", "omit")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    why = chromium_available()
    if why:
        pytest.skip(f"cannot record a HAR here: {why}")
    tmp = tmp_path_factory.mktemp("outsider")
    paths = {mode: tmp / f"{mode}.har" for mode in MODES}
    record(paths)
    return paths


def _run(*args: str, cwd: Path) -> str:
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, env=ENV, cwd=cwd, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def outputs(recorded: dict[str, Path]) -> dict[str, dict[str, str]]:
    """Output name -> {file name -> text}: two ``redact`` runs and two bundles."""
    cwd = recorded["embed"].parent
    out = {f"redact {mode}": {f"{mode}.har": _run("redact", str(path), cwd=cwd)}
           for mode, path in recorded.items()}
    for label, extra in (("collect", []), ("collect --har-keep-bodies", ["--har-keep-bodies"])):
        zip_path = cwd / f"{len(out)}.zip"
        _run("collect", "--only", "har", *(a for p in recorded.values() for a in ("--har", str(p))),
             *extra, "-o", str(zip_path), cwd=cwd)
        with zipfile.ZipFile(zip_path) as zf:
            out[label] = {name.removeprefix("har/"): zf.read(name).decode() for name in zf.namelist()}
    return out


def test_recording_holds_what_is_planted(recorded: dict[str, Path]) -> None:
    """Every planted value and every piece of evidence is in the embed recording (else the test is void)."""
    given = recorded["embed"].read_text()
    assert leaks(CREDENTIALS, [given]) == list(CREDENTIALS)
    strings = har_strings(given)
    assert [name for name, value in EVIDENCE.items() if value not in strings] == []
    assert len(CREDENTIALS) >= 40 and len(EVIDENCE) >= 60


@pytest.mark.parametrize("label", ["redact embed", "redact omit", "collect", "collect --har-keep-bodies"])
def test_no_planted_value_left(outputs: dict[str, dict[str, str]], label: str) -> None:
    assert {name: leaks(CREDENTIALS, [text]) for name, text in outputs[label].items()} == \
        {name: [] for name in outputs[label]}


@pytest.mark.parametrize("label", ["redact embed", "redact omit", "collect", "collect --har-keep-bodies"])
def test_evidence_unchanged(recorded: dict[str, Path], outputs: dict[str, dict[str, str]],
                            label: str) -> None:
    kept = EVIDENCE if label.endswith("keep-bodies") else \
        {k: v for k, v in EVIDENCE.items() if k not in MARKUP_EVIDENCE}
    modes = [m for m in MODES if f"{m}.har" in outputs[label]]
    changed = {mode: changed_evidence(kept, recorded[mode].read_text(), outputs[label][f"{mode}.har"])
               for mode in modes}
    assert changed == {mode: [] for mode in modes}


def _findings(outputs: dict[str, dict[str, str]], mode: str) -> dict[str, Any]:
    files = json.loads(outputs["collect"]["findings.json"])["files"]
    return next(f for f in files if f["source"] == f"{mode}.har")


@pytest.mark.parametrize("mode", MODES)
def test_findings_failed_requests(outputs: dict[str, dict[str, str]], mode: str) -> None:
    found = _findings(outputs, mode)
    failed = {f["path"]: f for f in found["failed"]["requests"]}
    assert {p: failed[p]["status"] for p in ("/api/models/gpt-x", "/api/projects/shop-prod", "/api/crash",
                                            "/api/refresh", "/api/quota", "/api/signup",
                                            "/shop-bucket/private/data.csv", "/maintenance")} == {
        "/api/models/gpt-x": 404, "/api/projects/shop-prod": 403, "/api/crash": 500, "/api/refresh": 401,
        "/api/quota": 400, "/api/signup": 422, "/shop-bucket/private/data.csv": 403, "/maintenance": 503}
    assert failed["/down"]["browser_error"] == "net::ERR_CONNECTION_REFUSED"
    assert failed["/api/cors"]["reason"] == "cors"
    # the iframe's navigation to myapp:// is aborted by the browser (no handler for the scheme)
    assert (failed["/"]["reason"], failed["/"]["browser_error"]) == ("aborted", "net::ERR_ABORTED")
    assert found["failed"]["total"] == len(found["failed"]["requests"]) == 12
    ids = {i["name"]: i["value"] for i in failed["/shop-bucket/private/data.csv"]["ids"]}
    assert ids == {"x-amz-request-id": EVIDENCE["x-amz-request-id"], "x-amz-id-2": EVIDENCE["x-amz-id-2"]}
    if mode == "omit":
        return
    messages = {p: (f.get("message"), f.get("code")) for p, f in failed.items()}
    assert messages == {
        "/api/models/gpt-x": ("The model `gpt-x` does not exist", "model_not_found"),
        "/api/projects/shop-prod": ("Permission denied on resource project shop-prod.", "403"),
        "/api/crash": ("Internal Server Error: database timeout after 3000 ms", None),
        "/api/refresh": ("invalid_grant: Refresh token expired", None),
        "/api/quota": ("Quota exceeded for region", "E_QUOTA"),
        "/api/signup": ("body.email: field required", None),
        "/shop-bucket/private/data.csv": ("Access Denied", "AccessDenied"),
        "/maintenance": ("503 Service Unavailable", None),
        "/api/upstream": ("upstream connect error or disconnect/reset before headers. reset reason: "
                          "connection failure", None),
        "/down": (None, None), "/api/cors": (None, None), "/": (None, None),
    }
    # the IDs an error body states, next to those of its headers
    assert failed["/api/crash"]["body_ids"] == [
        {"name": "traceId", "value": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}]
    # S3's <RequestId> repeats its x-amz-request-id header: listed once
    assert "body_ids" not in failed["/shop-bucket/private/data.csv"]


@pytest.mark.parametrize("mode", MODES)
def test_findings_ids_slowest_browser(outputs: dict[str, dict[str, str]], mode: str) -> None:
    found = _findings(outputs, mode)
    items = found["ids"]["items"]
    pairs = [(i["name"], i["value"]) for i in items]
    assert len(pairs) == len(set(pairs)) == found["ids"]["distinct"]  # each ID listed once
    by_name = {name: value for name, value in pairs}
    for name in ("x-request-id", "cf-ray", "x-amzn-requestid", "x-amz-request-id", "x-amz-id-2",
                 "x-cloud-trace-context", "traceparent", "sentry-trace", "x-client-trace-id", "request-id"):
        assert by_name[name] == EVIDENCE["stripe request-id" if name == "request-id" else name], name
    request_id = next(i for i in items if i["name"] == "x-request-id")
    assert request_id["count"] == 3 and request_id["failed"] == 1  # /api/me, /api/search, the 404
    times = [item["time_ms"] for item in found["slowest"]]
    assert times == sorted(times, reverse=True) and len(times) == 10
    slow = next(item for item in found["slowest"] if item["path"] == "/api/slow")  # sleeps 0.8 s
    assert slow["mostly"] == "wait" and slow["timings_ms"]["wait"] >= 750
    chromium = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True,
                              check=False).stdout.split()[1]
    assert found["browser"]["browser"] == {"name": "chromium", "version": chromium}
    assert found["browser"]["user_agents"][0]["browser"].startswith(f"Chrome {chromium.split('.')[0]}.")


def test_summary_section(outputs: dict[str, dict[str, str]]) -> None:
    summary = outputs["collect"]["summary.md"]
    section = summary[summary.index("`har/embed.har`"):]
    assert "browser: chromium " in section and "HAR by Playwright" in section
    assert "failed requests: 12 of " in section
    assert "`GET 127.0.0.1:" in section and "/api/models/gpt-x` 404" in section
    assert "`model_not_found`: `The model 'gpt-x' does not exist`" in section
    assert "/shop-bucket/private/data.csv` 403" in section and "`Access Denied`" in section
    assert "slowest: `GET 127.0.0.1:" in section and "/api/slow`" in section
    assert CHUNK not in summary or "/static/js/" + CHUNK in summary
