"""``diagbundle redact PATH|-`` and ``diagbundle mapping BUNDLE_ID``.

``redact`` prints the redacted input on stdout, the same number of lines as
it came in for text and JSON (a format step such as HAR re-serialises), and
a short summary of what was replaced on stderr. The format is detected: a
format registered by a plugin (HAR) if one claims the input, else JSON (text
redaction that keeps the document valid), else text. It fails closed: the
output is spooled and written only once everything went through, so a
format error or binary content prints nothing on stdout.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from diagbundle.errors import DiagbundleError, FormatError, UsageError
from diagbundle.redaction.config import build_redactor
from diagbundle.redaction.engine import Redactor
from diagbundle.redaction.mapping import load_mapping, mapping_path, save_mapping

if TYPE_CHECKING:
    from diagbundle.plugins import PluginManager
    from diagbundle.types import Format

HEAD_SIZE = 64 << 10
CHUNK = 64 << 10
#: Output larger than this is not re-parsed to check it is still valid JSON.
JSON_CHECK_LIMIT = 64 << 20


def add_redact_parser(subparsers: Any) -> None:
    """Add ``redact`` to the ``diagbundle`` command's subparsers."""
    parser = subparsers.add_parser(
        "redact",
        help="redact a file (or stdin) to stdout",
        description=(
            "Print a redacted copy of PATH ('-' for stdin) on stdout: secrets become "
            "[REDACTED:<rule>], personal data consistent pseudonyms such as <email-1>. "
            "The format is detected (text, JSON, and formats from plugins such as HAR); "
            "a summary of what was replaced goes to stderr."
        ),
    )
    parser.add_argument("path", metavar="PATH", help="the file to redact, or '-' for stdin")
    parser.add_argument(
        "--format", metavar="NAME", default="auto",
        help="force a format: text, json or a plugin's format name (default: detect)",
    )
    parser.add_argument(
        "--redact-pattern", metavar="REGEX", action="append", default=[],
        dest="redact_patterns", help="also redact matches of REGEX (repeatable)",
    )
    parser.add_argument(
        "--allow", metavar="VALUE", action="append", default=[],
        help="never replace this exact value (repeatable)",
    )
    parser.add_argument(
        "--report-json", metavar="FILE",
        help="write what was redacted (counts per rule, never values) to FILE as JSON",
    )
    parser.add_argument(
        "--save-mapping", action="store_true",
        help="keep the pseudonym mapping on this machine; its id is printed on stderr",
    )
    parser.set_defaults(func=run_redact)


def add_mapping_parser(subparsers: Any) -> None:
    """Add ``mapping`` to the ``diagbundle`` command's subparsers."""
    parser = subparsers.add_parser(
        "mapping",
        help="show which values a bundle's pseudonyms stand for",
        description=(
            "Print the pseudonym mapping of a bundle made on this machine (<email-1> is "
            "alice@example.com ...). The mapping never leaves this machine."
        ),
    )
    parser.add_argument("bundle_id", metavar="BUNDLE",
                        help="the bundle id (from its manifest), or the bundle zip itself")
    parser.add_argument("--json", action="store_true", help="print the mapping as a JSON object")
    parser.set_defaults(func=run_mapping)


def run_mapping(args: argparse.Namespace, manager: PluginManager | None = None) -> int:
    """Print a saved mapping: one ``pseudonym<TAB>value`` line each, in order."""
    try:
        args.bundle_id = _bundle_id(args.bundle_id)
        mapping = load_mapping(args.bundle_id)
    except DiagbundleError as err:
        return _fail(err)
    ordered = dict(sorted(mapping.items(), key=lambda kv: _tag_order(kv[0])))
    if args.json:
        sys.stdout.write(json.dumps(ordered, indent=2, ensure_ascii=False) + "\n")
    else:
        for tag, value in ordered.items():
            sys.stdout.write(f"{tag}\t{value}\n")
        if not ordered:
            sys.stderr.write(f"bundle {args.bundle_id}: no pseudonyms were used\n")
    sys.stdout.flush()
    return 0


def _bundle_id(given: str) -> str:
    """``given`` itself, or the id in the manifest when ``given`` is a bundle file."""
    if not Path(given).is_file():
        return given
    import zipfile

    try:
        with zipfile.ZipFile(given) as zf:
            bundle_id = json.loads(zf.read("manifest.json")).get("bundle_id")
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as err:
        raise UsageError(f"{given}: not a diagbundle bundle ({err})") from err
    if not isinstance(bundle_id, str):
        raise UsageError(f"{given}: its manifest has no bundle id")
    return bundle_id


def run_redact(args: argparse.Namespace, manager: PluginManager | None = None) -> int:
    """The ``redact`` command; returns the exit code (0, or the error's)."""
    try:
        return _redact(args, manager)
    except DiagbundleError as err:
        return _fail(err)


def _fail(err: DiagbundleError) -> int:
    sys.stderr.write(f"diagbundle: error: {err}\n")
    return err.exit_code


def _redact(args: argparse.Namespace, manager: PluginManager | None) -> int:
    if manager is None:
        from diagbundle.plugins import load_plugins_for_cli

        manager = load_plugins_for_cli()
    redactor = build_redactor(manager.rules, args.redact_patterns, args.allow)
    name = "<stdin>" if args.path == "-" else args.path
    counts: Counter[str] = Counter()
    with _open(args.path) as source, _spool() as out:
        head = source.read(HEAD_SIZE)
        fmt_name, fmt = _choose(args.format, name, head, manager.formats)
        if fmt is None and _looks_binary(head):
            raise FormatError(f"{name}: binary file; only text, JSON and formats such as HAR "
                              "can be redacted")
        replay = _Replay(head, source)
        reader = io.BufferedReader(replay, CHUNK)
        if fmt is not None:
            produced = _run_format(fmt, reader, redactor, counts)
        else:
            produced = redactor.stream(_text_chunks(reader, name), counts, json=fmt_name == "json")
        lines = 0
        for chunk in produced:
            out.write(chunk)
            lines += chunk.count(b"\n")
        size_in = replay.consumed
        size_out = out.tell()
        if fmt_name == "json":
            _check_json(out, size_out, args.path, name)
        out.seek(0)
        _copy(out, sys.stdout.buffer)
    mapping_id = None
    if args.save_mapping:
        mapping_id = f"redact-{uuid.uuid4()}"
        save_mapping(mapping_id, redactor)
    sys.stderr.write(_summary(name, fmt_name, counts, mapping_id))
    if args.report_json:
        _write_report(Path(args.report_json), {
            "input": name,
            "format": fmt_name,
            "bytes_in": size_in,
            "bytes_out": size_out,
            "lines_out": lines,
            "redactions": dict(sorted(counts.items())),
            "engine": redactor.engine,
            "mapping_id": mapping_id,
        })
    return 0


def _open(path: str) -> IO[bytes]:
    if path == "-":
        return io.BufferedReader(_Unclosable(sys.stdin.buffer), CHUNK)
    try:
        if Path(path).is_dir():
            raise UsageError(f"{path}: is a folder, not a file")
        return Path(path).open("rb")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as err:
        raise UsageError(f"{path}: {err.strerror or err}") from None


def _spool() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=8 << 20, prefix="diagbundle-redact-")


def _choose(
    forced: str, name: str, head: bytes, formats: list[Format]
) -> tuple[str, Format | None]:
    """The format's name and its plugin step (None for text and JSON)."""
    if forced != "auto":
        if forced in ("text", "json"):
            return forced, None
        for fmt in formats:
            if fmt.name == forced:
                return fmt.name, fmt
        known = ", ".join(["text", "json", *(f.name for f in formats)])
        raise UsageError(f"--format {forced}: unknown format (known: {known})")
    for fmt in formats:
        if fmt.detect(name, head):
            return fmt.name, fmt
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if name.lower().endswith(".json") or start in (b"{", b"["):
        return "json", None
    return "text", None


def _looks_binary(head: bytes) -> bool:
    from diagbundle.context import looks_binary

    return looks_binary(head)


def _run_format(
    fmt: Format, source: IO[bytes], redactor: Redactor, counts: Counter[str]
) -> Iterator[bytes]:
    from diagbundle.types import FormatJob

    produced = fmt.sanitize(source, FormatJob(redactor, counts))
    if fmt.text:
        is_json = fmt.media_type.endswith("json")
        return redactor.stream(produced, counts, json=is_json)
    return produced


def _text_chunks(source: IO[bytes], name: str) -> Iterator[bytes]:
    """The input in chunks; a NUL byte anywhere means binary: fail closed."""
    offset = 0
    while True:
        chunk = source.read(CHUNK)
        if not chunk:
            return
        nul = chunk.find(b"\x00")
        if nul >= 0:
            raise FormatError(f"{name}: binary content (a NUL byte at offset {offset + nul}); "
                              "nothing was printed")
        offset += len(chunk)
        yield chunk


def _check_json(out: IO[bytes], size: int, path: str, name: str) -> None:
    """Fail closed if redaction would turn valid JSON into invalid JSON."""
    if size > JSON_CHECK_LIMIT:
        return
    out.seek(0)
    try:
        json.loads(out.read())
        return
    except ValueError:
        pass
    if path == "-":
        return  # stdin is gone; the input may never have been a JSON document
    try:
        json.loads(Path(path).read_bytes())
    except (ValueError, OSError):
        return  # it was not a JSON document to begin with (JSON lines, a fragment)
    raise FormatError(f"{name}: redaction would break the JSON document; nothing was printed")


def _copy(source: IO[bytes], target: IO[bytes]) -> None:
    while True:
        chunk = source.read(CHUNK)
        if not chunk:
            break
        target.write(chunk)
    target.flush()


def _summary(name: str, fmt: str, counts: Counter[str], mapping_id: str | None) -> str:
    total = sum(counts.values())
    if total:
        parts = ", ".join(f"{rule} {n}" for rule, n in sorted(counts.items()))
        text = f"{name} ({fmt}): {total} value{'s' if total != 1 else ''} redacted: {parts}\n"
    else:
        text = f"{name} ({fmt}): nothing redacted\n"
    if mapping_id is not None:
        text += (f"pseudonym mapping kept on this machine as {mapping_id} "
                 f"(see: diagbundle mapping {mapping_id})\n")
    return text


def _write_report(path: Path, report: dict[str, Any]) -> None:
    data = json.dumps(report, indent=2) + "\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
    except OSError as err:
        raise UsageError(f"--report-json {path}: {err.strerror or err}") from None


def _tag_order(tag: str) -> tuple[str, int]:
    kind, _, number = tag.strip("<>").rpartition("-")
    return kind, int(number) if number.isdigit() else 0


class _Replay(io.RawIOBase):
    """The input again from its first byte: the head already read, then the rest."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
        else:
            data = self._rest.read(len(view))
            n = len(data)
            view[:n] = data
        self.consumed += n
        return n


class _Unclosable(io.RawIOBase):
    """stdin for a ``with`` block that must not close it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._stream.read(-1 if size is None else size)

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        """Leave the real stdin open."""


__all__ = [
    "add_mapping_parser",
    "add_redact_parser",
    "mapping_path",
    "run_mapping",
    "run_redact",
]
