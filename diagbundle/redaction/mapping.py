"""A bundle's pseudonym mapping, kept on the user's machine only, for a limited time.

Support sees ``<email-1>``; only the user can say who that is. The mapping
is written under platformdirs' user data folder (``mappings/<bundle id>.json``,
mode 0600 in a 0700 folder), never into the bundle, and read back by
``diagbundle mapping BUNDLE_ID``. It holds personal data only (addresses,
names): never a secret value (see :mod:`diagbundle.redaction.pseudonyms`).
Each mapping expires (default 30 days, ``[redaction] mapping_days`` in the
config); expired ones are removed whenever a mapping is saved, and by
``diagbundle mapping --prune``; ``--forget ID`` removes one at once.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import platformdirs

from diagbundle.atomicfile import write_atomic
from diagbundle.errors import UsageError
from diagbundle.redaction.engine import Redactor

#: How long a mapping is kept unless the config says otherwise.
DEFAULT_DAYS = 30

_BUNDLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def mapping_dir() -> Path:
    return platformdirs.user_data_path("diagbundle") / "mappings"


def mapping_path(bundle_id: str) -> Path:
    if not _BUNDLE_ID.fullmatch(bundle_id) or ".." in bundle_id:
        raise UsageError(f"invalid bundle id {bundle_id!r}")
    return mapping_dir() / f"{bundle_id}.json"


def keep_days() -> float:
    """``[redaction] mapping_days`` from the config, else :data:`DEFAULT_DAYS`."""
    from diagbundle.config import config_section

    days = config_section("redaction").get("mapping_days", DEFAULT_DAYS)
    if isinstance(days, bool) or not isinstance(days, (int, float)) or days <= 0:
        raise UsageError("[redaction] mapping_days must be a positive number of days")
    return float(days)


def save_mapping(bundle_id: str, redactor: Redactor, *, days: float | None = None) -> Path:
    """Write the redactor's mapping for ``bundle_id``, valid for ``days``; returns the file.

    Written to a temporary file (0600) and renamed into place, so a crash
    never leaves a half-written mapping and no other user can read it.
    Expired mappings are removed first.
    """
    path = mapping_path(bundle_id)
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    prune()
    now = datetime.now(timezone.utc)
    document = {
        "bundle_id": bundle_id,
        "created": now.isoformat(timespec="seconds"),
        "expires": (now + timedelta(days=days or keep_days())).isoformat(timespec="seconds"),
        "mapping": redactor.mapping(),
    }
    # One member per line, written by the C encoder (``indent`` would use
    # the Python one: 60 ms for the 20,000 pseudonyms of a large HAR).
    text = json.dumps(document, ensure_ascii=False, separators=(",\n  ", ": ")) + "\n"
    write_atomic(path, text.encode("utf-8"))
    return path


def _expired(document: object, now: datetime) -> bool:
    """A mapping without a readable expiry (written before expiry existed) counts as expired."""
    expires = document.get("expires") if isinstance(document, dict) else None
    try:
        return not isinstance(expires, str) or datetime.fromisoformat(expires) <= now
    except ValueError:
        return True


def prune() -> list[str]:
    """Remove every expired mapping; returns their bundle ids."""
    folder = mapping_dir()
    if not folder.is_dir():
        return []
    now = datetime.now(timezone.utc)
    removed = []
    for path in sorted(folder.glob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            document = None
        if _expired(document, now):
            path.unlink(missing_ok=True)
            removed.append(path.stem)
    return removed


def forget(bundle_id: str) -> bool:
    """Remove the mapping of ``bundle_id`` now; False if there was none."""
    path = mapping_path(bundle_id)
    if not path.exists():
        return False
    path.unlink()
    return True


def load_mapping(bundle_id: str) -> dict[str, str]:
    """The mapping saved for ``bundle_id`` (pseudonym -> original value), unless it has expired."""
    path = mapping_path(bundle_id)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"no pseudonym mapping for bundle {bundle_id} in {path.parent}") from None
    except (OSError, ValueError) as err:
        raise UsageError(f"{path}: unreadable mapping: {err}") from None
    if _expired(document, datetime.now(timezone.utc)):
        path.unlink(missing_ok=True)
        raise UsageError(f"the pseudonym mapping for bundle {bundle_id} has expired and was removed")
    mapping = document.get("mapping") if isinstance(document, dict) else None
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise UsageError(f"{path}: unreadable mapping: no 'mapping' object")
    return mapping


def resolve_bundle_id(given: str) -> str:
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


def tag_order(tag: str) -> tuple[str, int]:
    """Sort key of a pseudonym: by kind, then by number (``<email-2>`` before ``<email-10>``)."""
    kind, _, number = tag.strip("<>").rpartition("-")
    return kind, int(number) if number.isdigit() else 0
