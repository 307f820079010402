"""The ticket fields support asks every request for (the built-in ones; vendors add theirs)."""

from __future__ import annotations

from diagbundle import TicketField

NETWORK_TYPES = ("home", "corporate", "vpn", "unknown")

BUILT_IN = (
    TicketField("problem", "What went wrong", "what went wrong, in your words", prompt=True, text_file=True),
    TicketField("steps", "Steps to reproduce", "the steps that lead to the problem", prompt=True,
                text_file=True),
    TicketField("when", "When it happened", "when it happened: ISO 8601 or '10 minutes ago', "
                "'today 14:05', in your language", prompt=True),
    TicketField("error", "The exact error message", "the exact error message", text_file=True),
    TicketField("email", "Account e-mail", "the e-mail of your account (never a password)",
                pattern=r"[^@\s]+@[^@\s]+\.[^@\s]+", prompt=True, identifying=True),
    TicketField("case-id", "Case ID", "the support case id (it also goes into the file name)",
                pattern=r"[A-Za-z0-9][A-Za-z0-9 ._#/-]{0,63}", identifying=True),
    TicketField("org-id", "Organization ID", "your organization id", identifying=True),
    TicketField("workspace-id", "Workspace or project ID", "your workspace or project id", identifying=True),
    TicketField("request-id", "Request IDs", "a request or completion id support should look up; repeatable",
                identifying=True, repeatable=True),
    TicketField("network", "Network", "the network you were on: " + ", ".join(NETWORK_TYPES)
                + " (default: the network collector's guess, confirmed on a terminal)",
                pattern="|".join(NETWORK_TYPES)),
)
