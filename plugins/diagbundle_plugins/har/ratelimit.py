"""Rate-limit headers: counts and durations whose names read as secret.

``x-ratelimit-remaining-tokens: 39000`` and ``x-ratelimit-reset-tokens: 6m0s``
(OpenAI), ``RateLimit-Policy: 100;w=60`` (the IETF draft): the word
``tokens`` makes the name look like a credential's, yet the value is what
support reads first when requests start failing with 429. A value of that
shape (numbers, units, ``key=number`` lists) is kept, decided by place (a
rate-limit header) and value; anything else under such a name is judged as
usual. The bundle's text pass reads the header as the sanitized HAR writes
it (``{"name":"x-ratelimit-remaining-tokens","value":"39000"}``) as a
credential pair too, so :data:`RATE_LIMIT_PAIR` vouches for exactly that
line, checked by the same two patterns.
"""

from __future__ import annotations

import re

from diagbundle import Rule

#: ``x-ratelimit-remaining-tokens``, ``ratelimit``, ``ratelimit-policy``, ``x-rate-limit-reset``.
RATE_LIMIT_HEADER = re.compile(r"(?:x-)?rate-?limit(?:-[a-z0-9-]+)?")
#: A rate-limit value: ``39000``, ``6m0s``, ``1.5``, ``100;w=60``, ``limit=100, remaining=0``.
RATE_LIMIT_VALUE = re.compile(r"(?=[^0-9]{0,40}[0-9])(?:[a-z]{1,10}=)?[0-9.]+[a-z]{0,2}(?:[0-9.]+[a-z]{1,2})*"
                              r"(?:[ ]?[;,][ ]?(?:[a-z]{1,10}=)?[0-9.]+[a-z]{0,2}){0,8}")


def is_rate_limit(name: str, value: str) -> bool:
    """A rate-limit header (lower-case ``name``) whose value is counts and durations."""
    return RATE_LIMIT_HEADER.fullmatch(name) is not None and RATE_LIMIT_VALUE.fullmatch(value) is not None


_PAIR = re.compile(r'\{"name":"(?P<name>[A-Za-z0-9-]{1,80})","value":"(?P<value>[0-9a-z.;,= ]{1,120})"')


def _vouched(match: re.Match[str]) -> bool:
    return is_rate_limit(match.group("name").lower(), match.group("value"))


#: Registered through ``diagbundle_register_redaction_rules``. It vouches for the value
#: alone (in JSON mode a keep is fitted to one string, like any match), judged with its name.
RATE_LIMIT_PAIR = Rule(
    "har-rate-limit", _PAIR.pattern, kind="keep", group="value", check=_vouched,
    trigger=r'\{"name":"(?:x-)?rate-?limit',
)
