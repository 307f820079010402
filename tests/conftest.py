"""Keep tests away from the user's own diagbundle settings and saved mappings.

The user's ``config.toml`` could change what is redacted, and every bundle
saves its pseudonym mapping under the data dir: point both at a throwaway
folder for the whole session (children inherit the environment), removed
when the session ends. The cache dir is left alone so py-cpuinfo's cached
answer keeps the suite fast.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_HOME: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    home = tempfile.mkdtemp(prefix="diagbundle-tests-")
    _HOME.append(home)
    os.environ["XDG_CONFIG_HOME"] = os.path.join(home, "config")
    os.environ["XDG_DATA_HOME"] = os.path.join(home, "data")


def pytest_unconfigure(config: pytest.Config) -> None:
    for home in _HOME:
        shutil.rmtree(home, ignore_errors=True)
