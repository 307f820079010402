"""Multipart form bodies and the Digest / AWS Signature v4 ``Authorization`` schemes, field by field."""

from __future__ import annotations

import json

from har_helpers import entry, har, leaks, sanitize_bytes

BOUNDARY = "----WebKitFormBoundaryX7f3"


def _multipart(*parts: tuple[str, str, str]) -> str:
    """A multipart/form-data body from (headers, content) pairs, CRLF line endings as browsers send."""
    body = ""
    for head, _, content in parts:
        body += f"--{BOUNDARY}\r\n{head}\r\n\r\n{content}\r\n"
    return body + f"--{BOUNDARY}--\r\n"


def test_multipart_fields_files_and_nested_json() -> None:
    body = _multipart(
        ('Content-Disposition: form-data; name="password"', "", "MPPASS-77"),
        ('Content-Disposition: form-data; name="note"', "", "call carol@example.net"),
        ('Content-Disposition: form-data; name="upload"; filename="keys.txt"\r\nContent-Type: text/plain',
         "", "ghp_" + "F" * 36),
        ('Content-Disposition: form-data; name="meta"\r\nContent-Type: application/json', "",
         '{"session": "MPSESSION9", "size": 3}'),
    )
    post = {"mimeType": f"multipart/form-data; boundary={BOUNDARY}", "text": body, "params": []}
    out, counts, _ = sanitize_bytes(har(entry(post=post)))
    text = json.loads(out)["log"]["entries"][0]["request"]["postData"]["text"]
    assert leaks(text, ["MPPASS-77", "carol@example.net", "ghp_" + "F" * 36, "MPSESSION9"]) == []
    parts = text.split(f"--{BOUNDARY}")
    assert len(parts) == 6 and parts[-1].startswith("--")  # same parts, same closing delimiter
    assert 'name="password"\r\n\r\n<secret-' in text
    assert "call <email-" in text
    assert "[file content dropped by diagbundle]" in text and 'filename="keys.txt"' in text
    meta = json.loads(parts[4].split("\r\n\r\n", 1)[1].rstrip("\r\n"))
    assert meta["size"] == 3 and meta["session"].startswith("<secret-")
    assert counts["har-body-dropped"] == 1


def test_multipart_without_boundary_in_the_type_uses_the_first_line() -> None:
    body = _multipart(('Content-Disposition: form-data; name="token"', "", "MPTOKEN-5"))
    post = {"mimeType": "multipart/form-data", "text": body}
    out, _, _ = sanitize_bytes(har(entry(post=post)))
    assert "MPTOKEN-5" not in out.decode()


def _authorization(value: str) -> str:
    data = har(entry(req_headers=[{"name": "Authorization", "value": value}]))
    out, counts, _ = sanitize_bytes(data)
    assert counts["har-auth"] == 1
    headers = json.loads(out)["log"]["entries"][0]["request"]["headers"]
    return str(headers[0]["value"])


def test_digest_authorization_keeps_its_shape_not_its_secrets() -> None:
    value = ('Digest username="alice.smith", realm="ops@corp.example.com", '
             'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html?token=DIGESTURI1", '
             'qop=auth, nc=00000001, cnonce="0a4f113b", '
             'response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"')
    clean = _authorization(value)
    assert clean.startswith("Digest ")
    for secret in ("alice.smith", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "0a4f113b", "DIGESTURI1",
                   "6629fae49393a05397450978507c4ef1", "5ccc069c403ebaf9f0171e9517f40e41",
                   "ops@corp.example.com"):
        assert secret not in clean
    assert 'username="<secret-' in clean and 'realm="<email-' in clean
    assert 'uri="/dir/index.html?token=<secret-' in clean and "qop=auth" in clean and "nc=00000001" in clean


def test_digest_username_links_up_with_the_same_value_elsewhere() -> None:
    """The pseudonym is of the value, not of the value with its quotes."""
    digest = 'Digest username="alice.smith", nonce="n1"'
    data = har(entry(url="https://example.com/?session=alice.smith",
                     req_headers=[{"name": "Authorization", "value": digest}]))
    out, _, _ = sanitize_bytes(data)
    request = json.loads(out)["log"]["entries"][0]["request"]
    tag = request["url"].split("session=", 1)[1]
    assert tag.startswith("<secret-") and f'username="{tag}"' in request["headers"][0]["value"]


def test_aws_sigv4_authorization_keeps_scope_loses_key_id_and_signature() -> None:
    value = ("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/s3/aws4_request, "
             "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
             "Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024")
    clean = _authorization(value)
    assert clean.startswith("AWS4-HMAC-SHA256 ")
    assert "AKIAIOSFODNN7EXAMPLE" not in clean
    assert "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024" not in clean
    assert "/20240101/us-east-1/s3/aws4_request" in clean
    assert "Credential=<secret-" in clean and "Signature=<secret-" in clean
    assert "SignedHeaders=host;x-amz-content-sha256;x-amz-date" in clean


def test_same_credential_in_two_schemes_gets_one_tag() -> None:
    """A Basic credential and the same value seen as a cookie are linked by one pseudonym."""
    data = har(entry(req_headers=[{"name": "Authorization", "value": "Basic YWxpY2U6c2VjcmV0"},
                                  {"name": "Cookie", "value": "auth=YWxpY2U6c2VjcmV0"}]))
    out, _, _ = sanitize_bytes(data)
    headers = json.loads(out)["log"]["entries"][0]["request"]["headers"]
    tag = headers[0]["value"].split(" ", 1)[1]
    assert tag.startswith("<secret-") and headers[1]["value"] == f"auth={tag}"
