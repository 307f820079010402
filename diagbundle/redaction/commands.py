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
from diagbundle.redaction.structure import NAME_WORDS, judged

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


def _htpasswd_batch(match: re.Match[str]) -> bool:
    """``htpasswd -b FILE USER PASSWORD`` or ``-nb USER PASSWORD``: batch mode, the password last."""
    flags = match.group("flags")
    return "b" in flags and ("n" in flags) == (len(match.group("pos").split()) == 1)


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
        # SQL Server's tools spell the password -P; the Azure CLI -p (az login --service-principal).
        _tool("password", r"sqlcmd|bcp|osql|isql|mssql-cli", r"-P[ \t]*", "sqlcmd|bcp|osql|isql|mssql-cli"),
        _tool("password", r"az(?:[ \t]+[a-z-]+)*[ \t]+login", r"-p[ \t]+|--password[ \t=]+", r"[ \t]login"),
        _tool("password", r"lftp", r"-u[ \t]+[^\s,]+,", "lftp"),
        # Not "secret" alone as the trigger: every <secret-N> pseudonym holds it, and a HAR's
        # text pass then searched this rule on most of its lines.
        _tool("password", r"gh[ \t]+secret[ \t]+set", r"-b[ \t]+|--body[ \t=]+", r"secret[ \t]+set"),
        # htpasswd -b[c...] FILE USER PASSWORD, and -nb USER PASSWORD: the last word is the password.
        Rule("password",
             r"(?<![A-Za-z0-9_-])htpasswd(?P<flags>(?:[ \t]+-[A-Za-z]+)+)"
             r"(?P<pos>(?:[ \t]+[^\s-]\S*){1,2})[ \t]+"
             + _ARG,
             group="value", flags=A, priority=-1, validate=not_placeholder, check=_htpasswd_batch,
             trigger="htpasswd"),
        # net use Z: \\server\share PASSWORD /user:DOMAIN\name (the password before the switches).
        Rule("password",
             r"(?i:\bnet[ \t]+use)(?:[ \t]+[A-Za-z]:)?[ \t]+\\\\\S+[ \t]+(?P<value>[^\s/*][^\s]*)",
             group="value", flags=A, priority=-1, validate=not_placeholder, trigger=r"net[ \t]+use"),
        # echo 'x' | docker login --password-stdin (| sudo -S, | chpasswd, | passwd --stdin): the
        # literal piped in is the password.
        Rule("password",
             r"(?<![A-Za-z0-9_-])(?:echo|printf)(?:[ \t]+-[A-Za-z]+)*[ \t]+(?:[\"']%s[\\n]*[\"'][ \t]+)?"
             + _ARG + r"(?(q)(?P=q))[ \t]*\|[^|\r\n]*?(?:--password-stdin"
             r"|\bsudo[ \t]+(?:-[A-Za-z]+[ \t]+)*-[A-Za-z]*S|\bchpasswd\b|\bpasswd[ \t]+--stdin)",
             group="value", flags=A, priority=-1, validate=not_placeholder,
             trigger=r"password-stdin|sudo[ \t].*-[a-z]*s|chpasswd|passwd[ \t]+--stdin"),
        # Archivers: 7z/rar -pSECRET (attached), zip/unzip -P SECRET.
        # (Each trigger opens with its tool's name once Hyperscan's context is dropped: a group
        # first would make the Python prefilter try every offset.)
        _tool("password", r"7z|7za|7zr|rar|unrar", r"-p(?=[^\s-])",
              r"(?:^|[^a-z0-9_-])7z[ar]?[ \t][^\n]*-p|(?:^|[^a-z0-9_-]|un)rar[ \t][^\n]*-p"),
        _tool("password", r"zip|unzip|zipcloak", r"-P[ \t]+",
              r"(?:^|[^a-z0-9_-]|un)zip(?:cloak)?[ \t][^\n]*-p"),
        # rabbitmqctl add_user NAME PASSWORD, change_password NAME PASSWORD.
        Rule("password",
             r"(?<![A-Za-z0-9_-])rabbitmqctl(?:[ \t]+-[^\s]+)*[ \t]+(?:add_user|change_password)"
             r"[ \t]+\S+[ \t]+"
             + _ARG,
             group="value", flags=A, priority=-1, validate=not_placeholder, trigger="rabbitmqctl"),
        # A credential set by name: aws configure set KEY VALUE, setx KEY VALUE, CONFIG SET requirepass X.
        Rule("password",
             r"(?<![A-Za-z0-9_-])(?i:set|setx)[ \t]+(?P<key>[A-Za-z_][A-Za-z0-9_.-]{0,100})[ \t]+" + _ARG,
             group="value", flags=A, priority=-1, validate=not_placeholder, check=judged,
             trigger=rf"setx?[ \t]+[a-z0-9_.-]*(?:{NAME_WORDS})[a-z0-9_.-]*[ \t]+[^ \t\n]"),
        # Protocol traces: IMAP "a001 LOGIN user pass", Redis MONITOR '"AUTH" "user" "pass"' and
        # "AUTH pass", SMTP "AUTH PLAIN base64" (its base64 holds the password).
        Rule("password",
             r"^(?:[CS]:[ \t]*)?(?=[A-Za-z.]{0,19}[0-9])[A-Za-z0-9.]{1,20}[ \t]+(?i:login)[ \t]+"
             r"(?:\"[^\"\r\n]*\"|[^\s\"-][^\s\"]*)[ \t]+" + _ARG,
             group="value", flags=A, priority=-1, validate=not_placeholder,
             trigger=r"[ \t]login[ \t]+[^ \t\n]+[ \t]"),
        Rule("password",
             r"\"(?i:auth)\"(?:[ \t]+\"[^\"\r\n]*\")?[ \t]+\"(?P<value>(?:[^\"\\\r\n]|\\.)+)\"",
             group="value", flags=A, priority=-1, validate=not_placeholder, trigger=r"\"auth\"[ \t]+\""),
        Rule("password",
             r"(?<=> )(?i:auth)[ \t]+(?:[^\s\"']+[ \t]+)?" + _ARG + r"(?(q)(?P=q))[ \t]*\r?$",
             group="value", flags=A, priority=-1, validate=not_placeholder, trigger=r"> auth[ \t]+[^ \t\n]"),
        Rule("password", r"(?i:\bauth[ \t]+plain)[ \t]+(?P<value>[A-Za-z0-9+/]{8,}={0,2})",
             group="value", flags=A, priority=-1, trigger=r"auth[ \t]+plain[ \t]"),
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
