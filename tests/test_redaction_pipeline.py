"""Scans run ahead in a thread (Hyperscan): the output is the one a scan in line would give.

A long block is cut into slices whose scans are queued on one thread while
the slices before them are decided. Whatever crosses a slice's end (a PEM
block, a YAML ``password: |`` block, the ``value:`` line of a Kubernetes env
entry) is carried by the decider, not by the scan, so every slice boundary
placement must give the same bytes as the engine without the thread and as
the pure-Python engine.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from diagbundle.redaction import Redactor
from diagbundle.redaction.lines import SLICE
from diagbundle.redaction.prefilter import HyperscanPrefilter, load_hyperscan

pytestmark = pytest.mark.skipif(load_hyperscan() is None, reason="hyperscan is not installed")

_PEM = ("-----BEGIN PRIVATE KEY-----\n" + "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n" * 6
        + "-----END PRIVATE KEY-----\n")
_YAML = "db:\n  password: |\n    s3cr3t-line-one\n    s3cr3t-line-two\n  port: 5432\n"
_K8S = "env:\n  - name: DB_PASSWORD\n    value: hunter2-k8s-value\n"


def _text(seed: int) -> str:
    """About 1.2 MB of log lines, multi-line secrets placed across every slice end."""
    rnd = random.Random(seed)
    lines: list[str] = []
    size = 0
    next_cut = SLICE
    while size < 5 * SLICE:
        if size >= next_cut - rnd.randrange(400):
            block = rnd.choice([_PEM, _YAML, _K8S])
            lines.append(block)
            size += len(block)
            next_cut += SLICE
            continue
        line = rnd.choice([
            f"10.1.{rnd.randrange(256)}.{rnd.randrange(256)} - - \"GET /api/v2/orders HTTP/1.1\" 200\n",
            f"2024-03-01T10:00:{rnd.randrange(60):02d}Z INFO worker done in {rnd.randrange(900)} ms\n",
            f"user=alice{rnd.randrange(50)}@example.org token=ghp_{rnd.randrange(10**12):036d}\n",
            "max_tokens=4096 token_type=Bearer request_id=5f1c\n",
        ])
        lines.append(line)
        size += len(line)
    return "".join(lines)


def _run(text: str, engine: str, chunk: int) -> tuple[bytes, Counter[str], dict[str, str]]:
    redactor = Redactor(key=b"k" * 32, engine=engine, username=False, hostname=False)
    data = text.encode()
    counts: Counter[str] = Counter()
    out = b"".join(redactor.stream((data[i : i + chunk] for i in range(0, len(data), chunk)), counts))
    return out, counts, redactor.mapping()


@pytest.mark.parametrize("seed", [1, 2])
def test_scanning_ahead_in_a_thread_changes_nothing(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    text = _text(seed)
    ahead = _run(text, "hyperscan", 1 << 20)
    assert b"s3cr3t-line" not in ahead[0] and b"hunter2-k8s" not in ahead[0]
    assert b"MIIEvQIBADAN" not in ahead[0] and b"ghp_" not in ahead[0]
    assert ahead[1]["ipv4"] > 100
    assert ahead == _run(text, "python", 1 << 20)
    assert ahead == _run(text, "hyperscan", 3 * SLICE + 17)  # other cut points
    monkeypatch.setattr(HyperscanPrefilter, "concurrent", False)
    assert ahead == _run(text, "hyperscan", 1 << 20)


def test_a_rule_that_raises_mid_block_leaves_no_scan_behind() -> None:
    """The error reaches the caller; the queued scans of the later slices are dropped."""
    from diagbundle.redaction import Rule

    text = _text(3)
    calls = 0

    def validate(value: str) -> bool:
        nonlocal calls
        calls += 1
        if calls == 50:
            raise RuntimeError("a validator failed")
        return True

    rule = Rule("worker-done", r"done in [0-9]+", validate=validate, trigger="done in")
    redactor = Redactor(key=b"k" * 32, engine="hyperscan", username=False, hostname=False,
                        extra_rules=[rule])
    with pytest.raises(RuntimeError, match="a validator failed"):
        b"".join(redactor.stream([text.encode()]))
    out = b"".join(redactor.stream([text.encode()]))  # the engine still works
    assert b"ghp_" not in out and b"[REDACTED:worker-done]" in out
