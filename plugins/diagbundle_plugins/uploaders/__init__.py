"""Built-in uploaders: presigned ``https://`` PUT, ``s3://``, ``tus+https://`` and ``file://``.

Each module holds one destination; they share retries, progress and plain
failure messages (:mod:`.transfer`, :mod:`diagbundle_plugins.neterrors`).
Optional libraries (boto3, requests) are imported only when their scheme is
used, so a missing extra is a one-line "install diagbundle[...]" then.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from diagbundle import Uploader, UploadJob, UploadResult, hookimpl
from diagbundle_plugins.uploaders.options import S3_OPTIONS, TUS_OPTIONS


def _upload(module: str) -> Callable[[UploadJob], UploadResult]:
    """``module.upload``, imported when a bundle is sent (not at every start-up of the CLI)."""

    def upload(job: UploadJob) -> UploadResult:
        result: UploadResult = importlib.import_module(f"{__name__}.{module}").upload(job)
        return result

    return upload


def _revoke(module: str) -> Callable[[Mapping[str, Any]], None]:
    def revoke(record: Mapping[str, Any]) -> None:
        importlib.import_module(f"{__name__}.{module}").revoke(record)

    return revoke


@hookimpl
def diagbundle_register_uploaders(register: Callable[[Uploader], None]) -> None:
    register(Uploader("presigned-put", ("https",), "PUT to a presigned URL from the vendor (no SDK needed)",
                      _upload("presigned"), _revoke("presigned")))
    register(Uploader("s3", ("s3",), "S3 or compatible, with your credentials; presigned GET link",
                      _upload("s3"), _revoke("s3"), S3_OPTIONS))
    # tus+http is for test servers and private networks; the view link is then plain HTTP too.
    register(Uploader("tus", ("tus+https", "tus+http"), "resumable upload (tus protocol)",
                      _upload("tus"), _revoke("tus"), TUS_OPTIONS))
    register(Uploader("folder", ("file",), "copy into a shared folder", _upload("folder"), _revoke("folder")))
