"""The docs describe the code as it is: every hook, every CLI option."""

from __future__ import annotations

import argparse
import inspect
from pathlib import Path

from diagbundle import hookspecs
from diagbundle.cli import build_parser
from diagbundle.plugins import PluginManager

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_hook_is_documented_with_its_signature() -> None:
    page = (DOCS / "writing-plugins.md").read_text()
    hooks = [n for n, f in vars(hookspecs).items() if n.startswith("diagbundle_") and callable(f)]
    assert len(hooks) >= 4
    for name in hooks:
        params = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert f"`{name}({params})`" in page, name
        assert getattr(hookspecs, name).__doc__ and "Example" in getattr(hookspecs, name).__doc__


def test_cli_reference_lists_every_option() -> None:
    page = (DOCS / "cli.md").read_text()
    manager = PluginManager(autoload=False)
    manager.gather()
    parser = build_parser(manager)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        assert f"## diagbundle {name}" in page, f"docs/cli.md lacks {name}: run docs/gen_cli.py"
        for action in command._actions:
            for flag in action.option_strings:
                assert flag in page, f"docs/cli.md lacks {name} {flag}: run docs/gen_cli.py"
