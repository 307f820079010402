"""Every rule's prefilter trigger fires wherever its regex matches, in both prefilters.

A trigger that misses text its rule matches means the rule never runs there
(``authKey=`` and ``authCode=`` leaked that way). Examples are generated from
each rule's own pattern; the count per rule is capped so the suite stays fast.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from diagbundle.redaction import Redactor
from diagbundle.redaction.prefilter import load_hyperscan, project
from diagbundle.redaction.rule import Rule

ENGINES = ["python"] + (["hyperscan"] if load_hyperscan() is not None else [])
REDACTORS = {e: Redactor(key=b"t" * 32, username="zoe", hostname="zoe-box", engine=e) for e in ENGINES}
RULES = list(enumerate(REDACTORS["python"].rules))


def _strategy(pattern: re.Pattern[str]) -> st.SearchStrategy[str] | None:
    try:
        strategy = st.from_regex(pattern)
        strategy.validate()
    except (InvalidArgument, re.error, NotImplementedError, TypeError, ValueError):
        return None
    return strategy


def _accepted(rule: Rule, line: str) -> bool:
    """Would the rule replace something in ``line`` (its pattern, validator and check agree)?"""
    for match in rule.compiled.finditer(line):
        start, end = match.span(rule.group)
        if start < 0 or start == end:
            continue
        if rule.validate is not None and not rule.validate(line[start:end]):
            continue
        if rule.check is not None and not rule.check(match):
            continue
        return True
    return False


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("index, rule", RULES, ids=[f"{i}-{r.name}" for i, r in RULES])
def test_trigger_is_a_superset_of_the_rule(engine: str, index: int, rule: Rule) -> None:
    if not rule.triggers:
        pytest.skip("no trigger: the rule runs on every line")
    strategy = _strategy(rule.compiled)
    if strategy is None:
        pytest.skip(f"hypothesis cannot generate from {rule.name}'s pattern (lookbehind or conditional)")
    prefilter = REDACTORS[engine]._snapshot().prefilter

    @settings(max_examples=10, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(text=strategy)
    def check(text: str) -> None:
        for line in text.splitlines() or [text]:
            if _accepted(rule, line):
                assert prefilter.mask(project(line)) >> index & 1, (rule.name, line)

    check()
