"""Structure-aware rules: a value judged by the key it belongs to, wherever the key is.

The text pass sees one line at a time, so structure that spans lines is
carried by context rules (see :class:`~diagbundle.redaction.rule.Follow`):

* YAML ``password: |`` / ``api_token: >-`` block scalars and a value on the
  line after ``db_password:``: every more-indented line below is the value;
* name/value pairs: Kubernetes ``- name: DB_PASSWORD`` then ``value: ...``,
  pretty-printed ``"name": "ACCESS_TOKEN",`` then ``"value": "..."``;
* netrc ``machine host`` followed by ``password p`` lines.

Single-line forms are ordinary rules here: any key that names a credential
(:mod:`~diagbundle.redaction.keys`) in ``key=value``/``"key": "value"``
form, ``{"name": "X", "value": "..."}`` and ``<add key="X" value="..."/>``
pairs, XML elements (``<clientSecret>``, AWS STS ``<SecretAccessKey>``),
PHP ``define('X', '...')``, Dockerfile ``ENV X value``, netrc on one line.
Each rule decides by the key's name and the value's shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diagbundle.redaction import hosts, keys
from diagbundle.redaction.rule import Rule

A = re.ASCII
#: A quoted value's body: up to the same quote (escapes allowed), or to the line's end.
_QUOTED_BODY = r"(?:(?!(?P=q))[^\\\r\n]|\\.)+"
_QUOTED = rf"(?P<q>[\"'])(?P<value>{_QUOTED_BODY})"
#: An unquoted value in the middle of a line.
_WORD_BODY = r"(?![{\[])(?:[^\s\"'\\,;&<>)\]}\x1b]|\\(?![\"\s]))+"
_VALUE = rf"(?P<q>[\"'])?(?P<value>(?(q){_QUOTED_BODY}|{_WORD_BODY}))"
_KEY_CHARS = r"[A-Za-z0-9_.-]"
#: Words that start or end a credential key the older keyword rules do not know.
_WORDS = r"key|keys|session|sid|csrf|xsrf|auth|cookie|otp|pin|salt|nonce|ticket|hmac|cred|ssn|cvv|cvc|psk"
_STRONG_WORDS = "sid|csrf|xsrf|cookie|otp|pin|hmac|cred|ssn|cvv|cvc|psk"
_WEAK_WORDS = "key|keys|session|auth|salt|nonce|ticket"
#: A word that every key keys.strength accepts holds (a superset, for triggers; keep it in step
#: with keys.STRONG and keys.WEAK: tests/test_redaction_triggers.py checks it).
NAME_WORDS = ("pass|pw|secret|token|key|cred|csrf|xsrf|sess|sid|cookie|auth|sig|hmac|bearer|otp|mfa|pin"
               "|cvv|cvc|ssn|psk|conn|code|salt|nonce|ticket")
_FIRST_LETTERS = "".join(sorted({c for w in _WORDS.split("|") for c in (w[0].lower(), w[0].upper())}))


# Compiled once: the rule set is larger than the re module's cache of 512
# patterns, and these run once per match.
_SCHEME_AT_END = re.compile(r"(?i)(?<=[:=])[ \t\"']*(?:bearer|basic|token|digest)[ \t]*$")
_SEPARATOR_AT_END = re.compile(r"(?::=|=>|->|:|=)$")
_KEY_AT_END = re.compile(r"[A-Za-z0-9_.$@-]*$")
_LLM_TOKEN = re.compile(r"[ \t]*[A-Za-z][a-z]{0,15}[ \t.,!?]*")
_NETRC_ENTRY = re.compile(r"(?i:machine|default)\b")
_NETRC_FIELD = re.compile(r"(?i:login|account|port|macdef)\b")


def _each(words: str, rest: str) -> str:
    """``word1REST|word2REST|...``: top-level alternatives that each start with a
    literal, which the pure-Python prefilter scans for fast (a group first is
    one slow scan)."""
    return "|".join(word + rest for word in words.split("|"))


def key_of(match: re.Match[str]) -> str:
    """The whole key a ``key=value`` match belongs to (it may start before the match)."""
    start = match.start("value")
    head = match.string[max(0, start - 256) : start].rstrip(" \t\"'")
    head = _SCHEME_AT_END.sub("", head).rstrip(" \t\"'")
    head = _SEPARATOR_AT_END.sub("", head).rstrip(" \t\"']")
    key = _KEY_AT_END.search(head)
    return key.group().lstrip("-") if key else ""


def judged(match: re.Match[str]) -> bool:
    """A ``key=value`` match whose key names a credential and whose value looks like one."""
    key = match.group("key") if "key" in match.re.groupindex and match.group("key") else key_of(match)
    how = keys.strength(key)
    if how is None:
        return False
    value = match.group("value")
    if key.lower() == "pass" and value.isdigit():
        return False  # pass=128: a counter
    if key == "PASS" or key == "FAIL":
        return False  # test output: "--- PASS: TestCreateOrder"
    if (key == "token" and "q" in match.re.groupindex and match.group("q") == '"'
            and _LLM_TOKEN.fullmatch(value)):
        return False  # an LLM's logprobs: {"token": "Hello"}
    return keys.credential_value(value, how)


def _key_value_rule() -> Rule:
    # The match starts at the credential word, not at the key's start: a
    # search from every position of a long line for a key that may hold
    # such a word cost most of the text pass. The whole key is read back
    # from the text by the check (key_of).
    return Rule(
        "credential",
        # The lookahead of first letters lets re skip ahead by a character
        # set (4x faster on bench_redact's log text than the bare alternation).
        rf"(?=[{_FIRST_LETTERS}])(?i:{_WORDS}){_KEY_CHARS}*[\"']?[ \t]*(?::=|=>|:(?!:)|=(?!=))[ \t]*{_VALUE}",
        group="value", flags=A, priority=-1, check=judged,
        # A weak word alone as the key (key, session, auth, ...) takes only a
        # token-shaped value, so its trigger asks for one: "key=user:4821:profile"
        # cache lines then never reach the rule.
        trigger="|".join([
            _each(_STRONG_WORDS, r"[a-z0-9_.-]*[\"']?[ \t]*[:=]"),
            rf"[a-z0-9_.$@-](?:{_WEAK_WORDS})[a-z0-9_.-]*[\"']?[ \t]*[:=]",
            _each(_WEAK_WORDS, r"[a-z0-9_.-]+[\"']?[ \t]*[:=]"),
            _each(_WEAK_WORDS, r"[\"']?[ \t]*[:=]>?[ \t]*[\"']?[a-z0-9+/=_.~%-]{10}"),
        ]),
    )


def _pair_rule() -> Rule:
    """``{"name": "X", "value": "..."}``, ``<add key="X" value="..."/>``, ``name=X value=...``."""
    return Rule(
        "credential",
        r"(?<![A-Za-z0-9_-])[\"']?(?i:name|key|id|header|variable|param)[\"']?[ \t]*[:=][ \t]*"
        r"[\"']?(?P<key>[A-Za-z0-9_.:-]{1,100})[\"']?[ \t]*[,;]?[ \t]*"
        r"[\"']?(?i:value|val)[\"']?[ \t]*[:=][ \t]*" + _VALUE,
        group="value", flags=A, priority=-1, check=judged,
        # The name must hold a word keys.strength can take for a credential: HTTP
        # header arrays ({"name":"accept","value":...}) then never reach the rule.
        trigger=_each("name|key|id|header|variable|param",
                      rf"[\"']?[ \t]*[:=][ \t]*[\"']?[a-z0-9_.:-]*(?:{NAME_WORDS})"),
    )


#: An XML element's text, also wrapped in ``<![CDATA[...]]>``.
_CDATA_VALUE = r"(?:<!\[CDATA\[)?(?P<value>(?:(?!\]\]>)[^<\r\n])+)(?:\]\]>)?"


def _xml_element_rule() -> Rule:
    return Rule(
        "credential",
        r"<(?P<tag>(?:[A-Za-z_][\w.-]*:)?(?P<key>[A-Za-z_][\w.-]*))(?:[ \t][^<>]*)?>"
        + _CDATA_VALUE + r"</(?P=tag)>",
        group="value", flags=A, priority=-1, check=judged,
        trigger=rf"<[a-z_][a-z0-9_.:-]*(?:{NAME_WORDS})[a-z0-9_.-]*[ \t>]",
    )


def _php_define_rule() -> Rule:
    return Rule(
        "credential",
        r"(?i:define)[ \t]*\([ \t]*[\"'](?P<key>[A-Za-z0-9_]+)[\"'][ \t]*,[ \t]*" + _QUOTED,
        group="value", flags=A, priority=-1, check=judged, trigger=r"define[ \t]*\(",
    )


def _dockerfile_env_rule() -> Rule:
    return Rule(
        "credential",
        r"^[ \t]*(?:ENV|ARG)[ \t]+(?P<key>[A-Za-z0-9_.-]+)[ \t]+(?![ \t]*=)(?P<q>[\"'])?"
        rf"(?P<value>(?(q){_QUOTED_BODY}|[^\s\"'](?:[^\r\n]*[^\s])?))",
        group="value", flags=A, priority=-1, check=judged, trigger=r"^[ \t]*(?:env|arg)[ \t]",
    )


#: A value that is not a plain word: a cell or directive value must hold a digit or a symbol, so a
#: table's header row (``password | hash``) and prose (``password reset``) stay.
_NOT_A_WORD = re.compile(r".*[^A-Za-z \t].*")
#: A value that names a file or a variable, not a secret: ``ssl_certificate_key /etc/ssl/k.pem;``,
#: OpenVPN's ``secret static.key`` and ``auth-user-pass creds.txt``.
_PATH_OR_VAR = re.compile(r"[~.]?/.*|\$.*|.*;|[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.[a-z]{2,4}")


def _strong_cell(match: re.Match[str]) -> bool:
    """A credential key's value written without a separator: only under a strong key, and shaped
    like a secret (not a word, a path or a variable)."""
    value = match.group("value").strip()
    return (keys.strength(match.group("key")) == "strong" and _NOT_A_WORD.fullmatch(value) is not None
            and _PATH_OR_VAR.fullmatch(value) is None and judged(match))


def _strong_table_cell(match: re.Match[str]) -> bool:
    """:func:`_strong_cell`, but a number in a table is a count (diagbundle's own summary has
    ``| password | 3 |``), not a secret."""
    return not match.group("value").strip().isdigit() and _strong_cell(match)


#: Words every strong key holds (a superset, for the triggers below).
_STRONG_KEY_WORDS = (
    "pass|pw|secret|token|key|cred|auth|psk|sid|sess|cookie|csrf|xsrf|ssn|cvv|cvc|otp|pin|hmac|sig|bearer|mfa|conn"
)


#: A key cell and the cell after it (the pattern of :func:`_table_cell_rule`).
_TABLE_CELL = re.compile(
    r"(?:^|(?<=[\t|,]))[ \t]*[\"']?(?P<key>[A-Za-z][A-Za-z0-9_.-]{0,100})[\"']?[ \t]*"
    r"(?P<cell>\t|\||,)[ \t]*"
    r"(?P<q>[\"'])?(?P<value>(?(q)(?:(?!(?P=q))[^\\\r\n]|\\.)+|(?:(?!(?P=cell))[^\s\"'])+))",
    A,
)


def _table_cell_rule() -> Rule:
    """A key in one cell and its value in the next: TSV (``DB_PASSWORD<TAB>x``), Markdown and
    ASCII tables (``| api_token | x |``), CSV (``smtp_password,"x",2025-01-02``)."""
    return Rule(
        "credential",
        _TABLE_CELL.pattern,
        group="value", flags=A, priority=-1, check=_strong_table_cell,
        trigger=_each(_STRONG_KEY_WORDS, r"[a-z0-9_.-]*[\"']?[ \t]*[\t|,][ \t]*[\"']?[^\s\"'|,]"),
    )


def _directive_rule() -> Rule:
    """``requirepass x`` (redis.conf), ``psk x``: a lower-case directive and one value, a line."""
    return Rule(
        "credential",
        r"^[ \t]*(?P<key>[a-z][a-z0-9_.-]{0,100})[ \t]+(?P<q>[\"'])?"
        r"(?P<value>(?(q)(?:(?!(?P=q))[^\\\r\n]|\\.)+|[^\s\"']+))(?(q)(?P=q))[ \t]*\r?$",
        group="value", flags=A, priority=-1, check=_strong_cell,
        # Each alternative's line-start context, key head included, is Hyperscan's alone: the
        # Python prefilter drops it and seeks the word (a class first would be tried everywhere).
        trigger="|".join(
            rf"(?:^[ \t]*[a-z0-9_.-]*){w}[a-z0-9_.-]*[ \t]+[^ \t\n]+[ \t]*\r?$"
            for w in _STRONG_KEY_WORDS.split("|")
        ),
    )


def _plist_rule() -> Rule:
    """A property list's ``<key>API_TOKEN</key><string>x</string>`` on one line."""
    return Rule(
        "credential",
        r"<key>[ \t]*(?P<key>[A-Za-z0-9_.:-]{1,100})[ \t]*</key>[ \t]*<string>(?P<value>[^<\r\n]+)</string>",
        group="value", flags=A, priority=-1, check=judged,
        trigger=r"</key>[ \t]*<string>",
    )


def _setter_rule() -> Rule:
    """Code that sets a credential from a literal: ``ds.setPassword("x")``, ``withApiKey('x')``."""
    return Rule(
        "credential",
        r"(?<![A-Za-z0-9_])(?:set|with|put)_?(?P<key>[A-Za-z0-9_]{0,40}"
        r"(?i:password|passwd|passphrase|secret|token|apikey|api_key|credentials?))\([ \t]*" + _QUOTED,
        group="value", flags=A, priority=-1, check=judged,
        trigger=r"(?:password|passwd|passphrase|secret|token|apikey|api_key|credentials?)\([ \t]*[\"']",
    )


def _netrc_rule() -> Rule:
    return Rule(
        "password",
        r"^[ \t]*(?i:machine[ \t]+\S+|default)(?:[ \t]+\S+)*?[ \t]+(?i:password|passwd)[ \t]+(?P<value>\S+)",
        group="value", flags=A, priority=-1, trigger=r"^[ \t]*(?:machine|default)[ \t]",
    )


# -- what spans lines ------------------------------------------------------------------


@dataclass
class IndentedValue:
    """Everything indented deeper than ``indent`` below a credential key (YAML)."""

    name: str
    indent: int

    def line(self, content: str) -> tuple[list[tuple[int, int]], bool]:
        body = content.lstrip(" \t")
        if not body.strip():
            return [], True
        start = len(content) - len(body)
        if start <= self.indent:
            return [], False
        return [(start, len(content.rstrip()))], True


_PAIR_VALUE = re.compile(r"[ \t]*(?:-[ \t]+)?[\"']?(?i:value)[\"']?[ \t]*:[ \t]*(?P<raw>.*?)[ \t]*,?[ \t]*$")


@dataclass
class PairValue:
    """The ``value:`` that belongs to a ``name:`` naming a credential, a few lines on."""

    name: str
    indent: int
    budget: int = 4

    def line(self, content: str) -> tuple[list[tuple[int, int]], bool]:
        body = content.lstrip(" \t")
        if not body.strip():
            return [], True
        start = len(content) - len(body)
        m = _PAIR_VALUE.match(content)
        if m is not None and start >= self.indent - 2 and m.group("raw"):
            begin, end = m.span("raw")
            raw = m.group("raw")
            if len(raw) >= 2 and raw[0] in "\"'" and raw[-1] == raw[0]:
                begin, end = begin + 1, end - 1
            return ([(begin, end)] if end > begin else []), False
        if start < self.indent - 2 or body.startswith(("- ", "}", "]")):
            return [], False
        self.budget -= 1
        return [], self.budget > 0


_NETRC_PASSWORD = re.compile(r"[ \t]*(?i:password|passwd)[ \t]+(?P<value>\S+)")


@dataclass
class NetrcEntry:
    """The ``password`` lines of one netrc ``machine`` entry."""

    name: str

    def line(self, content: str) -> tuple[list[tuple[int, int]], bool]:
        stripped = content.strip()
        if not stripped:
            return [], True
        if _NETRC_ENTRY.match(stripped):
            return [], False
        m = _NETRC_PASSWORD.match(content)
        if m is not None:
            return [m.span("value")], True
        return [], _NETRC_FIELD.match(stripped) is not None


@dataclass
class CountedLines:
    """The next ``count`` lines, whole (PuTTY's ``Private-Lines: N``)."""

    name: str
    count: int

    def line(self, content: str) -> tuple[list[tuple[int, int]], bool]:
        self.count -= 1
        body = content.strip()
        start = content.find(body) if body else 0
        return ([(start, start + len(body))] if body else []), self.count > 0


def _putty_private(match: re.Match[str]) -> CountedLines | None:
    count = int(match.group("count"))
    return CountedLines("putty-private-key", count) if 0 < count <= 1000 else None


_PLIST_STRING = re.compile(r"[ \t]*<string>(?P<value>[^<\r\n]+)</string>")


@dataclass
class PlistString:
    """The ``<string>`` on the line after a ``<key>`` that names a credential (a property list)."""

    name: str

    def line(self, content: str) -> tuple[list[tuple[int, int]], bool]:
        if not content.strip():
            return [], True
        m = _PLIST_STRING.match(content)
        return ([m.span("value")] if m else []), False


def _plist_key(match: re.Match[str]) -> PlistString | None:
    return PlistString("credential") if keys.strength(match.group("key")) == "strong" else None


def _smtp_password(match: re.Match[str]) -> CountedLines:
    return CountedLines("password", 1)


def _yaml_block(match: re.Match[str]) -> IndentedValue | None:
    how = keys.strength(match.group("key"))
    indicator = match.group("indicator")
    if how is None or (how == "weak" and not indicator):
        return None
    return IndentedValue("credential", len(match.group("indent")))


def _name_then_value(match: re.Match[str]) -> PairValue | None:
    if keys.strength(match.group("key")) is None:
        return None
    return PairValue("credential", match.start("name"))


def _netrc_machine(match: re.Match[str]) -> NetrcEntry:
    return NetrcEntry("password")


def _context_rules() -> list[Rule]:
    key = rf"(?P<key>{_KEY_CHARS}*?(?i:pass|pwd|secret|token|key|auth|session|sid|cred|csrf|xsrf|cookie"
    key += rf"|signature|cert|dsn){_KEY_CHARS}*)"
    return [
        Rule("credential",
             rf"^(?P<indent>[ \t]*(?:-[ \t]+)?)[\"']?{key}[\"']?[ \t]*:[ \t]*"
             r"(?P<indicator>[|>][-+0-9]*)?[ \t]*(?:#[^\r\n]*)?\r?$",
             kind="context", flags=A, priority=-1, follow=_yaml_block,
             trigger=_each("pass|pwd|secret|token|key|auth|session|sid|cred|csrf|xsrf|cookie|signature|cert|dsn",
                           r"[a-z0-9_.-]*[\"']?[ \t]*:[ \t]*(?:[|>][-+0-9]*)?[ \t]*(?:#.*)?\r?$")),
        Rule("credential",
             r"^[ \t]*(?:-[ \t]+)?(?P<name>[\"']?(?i:name|key)[\"']?)[ \t]*:[ \t]*"
             r"[\"']?(?P<key>[A-Za-z0-9_.:-]{1,100})[\"']?[ \t]*,?[ \t]*\r?$",
             kind="context", flags=A, priority=-1, follow=_name_then_value,
             trigger=_each("name|key", r"[\"']?[ \t]*:[ \t]*[\"']?[a-z0-9_.:-]+[\"']?[ \t]*,?[ \t]*\r?$")),
        Rule("credential",
             r"^[ \t]*<key>[ \t]*(?P<key>[A-Za-z0-9_.:-]{0,60}(?i:" + _STRONG_KEY_WORDS
             + r")[A-Za-z0-9_.:-]{0,60})"
             r"[ \t]*</key>[ \t]*\r?$",
             kind="context", flags=A, priority=-1, follow=_plist_key,
             trigger=r"(?:^[ \t]*)<key>[^<\n]{0,200}</key>[ \t]*\r?$"),
        # SMTP AUTH LOGIN: the server's "334 UGFzc3dvcmQ6" (base64 "Password:") asks for the
        # password, and the client's next line is it, in base64.
        Rule("password", r"\b334[ \t]+UGFzc3dvcmQ6(?![A-Za-z0-9+/=])", kind="context", flags=A, priority=-1,
             follow=_smtp_password, trigger=r"(?:^334[ \t]+|[^0-9]334[ \t]+)ugfzc3dvcmq6"),
        Rule("putty-private-key", r"^Private-Lines:[ \t]*(?P<count>[0-9]{1,4})[ \t]*\r?$",
             kind="context", flags=A, priority=-1, follow=_putty_private, trigger=r"^private-lines:"),
        Rule("password", r"^[ \t]*(?i:machine)[ \t]+\S+[ \t]*\r?$|^[ \t]*(?i:default)[ \t]*\r?$",
             kind="context", flags=A, priority=-1, follow=_netrc_machine,
             trigger=r"^[ \t]*machine[ \t]+[^ \t]+[ \t]*\r?$|^[ \t]*default[ \t]*\r?$"),
    ]


def structure_rules() -> list[Rule]:
    """Every rule of this module, single-line ones first."""
    return [
        _key_value_rule(), _pair_rule(), _xml_element_rule(), _php_define_rule(),
        _dockerfile_env_rule(), _netrc_rule(), _table_cell_rule(), _directive_rule(), _plist_rule(),
        _setter_rule(), *_context_rules(),
    ]


# -- host names under a key that names a host (PII) -----------------------------------

#: A host name as a value: labels of letters, digits, ``_`` and ``-``.
_HOST_NAME = r"[A-Za-z0-9_][A-Za-z0-9_-]{0,62}(?:\.[A-Za-z0-9_-]{1,63}){0,30}"
#: A host value, quoted or not; a trailing dot (a rooted name, or prose) and a port stay.
_HOST_VALUE = (
    rf"(?P<hq>[\"'])?(?P<value>{_HOST_NAME})\.?"
    r"(?(hq)(?=(?P=hq)|:[0-9]{1,5}(?P=hq))|(?=$|[\s,;&)\]}<>\"']|:[0-9]{1,5}(?![0-9A-Za-z.])))"
)
_NAMED = re.compile(r"[0-9._-]|[A-Z]")
#: After ``[:=]`` in a trigger: the start of a value (not ``${X}``, ``{``, ``[`` or a tag).
_HOST_VALUE_START = r"[=>]?[ \t]*[\"']?[a-z0-9_]"


def _host_pair(match: re.Match[str]) -> bool:
    """A host key (``DB_HOST``, ``"hostname"``, ``Host``) whose value names someone's machine."""
    key = match.group("key") if "key" in match.re.groupindex and match.group("key") else key_of(match)
    value = match.group("value")
    if not keys.host_key(key) or not hosts.machine_name(value):
        return False
    # "state machine: idle", "virtual machine: running": a bare "machine" takes a name only
    # when it is shaped like one (nas-bob, WS-0042, api.github.com), not a plain word.
    return keys.words(key)[-1:] != ["machine"] or _NAMED.search(value) is not None


def _host_rule(pattern: str, trigger: str) -> Rule:
    return Rule("host-key", pattern, kind="pii", group="value", flags=A, label="host", fold_case=True,
                check=_host_pair, trigger=trigger)


def host_rules() -> list[Rule]:
    """Values of keys that name a host, pseudonymised as ``<host-N>`` (see :mod:`.hosts`)."""
    # "localhost:8080" is in many lines and never a host key: Hyperscan skips it by the
    # context before "host" (the Python prefilter drops that context and scans for "host").
    not_local = r"(?:^|^l|^al|^cal|^ocal|[^l]|[^a]l|[^c]al|[^o]cal|[^l]ocal)"
    sep = rf"[\"']?[ \t]*[:=]{_HOST_VALUE_START}"
    words = ("machine", "fqdn", "computer[_.-]?name", "node[_.-]?name")
    return [
        _host_rule(
            r"(?=[HhMmFfCcNn])(?i:host|machine|fqdn|computer[_.-]?name|node[_.-]?name)"
            rf"{_KEY_CHARS}*[\"']?[ \t]*(?::=|=>|:(?!:)|=(?!=))[ \t]*{_HOST_VALUE}",
            "|".join([rf"{not_local}host[a-z0-9_.-]*{sep}", *(rf"{w}[a-z0-9_.-]*{sep}" for w in words)]),
        ),
        _host_rule(
            r"--(?P<key>(?:[A-Za-z0-9]+-)*(?i:host(?:-?name)?|machine|fqdn|node-?name))(?:[ \t]+|=)"
            + _HOST_VALUE,
            # Each alternative opens with context only Hyperscan uses; the Python prefilter then
            # scans for "host", with the other host triggers, instead of after every "-".
            r"(?:^-|-)host(?:-?name)?[ \t=]|(?:^-|-)machine[ \t=]|(?:^-|-)fqdn[ \t=]"
            r"|(?:^-|-)node-?name[ \t=]",
        ),
        # {"name": "HOSTNAME", "value": "build-07"}: an env array in JSON (kubectl -o json).
        _host_rule(
            r"(?<![A-Za-z0-9_-])[\"']?(?i:name|key)[\"']?[ \t]*[:=][ \t]*[\"']?(?P<key>[A-Za-z0-9_.-]{1,100})"
            r"[\"']?[ \t]*,[ \t]*[\"']?(?i:value)[\"']?[ \t]*[:=][ \t]*" + _HOST_VALUE,
            _each("name|key", r"[\"']?[ \t]*[:=][ \t]*[\"']?[a-z0-9_.-]*(?:host|machine|fqdn|computer|node)"),
        ),
        # ssh_config "HostName build-07" and netrc "machine nas-bob login u ...": no separator.
        _host_rule(
            r"^[ \t]*(?P<key>(?i:hostname))[ \t]+" + _HOST_VALUE + r"[ \t]*\r?$",
            r"(?:^[ \t]*)hostname[ \t]",
        ),
        _host_rule(
            r"(?<![^ \t])(?P<key>machine)[ \t]+" + _HOST_VALUE
            + r"(?=[ \t]+(?:login|password|account|port|macdef)\b)",
            r"machine[ \t]+[^\s]+[ \t]+(?:login|password|account|port|macdef)",
        ),
        _host_rule(
            r"^[ \t]*(?P<key>machine)[ \t]+" + _HOST_VALUE + r"[ \t]*\r?$",
            r"(?:^[ \t]*)machine[ \t]+[^\s]+[ \t]*\r?$",
        ),
        _host_rule(
            r"<(?P<tag>(?:[A-Za-z_][\w.-]*:)?(?P<key>[A-Za-z_][\w.-]*))(?:[ \t][^<>]*)?>[ \t]*"
            + _HOST_VALUE + r"[ \t]*</(?P=tag)>",
            _each("host|machine|fqdn|computer|node",
                  r"[a-z0-9_.-]*(?:[ \t][^<>\n]*)?>[ \t]*[a-z0-9_][a-z0-9_.-]*[ \t]*</"),
        ),
    ]
