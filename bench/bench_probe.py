"""How long the connectivity probe takes. Prints figures; asserts nothing.

1. A reachable HTTPS target on loopback (trustme certificate, a thread-served
   origin): the full path, DNS to HTTP status (issue 14: well under 1 s).
2. A target that accepts and never answers (loopback): the probe must end
   within its budget (issue 14: default total <= 10 s).
All traffic stays on 127.0.0.1.

    python bench/bench_probe.py [--runs 5]
"""

from __future__ import annotations

import argparse
import http.server
import os
import socket
import ssl
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import trustme

from diagbundle.context import Context, Store
from diagbundle.redaction import Redactor


class Origin(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


def probe_once(options: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    import diagbundle_plugins.connectivity as connectivity

    store = Store(Redactor())
    ctx = Context("connectivity", store, options)
    started = time.perf_counter()
    data = connectivity.run(ctx)
    elapsed = time.perf_counter() - started
    store.close()
    return elapsed, data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    os.environ["SSL_CERT_FILE"] = str(folder / "ca.pem")  # the "system" store the probe checks
    for name in [n for n in os.environ if n.lower().endswith("_proxy")]:
        del os.environ[name]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("localhost").configure_cert(context)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://localhost:{server.server_address[1]}/"
    silent = socket.create_server(("127.0.0.1", 0))  # accepts (the kernel does), never answers
    options = {"probe": [url], "probe_ca_bundle": str(folder / "ca.pem")}
    times = [probe_once(options)[0] for _ in range(args.runs)]
    print(f"reachable loopback HTTPS target: median {statistics.median(times) * 1000:.0f} ms "
          f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}), {args.runs} runs")
    hang = f"https://localhost:{silent.getsockname()[1]}/"
    elapsed, data = probe_once({"probe": [hang]})
    row = data["targets"][0]
    print(f"target that never answers, default budget 10 s: {elapsed:.2f} s "
          f"(broke at {row['broke_at']}: {row['kind']})")
    elapsed, data = probe_once({"probe": [hang], "probe_budget": "3"})
    print(f"same with --probe-budget 3: {elapsed:.2f} s")
    server.shutdown()
    silent.close()


if __name__ == "__main__":
    main()
