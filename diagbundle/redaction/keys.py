"""Which key names name a credential, and which values under them look like one.

A key is split into words (on punctuation and camelCase, any case):
``DB_PASSWORD``, ``x-api-key``, ``Ocp-Apim-Subscription-Key``, ``authKey``,
``clientSecret``, ``connect.sid``. It names a credential when a word does
(``password``, ``secret``, ``token``, ``session``, ``csrf`` ...) or when it
is a compound ending in ``key`` whose first part is not a database or data
structure word (``signing_key`` yes, ``primaryKey`` only with a random
value). Look-alikes that stay are listed in :data:`LOOK_ALIKES` and tested.

:func:`strength` tells how sure the name is; :func:`credential_value` judges
the value by that: a ``password`` may be any word, a bare ``token`` must not
be an ordinary word (an LLM's ``{"token": "Hello"}``).

:func:`host_key` tells a key that names a host (``hostname``, ``DB_HOST``,
``Host``): its value is judged by :func:`~diagbundle.redaction.hosts.machine_name`.
"""

from __future__ import annotations

import functools
import re
from typing import Literal


def _split(text: str) -> list[str]:
    """A word list written as one string."""
    return text.split()


_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

#: Words that name a credential wherever they appear in a key.
STRONG = frozenset(_split(
    "password passwd passphrase passcode pass pwd secret secrets token tokens apikey apitoken credential "
    "credentials creds cred csrf xsrf csrftoken xsrftoken sessionid sessid sid cookie cookies jsessionid "
    "phpsessid privatekey secretkey accesskey authkey authcode authtoken signature sig hmac "
    "bearer otp totp mfa pin cvv cvc ssn connectionstring connstr "
    # A Wi-Fi pre-shared key (wpa_supplicant, NetworkManager), a short ``DB_PW``/``smtpPw``, and
    # the passwords of redis.conf, which are spelled as neither.
    "psk pw requirepass masterauth"
))
#: Words that name a credential only with a value that looks like one.
WEAK = frozenset(_split("session key auth code salt nonce ticket"))
#: First words of a ``...Key`` compound that name a data structure, not a secret.
DATA_KEYS = frozenset(_split(
    "primary foreign sort partition range hash cache routing public idempotency object row map lookup "
    "shard index group hot short composite unique natural surrogate join dedup dedupe bucket message "
    "record entity item node dict registry lock sharding cluster api_version ssh_public deploy host"
))
#: Words after which the key names a property of a credential, not the credential itself.
HARMLESS_TAILS = frozenset(_split(
    "type types count counts limit limits length len size min max ttl expiry expires expire expiration "
    "lifetime timeout seconds secs minutes hours days ms interval duration age url uri endpoint path "
    "file dir name names policy method mode header prefix enabled required usage used id ids version "
    "format provider strategy store field label ref hint manager backend engine service arn region kind "
    "scope scopes audience issuer algorithm alg rotation rotated location source env var variable "
    "created updated at date time hash fingerprint sha md5 digest strength complexity rules reset "
    "changed change last attempts retries valid validity exists present set missing error errors status "
    "exception exceptions failed failure denied invalid expired handler class event events checking check "
    # ``--password-stdin``, ``--password-fd 3``, ``--token-prompt``: where the credential comes from.
    "stdin fd prompt sock socket"
))
#: Whole keys that look like credentials and are not (tested in tests/test_redaction_keys.py).
LOOK_ALIKES = frozenset(_split(
    "max_tokens maxtokens max_completion_tokens prompt_tokens completion_tokens total_tokens "
    "input_tokens output_tokens token_type tokentype publickeytoken public_key_token publickey public_key "
    "keyboard keystore keystroke keyword keywords keyspace keyframe keyframes keycode keychain monkey "
    "donkey turkey hockey jockey whiskey passenger passengers passport passive bypass compass "
    "password_policy session_state sessions tokenizer tokenize tokenized"
))

Strength = Literal["strong", "weak"]
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def words(key: str) -> list[str]:
    """``Ocp-Apim-Subscription-Key`` -> ``["ocp", "apim", "subscription", "key"]``."""
    return [w.lower() for w in _SPLIT.split(key) if w]


@functools.lru_cache(maxsize=8192)
def strength(key: str) -> Strength | None:
    """``"strong"`` or ``"weak"`` when ``key`` names a credential, else None."""
    stripped = key.strip("\"'-:$@ ")
    if stripped in ("PWD", "OLDPWD"):  # the shell's working directories
        return None
    flat = _NOT_ALNUM.sub("", stripped.lower())
    if not flat or flat in LOOK_ALIKES or stripped.lower() in LOOK_ALIKES:
        return None
    if flat in STRONG:
        return "strong"
    parts = words(stripped)
    if not parts or parts[-1] in HARMLESS_TAILS or (len(parts) > 1 and parts[-1] in {"key", "keys"}
                                                     and parts[-2] in HARMLESS_TAILS):
        return None
    best: Strength | None = None
    for i, word in enumerate(parts):
        if word in STRONG or flat in STRONG:
            return "strong"
        if word.startswith(("passw", "secret", "credential")) or word.endswith(("password", "passwd")):
            return "strong"
        if word.endswith("token") and word not in LOOK_ALIKES:
            return "strong"
        if word in ("key", "keys") and i > 0:
            if parts[i - 1] in DATA_KEYS:
                best = best or "weak"
            else:
                return "strong"
        elif word.endswith("key") and len(word) > 3 and word not in LOOK_ALIKES:
            prefix = word[:-3]
            best = best or ("weak" if prefix in DATA_KEYS else "strong")
            if best == "strong":
                return best
        elif word.startswith("auth") and not word.startswith(("author", "authent")):
            if len(word) > 4:
                return "strong"
            best = best or "weak"  # a later word may still be strong: X-Auth-Token
        elif word in WEAK or word.endswith(("session", "sessid")):
            best = best or "weak"
    return best


#: The name plugins import it by (``from diagbundle import credential_key``).
credential_key = strength

#: What a weak key's value must look like: one run of a token alphabet.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9+/=_.~%-]+")
#: Code, not a value: ``document.querySelector(``, ``process.env.TOKEN``, ``this.props.token``.
_CODE = re.compile(
    r"(?:document|window|process|this|self|os|config|settings|env|request|req|props|state|params"
    r"|options|opts|args|ctx|context|app|globalThis|import\.meta)(?:\.[A-Za-z_$][\w$]*)+\(?"
    r"|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*\("
)


def credential_value(value: str, how: Strength) -> bool:
    """Does ``value`` under a key of strength ``how`` look like a credential?

    Strong keys take any value but code (``csrfToken = document.querySelector(``);
    weak keys (``session``, ``key``, ``primaryKey``) need one shaped like a
    token: ten or more token characters, letters and digits both (not a
    word, a number or a cache key such as ``user:4821:profile``).
    """
    stripped = value.strip()
    if not stripped or _CODE.fullmatch(stripped) or VERSION.fullmatch(stripped):
        return False
    if how == "strong":
        return True
    return (len(stripped) >= 10 and _TOKEN_SHAPE.fullmatch(stripped) is not None
            and any(c.isdigit() for c in stripped) and any(c.isalpha() for c in stripped)
            and _FILE_PATH.fullmatch(stripped) is None)


#: A version or version range (``9.0.2``, ``^4.18.2``, ``~1.18.0``, ``>=2.1.0-rc.1``): the value of a
#: package named ``jsonwebtoken``, ``cookie`` or ``csrf`` in a manifest, evidence. Three numbers at
#: least, so a password of digits and dots still reads as one.
VERSION = re.compile(r"(?:[\^~]|[<>]=?|==?)?v?[0-9]{1,5}(?:\.[0-9]{1,5}){2,3}(?:[-+][0-9A-Za-z.-]{1,32})?")


#: A lower-case file path with an extension: an S3 object ``key`` (``uploads/2024/report-final.pdf``,
#: ``logs/app.2024-05-01.log``) is evidence. A secret under ``key`` has capitals, ``+`` or ``=``
#: (``wJalrXUtnFEMI/K7MDENG/bPxRfiCY``), or no extension, and stays a credential.
_FILE_PATH = re.compile(r"(?:[a-z0-9][a-z0-9._-]*/)*[a-z0-9][a-z0-9._-]*\.[a-z][a-z0-9]{1,4}")


#: Last words of a key that names a host: its value is a host name (see :func:`host_key`).
HOST_WORDS = frozenset(_split("host hostname machine machinename fqdn computername nodename"))
#: ``host_name``, ``machineName``, ``COMPUTER_NAME``, ``nodeName``: two words that name one.
HOST_PAIRS = frozenset(_split("host machine computer node"))
#: Keys written in one piece whose end names a host (``PGHOST`` of libpq, ``DBHOST``).
HOST_FLAT = frozenset(_split("pghost dbhost mysqlhost redishost smtphost mailhost sshhost"))


@functools.lru_cache(maxsize=4096)
def host_key(key: str) -> bool:
    """Does ``key`` name a host (``host``, ``hostname``, ``DB_HOST``, ``Host``, ``machine``)?

    Only by its last word(s): ``max_host_connections``, ``hostNetwork``,
    ``host_port`` and ``hosts`` name something else. A key that ends in
    ``localhost`` in any spelling (``useLocalHost``) is a setting.
    """
    stripped = key.strip("\"'-:$@ ")
    flat = _NOT_ALNUM.sub("", stripped.lower())
    if not flat or flat.endswith("localhost"):
        return False
    if flat in HOST_FLAT:
        return True
    parts = words(stripped)
    if not parts:
        return False
    if parts[-1] in HOST_WORDS:
        return True
    return len(parts) > 1 and parts[-1] == "name" and parts[-2] in HOST_PAIRS
