"""The child process that evaluates a PAC file (``python -m diagbundle_plugins.network.pac_worker``).

Reads ``{"pac": TEXT, "targets": [URL...], "resolve": BOOL}`` as JSON on
stdin, writes ``{"results": {URL: RESULT}, "error": TEXT|null}`` on stdout.
The parent kills it at its time limit, so an endless loop in the PAC costs
that limit and nothing more. Without ``resolve`` every name lookup fails
before it leaves the process: pypac's ``dnsResolve``, ``isResolvable``,
``myIpAddress`` and ``isInNet`` then answer as for an unresolvable name
(``""``, false), which PAC files handle, rather than raising, which pypac
reports as a malformed file.
"""

from __future__ import annotations

import json
import socket
import sys
from typing import Any, NoReturn
from urllib.parse import urlsplit


def _unresolvable(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise socket.gaierror(socket.EAI_NONAME, "name resolution is off (no --probe)")


def _offline() -> None:
    for name in ("gethostbyname", "gethostbyname_ex", "getaddrinfo", "gethostbyaddr"):
        setattr(socket, name, _unresolvable)


def _limit_memory(limit: int = 512 << 20) -> None:
    try:
        import resource
    except ImportError:  # Windows: the time limit still applies
        return
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def evaluate(pac: str, targets: list[str]) -> dict[str, str]:
    from pypac.parser import PACFile

    parsed = PACFile(pac)
    return {url: str(parsed.find_proxy_for_url(url, urlsplit(url).hostname or "")) for url in targets}


def main() -> int:
    request = json.loads(sys.stdin.read())
    _limit_memory()
    if not request.get("resolve"):
        _offline()
    try:
        results = evaluate(request["pac"], request["targets"])
    except ImportError:
        print(json.dumps({"results": {}, "error": "PAC evaluation needs pypac: install diagbundle[pac]"}))
        return 0
    except Exception as err:  # a malformed PAC is a finding, not a crash
        message = str(getattr(err, "original_exc", None) or err).splitlines()[:1]
        print(json.dumps({"results": {}, "error": f"{type(err).__name__}: {' '.join(message)}"}))
        return 0
    print(json.dumps({"results": results, "error": None}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
