"""The Python API: ``collect()`` writes a bundle, ``stream()`` yields one, ``plan()`` says what would run.

Each is a short wrapper over :class:`~diagbundle.builder.BundleBuilder`;
keyword arguments mirror the CLI, and every option a plugin registers
(``attach=[...]``, ``har=[...]``) is a keyword argument too.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from diagbundle.builder import BundleBuilder, BundleResult, BundleStream, PlannedCollector
from diagbundle.runner import CollectorResult

__all__ = ["BundleResult", "BundleStream", "CollectorResult", "PlannedCollector", "collect", "plan", "stream"]


def collect(
    output: str | Path | None = None, *, force: bool = False, encrypt_to: Sequence[str] = (), **kwargs: Any
) -> BundleResult:
    """Collect, redact and write a bundle; return its path and manifest.

    ``output`` is a file or a folder (default: a fresh
    ``diagbundle-...zip`` in the current folder). An existing file is never
    replaced unless ``force``. With ``encrypt_to`` (age or SSH public keys)
    the bundle is written as ``...zip.age``, encrypted as it is made: no
    plain zip on disk. Other keyword arguments are those of
    :class:`~diagbundle.builder.BundleBuilder`. With ``keep_mapping`` (the
    default) the pseudonym mapping is saved on this machine; it never goes
    into the bundle.
    """
    builder = BundleBuilder(**kwargs)
    if encrypt_to:
        from diagbundle.encryption import write_encrypted_bundle

        return write_encrypted_bundle(builder, output, encrypt_to, force=force)
    return builder.write(output, force=force)


def stream(*, yes: bool = True, **kwargs: Any) -> BundleStream:
    """Collect now, then return the zip as an iterable of bytes (no file on disk)."""
    return BundleBuilder(yes=yes, **kwargs).stream()


def plan(**kwargs: Any) -> list[PlannedCollector]:
    """What :func:`collect` would do, without collecting or writing anything."""
    return BundleBuilder(**kwargs).plan()
