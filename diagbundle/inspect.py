"""``diagbundle inspect``: list a bundle and verify it against its manifest.

Support runs this on what it receives: every file's size and sha256 must
match the manifest, no file may be missing from or unknown to it.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any

from diagbundle.errors import InspectError

CHUNK = 1 << 20


@dataclass
class FileCheck:
    path: str
    size: int
    media_type: str
    collector: str
    redactions: int
    scrubbed: bool
    problem: str | None = None


@dataclass
class Report:
    """The result of checking one bundle."""

    bundle: str
    manifest: dict[str, Any]
    files: list[FileCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "bundle": self.bundle,
            "ok": self.ok,
            "problems": self.problems,
            "bundle_id": self.manifest.get("bundle_id"),
            "created": self.manifest.get("created"),
            "diagbundle_version": self.manifest.get("diagbundle_version"),
            "collectors": self.manifest.get("collectors", []),
            "files": [vars(f) for f in self.files],
        }


def inspect_bundle(path: str | os.PathLike[str] | IO[bytes], *, name: str | None = None) -> Report:
    """Check every file of the bundle at ``path`` against its manifest.

    ``path`` may also be an open seekable binary file (an encrypted bundle's
    plain bytes, see :mod:`diagbundle.encryption`), reported as ``name``.
    Members are read in file order, so such a file is read front to back.
    Raises :class:`InspectError` when the file is not a readable zip or has
    no usable manifest; mismatches are collected in ``Report.problems``.
    """
    source: str | IO[bytes]
    if isinstance(path, (str, os.PathLike)):
        source = name = os.fspath(path)
    else:
        source, name = path, name or str(getattr(path, "name", "<stream>"))
    try:
        zf = zipfile.ZipFile(source)
    except FileNotFoundError as err:
        raise InspectError(f"{name}: no such file") from err
    except (zipfile.BadZipFile, OSError) as err:
        raise InspectError(f"{name}: not a zip file ({err})") from err
    with zf:
        try:
            manifest = json.loads(zf.read("manifest.json"))
        except KeyError as err:
            raise InspectError(f"{name}: no manifest.json; not a diagbundle bundle") from err
        except (ValueError, zipfile.BadZipFile) as err:
            raise InspectError(f"{name}: manifest.json is unreadable ({err})") from err
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
            raise InspectError(f"{name}: manifest.json has no file list")
        report = Report(name, manifest)
        in_zip = {i.filename: i for i in zf.infolist()}
        listed = set()
        to_verify: list[tuple[FileCheck, zipfile.ZipInfo, str]] = []
        for n, item in enumerate(manifest["files"]):
            try:
                path_in = str(item["path"])
                check = FileCheck(
                    path_in,
                    int(item.get("size", -1)),
                    str(item.get("media_type")),
                    str(item.get("collector")),
                    sum(int(v) for v in item.get("redactions", {}).values()),
                    bool(item.get("scrubbed", True)),
                )
            except (KeyError, TypeError, ValueError, AttributeError):
                report.problems.append(f"manifest.json: file entry {n} is malformed")
                continue
            listed.add(path_in)
            report.files.append(check)
            info = in_zip.get(path_in)
            if info is None:
                check.problem = "missing from the zip"
            else:
                to_verify.append((check, info, str(item.get("sha256"))))
        for check, info, sha256 in sorted(to_verify, key=lambda v: v[1].header_offset):
            check.problem = _verify(zf, info, check.size, sha256)
        for check in report.files:
            if check.problem:
                report.problems.append(f"{check.path}: {check.problem}")
        for extra in sorted(set(in_zip) - listed - {"manifest.json"}):
            report.problems.append(f"{extra}: in the zip but not in the manifest")
        if "summary.md" in in_zip and not any(p.startswith("summary.md:") for p in report.problems):
            report.problems += _totals_agree(zf.read("summary.md").decode("utf-8", "replace"), manifest)
    return report


def _totals_agree(summary: str, manifest: dict[str, Any]) -> list[str]:
    """summary.md must state the same redaction totals as the manifest's file entries.

    Bundles older than format 2 stated no per-collector totals; they are
    not checked.
    """
    from diagbundle.manifest import SUMMARY, summary_totals

    if not isinstance(manifest.get("format_version"), int) or manifest["format_version"] < 2:
        return []
    by_collector: Counter[str] = Counter()
    by_rule: Counter[str] = Counter()
    for item in manifest["files"]:
        if not isinstance(item, dict) or item.get("path") == SUMMARY:
            continue
        counts = item.get("redactions") or {}
        if not isinstance(counts, dict):
            continue
        for rule, n in counts.items():
            if isinstance(n, int) and n:
                by_rule[str(rule)] += n
                by_collector[str(item.get("collector"))] += n
    said_collector, said_rule = summary_totals(summary)
    problems = []
    if said_rule != by_rule:
        problems.append(f"summary.md: redaction totals per rule ({sum(said_rule.values())}) do not match "
                        f"the manifest's files ({sum(by_rule.values())})")
    if said_collector != by_collector:
        problems.append("summary.md: redaction totals per collector do not match the manifest's files")
    if manifest.get("redactions") not in (None, dict(by_rule)):
        problems.append("manifest.json: its redaction totals do not match its own file entries")
    return problems


def _verify(zf: zipfile.ZipFile, info: zipfile.ZipInfo, size: int, sha256: str) -> str | None:
    digest = hashlib.sha256()
    actual = 0
    try:
        with zf.open(info) as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                digest.update(chunk)
                actual += len(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as err:
        return f"unreadable ({err})"
    if actual != size:
        return f"size {actual} does not match the manifest ({size})"
    if digest.hexdigest() != sha256:
        return "sha256 does not match the manifest"
    return None


def render(report: Report) -> str:
    """A human listing: one line per file, then the verdict."""
    m = report.manifest
    # The manifest comes from whoever sent the bundle: list what is well-formed, skip the rest.
    created, collectors = m.get("created"), m.get("collectors")
    created = created if isinstance(created, dict) else {}
    collectors = collectors if isinstance(collectors, list) else []
    lines = [
        f"{report.bundle}",
        f"  bundle {m.get('bundle_id')}, created {created.get('local')} ({created.get('zone')}), "
        f"diagbundle {m.get('diagbundle_version')}",
        "",
    ]
    for c in (c for c in collectors if isinstance(c, dict)):
        reason = f" ({c.get('reason')})" if c.get("reason") else ""
        lines.append(f"  collector {c.get('name')!s:<16} {c.get('status')}{reason}")
    lines.append("")
    for f in report.files:
        flag = "ok" if not f.problem else f"BAD: {f.problem}"
        note = "" if f.scrubbed else "  [not scrubbed]"
        lines.append(f"  {f.size:>10}  {f.path}  ({f.media_type}, {f.redactions} redacted){note}  {flag}")
    lines.append("")
    if report.ok:
        lines.append(f"OK: {len(report.files)} files match the manifest")
    else:
        lines.append(f"FAILED: {len(report.problems)} problem(s)")
        lines += [f"  - {p}" for p in report.problems]
    return "\n".join(lines)
