"""The uploaders' own options and their defaults, apart from the code that sends.

``diagbundle upload --help`` and every start-up of the CLI need these; the
sending code (urllib, ssl, http.client) is imported only when a bundle is sent.
"""

from __future__ import annotations

from diagbundle import CliOption

#: s3:// files above this go up in parts of this size (S3's minimum part is 5 MiB).
DEFAULT_PART_SIZE = 8 << 20
MIN_PART_SIZE = 5 << 20
#: tus+https:// chunk size.
DEFAULT_CHUNK = 4 << 20

S3_OPTIONS = (
    CliOption(("--endpoint-url",), "endpoint_url", "S3-compatible endpoint for s3:// (default: "
              "AWS_ENDPOINT_URL, else AWS)", metavar="URL"),
    CliOption(("--part-size",), "part_size", f"s3:// multipart part size in bytes (default: "
              f"{DEFAULT_PART_SIZE}, at least {MIN_PART_SIZE})", metavar="BYTES"),
)
TUS_OPTIONS = (
    CliOption(("--chunk-size",), "chunk_size", f"tus+https:// chunk size in bytes (default: {DEFAULT_CHUNK})",
              metavar="BYTES"),
)
