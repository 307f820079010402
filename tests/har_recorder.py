"""Record a real HAR: Debian's Chromium, driven by Playwright, against a server on loopback.

The server plays a small web app: a login form (hidden CSRF input, password),
cookies (two in one ``Set-Cookie`` joined with ``, ``), an OAuth dance with a
relative and a custom-scheme ``Location``, bearer tokens, GraphQL, a
WebSocket with a token among its subprotocols, server-sent events, a
multipart upload whose boundary does not match, and failing requests (JSON
errors with codes and request IDs, an HTML error page, a refused
connection). Every credential it plants is in :data:`CREDENTIALS`, every
piece of evidence support needs in :data:`EVIDENCE`; the tests assert that
the first are all gone and the second all kept.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import shutil
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

#: name -> planted value; none of them may survive sanitizing.
CREDENTIALS = {
    "csrf hidden input": "CsrfHidden7Qx2Lm9Pw4Rt8Vb3Nk6",
    "password": "Hunter2-Pass-Zx81!",
    "session cookie": "sessVal9f8e7d6c5b4a3f2e1d0c",
    "second cookie joined with comma": "rememberMe7a6b5c4d3e2f1a0b9c",
    "oauth state": "stateXy7Kq2Wm9Lp4Rn8Tb3",
    "oauth code in relative Location": "codeRel4Hj8Km2Np6Qr0St5",
    "oauth code in custom scheme Location": "codeApp9Gf3Dk7Ls1Mq5Wx8",
    "bearer token": "bearerTok3Jk9Lm2Np8Qr4St7Uv",
    "access token in JSON": "accTokJson5Fg1Hj7Kl3Mn9Pq",
    "graphql variable": "gqlVarTok8Rs2Tu6Vw0Xy4Za",
    "websocket subprotocol token": "wsProtoTok4Bc8De2Fg6Hi0Jk",
    "websocket message token": "wsMsgTok7Lm1No5Pq9Rs3Tu",
    "sse data token": "sseDataTok2Vw6Xy0Za4Bc8De",
    "multipart file content": "multipartFileSecret6Fg0Hi4Jk8",
    "js config api key": "jsCfgKey3Lm7No1Pq5Rs9Tu",
    "id_token in query": "idTokQs8Vw2Xy6Za0Bc4De",
    "access_token in query": "accTokQs1Fg5Hj9Kl3Mn7Pq",
    "mfa code in request body": "845213",
}

GIT_SHA = "9fceb02d0ae598e95dc970b74767f19372d61af8"
#: name -> a value support needs as it is.
EVIDENCE = {
    "error code": '"code":"model_not_found"',
    "error code upper": '"code":"RATE_LIMIT_EXCEEDED"',
    "numeric error code": '"code":403',
    "token_type": '"token_type":"Bearer"',
    "expiresIn number": '"expiresIn":3600',
    "graphql declaration": "$token: String!",
    "statusCode": '"statusCode":503',
    "exitCode": '"exitCode":2',
    "state": '"state":"RUNNING"',
    "countryCode": '"countryCode":"DE"',
    "s3 key": '"key":"uploads/2024/report-final.pdf"',
    "primaryKey column": '"primaryKey":"order_id"',
    "git sha in path": f"/commit/{GIT_SHA}",
    "webpack chunk": "vendors-node_modules_react-dom_index_js.4f3c2a1b9e8d7c6b.chunk.js",
    "request_id param": "request_id=req_8c2f4a9e1b7d3c5f6a0e",
    "x-client-trace-id": "c0ffee12-3456-4789-abcd-0123456789ab",
    "sentry-trace": "771a43a4192642f0b136d5159a501700-b1a0d5d5c1b2a3f4-1",
    "x-request-id": "req_3f9a1c2b7d4e5f60",
    "openai-request-id": "req_6d1e9f2a0b3c4d5e6f7a8b9c",
    "graphql error code": '"code":"UNAUTHENTICATED"',
}

_PAGE_LOGIN = f"""<!doctype html><html><head><title>Sign in</title>
<script>window.__APP_CONFIG__ = {{"apiKey": "{CREDENTIALS['js config api key']}",
  "release": "4.2.1"}};</script>
</head><body><form method="post" action="/login">
<input type="hidden" name="csrfmiddlewaretoken" value="{CREDENTIALS['csrf hidden input']}">
<input name="username" value="alice@example.com"><input type="password" name="password" id="pw">
<button id="go" type="submit">Sign in</button></form></body></html>"""

_APP = """<!doctype html><html><head><title>App</title></head><body><script>
async function run(c) {
  const auth = {Authorization: 'Bearer ' + c.bearer, 'x-client-trace-id': c.trace,
                'sentry-trace': c.sentry};
  await fetch('/api/me', {headers: auth});
  await fetch('/graphql', {method: 'POST', headers: {'content-type': 'application/json'},
    body: JSON.stringify({query: 'query Me($token: String!) { me(token: $token) { id } }',
                          variables: {token: c.gql}})});
  await fetch('/api/limits');
  await fetch('/api/models/gpt-9');
  await fetch('/api/job');
  await fetch('/api/mfa', {method: 'POST', headers: {'content-type': 'application/json'},
    body: JSON.stringify({code: c.mfa})});
  await fetch('/static/' + c.chunk);
  await fetch('/repo/commit/' + c.sha);
  await fetch('/api/search?' + c.rid + '&id_token=' + c.idt + '&access_token=' + c.acc);
  await new Promise((done) => {  // a navigation, so the 302 to myapp:// is recorded
    const frame = document.createElement('iframe');
    frame.src = '/oauth/native';
    document.body.appendChild(frame);
    setTimeout(done, 400);
  });
  await fetch('/upload', {method: 'POST',
    headers: {'content-type': 'multipart/form-data; boundary=----declaredBoundary'},
    body: '------actualBoundary\\r\\nContent-Disposition: form-data; name="file"; filename="a.txt"' +
          '\\r\\nContent-Type: text/plain\\r\\n\\r\\n' + c.multipart + '\\r\\n------actualBoundary--\\r\\n'});
  await fetch('/broken');
  try { await fetch(c.cors); } catch (e) {}  // another origin, no Access-Control-Allow-Origin
  try { await fetch(c.refused); } catch (e) {}
  await new Promise((done) => {
    const es = new EventSource('/events');
    // The stream ends when the server closes it (so the whole body is recorded): onerror.
    es.onerror = () => { es.close(); done(); };
    setTimeout(() => { es.close(); done(); }, 3000);
  });
  await new Promise((done) => {
    const ws = new WebSocket(c.ws, ['chat.v2', c.wsproto]);
    ws.onopen = () => ws.send(JSON.stringify({type: 'auth', token: c.wsmsg}));
    ws.onmessage = () => { ws.close(); };
    ws.onclose = () => done();
    ws.onerror = () => done();
  });
  document.title = 'done';
}
</script></body></html>"""


def _json(handler: BaseHTTPRequestHandler, status: int, body: Any,
          headers: dict[str, str] | None = None) -> None:
    data = json.dumps(body, separators=(",", ":")).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)


class _App(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _html(self, text: str, status: int = 200) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, location: str, cookies: list[str] = ()) -> None:  # type: ignore[assignment]
        self.send_response(302)
        self.send_header("Location", location)
        for cookie in cookies:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        body = self._body()
        if self.path == "/login":
            self._redirect(f"/oauth/authorize?client_id=web&state={CREDENTIALS['oauth state']}",
                           [f"session={CREDENTIALS['session cookie']}; Path=/; HttpOnly, "
                            f"remember={CREDENTIALS['second cookie joined with comma']}; Path=/"])
        elif self.path == "/graphql":
            _json(self, 200, {"data": None, "errors": [{"message": "Not authenticated",
                                                        "extensions": {"code": "UNAUTHENTICATED"}}]})
        elif self.path == "/api/mfa":
            _json(self, 200, {"ok": True, "echo": len(body)})
        else:
            _json(self, 200, {"received": len(body)})

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/login":
            self._html(_PAGE_LOGIN)
        elif path == "/oauth/authorize":
            self._redirect(f"/oauth/complete?code={CREDENTIALS['oauth code in relative Location']}"
                           f"&state={CREDENTIALS['oauth state']}")
        elif path == "/oauth/complete":
            self._html(_APP)
        elif path == "/oauth/native":
            self._redirect(f"myapp://callback?code={CREDENTIALS['oauth code in custom scheme Location']}")
        elif path == "/api/me":
            _json(self, 200, {"email": "alice@example.com", "token_type": "Bearer", "expiresIn": 3600,
                              "access_token": CREDENTIALS["access token in JSON"]})
        elif path == "/api/limits":
            _json(self, 429, {"error": {"message": "Rate limit exceeded", "code": "RATE_LIMIT_EXCEEDED"}},
                  {"x-request-id": EVIDENCE["x-request-id"]})
        elif path.startswith("/api/models/"):
            _json(self, 404, {"error": {"message": "The model does not exist",
                                        "type": "invalid_request_error",
                                        "code": "model_not_found"}},
                  {"openai-request-id": EVIDENCE["openai-request-id"]})
        elif path == "/api/job":
            _json(self, 503, {"statusCode": 503, "exitCode": 2, "state": "RUNNING", "countryCode": "DE",
                              "key": "uploads/2024/report-final.pdf", "primaryKey": "order_id",
                              "error": {"code": 403, "message": "forbidden"}})
        elif path == "/broken":
            self._html("<html><head><title>502 Bad Gateway</title></head><body>upstream</body></html>", 502)
        elif path == "/events":
            self._events()
        elif path == "/ws":
            self._websocket()
        else:
            _json(self, 200, {"path": path})

    def _events(self) -> None:
        lines = [json.dumps({"token": CREDENTIALS["sse data token"], "n": 1}),
                 json.dumps({"n": 2, "last": True})]
        data = "".join(f"data: {line}\n\n" for line in lines).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def _websocket(self) -> None:
        key = self.headers["Sec-WebSocket-Key"]
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode(),
                                               usedforsecurity=False).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.send_header("Sec-WebSocket-Protocol", "chat.v2")
        self.end_headers()
        self.wfile.flush()
        self.connection.settimeout(5)
        head = self.rfile.read(2)
        length = head[1] & 0x7F
        if length == 126:
            length = int.from_bytes(self.rfile.read(2), "big")
        mask = self.rfile.read(4)
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(length)))
        reply = json.dumps({"type": "ack", "echo": len(payload)}).encode()
        self.wfile.write(bytes([0x81, len(reply)]) + reply)
        self.wfile.flush()
        with contextlib.suppress(OSError):
            self.rfile.read(2)  # the client's close frame
        self.close_connection = True


def closed_port() -> int:
    """A loopback port nothing listens on (a refused connection for the HAR to record)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` served on a loopback port for the ``with`` block; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def chromium_available() -> str | None:
    """Why a HAR cannot be recorded here, or ``None`` when it can."""
    if shutil.which(CHROMIUM) is None:
        return f"{CHROMIUM} is not installed"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install diagbundle[test])"
    return None


def record(har_path: Path) -> None:
    """Run the scripted session once and write its HAR (bodies embedded) to ``har_path``."""
    from playwright.sync_api import sync_playwright

    with serving(_App) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000)
        context = browser.new_context(record_har_path=str(har_path), record_har_content="embed")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(base + "/login")
        page.fill("#pw", CREDENTIALS["password"])
        page.click("#go")
        page.wait_for_url("**/oauth/complete*")
        page.evaluate("c => run(c)", {
            "bearer": CREDENTIALS["bearer token"], "trace": EVIDENCE["x-client-trace-id"],
            "sentry": EVIDENCE["sentry-trace"], "gql": CREDENTIALS["graphql variable"],
            "mfa": CREDENTIALS["mfa code in request body"], "chunk": EVIDENCE["webpack chunk"],
            "sha": GIT_SHA, "rid": EVIDENCE["request_id param"],
            "idt": CREDENTIALS["id_token in query"], "acc": CREDENTIALS["access_token in query"],
            "multipart": CREDENTIALS["multipart file content"],
            "refused": f"http://127.0.0.1:{closed_port()}/down",
            "cors": base.replace("127.0.0.1", "localhost") + "/api/cors",
            "ws": base.replace("http", "ws") + "/ws",
            "wsproto": CREDENTIALS["websocket subprotocol token"],
            "wsmsg": CREDENTIALS["websocket message token"]})
        page.wait_for_timeout(300)  # the last response bodies reach the HAR recorder
        context.close()
        browser.close()
