"""diagbundle: collect, redact and pack a diagnostic bundle.

The public API is re-exported here and loaded lazily, so that
``diagbundle --version`` and ``import diagbundle`` stay fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from diagbundle._version import __version__

if TYPE_CHECKING:
    from diagbundle.api import collect as collect
    from diagbundle.api import plan as plan
    from diagbundle.api import stream as stream
    from diagbundle.builder import BundleBuilder as BundleBuilder
    from diagbundle.builder import BundleResult as BundleResult
    from diagbundle.builder import BundleStream as BundleStream
    from diagbundle.builder import PlannedCollector as PlannedCollector
    from diagbundle.config import config_section as config_section
    from diagbundle.content import HEAD_SIZE as HEAD_SIZE
    from diagbundle.content import looks_binary as looks_binary
    from diagbundle.context import Context as Context
    from diagbundle.encryption import decrypt_file as decrypt_file
    from diagbundle.encryption import inspect_encrypted as inspect_encrypted
    from diagbundle.errors import BundleError as BundleError
    from diagbundle.errors import DiagbundleError as DiagbundleError
    from diagbundle.errors import FormatError as FormatError
    from diagbundle.errors import InspectError as InspectError
    from diagbundle.errors import UploadError as UploadError
    from diagbundle.errors import UsageError as UsageError
    from diagbundle.hookspecs import hookimpl as hookimpl
    from diagbundle.inspect import inspect_bundle as inspect_bundle
    from diagbundle.naming import bundle_filename as bundle_filename
    from diagbundle.plugins import PluginManager as PluginManager
    from diagbundle.redact import RedactedStream as RedactedStream
    from diagbundle.redact import RedactReport as RedactReport
    from diagbundle.redact import redact_file as redact_file
    from diagbundle.redact import redact_stream as redact_stream
    from diagbundle.redaction import Redactor as Redactor
    from diagbundle.redaction import Rule as Rule
    from diagbundle.redaction.keys import credential_key as credential_key
    from diagbundle.redaction.view import RedactionView as RedactionView
    from diagbundle.review import Prompt as Prompt
    from diagbundle.runner import CollectorResult as CollectorResult
    from diagbundle.sizecheck import Limits as Limits
    from diagbundle.sizecheck import SizeCheck as SizeCheck
    from diagbundle.types import CliOption as CliOption
    from diagbundle.types import Collector as Collector
    from diagbundle.types import Format as Format
    from diagbundle.types import FormatJob as FormatJob
    from diagbundle.types import TicketField as TicketField
    from diagbundle.types import Uploader as Uploader
    from diagbundle.types import UploadJob as UploadJob
    from diagbundle.types import UploadResult as UploadResult
    from diagbundle.uploads import revoke as revoke
    from diagbundle.uploads import upload as upload
    from diagbundle.urls import strip_userinfo as strip_userinfo

_EXPORTS = {
    "collect": "diagbundle.api",
    "plan": "diagbundle.api",
    "stream": "diagbundle.api",
    "BundleBuilder": "diagbundle.builder",
    "BundleResult": "diagbundle.builder",
    "BundleStream": "diagbundle.builder",
    "PlannedCollector": "diagbundle.builder",
    "CollectorResult": "diagbundle.runner",
    "Context": "diagbundle.context",
    "looks_binary": "diagbundle.content",
    "HEAD_SIZE": "diagbundle.content",
    "config_section": "diagbundle.config",
    "UploadError": "diagbundle.errors",
    "inspect_bundle": "diagbundle.inspect",
    "bundle_filename": "diagbundle.naming",
    "RedactionView": "diagbundle.redaction.view",
    "RedactedStream": "diagbundle.redact",
    "RedactReport": "diagbundle.redact",
    "redact_file": "diagbundle.redact",
    "redact_stream": "diagbundle.redact",
    "Prompt": "diagbundle.review",
    "DiagbundleError": "diagbundle.errors",
    "UsageError": "diagbundle.errors",
    "FormatError": "diagbundle.errors",
    "BundleError": "diagbundle.errors",
    "InspectError": "diagbundle.errors",
    "hookimpl": "diagbundle.hookspecs",
    "PluginManager": "diagbundle.plugins",
    "Redactor": "diagbundle.redaction",
    "Rule": "diagbundle.redaction",
    "credential_key": "diagbundle.redaction.keys",
    "CliOption": "diagbundle.types",
    "Collector": "diagbundle.types",
    "Format": "diagbundle.types",
    "FormatJob": "diagbundle.types",
    "TicketField": "diagbundle.types",
    "Limits": "diagbundle.sizecheck",
    "SizeCheck": "diagbundle.sizecheck",
    "strip_userinfo": "diagbundle.urls",
    "Uploader": "diagbundle.types",
    "UploadJob": "diagbundle.types",
    "UploadResult": "diagbundle.types",
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
