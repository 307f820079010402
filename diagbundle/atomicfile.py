"""Writing a small file so that it is whole or absent, and readable by its owner only.

The pseudonym mapping, the upload record (it holds bearer links) and the
Hyperscan database cache are each written to a temporary file beside the
target and renamed over it: a crash never leaves half a file, and no other
user can read one while it is written.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a 0600 temporary file, synced, then renamed into place."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), 0o600)  # mkstemp's mode already; said again, as the reason to be here
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
