"""Removing the user-info (``user:password@``) part of a URL, structurally.

Proxy variables, browser policies, PAC URLs and DSNs carry credentials in
the user-info part of a URL, typed by hand and rarely percent-encoded: a
password such as ``pa/ss`` or ``p@ss#1`` is common. ``urllib.parse`` follows
RFC 3986 and ends the authority at the first ``/``, ``?`` or ``#``, so for
``http://user:pa/ss@proxy:8080`` it reports host ``user`` and port ``pa``,
and the password leaks through the "path" ``/ss@proxy:8080``. A regular
expression for secrets has the same blind spot. This module finds the host
instead: the user-info ends at the *last* ``@`` that is followed by a
well-formed ``host[:port]``, so ``/``, ``?``, ``#``, ``@`` and ``%`` inside the
password cannot move the split.

The user-info is replaced by ``[REDACTED:userinfo]@`` rather than dropped:
support learns that the client was configured with credentials (a proxy
that answers 407 with none, or a token in a clone URL), never what they are.
The marker has the redactor's tag form, so the global text pass leaves it
alone, and stripping twice gives the same result.

Where the text is ambiguous the helper fails closed: in
``https://user:pw@host/path/@x`` or ``http://host:8080/p@x`` an ``@`` in the
path could also be the end of a password containing ``/``, so everything up
to it is treated as user-info and the host shown is the one after the last
``@``. Over-redacting a rare URL costs a host name; under-redacting would
cost a password.
"""

from __future__ import annotations

import re

#: What replaces the user-info; it keeps the ``@`` so the result still reads as a URL.
USERINFO_MARKER = "[REDACTED:userinfo]"

#: ``scheme://``: RFC 3986 scheme characters, then the authority marker.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
#: What may follow an ``@`` for it to end the user-info: a bracketed IPv6
#: literal or a registered name (any characters but delimiters and spaces),
#: an optional port, then the end of the text, a path, query, fragment, a
#: space (KDE writes ``http://host 8080``) or a list separator (Chromium's
#: ``ProxyServer`` is ``http=user:pw@a:1;https=b:2``).
_HOST = re.compile(r"(?:\[[0-9A-Fa-f:.%A-Za-z]*\]|[^\s/?#@:\[\];,]+)(?::[0-9]*)?(?=$|[\s/?#;,])")
_DELIMITERS = re.compile(r"[/?#\s]")


def _userinfo_end(rest: str) -> int | None:
    """Index of the ``@`` that ends the user-info in ``rest`` (the text after ``scheme://``), or None.

    The last ``@`` followed by a well-formed host wins, provided what comes
    before it can be user-info: either it holds no ``/``, ``?``, ``#`` or
    space (``TOKEN@github.com``), or it holds a ``:``, so that they may sit
    in a password (``user:pa/ss@proxy``, ``corp/jdoe:pw@proxy``). An ``@`` in
    the path of a URL without credentials (``https://registry.npmjs.org/@scope``,
    ``https://host/icon@2x.png``) fails both tests and is left alone; so, by
    the same token, would a user name holding ``/`` with no password, which
    no client accepts unencoded anyway.
    """
    at = rest.rfind("@")
    while at > 0:
        if _HOST.match(rest, at + 1):
            prefix = rest[:at]
            if ":" in prefix or _DELIMITERS.search(prefix) is None:
                return at
        at = rest.rfind("@", 0, at)
    return None


def strip_userinfo(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``[REDACTED:userinfo]@``.

    Scheme, host, port, path, query and fragment are kept as written. Works
    on URLs without a scheme as proxy variables often hold them
    (``user:pw@proxy:3128``), on any scheme (``socks5h://``, Sentry DSNs whose
    key is the user name) and on hand-typed passwords containing ``/``,
    ``?``, ``#``, ``@`` or ``%``. Text without user-info is returned unchanged.

    >>> strip_userinfo("http://user:pa/ss@proxy:8080")
    'http://[REDACTED:userinfo]@proxy:8080'
    >>> strip_userinfo("https://registry.npmjs.org/@scope/pkg")
    'https://registry.npmjs.org/@scope/pkg'
    """
    scheme = _SCHEME.match(url)
    start = scheme.end() if scheme else (2 if url.startswith("//") else 0)
    rest = url[start:]
    end = _userinfo_end(rest)
    if end is None:
        return url
    return f"{url[:start]}{USERINFO_MARKER}{rest[end:]}"

