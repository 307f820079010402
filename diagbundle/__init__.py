"""diagbundle: collect, redact and pack a diagnostic bundle.

The public API is re-exported here and loaded lazily, so that
``diagbundle --version`` and ``import diagbundle`` stay fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from diagbundle._version import __version__

if TYPE_CHECKING:
    from diagbundle.api import BundleResult as BundleResult
    from diagbundle.api import CollectorResult as CollectorResult
    from diagbundle.api import collect as collect
    from diagbundle.api import stream as stream
    from diagbundle.context import Context as Context
    from diagbundle.context import looks_binary as looks_binary
    from diagbundle.encryption import decrypt_file as decrypt_file
    from diagbundle.encryption import inspect_encrypted as inspect_encrypted
    from diagbundle.errors import BundleError as BundleError
    from diagbundle.errors import DiagbundleError as DiagbundleError
    from diagbundle.errors import FormatError as FormatError
    from diagbundle.errors import InspectError as InspectError
    from diagbundle.errors import UploadError as UploadError
    from diagbundle.errors import UsageError as UsageError
    from diagbundle.hookspecs import hookimpl as hookimpl
    from diagbundle.plugins import PluginManager as PluginManager
    from diagbundle.redaction import Redactor as Redactor
    from diagbundle.redaction import Rule as Rule
    from diagbundle.types import CliOption as CliOption
    from diagbundle.types import Collector as Collector
    from diagbundle.types import Format as Format
    from diagbundle.types import FormatJob as FormatJob
    from diagbundle.types import Uploader as Uploader
    from diagbundle.types import UploadJob as UploadJob
    from diagbundle.types import UploadResult as UploadResult
    from diagbundle.uploads import revoke as revoke
    from diagbundle.uploads import upload as upload

_EXPORTS = {
    "collect": "diagbundle.api",
    "stream": "diagbundle.api",
    "BundleResult": "diagbundle.api",
    "CollectorResult": "diagbundle.api",
    "Context": "diagbundle.context",
    "looks_binary": "diagbundle.context",
    "DiagbundleError": "diagbundle.errors",
    "UsageError": "diagbundle.errors",
    "FormatError": "diagbundle.errors",
    "BundleError": "diagbundle.errors",
    "InspectError": "diagbundle.errors",
    "hookimpl": "diagbundle.hookspecs",
    "PluginManager": "diagbundle.plugins",
    "Redactor": "diagbundle.redaction",
    "Rule": "diagbundle.redaction",
    "CliOption": "diagbundle.types",
    "Collector": "diagbundle.types",
    "Format": "diagbundle.types",
    "FormatJob": "diagbundle.types",
    "Uploader": "diagbundle.types",
    "UploadJob": "diagbundle.types",
    "UploadResult": "diagbundle.types",
    "UploadError": "diagbundle.errors",
    "upload": "diagbundle.uploads",
    "revoke": "diagbundle.uploads",
    "decrypt_file": "diagbundle.encryption",
    "inspect_encrypted": "diagbundle.encryption",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'diagbundle' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
