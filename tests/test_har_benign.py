"""A HAR with no secret in it comes out of a bundle as it went in: the evidence support needs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(__file__).parent / "har_cases" / "benign"
CLI = [sys.executable, "-m", "diagbundle"]


def _body(content: dict[str, Any]) -> Any:
    text = content.get("text")
    return json.loads(text) if isinstance(text, str) and text[:1] in "{[" else text


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    tmp = tmp_path_factory.mktemp("benign")
    shutil.copy(CORPUS / "evidence.har", tmp / "evidence.har")
    env = {**os.environ, "DIAGBUNDLE_LOAD_PLUGINS": ""}
    done = subprocess.run([*CLI, "collect", "--only", "har", "--har", "evidence.har", "-o", "out.zip"],
                          cwd=tmp,
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp / "out.zip") as zf:
        out = json.loads(zf.read("har/evidence.har"))["log"]["entries"]
    given = json.loads((CORPUS / "evidence.har").read_text())["log"]["entries"]
    assert len(out) == len(given)
    return list(zip(given, out, strict=False))


def _ids(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[str]:
    return [p[0]["request"]["url"].split("//", 1)[1][:60] for p in pairs]


def test_urls_unchanged(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    assert [o["request"]["url"] for _, o in pairs] == [g["request"]["url"] for g, _ in pairs]


def test_headers_unchanged(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    for given, out in pairs:
        for part in ("request", "response"):
            assert out[part]["headers"] == given[part]["headers"], given["request"]["url"]


def test_json_bodies_unchanged_types_included(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    for given, out in pairs:
        content = given["response"]["content"]
        if "text" in content and content["mimeType"].endswith("json"):
            assert _body(out["response"]["content"]) == _body(given["response"]["content"]), \
                given["request"]["url"]
        if "postData" in given["request"]:
            posted = given["request"]["postData"]["text"]
            assert json.loads(out["request"]["postData"]["text"]) == json.loads(posted)
