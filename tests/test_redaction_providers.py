"""Provider formats: a token generated from each row of the table is redacted in text and JSON."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagbundle.redaction import Redactor
from diagbundle.redaction.providers import FORMATS, format_count

REDACTOR = Redactor(key=b"v" * 32, username=False, hostname=False)


def test_the_table_covers_well_over_150_formats() -> None:
    assert format_count() > 150


@pytest.mark.parametrize("name, prefix, body", FORMATS, ids=[f"{n}-{p}" for n, p, _ in FORMATS])
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_token_of_each_format_is_redacted(name: str, prefix: str, body: str, data: st.DataObject) -> None:
    token = prefix + data.draw(st.from_regex(re.compile(body, re.ASCII), fullmatch=True))
    # A token must not run on into more letters or digits: end it with a space.
    for text, mode in ((f"config {token} end", False), (json.dumps({"value": token}), True),
                       (f"X={token}\n", False)):
        out = REDACTOR.redact(text, json=mode)
        assert token not in out, (name, out)
