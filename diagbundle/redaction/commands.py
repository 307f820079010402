"""Credentials on command lines and in code that calls a library.

Each tool spells its password flag its own way, and most of them are too
short to mean anything elsewhere (``-a``, ``-p``, ``-w``), so each rule is
anchored on the tool's name on the same line. SQL, PowerShell and libcurl
forms are spelled by their grammar. ``--password=X`` and ``--token X`` in
general are the key-value rules' (:mod:`~diagbundle.redaction.rules`).
"""

from __future__ import annotations

import re

from diagbundle.redaction.rule import Rule
from diagbundle.redaction.rules import not_placeholder

A = re.ASCII
#: A value after a flag: quoted (to the same quote) or one word.
_ARG = r"(?P<q>[\"'])?(?P<value>(?(q)(?:(?!(?P=q))[^\\\r\n]|\\.)+|[^\s\"'`;|&]+))"


def _tool(name: str, tool: str, flag: str, trigger: str) -> Rule:
    """``tool ... flag VALUE`` (``flag`` a regex; a space, ``=`` or nothing before the value).

    The match starts at the flag, so every flag of the line is found; the
    tool must come earlier on the same line.
    """
    named = re.compile(rf"(?<![A-Za-z0-9_-])(?:{tool})(?![A-Za-z0-9_-])", A)

    def after_tool(match: re.Match[str]) -> bool:
        text = match.string
        line_start = max(text.rfind("\n", 0, match.start()), text.rfind("\r", 0, match.start())) + 1
        return named.search(text, line_start, match.start()) is not None

    return Rule(name, rf"(?<![A-Za-z0-9_-])(?:{flag}){_ARG}", group="value", flags=A, priority=-1,
                validate=not_placeholder, trigger=trigger, check=after_tool)


def command_rules() -> list[Rule]:
    """The rules of this module."""
    return [
        _tool("password", r"redis-cli", r"-a[ \t]+|--pass[ \t]+|--pass=", "redis-cli"),
        _tool("password", r"(?:docker|podman|nerdctl|helm|buildah|skopeo|oras)(?:[ \t]+registry)?[ \t]+login",
              r"-p[ \t]+", r"[ \t]login"),
        _tool("password", r"sshpass", r"-p[ \t]*", "sshpass"),
        _tool("password", r"ldap(?:search|modify|add|delete|whoami|passwd|compare|modrdn)",
              r"-w[ \t]+", "ldap"),
        _tool("password", r"keytool|jarsigner",
              r"-(?:store|key|src|dest|new)?(?:store|key)?pass(?::env|:file)?[ \t]+", "keytool|jarsigner"),
        _tool("password", r"openssl", r"-pass(?:in|out)?[ \t]+pass:|-passin[ \t]+|-k[ \t]+", "openssl"),
        _tool("password", r"smbclient|rpcclient|smbmap|mount(?:\.cifs)?|net",
              r"-U[ \t]*[^\s%]+%|--user[= ][^\s%]+%|password=", "smbclient|rpcclient|smbmap|mount|net[ \t]"),
        _tool("password", r"mongo(?:sh|dump|restore|export|import)?", r"-p[ \t]+|--password[ \t=]+", "mongo"),
        _tool("password", r"psql|pg_dump|pg_restore|mysqldump|mysql|mariadb", r"--password=",
              "psql|pg_|mysql|mariadb"),
        _tool("cookie", r"curl|wget", r"-b[ \t]+|--cookie[ \t=]+", r"curl|wget"),
        Rule("password",
             r"(?<![A-Za-z0-9_-])sqlplus[ \t]+(?:-[A-Za-z]+[ \t]+)*[\"']?[^\s/@\"']+/(?P<value>[^\s@\"']+)",
             group="value", flags=A, priority=-1, validate=not_placeholder, trigger="sqlplus"),
        # SQL: ALTER/CREATE USER ... IDENTIFIED BY 'x', WITH PASSWORD 'x', SET PASSWORD = 'x'.
        Rule("password",
             r"(?i:identified[ \t]+(?:with[ \t]+\S+[ \t]+)?by(?:[ \t]+password)?"
             r"|\bpassword[ \t]*=?[ \t]*(?=['\"])|\bpassword[ \t]*\()[ \t]*"
             r"(?P<q>['\"])(?P<value>(?:(?!(?P=q))[^\r\n]|(?P=q)(?P=q))+)",
             group="value", flags=A, priority=-1, validate=not_placeholder,
             trigger=r"identified[ \t]|password[ \t]*=?[ \t]*['\"]|password[ \t]*\("),
        # PowerShell.
        Rule("password",
             r"(?i:convertto-securestring)(?:[ \t]+-string)?[ \t]+(?P<q>['\"])"
             r"(?P<value>(?:(?!(?P=q))[^\r\n])+)",
             group="value", flags=A, priority=-1, validate=not_placeholder, trigger="convertto-securestring"),
        Rule("password",
             r"(?i:-(?:password|credential|token|apikey|secret)(?:string)?)[ \t]+(?P<q>['\"])"
             r"(?P<value>(?:(?!(?P=q))[^\r\n])+)(?P=q)",
             group="value", flags=A, priority=-1, validate=not_placeholder,
             trigger=r"-(?:password|credential|token|apikey|secret)"),
        # libcurl options set in code.
        Rule("password",
             r"CURLOPT_(?:USERPWD|PROXYUSERPWD|PASSWORD|PROXYPASSWORD|KEYPASSWD|SSLKEYPASSWD|SSLCERTPASSWD"
             r"|TLSAUTH_PASSWORD|PROXY_TLSAUTH_PASSWORD|XOAUTH2_BEARER|LOGIN_OPTIONS|COOKIE)"
             r"[ \t]*,[ \t]*(?:L|u8|u)?\"(?P<value>(?:[^\"\\\r\n]|\\.)+)\"",
             group="value", flags=A, priority=-1, validate=not_placeholder, trigger="curlopt_"),
    ]
