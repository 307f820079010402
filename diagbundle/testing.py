"""pytest helpers for plugin authors (opt-in).

Enable them in a ``conftest.py`` with ``pytest_plugins = ["diagbundle.testing"]``,
or import the functions directly::

    from diagbundle.testing import build_bundle, make_manager

    def test_my_collector(tmp_path):
        bundle = build_bundle(tmp_path, plugins=[my_plugin], only="mine")
        assert bundle.collector("mine")["status"] == "ok"
        assert "secret" not in bundle.text("mine/out.txt")
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from diagbundle.api import BundleResult, collect
from diagbundle.plugins import DEFAULT_PLUGINS, PluginManager


def make_manager(
    *plugins: object, builtins: Iterable[str] = DEFAULT_PLUGINS, autoload: bool = False
) -> PluginManager:
    """A plugin manager that loads no installed third-party plugin.

    ``plugins`` (modules or objects with hookimpls) are registered on it;
    pass ``builtins=()`` to leave the built-in collectors out as well.
    """
    manager = PluginManager(builtins=builtins, autoload=autoload)
    for plugin in plugins:
        manager.register(plugin)
    return manager


@dataclass
class Bundle:
    """A bundle built for a test: the open zip, its parsed manifest, the result."""

    zip: zipfile.ZipFile
    manifest: dict[str, Any]
    result: BundleResult

    def names(self) -> list[str]:
        return self.zip.namelist()

    def text(self, name: str) -> str:
        return self.zip.read(name).decode("utf-8", "surrogateescape")

    def json(self, name: str) -> Any:
        return json.loads(self.zip.read(name))

    def collector(self, name: str) -> dict[str, Any]:
        """The manifest entry of collector ``name``."""
        for entry in self.manifest["collectors"]:
            if entry["name"] == name:
                return dict(entry)
        raise KeyError(f"collector {name!r} is not in the manifest")

    def file(self, path: str) -> dict[str, Any]:
        """The manifest entry of file ``path``."""
        for entry in self.manifest["files"]:
            if entry["path"] == path:
                return dict(entry)
        raise KeyError(f"file {path!r} is not in the manifest")


def build_bundle(
    tmp_path: Path,
    *,
    plugins: Iterable[object] = (),
    manager: PluginManager | None = None,
    **options: Any,
) -> Bundle:
    """Build a bundle in ``tmp_path`` and return it opened.

    ``options`` are those of :func:`diagbundle.collect` (``only``,
    ``timeout``, plugin options ...). The manager loads the built-in plugins
    and ``plugins``, but no installed third-party plugin.
    """
    manager = manager or make_manager(*plugins)
    result = collect(tmp_path / "bundle.zip", manager=manager, **options)
    zf = zipfile.ZipFile(result.path)
    manifest = json.loads(zf.read("manifest.json"))
    return Bundle(zf, manifest, result)


@pytest.fixture
def diagbundle_manager() -> PluginManager:
    """A fresh plugin manager with the built-ins and no third-party plugins."""
    return make_manager()


@pytest.fixture
def diagbundle_bundle(tmp_path: Path) -> Iterator[Any]:
    """A factory: ``diagbundle_bundle(plugins=[...], **options)`` returns a :class:`Bundle`."""
    opened: list[Bundle] = []

    def factory(**kwargs: Any) -> Bundle:
        folder = tmp_path / f"bundle-{len(opened)}"
        folder.mkdir()
        bundle = build_bundle(folder, **kwargs)
        opened.append(bundle)
        return bundle

    yield factory
    for bundle in opened:
        bundle.zip.close()
