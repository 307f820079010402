"""Keep tests away from the user's own diagbundle settings and saved mappings.

The user's ``config.toml`` could change what is redacted, and every bundle
saves its pseudonym mapping under the data dir: point both at a throwaway
folder for the whole session (children inherit the environment). The cache
dir is left alone so py-cpuinfo's cached answer keeps the suite fast.
"""

from __future__ import annotations

import os
import tempfile

import pytest


def pytest_configure(config: pytest.Config) -> None:
    home = tempfile.mkdtemp(prefix="diagbundle-tests-")
    os.environ["XDG_CONFIG_HOME"] = os.path.join(home, "config")
    os.environ["XDG_DATA_HOME"] = os.path.join(home, "data")
