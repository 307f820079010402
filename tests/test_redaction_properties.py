"""Hypothesis properties: chunking never matters, redaction is idempotent, secrets never leak."""

from __future__ import annotations

import string
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagbundle.redaction import Redactor
from diagbundle.redaction.prefilter import load_hyperscan

FRAGMENTS = [
    "password=", "password: ", '"password": "', "token ", "--api-key ", "Bearer ", "Basic ",
    "Authorization: ", "Cookie: ", "://", "user:", "@", "@example.com", "alice@example.com",
    "10.0.0.1", "203.0.113.9", "fe80::1", "::1", "00:1a:2b:3c:4d:5e", "/home/bob/", "C:\\Users\\x\\",
    "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----", "MIIEow",
    "ghp_", "sk-", "eyJ", "AKIA", "4111 1111 1111 1111", "[REDACTED:token]", "<email-1>",
    "max_tokens: 4096", "token_type: Bearer", "\n", "\r\n", "\\", '"', "'", " ", "=", ":", ";",
    "é", "\u2028", "export ", "  - ", "{", "}", "mysql -p",
]
ALPHABET = string.ascii_letters + string.digits + " _-./:=@\"'\n\t\\{}[]<>,;&%+"

text_pieces = st.one_of(st.sampled_from(FRAGMENTS), st.text(ALPHABET, max_size=12))
texts = st.lists(text_pieces, max_size=40).map("".join)

SECRET_CHARS = string.ascii_letters + string.digits
secrets = st.text(SECRET_CHARS, min_size=36, max_size=36)


def make(engine: str = "python") -> Redactor:
    return Redactor(engine=engine, key=b"p" * 32, username="zoe", hostname="zoe-box")


ENGINES = ["python", "exhaustive"] + (["hyperscan"] if load_hyperscan() is not None else [])
COMMON = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@COMMON
@given(texts, st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=20))
def test_any_chunking_gives_the_same_output(text: str, sizes: list[int]) -> None:
    data = text.encode("utf-8", "surrogatepass")
    redactor = make()
    whole = b"".join(redactor.stream([data]))
    chunks = []
    pos = 0
    i = 0
    while pos < len(data):
        size = sizes[i % len(sizes)]
        chunks.append(data[pos : pos + size])
        pos += size
        i += 1
    assert b"".join(redactor.stream(chunks)) == whole


@COMMON
@given(texts)
def test_redacting_twice_changes_nothing_more(text: str) -> None:
    redactor = make()
    once = redactor.redact(text)
    assert redactor.redact(once) == once


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | texts,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["password", "token", "email", "note", "ip"]) | texts,
                      children, max_size=4),
    max_leaves=12,
)


@COMMON
@given(json_values, st.integers(min_value=0, max_value=2), st.integers(min_value=1, max_value=40))
def test_json_mode_keeps_json_valid_idempotent_and_chunk_free(
    value: object, indent: int, size: int
) -> None:
    import json

    text = json.dumps(value, indent=indent or None)
    redactor = make()
    once = redactor.redact(text, json=True)
    json.loads(once)
    assert redactor.redact(once, json=True) == once
    data = text.encode()
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    assert b"".join(redactor.stream(chunks, json=True)) == once.encode()


@COMMON
@given(texts)
def test_same_number_of_lines(text: str) -> None:
    assert make().redact(text).count("\n") == text.count("\n")


@COMMON
@given(texts, st.booleans())
def test_redacting_a_string_is_streaming_it(text: str, json: bool) -> None:
    """redact() goes straight to a run; the stream decodes and cuts lines first: the same text."""
    one, two = make(), make()
    counts_one: Counter[str] = Counter()
    counts_two: Counter[str] = Counter()
    assert one.redact(text, counts_one, json=json) == \
        b"".join(two.stream([text], counts_two, json=json)).decode("utf-8", "surrogateescape")
    assert counts_one == counts_two
    assert one.mapping() == two.mapping()


@COMMON
@given(texts)
def test_engines_agree(text: str) -> None:
    outputs = {make(engine).redact(text) for engine in ENGINES}
    assert len(outputs) == 1


@COMMON
@given(
    texts,
    texts,
    secrets,
    st.sampled_from(
        [
            "ghp_{}",
            "export GITHUB_TOKEN=ghp_{}",
            "password={}",
            "DB_PASSWORD: {}",
            '{{"api_key": "{}"}}',
            "Authorization: Bearer {}",
            "curl -u deploy:{} https://x",
            "postgres://app:{}@db:5432/x",
            "--token {}",
            "Cookie: sid={}",
            "sk-proj-{}",
            "npm_{}",
        ]
    ),
)
def test_no_output_contains_the_secret(before: str, after: str, secret: str, shape: str) -> None:
    line = shape.format(secret)
    text = f"{before}\n{line}\n{after}"
    out = make().redact(text)
    assert secret not in out
    data = text.encode()
    assert secret.encode() not in b"".join(make().stream(data[i : i + 7] for i in range(0, len(data), 7)))
