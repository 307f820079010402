"""Cleaning a bundle again, without collecting anew (as ``sos clean`` does).

A user who spots something after the fact, or support before forwarding a
bundle, runs ``diagbundle redact BUNDLE.zip -o NEW.zip [--redact-pattern ...]``:
every text member goes through the current rules and the extra patterns
again (a HAR member in JSON mode, so it stays a valid HAR), binary members are copied as
they are (still listed as not scrubbed), and a new manifest and summary are
written. Pseudonyms stay consistent: new ones are numbered after the ones
already in the bundle, and where this machine still has the bundle's
mapping, a known value keeps its old tag.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import uuid
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from diagbundle import archive, clock
from diagbundle.context import Entry, Store, SummaryLine
from diagbundle.errors import DiagbundleError, FormatError, UsageError
from diagbundle.manifest import build_manifest, manifest_bytes, render_summary
from diagbundle.plugins import PluginManager
from diagbundle.redaction.config import build_redactor
from diagbundle.redaction.mapping import load_mapping, save_mapping
from diagbundle.runner import CollectorResult
from diagbundle.writer import WriteStage

__all__ = ["is_bundle", "reclean_bundle"]

_TAG = re.compile(r"<[a-z0-9_]+(?:-[a-z0-9_]+)*-\d+>")
_META = ("manifest.json", "summary.md")


def is_bundle(path: str | os.PathLike[str]) -> bool:
    """A zip with a manifest.json: a diagbundle bundle (as opposed to a file to redact)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return "manifest.json" in zf.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def reclean_bundle(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    *,
    redact_patterns: Iterable[str] = (),
    manager: PluginManager | None = None,
    force: bool = False,
    keep_mapping: bool = True,
) -> dict[str, Any]:
    """Write ``target``: ``source`` redacted again with the current rules; returns the new manifest."""
    source, target = Path(source), Path(target)
    if target.exists() and not force:
        raise UsageError(f"{target} already exists; not replaced (use --force to replace it)")
    if target.resolve() == source.resolve():
        raise UsageError("the re-cleaned bundle must go to a new file (-o NEW.zip)")
    manager = manager or PluginManager()
    manager.gather()
    patterns = list(redact_patterns)
    redactor = build_redactor(manager.rules, patterns)
    with zipfile.ZipFile(source) as zf, tempfile.TemporaryDirectory(prefix="diagbundle-reclean-") as tmp:
        old = _manifest(zf, source)
        try:
            mapping = load_mapping(str(old.get("bundle_id")))
        except DiagbundleError:
            mapping = {}
        store = Store(redactor)
        tags: set[str] = set()
        for n, item in enumerate(old["files"]):
            path = str(item.get("path"))
            if path in _META:
                continue
            member = Path(tmp) / f"{n}"
            with zf.open(path) as src, member.open("wb") as dst:
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    dst.write(chunk)
                    if item.get("scrubbed", True):
                        tags.update(_TAG.findall(chunk.decode("utf-8", "replace")))
            media_type = str(item.get("media_type"))
            # Text that was scrubbed goes through the text pass again (JSON mode for JSON, HAR
            # included); binary is copied as it was. Format steps do not run again: their output
            # holds pseudonyms, which a second run would take for values and number anew.
            textual = media_type.startswith("text/") or "json" in media_type
            text = bool(item.get("scrubbed", True)) and textual
            store.entries.append(Entry(path, str(item.get("collector")), media_type, path=member, text=text))
        redactor.continue_pseudonyms(tags, mapping)
        bundle_id = str(uuid.uuid4())
        created = clock.now()
        results = [_result(c) for c in old.get("collectors", []) if isinstance(c, dict)]
        stage = WriteStage(store, {})
        stage.prepare()
        patterns = list(redact_patterns)
        extra = f" and {len(patterns)} extra pattern(s)" if patterns else ""
        note = SummaryLine(f"Re-cleaned from bundle `{old.get('bundle_id')}` with the current rules{extra}.")
        content = list(store.entries)
        written: dict[str, Any] = {}

        def summary() -> list[tuple[str, frozenset[str]]]:
            return render_summary(bundle_id=bundle_id, created=created, results=results, entries=content,
                                  sections={"diagbundle": [note]}, first=["diagbundle"])

        def manifest(entries: list[Entry]) -> bytes:
            data = build_manifest(bundle_id=bundle_id, created=created,
                                  command={"argv": ["diagbundle", "redact", "BUNDLE", "-o", "NEW"],
                                           "options": {"redact_patterns": len(patterns)}},
                                  plugins=old.get("plugins", []), results=results, entries=entries,
                                  complete=bool(old.get("complete", True)))
            data["recleaned_from"] = old.get("bundle_id")
            written.update(data)
            return manifest_bytes(data)

        try:
            archive.write_bundle(stage.zip(summary, manifest), target.parent, target.name, replace=force)
        finally:
            store.close()
    if keep_mapping:
        save_mapping(bundle_id, redactor)
    return written


def _manifest(zf: zipfile.ZipFile, source: Path) -> dict[str, Any]:
    try:
        data = json.loads(zf.read("manifest.json"))
    except (KeyError, ValueError, zipfile.BadZipFile) as err:
        raise FormatError(f"{source}: not a diagbundle bundle ({err})") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise FormatError(f"{source}: its manifest has no file list")
    listed = {str(f.get("path")) for f in data["files"] if isinstance(f, dict)}
    missing = sorted(listed - set(zf.namelist()) - set(_META))
    if missing:
        raise FormatError(f"{source}: {missing[0]} is in the manifest but not in the zip")
    return data


def _result(c: dict[str, Any]) -> CollectorResult:
    result = CollectorResult(str(c.get("name")), str(c.get("plugin")), c.get("version"),
                             str(c.get("description")))
    status = c.get("status")
    result.status = status if status in ("ok", "skipped", "timed out") else "failed"
    result.reason, result.duration = c.get("reason"), float(c.get("duration_s") or 0.0)
    result.files = list(c.get("files") or [])
    return result
