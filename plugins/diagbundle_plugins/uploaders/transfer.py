"""What every built-in uploader shares: retries with backoff, progress, and failures in plain words."""

from __future__ import annotations

import random
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from diagbundle import UploadError
from diagbundle_plugins.neterrors import NetFailure, classify

T = TypeVar("T")

#: Tries per request, and the first pause between them (doubled each time,
#: with jitter, capped at MAX_PAUSE): about 0.5 + 1 + 2 + 4 s over five tries.
ATTEMPTS = 5
FIRST_PAUSE = 0.5
MAX_PAUSE = 8.0
#: Failures worth another try: the network may come back; a refusal by
#: policy (proxy password, TLS, DNS) will not.
RETRIABLE = frozenset({"timeout", "reset", "refused", "unreachable"})
#: Failures no retry can fix, even in the middle of a resumable upload (where
#: anything else, a TLS session broken off included, is worth another try).
FINAL = frozenset({"dns", "tls-verify", "tls-inspection", "proxy-auth"})
READ_BLOCK = 1 << 16


def with_retries(
    attempt: Callable[[], T],
    *,
    retriable: Callable[[BaseException], bool],
    attempts: int = ATTEMPTS,
    on_retry: Callable[[int, BaseException], None] | None = None,
) -> T:
    """Call ``attempt`` until it succeeds, waiting longer after each retriable failure."""
    for n in range(1, attempts + 1):
        try:
            return attempt()
        except Exception as err:
            if n == attempts or not retriable(err):
                raise
            if on_retry is not None:
                on_retry(n, err)
            backoff(n)
    raise AssertionError("unreachable")


def backoff(failures: int) -> None:
    """Sleep before try ``failures + 1``: FIRST_PAUSE doubled per failure, capped, with jitter."""
    pause = min(MAX_PAUSE, FIRST_PAUSE * 2 ** (failures - 1))
    time.sleep(pause * (0.75 + random.random() / 2))  # noqa: S311 - jitter, not cryptography


def via_proxy(url: str) -> bool:
    """Whether the environment's proxy settings (HTTPS_PROXY, NO_PROXY ...) apply to ``url``."""
    parts = urllib.parse.urlsplit(url)
    proxies = urllib.request.getproxies()
    if parts.scheme not in proxies:
        return False
    return not urllib.request.proxy_bypass(parts.hostname or "")


def failure(err: BaseException, url: str) -> NetFailure:
    return classify(err, host=urllib.parse.urlsplit(url).hostname, via_proxy=via_proxy(url))


def upload_error(err: BaseException, url: str, what: str = "the upload") -> UploadError:
    """An :class:`UploadError` saying in one sentence why ``what`` to ``url`` failed."""
    return UploadError(f"{what} failed: {failure(err, url).message}")


class ProgressFile:
    """A bundle opened for sending: reads report progress; ``len()`` is its size (for HTTP bodies)."""

    def __init__(self, path: Path, size: int, progress: Callable[[int, int], None] | None,
                 start: int = 0) -> None:
        self._fh = path.open("rb")
        self._fh.seek(start)
        self._size, self._progress, self.sent = size, progress, start

    def read(self, n: int = -1) -> bytes:
        data = self._fh.read(READ_BLOCK if n is None or n < 0 else n)
        self.sent += len(data)
        if self._progress is not None and data:
            self._progress(self.sent, self._size)
        return data

    def __len__(self) -> int:
        return self._size

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> ProgressFile:
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def content_type(path: Path) -> str:
    return "application/octet-stream" if path.suffix == ".age" else "application/zip"
