"""Built-in uploaders: presigned ``https://`` PUT, ``s3://``, ``tus+https://`` and ``file://``.

Each module holds one destination; they share retries, progress and plain
failure messages (:mod:`.transfer`, :mod:`diagbundle_plugins.neterrors`).
Optional libraries (boto3, requests) are imported only when their scheme is
used, so a missing extra is a one-line "install diagbundle[...]" then.
"""

from __future__ import annotations

from collections.abc import Callable

from diagbundle import Uploader, hookimpl
from diagbundle_plugins.uploaders import folder, presigned, s3, tus


@hookimpl
def diagbundle_register_uploaders(register: Callable[[Uploader], None]) -> None:
    register(Uploader("presigned-put", ("https",), "PUT to a presigned URL from the vendor (no SDK needed)",
                      presigned.upload, presigned.revoke))
    register(Uploader("s3", ("s3",), "S3 or compatible, with your credentials; presigned GET link",
                      s3.upload, s3.revoke, s3.OPTIONS))
    # tus+http is for test servers and private networks; the view link is then plain HTTP too.
    register(Uploader("tus", ("tus+https", "tus+http"), "resumable upload (tus protocol)",
                      tus.upload, tus.revoke, tus.OPTIONS))
    register(Uploader("folder", ("file",), "copy into a shared folder", folder.upload, folder.revoke))
