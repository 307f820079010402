"""The built-in rule set: known secret formats, credentials by context, PII.

Order is priority: when two secret matches overlap they are merged and the
longer one names the tag (a GitHub token inside ``token=`` is reported as
``github-token``); a PII match that overlaps a secret is dropped. Every
pattern is compiled with :data:`re.ASCII`, so ``\\w``, ``\\d`` and case
folding mean the same thing here as in the prefilter.
"""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
import locale
import os
import re
from collections.abc import Callable, Iterable

from diagbundle.redaction.hosts import machine_name, private_host
from diagbundle.redaction.keys import VERSION
from diagbundle.redaction.prefilter import split_alternatives
from diagbundle.redaction.providers import provider_rules
from diagbundle.redaction.rule import TAG, Rule, deferred_compile
from diagbundle.redaction.structure import host_rules, judged, structure_rules

A = re.ASCII


def _words(text: str) -> frozenset[str]:
    """A set of words written as one string, for long word lists."""
    return frozenset(text.split())


#: Values that are placeholders, not secrets: kept so a config that says
#: ``password: null`` or ``token: ${TOKEN}`` still reads the same.
_PLACEHOLDER = re.compile(
    r"""(?ix)
    (?:null|none|nil|true|false|yes|no|on|off|undefined|empty|unset|required|optional
      |redacted|hidden|masked|removed|omitted|secret|password|token|string|str|bytes|\.\.\.|…)
    | [*x•#.]+            # ****, xxxx
    | \$\{?[A-Za-z_][A-Za-z0-9_]*\}?     # $VAR, ${VAR}
    | \{\{.*|\{%.*|%\(.*|<[^>]*>?|\[[^\]]*\]?   # templates, <placeholder>, [list]
    """,
)


def not_placeholder(value: str) -> bool:
    """A credential value worth redacting: not a placeholder, a tag or punctuation."""
    stripped = value.strip().rstrip(".,;:)!")  # ``!``: GraphQL's ``$token: String!``
    return (
        any(c.isalnum() for c in stripped)
        and not _PLACEHOLDER.fullmatch(stripped)
        and not TAG.search(stripped)
    )


#: Issuer prefixes and the lengths each issues (ISO/IEC 7812 registrations as the
#: networks publish them): Visa, Mastercard (51-55, 2221-2720), Amex, Diners,
#: Discover, JCB, UnionPay.
_ISSUERS: tuple[tuple[str, frozenset[int]], ...] = (
    (r"4", frozenset({13, 16, 19})),
    (r"5[1-5]|2(?:2[2-9][1-9]|2[3-9][0-9]|[3-6][0-9]{2}|7[01][0-9]|720)", frozenset({16})),
    (r"3[47]", frozenset({15})),
    (r"30[0-5]|3095|3[689]", frozenset({14, 15, 16, 17, 18, 19})),
    (r"6011|64[4-9]|65|622(?:12[6-9]|1[3-9][0-9]|[2-8][0-9]{2}|9[01][0-9]|92[0-5])",
     frozenset({16, 17, 18, 19})),
    (r"35(?:2[89]|[3-8][0-9])", frozenset({16, 17, 18, 19})),
    (r"62", frozenset({16, 17, 18, 19})),
)
_CARD_SEPARATOR = re.compile(r"[ .+-]")
#: How printed card numbers are grouped (19 digits: 4-4-4-4-3).
_GROUPINGS = ([4, 4, 4, 4], [4, 6, 5], [4, 6, 4], [4, 4, 4, 4, 1], [4, 4, 4, 4, 2], [4, 4, 4, 4, 3])
_ISSUER_PATTERNS = tuple((re.compile(prefix), lengths) for prefix, lengths in _ISSUERS)


def luhn(value: str) -> bool:
    """A plausible payment card: a real issuer prefix with one of its lengths, grouping, Luhn."""
    digits = _CARD_SEPARATOR.sub("", value)
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        return False
    groups = [len(g) for g in _CARD_SEPARATOR.split(value)]
    if len(groups) > 1 and groups not in _GROUPINGS:
        return False
    if len(set(_CARD_SEPARATOR.findall(value))) > 1:
        return False
    if not any(prefix.match(digits) and len(digits) in lengths for prefix, lengths in _ISSUER_PATTERNS):
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def header_credential(value: str) -> bool:
    """An ``Authorization`` or ``Cookie`` value: not a placeholder, nor the version of a package
    named ``cookie`` in a manifest (``"cookie": "0.6.0"``)."""
    return not_placeholder(value) and VERSION.fullmatch(value.strip()) is None


def _url_password(value: str) -> bool:
    """The password of a URL's user-info, not a port followed by a path with an "@"."""
    head = value.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if ("/" in value or "?" in value or "#" in value) and (head.isdigit() or not head):
        return False
    return not_placeholder(value)


def _not_uid_gid(match: re.Match[str]) -> bool:
    """``docker run -u 1000:1000`` is a user and group ID, not a password."""
    return not (match.group("user").isdigit() and match.group("value").isdigit())


def bearer_token(value: str) -> bool:
    """A bearer credential rather than a word (``Bearer max_tokens``): long, with a digit."""
    return len(value) >= 12 and any(c.isdigit() for c in value) and not_placeholder(value)


def basic_credentials(value: str) -> bool:
    """Base64 that decodes to ``user:password``, as in ``Basic dXNlcjpwYXNz``."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
        text = decoded.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return ":" in text and text.isprintable()


_NETMASK_OCTETS = {"0", "128", "192", "224", "240", "248", "252", "254", "255"}


def public_ipv4(value: str) -> bool:
    """An address worth hiding: not loopback, unspecified, broadcast or a netmask.

    Nor ``N.0.0.0``, the network of a /8 and no one's address: it is what every
    Chrome user agent since its reduction says (``Chrome/120.0.0.0``), a version
    support needs. (The rule's pattern already checks each octet is 0-255.)
    """
    octets = value.split(".")
    if octets[0] == "255" and all(o in _NETMASK_OCTETS for o in octets):
        return False
    if octets[1:] == ["0", "0", "0"]:  # a /8 network, or an assembly version 13.0.0.0
        return False
    return octets[0] != "127" and value not in ("0.0.0.0", "169.254.169.254")  # noqa: S104


def public_ipv6(value: str) -> bool:
    """A valid IPv6 address other than ``::`` and ``::1``; a C++ ``a::b`` is not one."""
    try:
        addr = ipaddress.IPv6Address(value.split("%", 1)[0])
    except ValueError:
        return False
    if addr.is_loopback or addr.is_unspecified:
        return False
    return any(c.isdigit() for c in value) or value.count(":") >= 3


_NOT_HEX = re.compile(r"[^0-9A-Fa-f]")


def real_mac(value: str) -> bool:
    """A MAC address other than all-zero / broadcast; dotted form needs a hex letter."""
    hexdigits = _NOT_HEX.sub("", value).lower()
    if hexdigits in ("000000000000", "ffffffffffff"):
        return False
    return "." not in value or any(c in "abcdef" for c in hexdigits)


_FILE_TLDS = _words(
    "png jpg jpeg gif svg webp ico bmp js mjs cjs css map ts tsx jsx json yaml yml txt log md "
    "html htm xml zip gz tar lock so dll exe py pyc rb go java class jar whl"
)
_NOT_PERSONAL_LOCAL = frozenset({"git", "noreply", "no-reply", "donotreply"})


@functools.lru_cache(maxsize=1 << 16)
def personal_email(value: str) -> bool:
    """An address, not ``icon@2x.png`` or ``git@github.com``.

    Only a two-label "domain" ending in a file extension is taken for a
    file name; ``notes-for-bob@example.com.txt`` still hides the address.
    Cached: a pure function of the value, asked once per address found,
    and a listing repeats the same addresses across responses.
    """
    local, _, domain = value.rpartition("@")
    labels = domain.lower().split(".")
    if len(labels) == 2 and labels[-1] in _FILE_TLDS:
        return False
    return local.lower() not in _NOT_PERSONAL_LOCAL


_SHARED_HOMES = frozenset({"shared", "public", "default", "default user", "all users", "guest"})


def home_user(value: str) -> bool:
    """A user name in a home path; shared folders and already-pseudonymised ones stay."""
    return value.lower() not in _SHARED_HOMES and not TAG.fullmatch(value) and value != "~"


_NOT_DIGIT = re.compile(r"\D")
_NANP = re.compile(r"[0-9]{3}([-. ])[0-9]{3}\1[0-9]{4}")


def phone_number(value: str) -> bool:
    """A real phone number: a cheap shape first, then the ``phonenumbers`` library.

    The shape (international ``+...``, ``(area)``, or NANP ``555-123-4567``,
    8-15 digits) keeps the library off nearly every line; the library then
    checks the number against its country's numbering plan. A number
    without ``+`` is read in the region of the user's locale, and not at
    all when the locale names no territory.
    """
    digits = _NOT_DIGIT.sub("", value)
    if not 8 <= len(digits) <= 15:
        return False
    if not (value.startswith(("+", "(")) or _NANP.fullmatch(value) is not None):
        return False
    return _valid_phone(value, None if value.startswith("+") else _locale_region())


@functools.lru_cache(maxsize=4096)
def _valid_phone(value: str, region: str | None) -> bool:
    if region is None and not value.startswith("+"):
        return False
    import phonenumbers  # 25 ms to import, and only a phone-shaped value gets this far

    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(number))


@functools.cache
def _locale_region() -> str | None:
    """The territory of the user's locale (``en_GB`` -> ``GB``), if it names one."""
    for name in (locale.getlocale()[0], os.environ.get("LC_ALL"), os.environ.get("LANG")):
        if name:
            m = re.match(r"[a-z]{2,3}_([A-Z]{2})", name)
            if m:
                return m.group(1)
    return None


#: What a credential encoded in base64 starts with, encoded: a PEM block, a docker config's
#: ``{"auths":`` and the URL schemes that carry a password (``postgres://u:p@h``). Kubernetes
#: Secrets, Helm values and CI variables hold them so, under any key name. Each is the part of the
#: encoding its prefix alone decides, so it is a literal the prefilter can seek.
_BASE64_STARTS = tuple(
    base64.b64encode(p.encode()).decode()[: 8 * len(p) // 6]
    for p in ("-----BEGIN ", '{"auths":', '{\n  "auths":', '{\n\t"auths":', '{"username":', '{"user":',
              '{"password":', "postgres://", "postgresql://",
              "mysql://", "mariadb://", "mongodb://", "mongodb+srv://", "redis://", "rediss://", "amqp://",
              "amqps://", "mssql://", "sqlserver://", "ftp://", "sftp://", "smtp://", "smtps://", "ldap://",
              "ldaps://", "https://", "http://")
)
_DECODED_CREDENTIAL = re.compile(
    r"PRIVATE KEY-----|\"(?:auth|password|identitytoken)\"\s*:\s*\"[^\"]|[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:[^\s@/]+@"
)


def base64_credential(value: str) -> bool:
    """Base64 that decodes to a private key, a docker config with credentials or a URL with a
    password: a certificate (``-----BEGIN CERTIFICATE``) or a plain URL stays."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return False
    return _DECODED_CREDENTIAL.search(decoded) is not None


def iban(value: str) -> bool:
    """An IBAN: a country, two check digits and 11-30 letters or digits, valid modulo 97 (ISO 13616)."""
    compact = value.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    digits = "".join(str(int(c, 36)) for c in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


#: The words of a line that speaks of a bank account (``IBAN: DE89 ...``, ``Beneficiary account``).
_IBAN_LABEL = re.compile(r"(?<![A-Za-z])(?:iban|bic|swift|sepa|bank|account|beneficiary)", re.IGNORECASE)
_ID_OUTPUT = re.compile(r"\buid=[0-9]+\(")


def _line_before(match: re.Match[str]) -> str:
    text = match.string
    start = max(text.rfind("\n", 0, match.start()), text.rfind("\r", 0, match.start())) + 1
    return text[start : match.start()]


def _iban_labelled(match: re.Match[str]) -> bool:
    """An IBAN is sought only on a line that speaks of a bank account (:data:`_IBAN_LABEL`)."""
    text = match.string
    ends = [i for i in (text.find("\n", match.end()), text.find("\r", match.end())) if i >= 0]
    line = _line_before(match) + text[match.start() : min(ends, default=len(text))]
    return _IBAN_LABEL.search(line) is not None


def _in_id_output(match: re.Match[str]) -> bool:
    """``uid=1001(mchen) gid=1001(mchen) groups=...``: the names in ``id``'s output."""
    return _ID_OUTPUT.search(_line_before(match) + match.group()) is not None


#: Group names every system has: evidence of a setup (``groups=27(sudo),998(docker)``), no one's name.
_SYSTEM_GROUPS = _words(
    "sudo wheel adm docker users staff audio video plugdev dialout cdrom floppy netdev lpadmin sambashare "
    "lxd kvm libvirt input render systemd-journal tty disk lp mail news uucp man proxy kmem backup operator "
    "list irc src shadow utmp sasl games everyone admin nogroup bin sys sync wireshark bluetooth scanner "
    "vboxusers podman deploy git jenkins postgres mysql redis nginx apache ansible"
)


def person_name(value: str) -> bool:
    """A user name that names someone: not a generic account (``root``, ``deploy``) or system group."""
    lower = value.lower()
    return home_user(value) and lower not in GENERIC_NAMES and lower not in _SYSTEM_GROUPS


# -- credentials by context ---------------------------------------------------------

#: Key suffixes that make a password-like key harmless (``token_type``,
#: ``max_tokens`` is handled by the keyword itself).
_HARMLESS_WORDS = sorted(_words(
    "type types count counts limit limits length len size min max ttl expiry expires expire "
    "expiration lifetime timeout seconds secs minutes hours days ms interval duration age url "
    "uri endpoint path file dir name policy method mode header prefix enabled required usage "
    "used id ids version format provider strategy store field label ref hint manager backend "
    "engine service arn region kind scope scopes audience issuer algorithm alg rotation stdin fd prompt"
))


def _harmless_after(words: Iterable[str]) -> str:
    """A lookahead, right after the keyword, refusing a key that goes on with a
    harmless word (``token_type``, ``TOKEN_TTL_SECONDS``, ``tokenCount``)."""
    lower = "|".join(sorted(words, key=len, reverse=True))
    capital = "|".join(w.capitalize() for w in sorted(words, key=len, reverse=True))
    return (
        rf"(?!{_KEY_CHARS}*?(?:[_.-](?i:{lower})|(?<=[a-z0-9])(?:{capital}))(?![a-z]))"
    )


_KEY_CHARS = r"[A-Za-z0-9_.-]"
#: The key must not go on with a harmless word.
_HARMLESS = _harmless_after(_HARMLESS_WORDS)
#: What separates a key from its value; `` -> `` as Scala, Kotlin and Java's ``Map`` print a pair
#: (``Map(user -> bob, password -> x)``), with a blank on each side so ``ptr->token`` (code) stays;
#: a subscript's ``"]`` before it (``os.environ["API_KEY"] = "x"``).
_SEP = r"(?:[\"']\]?)?(?:[ \t]*(?::=|=>|:(?!:)|=(?!=))|[ \t]+->(?=[ \t]))"

#: Start of a key: not in the middle of a word.
_KEY_START = r"(?<![A-Za-z0-9_.-])"
#: Placed right after a scheme-bearing value start so ``Bearer`` stays.
_SCHEME = r"(?:(?i:bearer|basic|token|digest|negotiate|ntlm)[ \t]+)?"
#: An unquoted value: stops at whitespace, quotes, separators, closing
#: brackets, at a backslash before a quote (inside a JSON string) and at the ``@host/`` of
#: a URL (``https://x-access-token:TOKEN@github.com/...``).
_WORD = (
    r"(?:[^\s\"'\\,;&<>@)\]}]|\\(?![\"\s])|@(?![A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+[:/]))+"
)
#: A quoted value: up to the same quote (escapes allowed), or to the end of
#: the line if the quote is never closed (a truncated line: fail closed).
#: A shell's ``'It'\\''s'`` (close, escaped quote, reopen) goes on with the same value.
_QUOTED_THEN = r"(?:(?!(?P=q))[^\\\r\n]|\\.|'\\'')+"
#: An unquoted value at the start of a line (env file, YAML): the rest of it.
#: It stops before a command that follows (``PGPASSWORD=x psql -h db``).
_LINE_REST = r"[^\s\"'](?:(?:(?![ \t]+[a-z][a-z0-9_.-]*[ \t]+-)[^\r\n])*[^\s])?"


def kv_rules(name: str, keywords: Iterable[tuple[str, str]]) -> list[Rule]:
    """Rules for ``key=value``, ``key: value``, ``"key": "value"`` and ``--key value``.

    ``keywords`` pairs a regex for a password-like word (it must start with
    a case-insensitive literal, so ``re`` can skip ahead fast) with a
    trigger for that word (lower case, a superset; each alternative starting
    with a literal). The key may carry prefixes and
    suffixes (``DB_PASSWORD``, ``x-auth-token``) but may not end in a
    harmless word. In the middle of a line an unquoted value ends at
    whitespace; at the start of a line (an env file, YAML) it is the rest
    of the line.
    """
    pairs = list(keywords)
    value = (
        rf"(?P<q>[\"'])?{_SCHEME}"
        rf"(?P<value>(?(q){_QUOTED_THEN}|(?(ls){_LINE_REST}|{_WORD})))"
    )
    tail = rf"{_HARMLESS}{_KEY_CHARS}*{_SEP}[ \t]*(?P<ls>\b\B)?{value}"
    rules = [
        Rule(name, rf"(?:{keyword}){tail}", group="value", flags=A, validate=not_placeholder,
             trigger=_assign_trigger(word), check=judged, priority=-1)
        for keyword, word in pairs
    ]
    anything = "|".join(keyword for keyword, _ in pairs)
    line_start = r"(?:^[ \t]*(?:export[ \t]+|-[ \t]+|set[ \t]+)?[\"']?[a-z0-9_.-]*)"
    flag_start = r"(?:^--?[a-z0-9_.-]*|[^a-z0-9_-]--?[a-z0-9_.-]*)"
    assigned = "|".join(_assign_trigger(word, line_start) for _, word in pairs)
    flagged = "|".join(_flag_trigger(word, flag_start) for _, word in pairs)
    rules.append(Rule(
        name,
        rf"^(?P<ls>[ \t]*(?:export[ \t]+|-[ \t]+|set[ \t]+)?)[\"']?{_KEY_CHARS}*?(?:{anything})"
        rf"{_HARMLESS}{_KEY_CHARS}*{_SEP}[ \t]*{value}",
        group="value", flags=A, validate=not_placeholder,
        trigger=assigned, check=judged, priority=-1,
    ))
    rules.append(Rule(
        name,
        rf"-(?<![A-Za-z0-9_-]-)-?{_KEY_CHARS}*?(?:{anything}){_HARMLESS}{_KEY_CHARS}*"
        rf"(?:[ \t]+|=)(?P<ls>\b\B)?{value}",
        group="value", flags=A, validate=not_placeholder,
        trigger=flagged, check=judged, priority=-1,
    ))
    return rules


def _assign_trigger(head: str, context: str = "") -> str:
    """A key's trigger (top-level alternatives allowed) followed by a separator.

    ``context`` is a leading ``(?:^...)`` group: Hyperscan uses it, the
    Python prefilter drops it (see :mod:`~diagbundle.redaction.prefilter`).
    """
    return "|".join(rf"{context}{h}[\"']?\]?[ \t]*(?:[:=]|->)" for h in split_alternatives(head))


def _flag_trigger(head: str, context: str) -> str:
    return "|".join(rf"{context}{h}[ \t=]" for h in split_alternatives(head))


#: A header value: the credentials after an optional scheme, to the closing
#: quote or the end of the line (never past a quote: JSON stays valid). Go prints a header map
#: as ``map[Authorization:[Bearer x] User-Agent:[...]]``: there the value ends at its ``]``.
_HEADER_REST = (
    r"(?:(?<=(?i:digest)[ \t])[^\r\n]*[^\s]"
    r"|(?:[^\r\n\"'\\]|\\(?![\"']))*[^\s\"'\\])"
)


def _header_value(rest: str = _HEADER_REST) -> str:
    """A header's value: quoted, in a Go map's brackets, or ``rest`` (by default to the line's end)."""
    return (
        r"(?P<q>[\"'])?(?P<gb>\[(?![\"']))?(?:(?i:bearer|basic|digest|token|negotiate|ntlm)[ \t]+)?"
        rf"(?P<value>(?(q)(?:(?!(?P=q))[^\\\r\n]|\\.)+|(?(gb)[^\]\r\n]*[^\]\s]|{rest})))"
    )


#: ``Authorization=Bearer x Accept=...`` (logfmt, a query string): after ``=`` the credential is
#: one word; after ``:`` (an HTTP header) the rest of the line.
_AUTHORIZATION_REST = (
    r"(?(eq)(?:(?<=(?i:digest)[ \t])[^\r\n]*[^\s]|[^\s\"'\\&;,]+)|" + _HEADER_REST + ")"
)
#: A ``Set-Cookie`` header sets one cookie: its attributes after the first ``;`` (``Path``,
#: ``Expires``, ``SameSite``) are evidence.
_SET_COOKIE_REST = r"[^;\r\n\"'\\]*[^;\s\"'\\]"


#: An XML element's text, also wrapped in ``<![CDATA[...]]>``.
CDATA_VALUE = r"(?:<!\[CDATA\[)?(?P<value>(?:(?!\]\]>)[^<\r\n])+)(?:\]\]>)?"


def _secret_rules() -> list[Rule]:
    # A token starts a word, also right after an escape such as \n in JSON.
    tokens = r"(?:(?<![A-Za-z0-9])|(?<=\\[nrtbf]))"
    rules = [
        Rule(
            "private-key",
            r"-----BEGIN (?P<kind>(?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----"
            r"(?:[A-Za-z0-9+/=:,. \t]|\\[nrt]|-(?!----END))*"
            r"(?:-----END (?P=kind)PRIVATE KEY(?: BLOCK)?-----)?",
            flags=A, trigger="-----begin ",
            block_end=r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----",
        ),
        Rule("anthropic-key", tokens + r"sk-ant-[A-Za-z0-9_-]{20,}", flags=A, trigger="sk-"),
        Rule("openai-key", tokens + r"sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}",
             flags=A, trigger="sk-"),
        Rule("openai-session", tokens + r"sess-[A-Za-z0-9]{40}(?![A-Za-z0-9])", flags=A,
             trigger="sess-"),
        Rule("aws-access-key-id",
             r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Za-z0-9])",
             flags=A, trigger=r"akia|asia"),
        Rule("aws-secret-key",
             _KEY_START + r"[\"']?(?i:aws[_.-]?)?(?i:secret[_.-]?access[_.-]?key)[\"']?[ \t]*"
             r"(?::=|=>|[:=])[ \t]*[\"']?(?P<value>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])",
             # Not "secret" alone: every <secret-N> pseudonym has it, and this
             # pattern is slow to search (no literal start).
             group="value", flags=A, trigger=r"secret[_.-]?access[_.-]?key"),
        Rule("aws-session-token",
             _KEY_START + r"[\"']?(?i:aws[_.-]?session[_.-]?token|x-amz-security-token)"
             r"[\"']?[ \t]*(?::=|=>|[:=])[ \t]*[\"']?(?P<value>[A-Za-z0-9/+=%]{16,})",
             group="value", flags=A, trigger=r"session[_.-]?token|security-token"),
        Rule("github-token", tokens + r"gh[pousr]_[A-Za-z0-9]{36,255}", flags=A,
             trigger=r"gh[pousr]_"),
        Rule("github-token", tokens + r"github_pat_[A-Za-z0-9_]{22,255}", flags=A,
             trigger="github_pat_"),
        Rule("gitlab-token",
             tokens + r"gl(?:pat|dt|rt|ptt|ft|imt|oas|soat|cbt|agent)-[A-Za-z0-9_-]{20,}",
             flags=A, trigger=r"gl(?:pat|dt|rt|ptt|ft|imt|oas|soat|cbt|agent)-"),
        Rule("slack-token", tokens + r"xox[abposre]-[A-Za-z0-9-]{10,}", flags=A, trigger="xox"),
        Rule("slack-token", tokens + r"xapp-[0-9]-[A-Za-z0-9-]{10,}", flags=A, trigger="xapp-"),
        Rule("slack-webhook",
             r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<value>[A-Za-z0-9/_-]+)",
             group="value", flags=A, trigger=r"hooks\.slack\.com/"),
        Rule("stripe-key", tokens + r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}", flags=A,
             trigger=r"k_(?:live|test)_"),
        Rule("stripe-webhook-secret", tokens + r"whsec_[A-Za-z0-9]{20,}", flags=A,
             trigger="whsec_"),
        Rule("google-api-key", tokens + r"AIza[0-9A-Za-z_-]{35}", flags=A, trigger="aiza"),
        Rule("google-oauth-token", tokens + r"ya29\.[0-9A-Za-z_-]{20,}", flags=A,
             trigger=r"ya29\."),
        Rule("google-oauth-token", r"(?<![A-Za-z0-9/])1//0[0-9A-Za-z_-]{30,}", flags=A,
             trigger="1//0"),
        Rule("azure-key",
             r"(?i:account[_-]?key|shared[_-]?access[_-]?key|shared[_-]?access[_-]?signature)"
             r"[ \t]*=[ \t]*(?P<value>[^;\"'\s]+)",
             group="value", flags=A, validate=not_placeholder,
             trigger=r"account[_-]?key|shared[_-]?access"),
        Rule("azure-sas", r"[?&]sig=(?P<value>[A-Za-z0-9%/+=]{16,})", group="value", flags=A,
             trigger="sig="),
        Rule("twilio-key", tokens + r"SK[0-9a-fA-F]{32}(?![A-Za-z0-9])", flags=A,
             trigger=r"sk[0-9a-f]{32}"),
        Rule("sendgrid-key", tokens + r"SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}", flags=A,
             trigger=r"sg\."),
        Rule("npm-token", tokens + r"npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])", flags=A,
             trigger="npm_"),
        Rule("pypi-token", tokens + r"pypi-Ag[A-Za-z0-9_-]{50,}", flags=A, trigger="pypi-ag"),
        Rule("huggingface-token", tokens + r"(?:hf_|api_org_)[A-Za-z0-9]{30,}", flags=A,
             trigger=r"hf_|api_org_"),
        Rule("jwt",
             r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
             flags=A, trigger="eyj"),
        # HTTP credentials, in headers, dumps and code.
        Rule("authorization",
             _KEY_START + r"[\"']?(?i:(?:proxy-)?authorization)[\"']?[ \t]*(?:(?P<eq>=)|:)[ \t]*"
             + _header_value(_AUTHORIZATION_REST),
             group="value", flags=A, validate=header_credential,
             trigger=r"authorization[\"']?[ \t]*[:=]"),
        Rule("cookie",
             _KEY_START + r"[\"']?(?i:cookie)[\"']?[ \t]*[:=][ \t]*" + _header_value(),
             group="value", flags=A, validate=header_credential,
             trigger=r"cookie[\"']?[ \t]*[:=]"),
        Rule("cookie",
             _KEY_START + r"[\"']?(?i:set-cookie)[\"']?[ \t]*[:=][ \t]*" + _header_value(_SET_COOKIE_REST),
             group="value", flags=A, validate=header_credential,
             trigger=r"(?:^set-|[^a-z0-9_.-]set-)cookie[\"']?[ \t]*[:=]"),
        Rule("bearer", r"(?i:bearer)(?<![A-Za-z0-9](?i:bearer))[ \t]+(?P<value>[A-Za-z0-9._~+/-]+=*)",
             group="value", flags=A, validate=bearer_token,
             trigger=r"bearer[ \t]+[a-z0-9._~+/-]"),
        Rule("basic-auth",
             r"(?i:basic)(?<![A-Za-z0-9](?i:basic))[ \t]+"
             r"(?P<value>[A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])",
             group="value", flags=A, validate=basic_credentials,
             trigger=r"basic[ \t]+[a-z0-9+/]{6}"),
        # Passwords in URLs and connection strings: keep scheme, user and host.
        Rule("url-password",
             # A password may hold "/", "?" or "#" (HTTPS_PROXY=http://u:pa/ss@proxy:8080);
             # the last "@" before the host ends it, and a port ("host:443/@scope") is no password.
             # An "@" in the password (redis://:pa@ss@host) when another "@" follows before any "/".
             r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,30}://[^\s:/@\"'<>]*:"
             r"(?P<value>(?:[^\s\"'<>@]|@(?=[^\s\"'<>@/]*@))+)@(?=[A-Za-z0-9\[])",
             group="value", flags=A, validate=_url_password,
             # The pattern's own tail: "@" alone flagged every line with an
             # e-mail address, and this pattern is slow to search (no literal start).
             trigger=r"://[^\s:/@\"'<>]*:[^\s\"'<>]+@"),
        Rule("url-password",
             r"(?<![A-Za-z0-9-])(?:-u|--user|--proxy-user)[ \t]*[\"']?(?P<user>[^\s:\"']+):"
             r"(?P<value>[^\s\"']+)",
             group="value", flags=A, validate=not_placeholder, trigger="-u", check=_not_uid_gid),
        Rule("password",
             r"(?i:\b(?:mysql|mysqldump|mysqladmin|mariadb)\b)[^\r\n]*?[ \t]-p"
             r"(?P<q>[\"'])?(?P<value>(?(q)(?:(?!(?P=q))[^\r\n])+|[^\s\"']+))",
             group="value", flags=A, validate=not_placeholder, trigger=r"mysql|mariadb"),
        # Oracle's thin and OCI JDBC URLs write user/password@ (jdbc:oracle:thin:scott/tiger@//db:1521/x).
        Rule("url-password", r"jdbc:oracle:(?i:thin|oci)[^:\s]*:[^\s/@:\"']+/(?P<value>[^\s@\"']+)@",
             group="value", flags=A, validate=not_placeholder, trigger=r"jdbc:oracle:"),
        # OpenVPN's static key (tls-auth, tls-crypt, secret): hex lines between its own markers.
        Rule(
            "private-key",
            r"-----BEGIN OpenVPN Static key V[0-9]-----(?:[0-9A-Fa-f \t]|\\[nrt])*"
            r"(?:-----END OpenVPN Static key V[0-9]-----)?",
            flags=A, trigger="-----begin openvpn static key",
            block_end=r"-----END OpenVPN Static key V[0-9]-----",
        ),
        Rule("password", r"<(?P<tag>(?i:[a-z_:-]*pass(?:word)?))>" + CDATA_VALUE + r"</(?P=tag)>",
             group="value", flags=A, validate=not_placeholder, trigger="pass"),
    ]
    rules += kv_rules("password", [
        (r"(?i:pass)(?:(?i:word|wd|phrase|code)|(?<![A-Za-z](?i:pass))(?![a-z]))",
         r"pass[a-z0-9_.-]*"),
        (r"(?i:pwd)", r"pwd[a-z0-9_.-]*"),
        # DB_PW, ADMIN_PW, smtpPw, --pw: "pw" as a word of the key, not inside one (pwm, upward)
        # nor after a dash inside a word (7z's -pSecretZip-Pw is a value).
        (r"(?i:pw)(?:(?<![A-Za-z0-9](?i:pw))(?<![A-Za-z0-9]-(?i:pw))|(?<=[a-z0-9]Pw))(?![a-z])",
         r"pw[a-z0-9_.-]*"),
    ])
    rules += kv_rules("secret", [
        (r"(?i:secret)(?!(?i:ary|s\b))", r"secret[a-z0-9_.-]*"),
        (r"(?i:private)[_.-]?(?i:key)", r"private[_.-]?key[a-z0-9_.-]*"),
        (r"(?i:signature)", r"signature[a-z0-9_.-]*"),
    ])
    rules += kv_rules("token", [
        (r"(?i:token)(?!(?i:s|i[sz]))", r"token(?:[a-rt-z0-9_.-][a-z0-9_.-]*)?"),
        (r"(?i:auth)(?<![A-Za-z](?i:auth))(?![a-z])", r"auth[a-z0-9_.-]*"),
        (r"(?i:session)[_.-]?(?i:id|key)", r"session[_.-]?(?:id|key)[a-z0-9_.-]*"),
    ])
    rules += kv_rules("api-key", [
        (r"(?i:key)(?:(?<=(?i:api|app)(?i:key))|(?<=(?i:api|app)[_.-](?i:key))"
         r"|(?<=(?i:access|master|secret)(?i:key))|(?<=(?i:access|master|secret)[_.-](?i:key)))",
         "api[_.-]?key*|app[_.-]?key*|access[_.-]?key*|master[_.-]?key*|secret[_.-]?key*"
         .replace("*", "[a-z0-9_.-]*")),
        (r"(?i:cred)(?<![A-Za-z](?i:cred))(?:(?i:entials?|s))?(?![a-z])", r"cred[a-z0-9_.-]*"),
    ])
    rules.append(Rule(
        "base64-credential",
        r"(?<![A-Za-z0-9+/])(?:" + "|".join(re.escape(p) for p in _BASE64_STARTS) + r")[A-Za-z0-9+/]*={0,2}"
        r"(?![A-Za-z0-9+/=])",
        flags=A, validate=base64_credential, trigger="|".join(re.escape(p.lower()) for p in _BASE64_STARTS),
    ))
    rules.append(Rule(
        "iban",
        r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?(?![A-Za-z0-9])",
        flags=A, validate=iban, check=_iban_labelled, trigger="iban|bic|swift|sepa|bank|account|beneficiary",
    ))
    rules.append(
        Rule("credit-card",
             # Undelimited only up to 16 digits: longer runs are IDs (a 63-bit
             # trace ID has 19); 17-19 digit cards are written in groups.
             r"[0-9](?<![0-9A-Za-z_.+-][0-9])[0-9]{3}(?:[0-9]{9,12}"
             r"|(?P<s1>[ .+-])[0-9]{4}(?P=s1)[0-9]{4}(?P=s1)[0-9]{4}(?:(?P=s1)[0-9]{1,3})?"
             r"|(?P<s2>[ .+-])[0-9]{6}(?P=s2)[0-9]{4,5})(?![0-9A-Za-z_]|[.+-][0-9])",
             flags=A, validate=luhn,
             trigger=r"(?:^|[^0-9a-z_.-])[2-6][0-9]{3}[ .+-]?[0-9]{4}[0-9]{0,2}[ .+-]?[0-9]{3}")
    )
    return rules


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
#: The rest of an :data:`_OCTET` after its first digit, alternatives in the same order.
_FIRST_OCTET_REST = r"(?:(?<=2)5[0-5]|(?<=2)[0-4][0-9]|(?<=1)[0-9]{2}|(?<=[1-9])[0-9])?"


def pii_rules(kinds: Iterable[str]) -> list[Rule]:
    """The pattern-based PII rules for the enabled ``kinds``."""
    on = set(kinds)
    rules: list[Rule] = []
    if "email" in on:
        rules.append(Rule(
            "email",
            r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
            # A label never ends in "-": "jane@example.com->" and "...com--retry" end at the TLD.
            r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9]|-[A-Za-z0-9])",
            kind="pii", flags=A, validate=personal_email, trigger="@", fold_case=True,
        ))
    if "ip" in on:
        rules.append(Rule(
            "ipv4",
            # The first digit comes first and the checks of what precedes it after it (each
            # looking one character further back), so ``re`` skips to the next digit in C rather
            # than trying every position of the line: 10x faster on a log line, the same matches.
            rf"[0-9](?<![0-9A-Za-z.].)(?<![Vv]ersion=.)(?<![Vv]ersion .){_FIRST_OCTET_REST}\."
            rf"(?:{_OCTET}\.){{2}}{_OCTET}(?![0-9]|\.[0-9])",
            kind="pii", flags=A, validate=public_ipv4,
            trigger=r"\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]",
        ))
        rules.append(Rule(
            "ipv6",
            r"(?<![0-9A-Za-z:.])(?:[0-9A-Fa-f]{0,4}:){2,7}"
            r"(?:[0-9A-Fa-f]{1,4}|(?:[0-9]{1,3}\.){3}[0-9]{1,3})?(?:%[0-9A-Za-z]+)?"
            r"(?![0-9A-Za-z:.])",
            kind="pii", flags=A, validate=public_ipv6,
            trigger=r"::|:[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{1,4}:",
        ))
    if "mac" in on:
        rules.append(Rule(
            "mac",
            # A hex digit first and what precedes it checked after it, as for ipv4: ``re``
            # then skips to the next hex digit in C (2x faster on an access log line).
            r"[0-9A-Fa-f](?<![0-9A-Fa-f:.-].)(?:[0-9A-Fa-f](?P<sep>[:-])(?:[0-9A-Fa-f]{2}(?P=sep)){4}"
            r"[0-9A-Fa-f]{2}|[0-9A-Fa-f]{3}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![0-9A-Fa-f:.-])",
            kind="pii", flags=A, validate=real_mac,
            # All five separators: a log's time (``2026:10:42:49``) has three, and fired the rule
            # on every line of an access log.
            trigger=r":[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}:"
                    r"|-[0-9a-f]{2}-[0-9a-f]{2}-[0-9a-f]{2}-[0-9a-f]{2}-|\.[0-9a-f]{4}\.[0-9a-f]{4}",
        ))
    if "user" in on:
        rules.append(Rule(
            "home-user",
            r"(?:/(?<![A-Za-z0-9._~-]/)(?<!GET /)(?<!POST /)(?<!PUT /)(?<!HEAD /)(?<!DELETE /)(?<!PATCH /)"
            r"(?<!OPTIONS /)(?:home|Users|var/home|mnt/[A-Za-z]/(?i:users))/"
            r"|/(?<=[A-Za-z]:/)(?i:users)/"
            r"|\\(?<![A-Za-z0-9]\\)\\?(?i:users|documents and settings)\\\\?)"
            r"(?P<value>[^/\\\s\"'<>:;,*?|]+)",
            kind="pii", group="value", flags=A, validate=home_user, label="user",
            trigger=r"/home/|/users/|\\users\\|\\documents and settings\\",
        ))
        rules += _person_rules()
    if "host" in on:
        # Other machines' names (diagbundle/redaction/hosts.py): mDNS and home routers (.local,
        # .lan, .home.arpa), private zones (.internal, .intranet, .localdomain, .corp) and company
        # names in a corp zone (proxy.corp.example.com), anywhere. Not a file name such as
        # settings.local.json or .env.local, nor code such as window.location or
        # com.corp.billing.Invoice, nor a platform's name (host.docker.internal). A suffix written
        # with a leading dot (no_proxy=.corp.example) names a zone, not a machine, and stays.
        rules.append(Rule(
            "internal-host",
            r"(?<![A-Za-z0-9_.-])(?:[A-Za-z0-9][A-Za-z0-9-]{0,62}\.)+"
            r"(?:local|lan|internal|intranet|home\.arpa|localdomain|corp(?:\.[A-Za-z0-9][A-Za-z0-9-]{0,62})*)"
            r"(?![A-Za-z0-9_-]|\.[A-Za-z0-9])",
            kind="pii", flags=A | re.IGNORECASE, label="host", validate=private_host, fold_case=True,
            trigger=r"\.local|\.lan|\.internal|\.intranet|\.home\.arpa|\.corp",
        ))
        # The value of a key that names a host (hostname, DB_HOST, Host:, netrc machine).
        rules += host_rules()
    if "phone" in on:
        rules.append(Rule(
            "phone",
            # E.164 written in one piece (+442079460958, tel: links, JSON); a trunk "(0)" (+49 (0)89 ...).
            r"(?<![A-Za-z0-9+_.-])(?:\+[1-9][0-9]{7,14}|(?:\+[1-9][0-9]{0,2}[ .-]?)?(?:\([0-9]{1,4}\)[ .-]?)?"
            r"[0-9]{1,8}(?:[ .-][0-9]{2,8}){0,4})(?![0-9A-Za-z_]|[.-][0-9])",
            kind="pii", flags=A, validate=phone_number,
            # Not "+0" (time zones) nor "+" with fewer than 8 digits or separators after it.
            trigger=r"\+[1-9][0-9 .()-]{7}|\([0-9]{2,4}\)|[0-9]{3}[-. ][0-9]{3}[-. ][0-9]{4}",
        ))
    return rules


#: Fields of system reports (Windows ``systeminfo``, macOS ``system_profiler``, ``hostnamectl``)
#: that name the machine or its owner: ``Host Name:  DESKTOP-8JQ2M7P``, ``User Name: Jane Doe (jdoe)``.
_REPORT_FIELDS = {
    "host": ("host name", "computer name", "local host name", "logon server", "device name"),
    "user": ("user name", "registered owner", "full name", "owner name"),
}
#: A tool that names a remote account as user@host: ssh, scp, rsync and friends.
_REMOTE_TOOL = re.compile(
    r"(?<![A-Za-z0-9_-])(?:ssh|scp|sftp|rsync|mosh|autossh|ssh-copy-id|sshfs)(?![A-Za-z0-9_-])"
)


def _after_remote_tool(match: re.Match[str]) -> bool:
    return _REMOTE_TOOL.search(_line_before(match)) is not None


def _report_value(value: str) -> bool:
    return not_placeholder(value) and value.strip().lower() not in ("n/a", "none", "unknown", "localhost")


def _report_host(value: str) -> bool:
    """A machine's name in a report; a name in public DNS (``Host Name: api.example.com``) stays."""
    return _report_value(value) and (" " in value.strip() or "." not in value or machine_name(value))


def _person_rules() -> list[Rule]:
    """User and machine names where a shell prompt, an SSH key's comment, ``id``, a remote
    command (``ssh jdoe@build-07``), a system report or the login variables print them."""
    rules = []
    for label, fields in _REPORT_FIELDS.items():
        rules.append(Rule(
            "report-" + label,
            r"^[ \t]*(?i:" + "|".join(f.replace(" ", "[ \t]") for f in fields) + r")[ \t]*:[ \t]+"
            r"(?P<value>[^\s](?:[^\r\n]*[^\s])?)",
            kind="pii", group="value", flags=A, label=label, fold_case=True,
            validate=_report_host if label == "host" else _report_value,
            # " name:" is what most labels end with: the Python prefilter seeks it (the context
            # before it is Hyperscan's), not "user" or "com" that every log line has.
            trigger="|".join(
                (r"(?:^[ \t]*" + f[:-5].replace(" ", r"[ \t]") + r")[ \t]name[ \t]*:") if f.endswith(" name")
                else (r"(?:^[ \t]*)" + f.replace(" ", r"[ \t]") + r"[ \t]*:") for f in fields),
        ))
    # The login variables of an environment dump (env, set, export -p, a Dockerfile): USER=jdoe,
    # one a line. (Mid-line "user=" is a log's field, too often a service account to guess.)
    rules.append(Rule(
        "env-user", r"^(?:export[ \t]+|declare[ \t]+-x[ \t]+|ENV[ \t]+)?(?:USER|LOGNAME|USERNAME|SUDO_USER)"
        r"=[\"']?(?P<value>[A-Za-z_][A-Za-z0-9_.-]{0,31})(?![A-Za-z0-9_.@-])",
        kind="pii", group="value", flags=A, label="user", validate=person_name, fold_case=True,
        # Each part a line start and a literal: the Python prefilter seeks "\nuser=", not "user".
        trigger="|".join(rf"^{lead}{name}="
                         for lead in ("", r"export[ \t]+", r"declare[ \t]+-x[ \t]+", r"env[ \t]+")
                         for name in ("user", "logname", "username", "sudo_user")),
    ))
    for group, label, validate in (("value", "user", person_name), ("host", "host", machine_name)):
        rules.append(Rule(
            "remote-" + label,
            r"(?<![^\s\"'=])(?P<value>[a-z_][a-z0-9_.-]{0,31})@(?P<host>[A-Za-z0-9][A-Za-z0-9.-]{0,252})"
            r"(?=[:\s\"']|$)",
            kind="pii", group=group, flags=A, label=label, validate=validate, check=_after_remote_tool,
            fold_case=True, trigger=r"(?:ssh|scp|sftp|rsync|mosh|sshfs)[ \t].*@",
        ))
    # A prompt pasted with its command: "jdoe@build-07:~/src$ make", "[mchen@ws-4411 ~]$ ...".
    venv = r"^(?:\([^()\s]{1,40}\)[ \t]+)?"
    user_at = r"(?P<value>[a-z_][a-z0-9_.-]{0,31})@(?P<host>[A-Za-z0-9][A-Za-z0-9.-]{0,62})"
    parts: tuple[tuple[str, str, Callable[[str], bool] | None], ...] = (
        ("value", "user", person_name), ("host", "host", None))
    for group, label, name_check in parts:
        rules.append(Rule(
            "prompt-" + label, venv + user_at + r":[~/][^\s$#]*[$#](?=[ \t]|\r?$)",
            kind="pii", group=group, flags=A, label=label, validate=name_check, fold_case=True,
            trigger=r"@[a-z0-9][a-z0-9.-]{0,62}:[~/][^ \t\n]{0,200}[$#]",
        ))
        rules.append(Rule(
            "prompt-" + label, venv + r"\[" + user_at + r"[ \t][^\]\r\n]{0,200}\][$#](?=[ \t]|\r?$)",
            kind="pii", group=group, flags=A, label=label, validate=name_check, fold_case=True,
            trigger=r"@[a-z0-9][a-z0-9.-]{0,62}[ \t][^\]\n]{0,200}\][$#]",
        ))
        # An SSH public key's comment (authorized_keys, *.pub): "ssh-ed25519 AAAA... jdoe@laptop".
        rules.append(Rule(
            "ssh-key-" + label,
            r"(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com)[ \t]+"
            r"AAAA[A-Za-z0-9+/]+={0,3}[ \t]+(?:[^\r\n@]{0,200}?[ \t])?(?P<value>[A-Za-z0-9._-]{1,64})"
            r"@(?P<host>[A-Za-z0-9][A-Za-z0-9-]{0,62}(?:\.[A-Za-z0-9-]{1,63})*)(?![A-Za-z0-9.-])",
            kind="pii", group=group, flags=A, label=label, validate=name_check, fold_case=True,
            trigger=r"ssh-(?:rsa|ed25519|dss)[ \t]+aaaa|ecdsa-sha2-nistp|sk-ssh-ed25519@",
        ))
    rules.append(Rule(
        "id-user", r"(?<=[=,])[0-9]{1,10}\((?P<value>[A-Za-z_][A-Za-z0-9_.-]{0,31})\)",
        kind="pii", group="value", flags=A, label="user", validate=person_name, check=_in_id_output,
        fold_case=True, trigger=r"uid=[0-9]+\(",
    ))
    return rules


#: Names too generic to replace wherever they appear (and the words of our
#: own tags, so redacting twice changes nothing more).
GENERIC_NAMES = _words(
    "root admin administrator user users guest test nobody daemon runner ubuntu debian fedora "
    "centos alpine vagrant ec2-user www-data node app build ci docker default localhost "
    "localhost.localdomain host email ipv4 ipv6 mac phone redacted secret password token "
    "key api"
)


def literal_rule(name: str, label: str, value: str) -> Rule | None:
    """A PII rule for one literal value (the user name, the host name)."""
    if len(value) < 3 or value.lower() in GENERIC_NAMES:
        return None
    projected = value.encode("ascii", "replace").decode("ascii").lower()
    return Rule(
        name,
        rf"(?<![A-Za-z0-9_.<-]){re.escape(value)}(?![A-Za-z0-9_-])",
        kind="pii", flags=re.IGNORECASE | A, label=label, trigger=re.escape(projected),
        fold_case=True,
    )


def default_rules(pii: Iterable[str]) -> list[Rule]:
    """Secrets first (they win overlaps), then the enabled pattern PII kinds."""
    return [*_built_in_secrets(), *_built_in_pii(frozenset(pii))]


@functools.cache
def _built_in_secrets() -> tuple[Rule, ...]:
    """Built once per process: rules are immutable, and compiling some 250 patterns
    (more than the ``re`` module caches) cost 0.4-0.6 s per redactor."""
    from diagbundle.redaction.commands import command_rules  # it builds on this module's checks

    with deferred_compile():
        return (*_secret_rules(), *provider_rules(), *structure_rules(), *command_rules())


@functools.cache
def _built_in_pii(kinds: frozenset[str]) -> tuple[Rule, ...]:
    with deferred_compile():
        return tuple(pii_rules(kinds))


DEFAULT_PII = frozenset({"email", "ip", "mac", "user", "host", "phone"})
PII_KINDS = frozenset({"email", "ip", "mac", "user", "host", "phone"})
