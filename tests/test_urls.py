"""diagbundle.strip_userinfo: credentials go, scheme, host, port and path stay."""

from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from diagbundle import strip_userinfo
from diagbundle.testing import build_bundle
from diagbundle.urls import USERINFO_MARKER

M = USERINFO_MARKER


@pytest.mark.parametrize(("url", "expected"), [
    ("http://user:pa/ss@proxy:8080", f"http://{M}@proxy:8080"),
    ("http://user:p@ss#1?x/@proxy.corp:3128/", f"http://{M}@proxy.corp:3128/"),
    ("http://us%40er:p%2Fss@proxy", f"http://{M}@proxy"),
    ("https://TOKEN:x-oauth-basic@github.com/org/repo.git", f"https://{M}@github.com/org/repo.git"),
    ("https://ghp_TOKEN@github.com", f"https://{M}@github.com"),
    ("https://0123abcd@o4501.ingest.sentry.io/4502", f"https://{M}@o4501.ingest.sentry.io/4502"),
    ("socks5h://u:p@[fd00::1]:1080", f"socks5h://{M}@[fd00::1]:1080"),
    ("user:pw@proxy:3128", f"{M}@proxy:3128"),
    ("CORP\\jdoe:pw@proxy:3128", f"{M}@proxy:3128"),
    ("corp/jdoe:pw@proxy:3128", f"{M}@proxy:3128"),
    ("http://u:p@proxy 8080", f"http://{M}@proxy 8080"),
    ("http=u:p@a.corp:1;https=b.corp:2", f"{M}@a.corp:1;https=b.corp:2"),
    # Nothing to remove: returned exactly as given.
    ("http://proxy.corp:3128", "http://proxy.corp:3128"),
    ("proxy.corp:3128", "proxy.corp:3128"),
    ("localhost,.corp,10.0.0.0/8", "localhost,.corp,10.0.0.0/8"),
    ("https://registry.npmjs.org/@scope/pkg", "https://registry.npmjs.org/@scope/pkg"),
    ("https://cdn.example/icon@2x.png", "https://cdn.example/icon@2x.png"),
    ("https://medium.com/@someone", "https://medium.com/@someone"),
    ("@host", "@host"),
    ("", ""),
])
def test_known_forms(url, expected):
    assert strip_userinfo(url) == expected


def test_stripping_twice_changes_nothing():
    once = strip_userinfo("http://user:pa/ss@proxy:8080")
    assert strip_userinfo(once) == once


def test_urllib_would_have_leaked_this():
    """The reason this helper exists: RFC parsing ends the authority at the password's '/'."""
    from urllib.parse import urlsplit

    url = "http://user:pa/ss@proxy:8080"
    assert urlsplit(url).hostname == "user" and "ss@proxy" in urlsplit(url).path
    assert "pa/ss" not in strip_userinfo(url)


# A hostile alphabet: URL delimiters, percent signs, spaces, backslashes, non-ASCII.
HOSTILE = st.text(alphabet=st.sampled_from(list("abcXYZ019/?#@%:;,. \\=+&!~é€")), min_size=1, max_size=24)
LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)
HOST = st.one_of(
    st.lists(LABEL, min_size=1, max_size=4).map(".".join),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda ip: f"[{ip}]"),
)
PORT = st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}"))
PATH = st.one_of(st.just(""), st.text(alphabet="abcdef/.-_", max_size=12).map(lambda p: "/" + p))
SCHEME = st.sampled_from(["http://", "https://", "socks5h://", "socks4://", "ftp://", ""])


@settings(max_examples=400, deadline=None)
@given(scheme=SCHEME, user=HOSTILE, password=HOSTILE, host=HOST, port=PORT, path=PATH)
def test_password_never_survives_and_host_always_does(scheme, user, password, host, port, path):
    # Without a scheme, a leading "//" is the scheme-relative form and stays (tested below).
    assume(not (scheme == "" and user.startswith("//")))
    out = strip_userinfo(f"{scheme}{user}:{password}@{host}{port}{path}")
    assert out == f"{scheme}{M}@{host}{port}{path}"
    assert host in out
    rest = out.replace(f"{M}@", "", 1)
    if any(c in password for c in "?#@%é€"):  # characters no other part of the output holds
        assert password not in rest


def test_scheme_relative_url_keeps_its_slashes() -> None:
    assert strip_userinfo("//:0@0.0.0.0") == f"//{M}@0.0.0.0"
    assert strip_userinfo("//user:pw@cdn.example.com/x") == f"//{M}@cdn.example.com/x"


@settings(max_examples=200, deadline=None)
@given(token=st.text(alphabet=st.sampled_from(list("abcXYZ019-_.~%+=!é")), min_size=1, max_size=40),
       host=HOST, path=PATH)
def test_token_as_user_name(token, host, path):
    out = strip_userinfo(f"https://{token}@{host}{path}")
    assert out == f"https://{M}@{host}{path}"


PROXY_ENV = {
    "HTTPS_PROXY": "http://alice:pa/ss@proxy.corp.example:8080",
    "http_proxy": "http://bob:p@ss%2Fw#rd?@proxy.corp.example:3128",
    "ALL_PROXY": "socks5h://carol:s3/cr@t@socks.corp.example:1080",
    "no_proxy": "localhost,.corp.example",
}
SECRETS = ("pa/ss", "p@ss%2Fw#rd?", "s3/cr@t", "alice", "bob", "carol")


def test_environment_bundle_keeps_no_proxy_password(tmp_path, monkeypatch):
    for name, value in PROXY_ENV.items():
        monkeypatch.setenv(name, value)
    bundle = build_bundle(tmp_path, only="environment")
    text = bundle.text("environment/environment.json")
    for secret in SECRETS:
        assert secret not in text
    values = json.loads(text)["environment_variables"]["values"]
    # The user info goes structurally; the corporate host names become pseudonyms (issue 10).
    assert re.fullmatch(rf"http://{re.escape(M)}@<host-\d+>:8080", values["HTTPS_PROXY"])
    assert re.fullmatch(rf"socks5h://{re.escape(M)}@<host-\d+>:1080", values["ALL_PROXY"])
    assert values["no_proxy"] == "localhost,.corp.example"  # a zone suffix names no machine
    for name in bundle.names():
        body = bundle.text(name)
        assert not any(secret in body for secret in SECRETS[:3]), name


def test_browsers_bundle_policy_proxy_loses_password(tmp_path):
    """A real Chromium managed policy in /etc, read by the real collector."""
    folder = Path("/etc/chromium/policies/managed")
    if not os.access("/etc", os.W_OK):
        pytest.skip("writing a managed policy needs root (no write access to /etc)")
    created = not folder.exists()
    policy = folder / f"diagbundle-test-{uuid.uuid4().hex}.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        policy.write_text(json.dumps({
            "ProxyMode": "fixed_servers",
            "ProxyServer": "http://dave:pa/ss@proxy.corp.example:8080",
            "ProxyPacUrl": "https://tok:x-oauth@wpad.corp.example/proxy.pac",
        }))
        bundle = build_bundle(tmp_path, only="browsers")
        text = bundle.text("browsers/browsers.json")
    finally:
        policy.unlink(missing_ok=True)
        if created:
            for path in (folder, folder.parent, folder.parent.parent):
                if path.exists() and not any(path.iterdir()):
                    path.rmdir()
    assert "pa/ss" not in text and "dave" not in text and "x-oauth" not in text
    proxies = json.loads(text)["policies"]["proxies"]
    mine = [p for p in proxies if p["source"].endswith(policy.name)]
    assert re.fullmatch(rf"http://{re.escape(M)}@<host-\d+>:8080", mine[0]["settings"]["ProxyServer"])
    assert re.fullmatch(rf"https://{re.escape(M)}@<host-\d+>/proxy.pac", mine[0]["settings"]["ProxyPacUrl"])
