"""The redactor: every text byte that enters a bundle passes through here.

The public surface is :class:`Redactor` and :class:`Rule`; the rule set and
the streaming engine behind them live in the submodules.
"""

from diagbundle.redaction.engine import Redactor, Rule

__all__ = ["Redactor", "Rule"]
