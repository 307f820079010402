"""The fallback for every field the sanitizer has no specific rule for.

Unknown fields (browser extensions such as ``_initiator`` or
``_securityDetails``, a tool's custom keys) are walked rather than copied:
values under secret-looking keys are replaced, strings go through the
free-text rules (URLs, JWTs, the global redactor) and ``comment`` fields,
which hold whatever a person typed, are dropped. Nothing passes unexamined.
"""

from __future__ import annotations

from typing import Any

from diagbundle_plugins.har.names import is_secret_name
from diagbundle_plugins.har.scrubber import MAX_JSON_DEPTH, Scrubber


def sanitize_any(value: Any, scrub: Scrubber, secret: bool = False, depth: int = 0) -> Any:
    """Sanitize a value of unknown meaning."""
    if isinstance(value, str):
        return scrub.secret(value, "har-field") if secret else scrub.text(value)
    if depth > MAX_JSON_DEPTH:
        return None
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "comment":
                scrub.counts["har-comment"] += 1
                continue
            out[key] = sanitize_any(item, scrub, secret or is_secret_name(key), depth + 1)
        return out
    if isinstance(value, list):
        return [sanitize_any(item, scrub, secret, depth + 1) for item in value]
    if secret and value is not None and not isinstance(value, bool):
        return scrub.secret(str(value), "har-field")
    return value
