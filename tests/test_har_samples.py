"""A Firefox-style sample (jfromaniello/har-sanitizer, MIT) and cross-file pseudonyms."""

from __future__ import annotations

import json

from har_helpers import CASES, entry, har, sanitize_bytes

from diagbundle import Redactor

SAMPLE = CASES / "jfromaniello" / "example.har"


def test_firefox_sample_scrubbed_and_intact() -> None:
    before = json.loads(SAMPLE.read_text())["log"]
    out, counts, _ = sanitize_bytes(SAMPLE.read_bytes())
    text = out.decode()
    for secret in ("COOKIE1=BAR", "Bearer 123456", "BAR"):
        assert secret not in text
    after = json.loads(text)["log"]
    assert after["creator"] == before["creator"] and after["browser"] == before["browser"]
    assert len(after["entries"]) == len(before["entries"])
    for old, new in zip(before["entries"], after["entries"], strict=True):
        assert new["request"]["method"] == old["request"]["method"]
        assert new["response"]["status"] == old["response"]["status"]
        assert new["timings"] == old["timings"]
    assert counts["har-cookie"] >= 1 and counts["har-auth"] >= 1


def test_firefox_sample_login_body_password_scrubbed() -> None:
    raw = json.loads(SAMPLE.read_text())
    passwords = [json.loads(e["request"]["postData"]["text"]).get("password")
                 for e in raw["log"]["entries"]
                 if e["request"].get("postData", {}).get("mimeType", "").startswith("application/json")]
    passwords = [p for p in passwords if p]
    assert passwords
    out, _, _ = sanitize_bytes(SAMPLE.read_bytes())
    for password in passwords:
        assert f'"{password}"' not in out.decode()


def test_same_cookie_same_tag_across_entries_and_files() -> None:
    redactor = Redactor(rules=[])
    cookie = [{"name": "Cookie", "value": "sid=SHAREDSESSION; theme=dark"}]
    one = har(entry("https://a.example.com/1", req_headers=cookie), entry("https://a.example.com/2",
                                                                          req_headers=cookie))
    two = har(entry("https://a.example.com/3?sid=SHAREDSESSION", req_headers=cookie))
    out1, _, _ = sanitize_bytes(one, redactor)
    out2, _, _ = sanitize_bytes(two, redactor)
    values = [e["request"]["headers"][0]["value"] for e in json.loads(out1)["log"]["entries"]]
    values += [e["request"]["headers"][0]["value"] for e in json.loads(out2)["log"]["entries"]]
    assert len(set(values)) == 1 and "SHAREDSESSION" not in values[0]
    tag = values[0].split(";")[0].split("=")[1]
    assert json.loads(out2)["log"]["entries"][0]["request"]["url"].endswith(f"?sid={tag}")
    other, _, _ = sanitize_bytes(one, Redactor(rules=[]))
    assert b"SHAREDSESSION" not in other


def test_jwt_in_json_body_keeps_harmless_claims() -> None:
    import base64

    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    token = ".".join([part({"alg": "RS256", "typ": "JWT", "kid": "KIDSECRET"}),
                      part({"sub": "user-42", "email": "bob@example.com", "name": "Bob Builder",
                            "exp": 1700000000, "iat": 1699990000, "iss": "https://auth.example.com",
                            "aud": "api", "scope": "admin", "nonce": "NONCE1"}),
                      "SIGNATUREPART123"])
    body = json.dumps({"id_token": token, "user": "x"})
    # rules=[]: the default text rules would replace any value under a "*token" key outright
    out, _, _ = sanitize_bytes(har(entry(content={"size": 1, "mimeType": "application/json",
                                                  "text": body})), Redactor(rules=[]))
    text = json.loads(out)["log"]["entries"][0]["response"]["content"]["text"]
    new = json.loads(text)["id_token"]
    header, payload, signature = new.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    claims = json.loads(base64.urlsafe_b64decode(pad(payload)))
    assert signature == ""
    assert json.loads(base64.urlsafe_b64decode(pad(header))) == {"alg": "RS256", "typ": "JWT"}
    assert claims["exp"] == 1700000000 and claims["iat"] == 1699990000
    assert claims["iss"] == "https://auth.example.com" and claims["aud"] == "api"
    assert claims["sub"].startswith("<jwt-sub-") and claims["name"].startswith("<name-")
    assert claims["email"].startswith("<email-")
    assert "scope" not in claims and "nonce" not in claims


def test_url_fragments_paths_and_nested_urls() -> None:
    url = ("https://ex.com/files/aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY/view?next=https%3A%2F%2Fex.com%2Fcb"
           "%3Fcode%3DNESTEDCODE&page=2#id_token=FRAGTOKEN&state=FRAGSTATE")
    out, _, _ = sanitize_bytes(har(entry(url)), Redactor(rules=[]))
    new = json.loads(out)["log"]["entries"][0]["request"]["url"]
    for secret in ("aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY", "NESTEDCODE", "FRAGTOKEN", "FRAGSTATE"):
        assert secret not in new
    assert new.startswith("https://ex.com/files/<secret-") and "/view?" in new and "page=2" in new


def test_request_ids_collected_from_response_headers() -> None:
    heads = [{"name": "X-Request-ID", "value": "req-123"}, {"name": "cf-ray", "value": "8a1b2c3d4e5f-AMS"},
             {"name": "Server", "value": "nginx"}]
    _, _, scrub = sanitize_bytes(har(entry(resp_headers=heads)))
    assert [(i.name, i.value) for i in scrub.findings.ids] == [("x-request-id", "req-123"),
                                                               ("cf-ray", "8a1b2c3d4e5f-AMS")]
