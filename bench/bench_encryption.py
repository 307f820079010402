"""How fast, and in how much memory, are age encryption, decryption and encrypted inspect? Prints figures.

A real bundle (a redacted log plus incompressible bytes, SIZE MB in all) is
written once; then, each in a fresh process so peak RSS is its own:

1. encrypt: the bundle's bytes through ``encrypt_chunks`` into ``write_encrypted``;
2. decrypt: ``decrypt_file`` back to a zip;
3. inspect: ``inspect_encrypted`` (two decryption passes, no plain file).

Memory should stay flat (independent of SIZE) for all three.

    python bench/bench_encryption.py [--size 200]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STEP = r"""
import json, resource, sys, time
from pathlib import Path
from diagbundle.encryption import (decrypt_file, inspect_encrypted, load_identities, parse_recipients,
                                   write_encrypted)
step, folder = sys.argv[1], Path(sys.argv[2])
key, public = folder / "key.txt", (folder / "key.pub").read_text().strip()
start = time.perf_counter()
if step == "encrypt":
    def chunks():
        with (folder / "bundle.zip").open("rb") as fh:
            yield from iter(lambda: fh.read(1 << 20), b"")
    write_encrypted(folder / "bundle.zip.age", chunks(), parse_recipients([public]))
elif step == "decrypt":
    decrypt_file(folder / "bundle.zip.age", key, folder / "back.zip", force=True)
else:
    assert inspect_encrypted(folder / "bundle.zip.age", load_identities(key)).ok
took = time.perf_counter() - start
print(json.dumps({"seconds": took, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=200, help="bundle size in MB (default 200)")
    args = parser.parse_args()
    import pyrage

    from diagbundle import api
    from diagbundle.testing import make_manager

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        blob = folder / "core.bin"
        with blob.open("wb") as fh:
            for _ in range(args.size):
                fh.write(os.urandom(1 << 20))
        log = folder / "app.log"
        log.write_text("".join(f"10:00:{i % 60:02d} GET /items/{i} 200\n" for i in range(100_000)))
        api.collect(folder / "bundle.zip", only="attachments", attach=[log, blob], attach_binary=True,
                    manager=make_manager(), keep_mapping=False)
        blob.unlink()
        identity = pyrage.x25519.Identity.generate()
        (folder / "key.txt").write_text(str(identity) + "\n")
        (folder / "key.pub").write_text(str(identity.to_public()) + "\n")
        size_mb = (folder / "bundle.zip").stat().st_size / 1e6
        print(f"bundle: {size_mb:.0f} MB")
        for step in ("encrypt", "decrypt", "inspect"):
            t = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", STEP, step, tmp], capture_output=True, text=True,
                                 check=True)
            figures = json.loads(out.stdout)
            print(f"{step:<8} {figures['seconds']:6.2f} s  {size_mb / figures['seconds']:7.1f} MB/s  "
                  f"peak RSS {figures['peak_rss_mb']:6.1f} MB  (process {time.perf_counter() - t:.2f} s)")


if __name__ == "__main__":
    main()
