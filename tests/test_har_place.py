"""Decided by place, not by name: the same word is a credential in a URL and evidence in an error object."""

from __future__ import annotations

import json
from typing import Any

import pytest
from har_helpers import entry, har, sanitize_bytes


def _out(*entries: dict[str, Any], keep_bodies: bool = False) -> tuple[str, dict[str, Any]]:
    out, _, _ = sanitize_bytes(har(*entries), keep_bodies=keep_bodies)
    return out.decode(), json.loads(out)["log"]["entries"][0]


def _json(obj: Any, mime: str = "application/json") -> dict[str, Any]:
    return {"size": 1, "mimeType": mime, "text": json.dumps(obj)}


@pytest.mark.parametrize("name", ["code", "state", "id_token", "access_token", "token"])
@pytest.mark.parametrize("where", ["https://app.example.com/cb?{}=", "myapp://callback?{}=",
                                   "/oauth/complete?{}=", "https://app.example.com/cb#{}="])
def test_oauth_parameters_in_any_url_are_credentials(name: str, where: str) -> None:
    value = "Zk4Qm8Wn2Rt6Yp0Lx3Hb"
    url = where.format(name) + value
    text, _ = _out(entry("https://app.example.com/start", resp_headers=[{"name": "Location", "value": url}],
                         redirectURL=url))
    text2, _ = _out(entry(url if "://" in url else "https://app.example.com" + url))
    assert value not in text and value not in text2


def test_error_object_code_is_evidence_but_a_request_body_code_is_not() -> None:
    body = {"error": {"message": "nope", "code": "model_not_found"}, "statusCode": 404, "expiresIn": 3600}
    _, out = _out(entry(content=_json(body)))
    assert json.loads(out["response"]["content"]["text"]) == body
    _, out = _out(entry(post={"mimeType": "application/json", "text": json.dumps({"code": "845213"})}))
    assert "845213" not in out["request"]["postData"]["text"]


def test_token_response_keeps_type_and_lifetime_as_numbers() -> None:
    body = {"token": {"access_token": "Ab3De6Gh9Jk2Mn5Pq8St1Vw", "token_type": "Bearer", "expiresIn": 3600}}
    _, out = _out(entry(content=_json(body)))
    clean = json.loads(out["response"]["content"]["text"])["token"]
    assert clean["token_type"] == "Bearer" and clean["expiresIn"] == 3600
    assert clean["access_token"] != body["token"]["access_token"]


def test_second_cookie_joined_with_comma_is_replaced() -> None:
    value = "sid=Aa1Bb2Cc3; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT, remember=Dd4Ee5Ff6; Path=/"
    _, out = _out(entry(resp_headers=[{"name": "Set-Cookie", "value": value}]))
    header = out["response"]["headers"][0]["value"]
    assert "Aa1Bb2Cc3" not in header and "Dd4Ee5Ff6" not in header
    assert "Expires=Wed, 21 Oct 2026 07:28:00 GMT" in header and "remember=<secret-" in header


def test_websocket_subprotocol_token_is_replaced_names_kept() -> None:
    heads = [{"name": "Sec-WebSocket-Protocol", "value": "chat.v2, graphql-ws, Xy7Kq2Wm9Lp4Rn8Tb3Vc"}]
    _, out = _out(entry(req_headers=heads))
    value = out["request"]["headers"][0]["value"]
    assert value.startswith("chat.v2, graphql-ws, <secret-") and "Xy7Kq2" not in value


def test_multipart_with_mismatched_boundary_drops_the_file() -> None:
    text = ("--realBoundary\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\n"
            "FILECONTENTSECRET\r\n--realBoundary--\r\n")
    _, out = _out(entry(post={"mimeType": "multipart/form-data; boundary=declared", "text": text}))
    assert "FILECONTENTSECRET" not in out["request"]["postData"]["text"]
    _, out = _out(entry(post={"mimeType": "multipart/form-data; boundary=declared",
                              "text": "no boundary at all FILECONTENTSECRET"}))
    assert "FILECONTENTSECRET" not in out["request"]["postData"]["text"]


def test_event_stream_data_lines_are_json() -> None:
    text = 'event: update\ndata: {"session": "Qw3Er5Ty7Ui9", "n": 1}\n\ndata: plain words\n\n'
    _, out = _out(entry(content={"size": 1, "mimeType": "text/event-stream", "text": text}))
    clean = out["response"]["content"]["text"]
    assert "Qw3Er5Ty7Ui9" not in clean and '"n":1' in clean and "data: plain words" in clean
    assert clean.startswith("event: update\ndata: {")


def test_keep_bodies_hidden_inputs_and_js_config() -> None:
    html = ('<form><input type="hidden" name="csrfmiddlewaretoken" value="HiddenCsrf1234abcd">'
            "<script>window.__CONFIG__ = {apiKey: 'JsCfgKey5678efgh', release: '4.2.1'};"
            'var cfg = {"authToken": "JsAuthTok9012ijkl"};</script></form>')
    _, out = _out(entry(content={"size": 1, "mimeType": "text/html", "text": html}), keep_bodies=True)
    clean = out["response"]["content"]["text"]
    for secret in ("HiddenCsrf1234abcd", "JsCfgKey5678efgh", "JsAuthTok9012ijkl"):
        assert secret not in clean
    assert "release: '4.2.1'" in clean


def test_evidence_in_urls() -> None:
    url = ("https://api.example.com/repo/commit/9fceb02d0ae598e95dc970b74767f19372d61af8"
           "?request_id=req_8c2f4a9e1b7d3c5f6a0e")
    _, out = _out(entry(url))
    assert out["request"]["url"] == url
    asset = "https://cdn.example.com/js/vendors-node_modules_react-dom_index_js.4f3c2a1b9e8d7c6b.chunk.js"
    _, out = _out(entry(asset))
    assert out["request"]["url"] == asset
