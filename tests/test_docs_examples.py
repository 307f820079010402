"""Every code block in README.md and docs/ runs here, so the docs cannot drift from the code.

Python blocks run in a child process in a fresh folder (``>>>`` blocks as
doctests, whose printed results must match); the plugin project in
docs/writing-plugins.md is installed with pip and run; TOML config blocks
are loaded as the user's config; every ``diagbundle`` option that README or
the docs show must exist in the real parser. Text blocks (help output,
diagrams) are checked by test_docs.py or are not code.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```(?P<lang>[a-z]*)\n(?P<code>.*?)^```$", re.M | re.S)


def blocks(lang: str) -> list[tuple[str, str]]:
    """(``page:line``, code) of every block of ``lang``."""
    found = []
    for page in PAGES:
        text = page.read_text()
        for m in FENCE.finditer(text):
            if m["lang"] == lang:
                line = text.count("\n", 0, m.start()) + 1
                found.append((f"{page.relative_to(ROOT)}:{line}", m["code"]))
    return found


def files_in_block(code: str) -> dict[str, str] | None:
    """A block that is files of a project (``# name.py`` lines start each one), or None."""
    parts = re.split(r"^# ([\w.-]+\.(?:py|toml))\n", code, flags=re.M)
    if len(parts) < 3 or parts[0].strip():
        return None
    return dict(zip(parts[1::2], parts[2::2], strict=True))


PYTHON = [(where, code) for where, code in blocks("python") if files_in_block(code) is None]


def run_python(code: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIAGBUNDLE_")}
    env["DIAGBUNDLE_LOAD_PLUGINS"] = ""
    return subprocess.run([sys.executable, *args, "-c", code], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=180, stdin=subprocess.DEVNULL)


DOCTEST = """
import doctest, sys
text = open(sys.argv[1]).read()
test = doctest.DocTestParser().get_doctest(text, {}, "block", "block", 0)
runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
runner.run(test)
sys.exit(1 if runner.failures or not runner.tries else 0)
"""


@pytest.mark.parametrize(("where", "code"), PYTHON, ids=[w for w, _ in PYTHON])
def test_python_block_runs(where: str, code: str, tmp_path: Path) -> None:
    if ">>>" in code:
        (tmp_path / "block.txt").write_text(code)
        done = subprocess.run([sys.executable, "-c", DOCTEST, str(tmp_path / "block.txt")], cwd=tmp_path,
                              capture_output=True, text=True, timeout=180,
                              env={**os.environ, "DIAGBUNDLE_LOAD_PLUGINS": ""})
    else:
        done = run_python(code, tmp_path)
    assert done.returncode == 0, f"{where}:\n{done.stdout}\n{done.stderr}"


def test_the_shortest_plugin_installs_and_runs(tmp_path: Path) -> None:
    """docs/writing-plugins.md: the plugin and its pyproject.toml, `pip install .`, then the CLI."""
    project = tmp_path / "project"
    project.mkdir()
    for _, code in [*blocks("python"), *blocks("toml")]:
        for name, text in (files_in_block(code) or {}).items():
            if name in ("my_plugin.py", "pyproject.toml"):
                (project / name).write_text(text)
    assert sorted(p.name for p in project.iterdir()) == ["my_plugin.py", "pyproject.toml"]
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(site), str(project)], check=True, capture_output=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("DIAGBUNDLE_LOAD_PLUGINS", None)
    listed = subprocess.run([sys.executable, "-m", "diagbundle", "plugins"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert "hello 1.0.0 [entry point] ok" in listed.stdout, listed.stdout + listed.stderr
    out = tmp_path / "b.zip"
    done = subprocess.run([sys.executable, "-m", "diagbundle", "collect", "--only", "hello", "-o", str(out)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    import zipfile

    with zipfile.ZipFile(out) as zf:
        assert zf.read("hello/hello.txt") == b"hello from my plugin\n"
    # The testing page's conftest.py and test_hello.py pass against it.
    tests = tmp_path / "tests"
    tests.mkdir()
    for _, code in blocks("python"):
        for name, text in (files_in_block(code) or {}).items():
            if name.startswith(("conftest", "test_")):
                (tests / name).write_text(text)
    assert {"conftest.py", "test_hello.py"} <= {p.name for p in tests.iterdir()}
    ran = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)],
                         capture_output=True, text=True, timeout=180, cwd=tests,
                         env={**env, "PYTHONPATH": os.pathsep.join([str(site), str(project)])})
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 passed" in ran.stdout


CONFIG = [(w, c) for w, c in blocks("toml") if files_in_block(c) is None]


@pytest.mark.parametrize(("where", "code"), CONFIG, ids=[w for w, _ in CONFIG])
def test_config_block_is_a_valid_config(where: str, code: str, tmp_path: Path) -> None:
    from diagbundle.redaction.config import build_redactor

    path = tmp_path / "config.toml"
    path.write_text(code)
    build_redactor(config_path=path)  # raises UsageError on any unknown key or bad value


def _shown_commands() -> list[tuple[str, list[str]]]:
    """Every ``diagbundle ...`` command line in sh blocks and inline code."""
    found = []
    for page in PAGES:
        if "examples" in page.parts:  # the example plugin's page shows the example plugin's options
            continue
        text = page.read_text()
        for m in re.finditer(r"(?:^|`|&& |\.venv/bin/)diagbundle ([a-z]+(?: [^`\n&|]*)?)", text, re.M):
            try:
                words = shlex.split(m[1])
            except ValueError:
                continue
            found.append((page.name, words))
    return found


def test_every_option_the_docs_show_exists() -> None:
    from diagbundle.cli import build_parser
    from diagbundle.plugins import PluginManager

    manager = PluginManager(autoload=False)
    manager.gather()
    parser = build_parser(manager)
    import argparse

    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    checked = 0
    for page, words in _shown_commands():
        command = sub.choices.get(words[0])
        if command is None:
            continue
        options = {o for a in command._actions for o in a.option_strings}
        for word in words[1:]:
            if word.startswith("--"):
                flag = word.split("=", 1)[0]
                assert flag in options, f"{page} shows `diagbundle {words[0]} {flag}`, which does not exist"
                checked += 1
    assert checked >= 5


def test_every_option_readme_mentions_exists() -> None:
    """README names options in passing too (`--har session.har`): each must be a real one."""
    from diagbundle.cli import _options, build_parser
    from diagbundle.plugins import PluginManager

    manager = PluginManager(autoload=False)
    manager.gather()
    known = set(_options(build_parser(manager)))
    shown = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", (ROOT / "README.md").read_text()))
    assert shown, "README shows no option at all?"
    assert shown <= known, f"README shows options that do not exist: {sorted(shown - known)}"
