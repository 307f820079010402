"""The example plugin in docs/examples is installed for real and run through the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "diagbundle-gitinfo"
TOKEN = "acmedt_" + "Q7rT2mZx9LpV4nB8sK1dF6hJ"
PASSWORD = "hunter2-Very-Secret"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example plugin installed with pip into a folder of its own."""
    target = tmp_path_factory.mktemp("site")
    source = tmp_path_factory.mktemp("src") / EXAMPLE.name
    shutil.copytree(EXAMPLE, source)  # setuptools builds in place: keep the docs tree clean
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--target", str(target), str(source)],
        check=True, capture_output=True,
    )
    assert (target / "diagbundle_gitinfo").is_dir()
    return target


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("repo")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)

    git("init", "-q", "-b", "main")
    (repo / "README").write_text("hello\n")
    git("add", "README")
    git("commit", "-q", "-m", "first")
    git("remote", "add", "origin", f"https://alice:{PASSWORD}@git.example.com/acme/app.git")
    git("remote", "add", "deploy", f"https://{TOKEN}@git.example.com/acme/app.git")
    (repo / "dirty.txt").write_text("x\n")
    return repo


def run(site: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(site), **env}
    return subprocess.run([sys.executable, "-m", "diagbundle", *args], capture_output=True,
                          text=True, env=environ, timeout=120)


def test_installed_plugin_is_listed(site: Path) -> None:
    done = run(site, "plugins", "--json")
    assert done.returncode == 0, done.stderr
    plugins = {p["name"]: p for p in json.loads(done.stdout)}
    info = plugins["gitinfo"]
    assert info["source"] == "entry point"
    assert info["status"] == "ok"
    assert info["distribution"] == "diagbundle-gitinfo"
    assert info["version"] == "1.0.0"
    assert info["collectors"] == ["gitinfo"]
    assert info["rules"] == ["acme-deploy-token"]


def test_installed_plugin_collects_and_is_redacted(site: Path, repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.zip"
    done = run(site, "collect", "--only", "gitinfo", "--git-repo", str(repo), "-o", str(out), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert [c["status"] for c in result["collectors"]] == ["ok"]
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()
    with zipfile.ZipFile(out) as zf:
        raw = zf.read("gitinfo/git.json").decode()
        summary = zf.read("summary.md").decode()
        manifest = json.loads(zf.read("manifest.json"))
    state = json.loads(raw)
    assert state["head"] == head  # a git SHA is useful, not secret: kept
    assert state["dirty_files"] == 1
    assert PASSWORD not in raw and TOKEN not in raw
    assert "git.example.com" in raw  # hosts of URLs are kept
    # `git remote -v` lists each remote twice (fetch and push)
    (git,) = [f for f in manifest["files"] if f["path"] == "gitinfo/git.json"]
    assert git["redactions"] == {"acme-deploy-token": 2, "url-password": 2}
    assert f"`{head[:12]}`" in summary


def test_plugin_option_error_is_one_line(site: Path, tmp_path: Path) -> None:
    done = run(site, "collect", "--only", "gitinfo", "--git-repo", str(tmp_path / "nope"),
               "-o", str(tmp_path / "x.zip"))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"diagbundle: error: --git-repo {tmp_path / 'nope'}: no such folder"]
    assert not list(tmp_path.iterdir())


def test_load_plugins_variable_disables_it(site: Path) -> None:
    done = run(site, "plugins", "--json", DIAGBUNDLE_LOAD_PLUGINS="")
    plugins = {p["name"]: p for p in json.loads(done.stdout)}
    assert plugins["gitinfo"]["status"] == "disabled"
    assert plugins["gitinfo"]["collectors"] == []
