"""Compiled Hyperscan databases, cached on disk so a redactor builds in milliseconds.

Compiling the trigger databases is most of what building a redactor costs
(a third of a 50 MB ``diagbundle redact``). The serialized database
(``hyperscan.dumpb``) is kept in platformdirs' user cache folder
(``DIAGBUNDLE_CACHE_DIR`` overrides it), named by a hash of everything it
depends on: the expressions, their ids and flags, the Hyperscan version and
diagbundle's. Beside it a small JSON record holds that key, the blob's
sha256, its pattern count and the loaded database's ``info()``.

A cached database is used only when every one of those checks holds; a
missing, truncated, corrupt or stale file (or one Hyperscan refuses to
load) is ignored and the database compiled afresh, then written again
(atomically: a temporary file renamed into place, mode 0600). A cache that
cannot be written (read-only home) only costs the compile. A wrong database
would skip lines that hold secrets, so nothing here trusts the file.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import platformdirs

from diagbundle._version import __version__
from diagbundle.atomicfile import write_atomic

#: Bumped when the layout of the cache files changes.
FORMAT = 1


def cache_dir() -> Path:
    """Where compiled databases are kept."""
    override = os.environ.get("DIAGBUNDLE_CACHE_DIR")
    base = Path(override) if override else platformdirs.user_cache_path("diagbundle")
    return base / "hyperscan"


def cache_key(hyperscan: Any, expressions: Sequence[bytes], flags: int) -> str:
    """A hash of everything the compiled database depends on."""
    digest = hashlib.sha256()
    record = {
        "format": FORMAT,
        "hyperscan": str(getattr(hyperscan, "__version__", "?")),
        "diagbundle": __version__,
        "flags": flags,
        "mode": int(hyperscan.HS_MODE_BLOCK),
        "expressions": [e.hex() for e in expressions],  # ids are their positions
    }
    digest.update(json.dumps(record, sort_keys=True).encode())
    return digest.hexdigest()


def compile_cached(hyperscan: Any, expressions: Sequence[bytes], flags: int) -> Any:
    """A block-mode database for ``expressions`` (id = position), from the cache if sound.

    Raises ``hyperscan.error`` as ``Database.compile`` does.
    """
    key = cache_key(hyperscan, expressions, flags)
    folder = cache_dir()
    db = _load(hyperscan, folder, key, len(expressions))
    if db is not None:
        return db
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=list(expressions), ids=list(range(len(expressions))),
               elements=len(expressions), flags=flags)
    _store(hyperscan, folder, key, len(expressions), db)
    return db


def _load(hyperscan: Any, folder: Path, key: str, count: int) -> Any | None:
    """The cached database for ``key``, or None when anything about it is off."""
    try:
        meta = json.loads((folder / f"{key}.json").read_text("utf-8"))
        blob = (folder / f"{key}.db").read_bytes()
        if not isinstance(meta, dict) or meta.get("key") != key or meta.get("patterns") != count:
            return None  # stale: written for another rule set or version
        if meta.get("size") != len(blob) or meta.get("sha256") != hashlib.sha256(blob).hexdigest():
            return None  # truncated or corrupt
        db = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
        if _info(db) != meta.get("info"):
            return None  # built by another Hyperscan or for another platform
        return db
    except Exception:  # missing, unreadable, not JSON, refused by loadb: compile
        return None


def _store(hyperscan: Any, folder: Path, key: str, count: int, db: Any) -> None:
    """Write the database and its record; the record last, as it is what makes the blob count."""
    try:
        blob = hyperscan.dumpb(db)
        meta = {
            "key": key, "patterns": count, "size": len(blob),
            "sha256": hashlib.sha256(blob).hexdigest(), "info": _info(db),
        }
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(folder / f"{key}.db", blob)
        write_atomic(folder / f"{key}.json", json.dumps(meta).encode())
    except Exception:  # a cache that cannot be written only costs the next compile
        return


def _info(db: Any) -> str:
    """Hyperscan's description of a database: its version, platform features and mode."""
    info = db.info()
    return info.decode("ascii", "replace") if isinstance(info, bytes) else str(info)
