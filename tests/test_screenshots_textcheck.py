"""Which recognised lines get masked: the bundle's redactor plus rules for OCR misreads.

The lines are what OCR engines really return for rendered secrets (the
misreads below were seen from rapidocr and tesseract on DejaVu text); the
redactor is the real default one.
"""

from __future__ import annotations

import pytest
from diagbundle_plugins.screenshots.textcheck import Line, classify, line_rules

from diagbundle import Redactor


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


def _line(text: str, y: int = 0, x: int = 0, score: float = 0.95) -> Line:
    return Line(text, (x, y, x + 10 * len(text), y + 20), score)


@pytest.mark.parametrize("text, rule", [
    ("api_key = sk_live_4eC39HqLyjWDarjtT1zdp7dc", "stripe-key"),
    ("sk live 4eC39HqLyjWDarjtT1zdp7dc", "stripe-key"),  # '_' read as a space
    ("contact jane.doe @ contoso-mail. com today", "email"),  # gaps around @ and .
    ("Bearer eyJhbGciOiJIUzI1NijJ9.eyJzdWliOilxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHI0w5N", "jwt"),
    ("Passw0rd: letmein", "keyword:password"),  # 0 read for o
    ("T0KEN expires tomorrow", "keyword:token"),
    ("ghp 16C7e42F292c6912E7710c838347Ae178B4a", "github-token"),  # ghp_ read as "ghp "
    ("npm_ab12cd34 (cut off)", "token-prefix"),
    ("value 4eC39HqLyjWDarjtT1zdp7dcQ9 copied", "random-token"),
    ("ey|hbGciOiJIUzI1Ni", "jwt-like"),
    ("jane.doe©contoso-mail.com", "email-like"),
])
def test_misread_secrets_are_still_hits(redactor: Redactor, text: str, rule: str) -> None:
    assert rule in line_rules(_line(text), redactor)


@pytest.mark.parametrize("text", [
    "Error 429: Too Many Requests",
    "Request ID 7f3a9c2e-1b4d-4c1a-9f00-3b2d1e4f5a6b",
    "commit 3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f",
    "Version 4.2.1 build 8812 took 312 ms",
    "Connection timed out after 30 seconds",
    "Windows10Enterprise x64",
])
def test_support_evidence_stays_visible(redactor: Redactor, text: str) -> None:
    assert line_rules(_line(text), redactor) == []


def test_an_unsure_reading_of_a_long_token_is_masked(redactor: Redactor) -> None:
    assert line_rules(_line("ref Ab3kQ9zX2mP7", score=0.9), redactor) == []
    assert line_rules(_line("ref Ab3kQ9zX2mP7", score=0.4), redactor) == ["unsure-token"]


def test_neighbours_of_a_keyword(redactor: Redactor) -> None:
    lines = [
        Line("Password", (10, 100, 110, 120)),           # a form label
        Line("hunter2", (10, 130, 90, 150)),             # the field under it
        Line("API key:", (10, 200, 90, 220)),            # a label ...
        Line("abc", (300, 202, 340, 220)),               # ... and its value on the same row
        Line("Error 429: Too Many Requests", (10, 400, 300, 420)),  # far away: kept
        Line("api_key = sk_test_x", (10, 500, 200, 520)),  # not a short label
        Line("Retry in 12 minutes", (10, 525, 200, 545)),  # so the line under it is kept
    ]
    rules = classify(lines, redactor)
    assert "keyword:password" in rules[0] and rules[1] == ["under-label"]
    assert "keyword:apikey" in rules[2] and rules[3] == ["beside-keyword"]
    assert rules[4] == [] and rules[6] == []
