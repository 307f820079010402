"""Name/value pair objects: ``{"name": "Authorization", "value": "Bearer ..."}``.

APIs that carry headers, parameters or settings as data write them as one
object per pair: HAR-like header lists in a webhook's configuration,
Postman's ``{"key": "password", "value": ...}``, Kubernetes ``env`` entries,
AWS SSM's ``{"Name": "DB_PASSWORD", "Value": ...}``; and as two-string lists,
as fetch and Node list headers (``["X-Api-Key", "..."]``). The secret is then in
the ``value`` field, whose own key says nothing, and the field that names it
(``key`` above) is a name, not a key. So an object is a pair when it has a
``value`` and a naming field holding a name: the name is kept as it is (it
is what support reads), and when it names a credential the value is
replaced like any value under a secret key. The decision is by place:
the same rule as for a header or a query parameter.
"""

from __future__ import annotations

import re
from typing import Any

from diagbundle_plugins.har.entropy import looks_like_token
from diagbundle_plugins.har.names import secret_param

#: Fields that hold a pair's value, and fields that hold its name.
VALUE_FIELDS = ("value", "Value")
NAME_FIELDS = ("name", "Name", "key", "Key", "header", "param", "variable", "field", "parameter",
               "ParameterKey", "OptionName")
_NAME = re.compile(r"[A-Za-z_:.$@-][A-Za-z0-9_.:$@/-]{0,99}")


#: A naming field and its string value in JSON text without escapes.
_NAME_IN_TEXT = re.compile(r'"(?:' + "|".join(NAME_FIELDS) + r')"\s*:\s*"([^"\\]{1,100})"')


#: The first of two strings in a list (``["X-Api-Key", "..."]``) in JSON text without escapes.
_TUPLE_IN_TEXT = re.compile(r'\[\s*"([^"\\]{1,100})"\s*,\s*"')


def may_hold_secret_pair(text: str) -> bool:
    """Whether JSON text may hold a pair or a two-string list naming a credential (cheap)."""
    names = set(_TUPLE_IN_TEXT.findall(text)) if '",' in text else set()
    if '"value"' in text or '"Value"' in text:
        names.update(_NAME_IN_TEXT.findall(text))
    return any(_NAME.fullmatch(name) and secret_param(name) for name in names)


def pair_fields(node: dict[str, Any]) -> tuple[str, str, bool] | None:
    """``(name field, value field, the name names a credential)`` of a pair, else None.

    A name is a short identifier (``X-Api-Key``, ``DB_PASSWORD``, ``theme``),
    never a token: ``{"key": "a8f5f167f44f...", "value": 1}`` is no pair, and
    its ``key`` is judged as usual.
    """
    value_field = next((f for f in VALUE_FIELDS if f in node), None)
    if value_field is None:
        return None
    for field in NAME_FIELDS:
        name = node.get(field)
        if isinstance(name, str) and _NAME.fullmatch(name) and not looks_like_token(name):
            return field, value_field, secret_param(name)
    return None


def secret_tuple(node: list[object]) -> bool:
    """``["X-Api-Key", "..."]``: a two-string list (a header as fetch and Node list them) whose
    first item names a credential."""
    name = node[0]
    return (isinstance(name, str) and isinstance(node[1], str) and _NAME.fullmatch(name) is not None
            and secret_param(name))
