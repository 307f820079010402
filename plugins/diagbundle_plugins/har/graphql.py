"""GraphQL query text: variable declarations and references are syntax, not secrets.

``mutation Login($password: String!, $otp: String)`` declares two variables
and ``login(password: $password, otp: $otp)`` passes them on: nothing in
either is a value, yet to the bundle's ``key: value`` rules ``otp: String``
and ``otp: $otp`` read as credentials, and support loses the query it needs
to reproduce the call. The plugin registers :data:`GRAPHQL_SYNTAX`, two
``keep`` rules that vouch for exactly those two shapes, checked rather than
trusted (the same text could come from anywhere):

- a variable list right after ``query``/``mutation``/``subscription`` (and an
  optional operation name) holding only ``$name: Type`` items, where a type
  is a GraphQL type reference (``String``, ``[ID!]!``) and reads as a name, not
  a token, with at most a number, boolean, ``null`` or upper-case enum value as
  its default: a string default, which could be a literal secret, keeps the
  list from being vouched for;
- an argument list, or an input object (``login(input: {password: $password})``),
  holding only ``name: $name`` items, each passing on the variable of its own
  name (``otp: $otp``), so a literal such as ``password: $ecret`` is still
  judged by the rules.

String literals (``login(token: "...")``) are never vouched for.
"""

from __future__ import annotations

import re

from diagbundle import Rule
from diagbundle_plugins.har.entropy import looks_like_token

#: Separators inside a one-line query as written in JSON: spaces, commas, ``\n`` escapes.
_SEP = r"(?:[ \t,]|\\[nrt])"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_TYPE = r"\[?[ \t]*[A-Z][A-Za-z0-9_]*!?[ \t]*\]?!?"
#: A default value that cannot hide a secret: a number, a boolean, null, an upper-case enum value.
_DEFAULT = r"(?:[ \t]*=[ \t]*(?:-?[0-9]+(?:\.[0-9]+)?|true|false|null|[A-Z][A-Z0-9_]*))?"
_DECLARATION = rf"\${_NAME}[ \t]*:[ \t]*{_TYPE}{_DEFAULT}"
_ARGUMENT = re.compile(rf"({_NAME})[ \t]*:[ \t]*\$({_NAME})")

_TYPE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _types_are_names(text: str) -> bool:
    """Every type of a variable list reads as a type name (``String``, ``LoginInput``), not a token."""
    types = [t for part in text.split("$")[1:] for t in _TYPE_NAME.findall(part.partition(":")[2])[:1]]
    return bool(types) and not any(looks_like_token(t) for t in types)


VARIABLE_LIST = Rule(
    "har-graphql-variables",
    rf"\b(?:query|mutation|subscription)(?:[ \t]+{_NAME})?[ \t]*\({_SEP}*{_DECLARATION}"
    rf"(?:{_SEP}+{_DECLARATION})*{_SEP}*\)",
    kind="keep", validate=_types_are_names,
    trigger=r"(?:query|mutation|subscription)[ \t]*[a-z0-9_]*[ \t]*\([ \t,]*\$",
)


def _same_names(text: str) -> bool:
    """Every ``name: $var`` of an argument list passes on the variable of its own name."""
    inner = text[text.index("(") + 1 : -1]
    items = [item.strip() for item in re.split(r",|\\[nrt]", inner) if item.strip()]
    return bool(items) and all((m := _ARGUMENT.fullmatch(item)) is not None
                               and m.group(1).lower() == m.group(2).lower() for item in items)


ARGUMENT_LIST = Rule(
    "har-graphql-arguments",
    rf"(?<![A-Za-z0-9_]){_NAME}[ \t]*\({_SEP}*{_NAME}[ \t]*:[ \t]*\${_NAME}"
    rf"(?:{_SEP}+{_NAME}[ \t]*:[ \t]*\${_NAME})*{_SEP}*\)",
    kind="keep", validate=_same_names, trigger=r"[a-z0-9_][ \t]*:[ \t]*\$[a-z_][a-z0-9_]*[ \t]*[,)\\]",
)

INPUT_OBJECT = Rule(
    "har-graphql-input",
    rf":[ \t]*\{{{_SEP}*{_NAME}[ \t]*:[ \t]*\${_NAME}(?:{_SEP}+{_NAME}[ \t]*:[ \t]*\${_NAME})*{_SEP}*\}}",
    kind="keep", validate=lambda text: _same_names(text.replace("{", "(", 1)[:-1] + ")"),
    trigger=r"[a-z0-9_][ \t]*:[ \t]*\$[a-z_][a-z0-9_]*[ \t]*[,}\\]",
)

_TYPE_REFERENCE = re.compile(_TYPE)


def is_declaration(separator: str, value: str) -> bool:
    """``$password: String!`` once the ``$`` is seen: a ``:`` and a type reference, not a token.

    For the sanitizer's own ``key: value`` pass over text that holds a query
    (a multi-line query is judged decoded, line by line, where the variable
    list may not sit next to its operation keyword).
    """
    return (separator.strip() == ":" and _TYPE_REFERENCE.fullmatch(value) is not None
            and not looks_like_token(value.strip("[]!")))


#: Registered through ``diagbundle_register_redaction_rules``.
GRAPHQL_SYNTAX = (VARIABLE_LIST, ARGUMENT_LIST, INPUT_OBJECT)
