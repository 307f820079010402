"""The engine: interface, streaming, boundaries, engines, pseudonyms."""

from __future__ import annotations

import re
import threading
from collections import Counter

import pytest

from diagbundle.redaction import Redactor, Rule
from diagbundle.redaction.engine import MARGIN, WINDOW
from diagbundle.redaction.prefilter import drop_context, load_hyperscan, split_alternatives

GH = "ghp_" + "a1B2c3D4e5F6g7H8i9J0" * 2  # 44 chars after the prefix
SECRET_LINE = f"export GITHUB_TOKEN={GH}\n"

ENGINES = ["python"] + (["hyperscan"] if load_hyperscan() is not None else [])


def make(engine: str = "python", **kwargs: object) -> Redactor:
    kwargs.setdefault("username", False)
    kwargs.setdefault("hostname", False)
    return Redactor(engine=engine, key=b"k" * 32, **kwargs)  # type: ignore[arg-type]


def test_secret_becomes_typed_tag_and_is_counted() -> None:
    counts: Counter[str] = Counter()
    out = make().redact(SECRET_LINE, counts)
    assert out == "export GITHUB_TOKEN=[REDACTED:github-token]\n"
    assert counts == Counter({"github-token": 1})


def test_stream_yields_bytes_and_keeps_invalid_utf8() -> None:
    data = b"caf\xe9 \xff\xfe ok " + GH.encode() + b"\n\xc3"
    out = b"".join(make().stream([data]))
    assert out == b"caf\xe9 \xff\xfe ok [REDACTED:github-token]\n\xc3"


def test_str_and_bytes_chunks_mix() -> None:
    out = b"".join(make().stream(["token=", b"abc", "def\n"]))
    assert out == b"token=[REDACTED:token]\n"


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 8192])
def test_any_chunking_gives_the_same_output(size: int) -> None:
    text = (
        "a line with alice@example.com and 10.1.2.3\n"
        + SECRET_LINE
        + "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
        "-----END OPENSSH PRIVATE KEY-----\nlast line password: hunter2"
    )
    r = make()
    whole = b"".join(r.stream([text.encode()]))
    data = text.encode()
    chunked = b"".join(r.stream(data[i : i + size] for i in range(0, len(data), size)))
    assert chunked == whole
    assert b"hunter2" not in whole and GH.encode() not in whole and b"b3Blbn" not in whole


@pytest.mark.parametrize("boundary", [8 << 10, 64 << 10, 1 << 20])
@pytest.mark.parametrize("offset", [-len(GH) + 1, -len(GH) // 2, -1])
def test_secret_straddling_a_chunk_boundary(boundary: int, offset: int) -> None:
    filler = ("x" * 99 + "\n") * (boundary // 100)
    filler = filler[: boundary + offset - len("token ")]
    text = filler + "token " + GH + " end\n"
    data = text.encode()
    r = make()
    chunks = [data[:boundary], data[boundary:]]
    out = b"".join(r.stream(chunks))
    assert GH.encode() not in out
    assert out == b"".join(r.stream([data]))


@pytest.mark.parametrize("boundary", [8 << 10, 64 << 10, 1 << 20])
def test_secret_straddling_a_boundary_inside_one_long_line(boundary: int) -> None:
    # No newline at all: the engine has to window the line itself.
    data = (b"y" * (boundary - 10)) + b" " + GH.encode() + b" " + b"z" * 100
    r = make()
    out = b"".join(r.stream([data[:boundary], data[boundary:]]))
    assert GH.encode() not in out
    assert out == b"".join(r.stream([data]))
    assert out.count(b"[REDACTED:github-token]") == 1


def test_long_line_windows_are_exact_and_chunk_independent() -> None:
    # Secrets placed right around the window cut points of a 3 MB line.
    cut = WINDOW - MARGIN
    parts = []
    for position in (cut - 20, cut - 1, cut + 5, WINDOW - 3, 2 * cut + 7):
        parts.append((position, f" password={GH[:30]} "))
    text = list("q" * (3 * WINDOW))
    for position, secret in parts:
        text[position : position + len(secret)] = secret
    line = "".join(text)
    r = make()
    whole = r.redact(line)
    assert GH[:30] not in whole
    data = line.encode()
    for size in (4096, 65536, 1 << 20, 3_000_001):
        chunked = b"".join(r.stream(data[i : i + size] for i in range(0, len(data), size)))
        assert chunked.decode() == whole


def test_a_secret_longer_than_the_margin_is_not_let_through() -> None:
    huge = "A" * (3 * WINDOW)
    line = f'{{"token": "{huge}"}}'
    out = make().redact(line)
    assert "A" * 100 not in out
    assert out.startswith('{"token": "[REDACTED:')  # a run of A's is also a Twitter bearer token's shape


def test_engines_are_byte_identical() -> None:
    if len(ENGINES) < 2:
        pytest.skip("hyperscan not installed")
    text = SECRET_LINE * 3 + "mail bob@example.org, ip 192.168.1.20, mac 00:11:22:33:44:55\n"
    outs = {e: make(e).redact(text) for e in ENGINES}
    assert len(set(outs.values())) == 1


def test_pseudonyms_consistent_and_thread_safe() -> None:
    r = make()
    results: list[str] = []

    def work(i: int) -> None:
        results.append(r.redact(f"user{i % 5}@example.com and user{i % 5}@example.com\n"))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tags = {line.split()[0] for line in results}
    assert len(tags) == 5
    for line in results:
        first, _, second = line.split()
        assert first == second
    assert sorted(r.mapping()) == sorted(tags)
    assert set(r.mapping().values()) == {f"user{i}@example.com" for i in range(5)}


def test_pseudonym_api() -> None:
    r = make()
    assert r.pseudonym("email", "a@b.com") == "<email-1>"
    assert r.pseudonym("email", "c@d.com") == "<email-2>"
    assert r.pseudonym("email", "a@b.com") == "<email-1>"
    assert r.mapping() == {"<email-1>": "a@b.com", "<email-2>": "c@d.com"}


def test_add_rule_and_rules_property() -> None:
    r = make()
    before = len(r.rules)
    r.add_rule(Rule("acme-key", r"\bacme_[A-Za-z0-9]{32}\b"))
    assert len(r.rules) == before + 1
    assert r.redact("key acme_" + "x" * 32 + " end") == "key [REDACTED:acme-key] end"


def test_rule_without_trigger_runs_on_every_line() -> None:
    r = Redactor([Rule("digits", r"(?i)\d{6}")], engine="python")
    assert r.redact("a 123456 b\nno\n") == "a [REDACTED:digits] b\nno\n"


def test_explicit_rules_replace_the_defaults() -> None:
    r = Redactor([Rule("x", "secretvalue")])
    assert r.redact("password=abc secretvalue") == "password=abc [REDACTED:x]"


def test_invalid_rules_are_refused() -> None:
    with pytest.raises(ValueError, match="invalid regular expression"):
        Rule("bad", "(")
    with pytest.raises(ValueError, match="no group"):
        Rule("bad", "a", group=2)
    with pytest.raises(ValueError, match="rule name"):
        Rule("Bad Name", "a")


def test_built_in_rules_compile_when_first_used_and_all_are_sound() -> None:
    """The built-in rules defer compiling (the build cost); every one of them is checked here."""
    from diagbundle.redaction.rule import deferred_compile
    from diagbundle.redaction.rules import DEFAULT_PII, default_rules

    rules = default_rules(DEFAULT_PII)
    assert len(rules) > 200
    for rule in rules:
        rule.check_pattern()  # raises ValueError for a bad pattern, group or trigger
    with deferred_compile():
        deferred = Rule("late", "(", trigger="late")
        with pytest.raises(ValueError, match="no group"):
            Rule("late", "a", group=2)  # no trigger of its own: checked at once, even here
    assert "compiled" not in deferred.__dict__
    with pytest.raises(ValueError, match="invalid regular expression"):
        deferred.check_pattern()
    # Outside the block, a rule with a trigger is checked when made, as before.
    with pytest.raises(ValueError, match="invalid regular expression"):
        Rule("bad", "(", trigger="bad")


def test_replacements_never_contain_quote_or_backslash() -> None:
    r = make()
    text = '{"a": "alice@example.com", "password": "p\\"w", "card": 4111111111111111}'
    out = r.redact(text, json=True)
    import json

    assert json.loads(out) == {
        "a": "<email-1>", "password": "[REDACTED:password]", "card": "[REDACTED:credit-card]"
    }


def test_allowlist_keeps_values() -> None:
    r = make(allow=["build@example.com"], allow_patterns=[r"10\.0\.0\.\d+"])
    assert r.redact("build@example.com 10.0.0.5 10.1.0.5") == "build@example.com 10.0.0.5 <ipv4-1>"


def test_pii_kinds_switch() -> None:
    r = make(pii=["ip"])
    assert r.redact("bob@example.com 10.1.2.3") == "bob@example.com <ipv4-1>"
    with pytest.raises(ValueError, match="unknown PII"):
        make(pii=["dna"])


def test_username_and_hostname_everywhere() -> None:
    r = Redactor(username="zoe", hostname="zoe-box.corp.example", engine="python")
    out = r.redact("zoe logged in on zoe-box (zoe-box.corp.example) as Zoe; zoetrope stays")
    assert out == "<user-1> logged in on <host-1> (<host-2>) as <user-1>; zoetrope stays"


@pytest.mark.parametrize("size", [1, 3, 5])
def test_pem_block_spanning_many_chunks(size: int) -> None:
    # Found by hypothesis: the lines after the first one of a chunk were not
    # treated as inside the block.
    text = "password: -----BEGIN RSA PRIVATE KEY-----0000000\n00000\n0\nmore\n" + "k1\n" * 5
    data = text.encode()
    r = make()
    whole = b"".join(r.stream([data]))
    assert whole == b"password: [REDACTED:private-key]\n\n\n\n" + b"\n" * 5
    assert b"".join(r.stream(data[i : i + size] for i in range(0, len(data), size))) == whole


def test_json_mode_never_breaks_escapes() -> None:
    import json

    doc = {
        "a": f"x\nalice@example.com\n{GH}\tbob@example.org",
        "path": "C:\\Users\\bob\\x",
        "tail": "end\\",
        "n": 4111111111111111,
    }
    r = make()
    out = r.redact(json.dumps(doc), json=True)
    back = json.loads(out)
    assert back["a"] == "x\n<email-1>\n[REDACTED:github-token]\t<email-2>"
    assert back["path"] == "C:\\Users\\<user-1>\\x"
    assert back["tail"] == "end\\"
    assert back["n"] == "[REDACTED:credit-card]"
    assert r.mapping()["<email-1>"] == "alice@example.com"


def test_tokens_after_an_escape_are_found_in_text_mode_too() -> None:
    assert GH not in make().redact('{"log": "line one\\n' + GH + '"}')


@pytest.mark.parametrize("engine", ENGINES)
def test_concurrent_streams_share_one_redactor(engine: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    text = ("2024-05-02 login alice@example.com from 203.0.113.9 token=abc123def\n" * 2000).encode()
    r = make(engine)
    expected = b"".join(r.stream([text]))

    def work(size: int) -> bytes:
        return b"".join(r.stream(text[i : i + size] for i in range(0, len(text), size)))

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(work, [97, 4096, 65536, 13] * 2))
    assert all(result == expected for result in results)


@pytest.mark.parametrize(
    ("pattern", "alternatives"),
    [("a|b", ["a", "b"]), ("(a|b)|c", ["(a|b)", "c"]), (r"a\|b|c", [r"a\|b", "c"]),
     ("[|]|x", ["[|]", "x"]), ("[]|]|x", ["[]|]", "x"]), ("[^]|]|x", ["[^]|]", "x"]),
     (r"[\]|]|x", [r"[\]|]", "x"]), ("", [""])],
)
def test_split_alternatives_only_at_the_top_level(pattern: str, alternatives: list[str]) -> None:
    """A ``|`` in a group, a class (``]`` first in a class is a literal, as in ``re``) or an escape stays."""
    re.compile(pattern)  # each case is a real regular expression
    assert split_alternatives(pattern) == alternatives


@pytest.mark.parametrize(
    ("trigger", "rest"),
    [("(?:^|[^a-z])token", "token"), ("(?:^[ \\t]*(?:export[ \\t]+)?)pass", "pass"),
     ("(?:^|[)])x", "x"), ("(?:^|\\))x", "x"), ("token", "token"), ("(?:^|x)", "(?:^|x)")],
)
def test_drop_context_removes_the_leading_group_only(trigger: str, rest: str) -> None:
    assert drop_context(trigger) == rest


def test_pseudonym_digest_is_hmac_sha256() -> None:
    """The pre-keyed digest is RFC 2104's HMAC, for any key length and message."""
    import hmac
    import random

    from diagbundle.redaction.pseudonyms import _keyed_sha256

    rnd = random.Random(5)
    for key_size in (0, 1, 32, 63, 64, 65, 200):
        key = bytes(rnd.randrange(256) for _ in range(key_size))
        digest = _keyed_sha256(key)
        for size in (0, 1, 55, 64, 1000):
            message = bytes(rnd.randrange(256) for _ in range(size))
            assert digest(message) == hmac.digest(key, message, "sha256")


def test_a_pseudonym_kind_must_be_a_lowercase_name_every_time() -> None:
    redactor = Redactor()
    assert redactor.pseudonym("api-key", "v1") == "<api-key-1>"
    for bad in ("Bad Kind", "x>y", ""):
        for _ in range(2):  # the valid kinds are remembered, never the invalid ones
            with pytest.raises(ValueError, match="invalid pseudonym kind"):
                redactor.pseudonym(bad, "v")
    assert redactor.pseudonym("api-key", "v2") == "<api-key-2>"
